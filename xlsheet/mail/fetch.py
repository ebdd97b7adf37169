"""`xlsheet fetch`: copy new messages from an IMAP folder into the round's inbox as .eml files.

What was fetched is remembered by (server, user, folder, UIDVALIDITY, UID) in a table of our own
in the round's ledger (`Ledger.fetched_uids`), so a second fetch copies only what arrived since. Messages are read
with BODY.PEEK[]: nothing is marked read, moved or deleted on the server.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import imaplib
import re
import ssl
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

from ..intake.ledger import Ledger
from ..paths import RoundPaths, safe_filename
from ..xlsxout import atomic_path
from .send import MailError


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int = 143
    user: str = ""
    password: str = ""
    folder: str = "INBOX"
    starttls: bool = False
    ssl: bool = False
    timeout: float = 60.0


@dataclass(frozen=True)
class Fetched:
    uid: int
    path: Path
    subject: str
    sender: str
    size: int


@dataclass
class FetchResult:
    fetched: list[Fetched] = field(default_factory=list)
    already: int = 0
    uidvalidity: int = 0
    problems: list[str] = field(default_factory=list)


def _connect(cfg: ImapConfig) -> imaplib.IMAP4:
    where = f"IMAP サーバー {cfg.host}:{cfg.port}"
    try:
        if cfg.ssl:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                cfg.host, cfg.port, ssl_context=ssl.create_default_context(), timeout=cfg.timeout
            )
        else:
            conn = imaplib.IMAP4(cfg.host, cfg.port, timeout=cfg.timeout)
            if cfg.starttls:
                conn.starttls(ssl_context=ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailError(
            f"{where} に接続できません: {exc}。サーバー名・ポート・--starttls/--ssl を確かめてください"
        ) from exc
    try:
        conn.login(cfg.user, cfg.password)
    except imaplib.IMAP4.error as exc:
        conn.logout()
        raise MailError(
            f"{where} にログインできません（{exc}）。ユーザー名とパスワードを確かめてください"
        ) from exc
    return conn


def _quote_folder(folder: str) -> str:
    """An IMAP mailbox name as a quoted string (modified UTF-7 for non-ASCII names, RFC 3501 5.1.3)."""
    if not folder.isascii():
        folder = _utf7_imap(folder)
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _utf7_imap(text: str) -> str:
    # imaplib has no encoder for IMAP's modified UTF-7; this is the RFC 3501 rule: runs of
    # non-printable-ASCII as UTF-16BE base64 with ',' for '/', between '&' and '-'; '&' as '&-'.
    out, run = [], []

    def flush() -> None:
        if run:
            b = base64.b64encode("".join(run).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + b.replace("/", ",") + "-")
            run.clear()

    for ch in text:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def _check(typ: str, data, what: str) -> None:
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        raise MailError(f"IMAP の {what} に失敗しました: {detail}")


def _summary(raw: bytes) -> tuple[str, str]:
    head = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    try:
        return str(head.get("Subject", "")), str(head.get("From", ""))
    except Exception:  # a header the registry cannot parse: show it undecoded, never fail the fetch
        return "", ""


def _free_name(path: Path, raw: bytes) -> Path:
    """`path`, or `path-2.eml`… when another server's message already has that name."""
    n = 1
    candidate = path
    while candidate.exists() and candidate.read_bytes() != raw:
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def fetch_imap(root: Path, cfg: ImapConfig, now: dt.datetime | None = None) -> FetchResult:
    """Copy every message in `cfg.folder` not fetched before into inbox/ as `imap-…-<uid>.eml`."""
    paths = RoundPaths(Path(root))
    paths.inbox.mkdir(parents=True, exist_ok=True)
    server = cfg.host.lower()  # not the port: STARTTLS on 143 and IMAPS on 993 are one mailbox
    result = FetchResult()
    with Ledger(paths.ledger) as ledger:
        conn = _connect(cfg)
        try:
            typ, data = conn.select(_quote_folder(cfg.folder), readonly=True)
            if typ != "OK":
                raise MailError(
                    f"フォルダ「{cfg.folder}」を開けません（{data}）。--folder の名前を確かめてください"
                )
            uv = conn.response("UIDVALIDITY")[1]
            result.uidvalidity = int(uv[0]) if uv and uv[0] else 0
            typ, data = conn.uid("SEARCH", None, "ALL")
            _check(typ, data, "検索")
            uids = [int(u) for u in (data[0] or b"").split()]
            seen = ledger.fetched_uids(server, cfg.user, cfg.folder, result.uidvalidity)
            result.already = sum(1 for u in uids if u in seen)
            stamp = safe_filename(re.sub(r"\W+", "-", cfg.folder, flags=re.ASCII).strip("-") or "folder")
            for uid in (u for u in uids if u not in seen):
                typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
                _check(typ, data, f"取得（UID {uid}）")
                raw = next((d[1] for d in data if isinstance(d, tuple)), None)
                if raw is None:  # expunged between SEARCH and FETCH
                    continue
                path = _free_name(paths.inbox / f"imap-{stamp}-{result.uidvalidity}-{uid:07d}.eml", raw)
                with atomic_path(path) as tmp:
                    tmp.write_bytes(raw)
                when = now or dt.datetime.now().astimezone()
                ledger.record_fetched(server, cfg.user, cfg.folder, result.uidvalidity, uid, path.name, when)
                subject, sender = _summary(raw)
                result.fetched.append(Fetched(uid, path, subject, sender, len(raw)))
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                conn.logout()
    return result
