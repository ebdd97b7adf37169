"""Deliver the round's mails: drafts (.eml with X-Unsent) or SMTP, each recorded in the ledger."""

from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

from ..errors import XlsheetError
from ..formdef import Form
from ..intake.ledger import Ledger
from ..models import Department, MailKind, Master, SendState
from ..paths import RoundPaths, safe_filename
from ..round import Round
from ..units import participating_departments
from ..xlsxout import atomic_path
from .compose import DEFAULT_SIZE_LIMIT, message_bytes, round_message, size_warning


class MailError(XlsheetError):
    """A mail step that cannot start (bad option, unreachable server); the message is Japanese."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0


def parse_hostport(text: str, default_port: int) -> tuple[str, int]:
    """`HOST:PORT` or `HOST` (IPv6 in brackets) into host and port."""
    host, sep, port = text.rpartition(":")
    if not sep or "]" in port:
        host, port = text, ""
    host = host.strip("[]")
    if not host:
        raise MailError(
            f"サーバーの指定「{text}」が読めません。HOST:PORT の形で指定してください（例: 127.0.0.1:25）"
        )
    if not port:
        return host, default_port
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise MailError(f"ポート番号「{port}」が正しくありません。1〜65535 の数で指定してください")
    return host, int(port)


@dataclass(frozen=True)
class Outgoing:
    """One mail written (and possibly sent) to one department."""

    department: str
    name: str
    to: tuple[str, ...]
    path: Path
    size: int
    message_id: str
    sent: bool = False
    warning: str = ""
    error: str = ""

    @property
    def state(self) -> SendState:
        if self.error:
            return SendState.PARTLY_SENT if self.sent else SendState.FAILED
        return SendState.SENT if self.sent else SendState.DRAFT


@dataclass
class Delivery:
    """What a send/remind/feedback run did; `problems` are Japanese lines for people."""

    mails: list[Outgoing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Departments not mailed because they already have this very workbook (Japanese lines)."""

    @property
    def failed(self) -> list[Outgoing]:
        return [m for m in self.mails if m.error]


def write_eml(msg: EmailMessage, path: Path) -> int:
    """Write the mail atomically; return its size in bytes."""
    data = message_bytes(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return len(data)


def mail_filename(dept: Department) -> str:
    return safe_filename(f"{dept.code}_{dept.name}") + ".eml"


def _recipients(msg: EmailMessage) -> list[str]:
    fields = [str(msg[h]) for h in ("To", "Cc", "Bcc") if msg[h] is not None]
    return [addr for _, addr in getaddresses(fields) if addr]


def _open_smtp(cfg: SmtpConfig) -> smtplib.SMTP:
    try:
        if cfg.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=cfg.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        if cfg.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if cfg.user:
            smtp.login(cfg.user, cfg.password or "")
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"SMTP サーバー {cfg.host}:{cfg.port} にログインできません（{exc.smtp_code}）。"
            "ユーザー名とパスワードを確かめてください"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(
            f"SMTP サーバー {cfg.host}:{cfg.port} が認証（AUTH）や STARTTLS を受け付けません（{exc}）。"
            "暗号化してから認証するサーバーでは --starttls（または --ssl）を付けてください"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(
            f"SMTP サーバー {cfg.host}:{cfg.port} に接続できません: {exc}。"
            "サーバー名・ポート・--starttls/--ssl の指定を確かめてください"
        ) from exc
    return smtp


def deliver(
    root: Path,
    mails: list[tuple[Department, EmailMessage]],
    folder: Path,
    kind: MailKind,
    smtp: SmtpConfig | None = None,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    now: dt.datetime | None = None,
) -> Delivery:
    """Write each mail to `folder` as .eml and, with `smtp`, send it; record each in the ledger.

    Drafts keep `X-Unsent: 1` (Outlook opens them for editing); mails sent over SMTP lose it and
    their .eml is the copy of what went out. One failed recipient does not stop the others.
    """
    result = Delivery()
    now = now or dt.datetime.now().astimezone()
    conn = _open_smtp(smtp) if smtp and mails else None
    ledger = Ledger(RoundPaths(Path(root)).ledger)  # owned by intake; we add rows to its `sent` table
    try:
        for dept, msg in mails:
            warning = size_warning(msg, dept, size_limit) or ""
            if warning:
                result.problems.append(warning)
            to = _recipients(msg)
            error = ""
            refused: dict = {}
            if conn is not None:
                del msg["X-Unsent"]
                try:
                    refused = conn.sendmail(msg["From"].addresses[0].addr_spec, to, message_bytes(msg))
                except smtplib.SMTPRecipientsRefused as exc:  # every recipient refused
                    refused, error = exc.recipients, "送信できませんでした。"
                except smtplib.SMTPException as exc:
                    error = f"送信できませんでした: {exc}"
                if refused:  # a partly refused mail still went to the others
                    error += "サーバーが受け取りを拒否した宛先: " + "、".join(
                        f"{a}（{c} {m.decode(errors='replace')}）" for a, (c, m) in refused.items()
                    )
                    error += "。master.xlsx の「所属」シートのメールアドレスを確かめてください"
                if error:
                    result.problems.append(f"{dept.code} {dept.name}: {error}")
            path = folder / mail_filename(dept)
            size = write_eml(msg, path)
            sent = conn is not None and len(refused) < len(to) and not error.startswith("送信できません")
            mail = Outgoing(
                dept.code, dept.name, tuple(to), path, size, str(msg["Message-ID"]), sent, warning, error
            )
            result.mails.append(mail)
            if sent or conn is None:
                ledger.record_sent(dept.code, now, kind.recorded(sent), str(path), attachment_digest(msg))
    finally:
        ledger.close()
        if conn is not None:
            try:
                conn.quit()
            except smtplib.SMTPException:
                conn.close()
    return result


def attachment_digest(msg: EmailMessage) -> str:
    """SHA-256 of the mail's first workbook attachment ("" when it carries none)."""
    for part in msg.iter_attachments():
        name = (part.get_filename() or "").lower()
        if name.endswith(".xlsx"):
            return hashlib.sha256(part.get_content()).hexdigest()
    return ""


def selected_departments(
    master: Master, only: list[str] | None, form: Form | None = None
) -> list[Department]:
    depts = (
        participating_departments(form, master) if form is not None else master.participating_departments()
    )
    if only:
        unknown = sorted(set(only) - {d.code for d in depts})
        if unknown:
            raise MailError(
                "対象の所属にないコードです: "
                + "、".join(unknown)
                + "（master.xlsx の「所属」シートのコード）"
            )
        depts = [d for d in depts if d.code in set(only)]
    return depts


ROUND_KINDS = (MailKind.ROUND.recorded(True), MailKind.ROUND.recorded(False))


def build_round_mails(
    root: Path, only: list[str] | None = None, now: dt.datetime | None = None, resend: bool = False
) -> tuple[list[tuple[Department, EmailMessage]], list[str], list[str]]:
    """The request mail for each participating department whose workbook it has not been sent
    yet (every one with `resend`); Japanese lines for what was skipped as a problem, and for
    departments that already have this very workbook."""
    rnd = Round(Path(root))
    paths, master = rnd.paths, rnd.master
    with rnd.ledger() as ledger:
        sent = ledger.sent_digests(ROUND_KINDS)
    mails, problems, skipped = [], [], []
    for dept in selected_departments(master, only, rnd.form):
        book = paths.entry_workbook(dept)
        if not dept.emails:
            problems.append(no_address(dept))
        elif not book.is_file():
            problems.append(
                f"{dept.code} {dept.name}: 入力ブック {book} がありません。先に `xlsheet generate` を実行してください"
            )
        elif not resend and hashlib.sha256(book.read_bytes()).hexdigest() in sent.get(dept.code, set()):
            skipped.append(f"{dept.code} {dept.name}: 同じ入力ブックを送付済みです")
        else:
            mails.append((dept, round_message(master, dept, book, now, rnd.form)))
    return mails, problems, skipped


def send_round(
    root: Path,
    smtp: SmtpConfig | None = None,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    only: list[str] | None = None,
    now: dt.datetime | None = None,
    resend: bool = False,
) -> Delivery:
    """`xlsheet send`: one mail per department whose workbook is new or changed (every one with
    `resend`) to outbox/mail/ (drafts), or sent over SMTP."""
    folder = RoundPaths(Path(root)).mail_outbox
    mails, problems, skipped = build_round_mails(root, only, now, resend)
    result = deliver(root, mails, folder, MailKind.ROUND, smtp, size_limit, now)
    result.problems[:0] = problems
    result.skipped = skipped
    return result


def no_address(dept: Department) -> str:
    """The problem line for a department mail cannot reach (Japanese, with the fix)."""
    return (
        f"{dept.code} {dept.name}: メールアドレスがありません。master.xlsx の「所属」シートに入れてください"
    )


def build_and_deliver(
    root: Path,
    build: Callable[[Path, list[str] | None, dt.datetime | None], tuple[list, list[str]]],
    folder: Path,
    kind: MailKind,
    smtp: SmtpConfig | None,
    size_limit: int,
    only: list[str] | None,
    now: dt.datetime | None,
) -> Delivery:
    """Build one kind of mail with `build`, deliver it, and report the build's problems first."""
    mails, problems = build(root, only, now)
    result = deliver(root, mails, folder, kind, smtp, size_limit, now)
    result.problems[:0] = problems
    return result
