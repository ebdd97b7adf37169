"""Build the round's mails as stdlib `EmailMessage`s (policy default, serialised with policy SMTP).

Japanese display names and subjects are RFC 2047 encoded by the stdlib header registry; the
attachment gets a RFC 2231 `filename*` (Thunderbird, webmail, Apple Mail) plus a RFC 2047
`name=` on Content-Type, which Outlook reads when it ignores RFC 2231.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from ..era import date_label
from ..formdef import Form
from ..models import Department, Master
from ..round import default_form
from ..units import AnswerUnit, department_units, unit_kind, unit_title

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
DEFAULT_SIZE_LIMIT = 10 * 1024 * 1024
"""Default cap on one mail's size in bytes (many municipal mail systems refuse larger mails)."""


class _RawContentType(str):
    """A pre-folded Content-Type header the policy emits unchanged.

    The email policy turns every parameter with non-ASCII text into RFC 2231 (`name*=`), and
    Outlook reads only a RFC 2047 `name="=?utf-8?b?…?="`, which the header registry cannot
    produce; a value with `name` and `fold()` is the documented way to keep a header as written
    (`email.policy.EmailPolicy.header_store_parse`).
    """

    name = "Content-Type"

    def fold(self, *, policy) -> str:
        return "Content-Type: " + str(self).replace("\n", policy.linesep) + policy.linesep


def _rfc2047_quoted(text: str) -> str:
    """`"=?utf-8?b?…?=\\n =?utf-8?b?…?="`: encoded words of at most 75 characters, folded."""
    # header_name: the first line also holds ` name="`; continuation lines are ` =?…?=` (+ `"`).
    words = Header(text, "utf-8", header_name='name="').encode(splitchars="", maxlinelen=74)
    return '"' + words + '"'


def attach_file(msg: EmailMessage, data: bytes, filename: str, mimetype: tuple[str, str] = XLSX_TYPE) -> None:
    """Attach `data` as `filename` so Outlook, Thunderbird and webmail all show the Japanese name."""
    msg.add_attachment(data, maintype=mimetype[0], subtype=mimetype[1], filename=filename)
    part = list(msg.iter_attachments())[-1]
    ctype = f"{mimetype[0]}/{mimetype[1]}"
    if filename.isascii():
        value = f'{ctype};\n name="{filename}"'
    else:
        value = f"{ctype};\n name={_rfc2047_quoted(filename)}"
    part.replace_header("Content-Type", _RawContentType(value))


def office_address(master: Master) -> Address:
    s = master.settings
    return Address(display_name=f"{s.municipality}{s.office_name}", addr_spec=s.office_email)


def department_addresses(dept: Department) -> list[Address]:
    # The name alone, no "ご担当者様": CPython's parser inserts a space where a folded encoded word
    # ends in whitespace, so display names avoid spaces.
    return [Address(display_name=dept.name, addr_spec=e) for e in dept.emails]


def _domain(addr: str) -> str:
    return addr.rpartition("@")[2] or "xlsheet.invalid"


def new_message(
    master: Master, dept: Department, subject: str, body: str, now: dt.datetime | None = None
) -> EmailMessage:
    """A draft from the office to the department: Japanese subject and body, Message-ID, X-Unsent."""
    msg = EmailMessage(policy=policy.default)
    msg["Subject"] = subject
    msg["From"] = office_address(master)
    msg["To"] = department_addresses(dept)
    msg["Date"] = format_datetime((now or dt.datetime.now()).astimezone())
    msg["Message-ID"] = make_msgid("xlsheet", domain=_domain(master.settings.office_email))
    msg["X-Unsent"] = "1"
    msg["X-Xlsheet-Department"] = dept.code
    msg["X-Xlsheet-Round"] = master.settings.round_id
    # base64: a UTF-8 body passes any 7-bit relay and LGWAN gateway unchanged.
    msg.set_content(body, cte="base64")
    return msg


def signature(master: Master) -> str:
    s = master.settings
    lines = ["――――――――――――――――――――", f"{s.municipality} {s.office_name} {s.office_contact}"]
    contact = f"メール: {s.office_email}" + (f"　電話: {s.office_phone}" if s.office_phone else "")
    return "\n".join([*lines, contact])


def _greeting(master: Master, dept: Department) -> str:
    s = master.settings
    head = f"{dept.parent} {dept.name} ご担当者様" if dept.parent else f"{dept.name} ご担当者様"
    return f"{head}\n\n{s.office_name}（{s.office_contact}）です。"


def deadline_text(master: Master) -> str:
    return date_label(master.settings.deadline)


def round_subject(master: Master, dept: Department, form: Form | None = None) -> str:
    s = master.settings
    title = form.title if form is not None else "政策評価表"
    topic = "政策評価" if form is None or unit_kind(form) is AnswerUnit.LEADING_PROJECT else title
    return (
        f"【{s.evaluation_label}{topic}】{title}の作成依頼（{dept.name}・提出期限 {deadline_text(master)}）"
    )


def _dropdowns(form: Form) -> str:
    """The input fields chosen from a list, as the mail names them (the seed's wording kept)."""
    if unit_kind(form) is AnswerUnit.LEADING_PROJECT and form.id == default_form().id:
        return "取り組みコード・区分・所属・ＳＤＧｓ"
    return "・".join(dict.fromkeys(f.label for s in form.sections for f in s.fields if f.list and f.is_input))


def round_body(master: Master, dept: Department, filename: str, form: Form | None = None) -> str:
    s = master.settings
    form = form or default_form()
    units = "、".join(f"「{unit_title(u)}」" for u in department_units(form, master, dept.code))
    if unit_kind(form) is AnswerUnit.PROJECT:
        request = (
            f"{s.evaluation_label}の{form.title}（{s.evaluated_label}の事業の評価）について、"
            f"添付の Excel ブックで担当する事業ごとに{form.title}の作成をお願いします。"
        )
    else:
        request = (
            f"{s.evaluation_label}の政策評価（{s.evaluated_label}の取り組みの評価）について、"
            f"添付の Excel ブックで{form.title}の作成をお願いします。"
        )
    return "\n".join(
        [
            _greeting(master, dept),
            "",
            request,
            "",
            f"■ 提出期限: {deadline_text(master)}",
            f"■ 添付ファイル: {filename}",
            f"■ 対象の{unit_kind(form).noun}: {units}",
            "",
            "■ 作成方法",
            "1. 添付のブックを保存し、Excel（または LibreOffice）で開いてください。",
            f"2. 色の付いた入力欄に入力してください。{_dropdowns(form)}はプルダウンから選んでください。",
            "3. シート名の変更、シートの追加・削除、保護の解除はしないでください。",
            "4. 上部の表示が「入力チェック: OK」になったことを確認し、上書き保存してください。",
            "5. ファイル名と形式（.xlsx）は変えずに、このメールへの返信に添付して送ってください。",
            "   パスワード付き ZIP にはしないでください（そのまま添付してください）。",
            "",
            "ご不明な点は下記までお問い合わせください。",
            "",
            signature(master),
        ]
    )


def round_message(
    master: Master, dept: Department, workbook: Path, now: dt.datetime | None = None, form: Form | None = None
) -> EmailMessage:
    """The round's request to one department with its entry workbook attached."""
    subject, body = round_subject(master, dept, form), round_body(master, dept, workbook.name, form)
    msg = new_message(master, dept, subject, body, now)
    attach_file(msg, workbook.read_bytes(), workbook.name)
    return msg


def reminder_message(
    master: Master,
    dept: Department,
    missing: str,
    workbook: Path | None,
    now: dt.datetime | None = None,
    returned: bool = False,
) -> EmailMessage:
    """A reminder to a department without an accepted submission; re-attaches its workbook if
    there (`returned`: the feedback workbook with the marks, not the original)."""
    s = master.settings
    subject = f"【{s.evaluation_label}政策評価・再度のお願い】政策評価表の提出（{dept.name}・提出期限 {deadline_text(master)}）"
    lines = [
        _greeting(master, dept),
        "",
        f"{s.evaluation_label}の政策評価表について、{dept.name}分の提出を確認できていません。",
        "",
        f"■ 提出状況: {missing}",
        f"■ 提出期限: {deadline_text(master)}",
    ]
    if workbook is not None:
        note = "直す箇所に印を付けた返却ブックです" if returned else "先にお送りしたものと同じです"
        lines.append(f"■ 添付ファイル: {workbook.name}（{note}）")
    lines += [
        "",
        "入力したブック（.xlsx のまま、ファイル名を変えずに）をこのメールへの返信に添付して送ってください。",
        "パスワード付き ZIP にはしないでください。既に送っていただいた場合は行き違いですのでご容赦ください。",
        "",
        signature(master),
    ]
    msg = new_message(master, dept, subject, "\n".join(lines), now)
    if workbook is not None:
        attach_file(msg, workbook.read_bytes(), workbook.name)
    return msg


@dataclass(frozen=True)
class ReplyTo:
    """The department's mail being answered (for In-Reply-To/References)."""

    message_id: str
    references: str = ""
    subject: str = ""


def feedback_message(
    master: Master,
    dept: Department,
    fixes: list[str],
    workbook: Path | None,
    reply_to: ReplyTo | None = None,
    now: dt.datetime | None = None,
) -> EmailMessage:
    """A reply asking for fixes, listing them and attaching the feedback workbook."""
    s = master.settings
    base = f"【{s.evaluation_label}政策評価】政策評価表の修正のお願い（{dept.name}）"
    subject = f"Re: {reply_to.subject}" if reply_to and reply_to.subject else base
    if subject.lower().startswith("re: re:"):
        subject = subject[4:]
    lines = [
        _greeting(master, dept),
        "",
        f"{s.evaluation_label}の政策評価表をお送りいただき、ありがとうございました。",
        f"確認したところ、次の {len(fixes)} 点の修正が必要です。",
        "",
        "■ 修正していただきたい点",
        *[f"{i}. {text}" for i, text in enumerate(fixes, 1)],
        "",
    ]
    if workbook is not None:
        lines += [
            f"■ 添付ファイル: {workbook.name}",
            "   お送りいただいた内容を入れ直し、直す箇所に印を付けたブックです。",
            "   このブックを直して、ファイル名と形式（.xlsx）を変えずに返信に添付して送ってください。",
            "",
        ]
    lines += [f"■ 提出期限: {deadline_text(master)}", "", signature(master)]
    msg = new_message(master, dept, subject, "\n".join(lines), now)
    if reply_to is not None:
        msg["In-Reply-To"] = reply_to.message_id
        msg["References"] = " ".join(x for x in (reply_to.references, reply_to.message_id) if x)
    if workbook is not None:
        attach_file(msg, workbook.read_bytes(), workbook.name)
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The mail as written to a .eml file and sent over SMTP (CRLF line ends)."""
    return msg.as_bytes(policy=policy.SMTP)


def human_size(n: int) -> str:
    """25 KB, 10.0 MB."""
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def size_warning(msg: EmailMessage, dept: Department, limit: int = DEFAULT_SIZE_LIMIT) -> str | None:
    """A Japanese warning when the mail is larger than `limit` bytes, else None."""
    size = len(message_bytes(msg))
    if limit and size > limit:
        return (
            f"{dept.code} {dept.name}: メールの大きさ {human_size(size)} が上限 {human_size(limit)} を超えています。"
            "受信側で拒否されることがあります。"
            "添付ブックを小さくするか、庁内の共有フォルダ等で渡してください（--max-size で上限を変えられます）。"
        )
    return None
