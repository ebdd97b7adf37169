"""Expand the inbox into candidate files: loose files, zip members, mail attachments.

`inbox_units` lists what to read (every file under inbox/, and folders a folder reader claims,
such as Maildir); `expand` turns one unit into `Candidate`s, each with its origin path, sender
and date. Readers are registered by suffix (`FILE_READERS`), by content (`sniff`) and by
folder test (`FOLDER_READERS`), so another mail store is one more entry in a table.
Mail parsing is the standard library's `email` (policy.default decodes RFC 2047/2231 names);
Outlook .msg goes through aspose-email-foss into the same `EmailMessage` path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import email.utils
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path, PurePosixPath

from ..mail.attachments import mail_attachments, no_attachment_issue
from ..mail.mailboxes import is_maildir, is_mbox, maildir_messages, mbox_messages
from ..models import FileStatus, Issue, Severity
from .triage import IntakeError, open_zip, refuse, sniff

MAX_DEPTH = 4
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm"}
SKIP_MEMBERS = ("__MACOSX/", ".DS_Store", "Thumbs.db")


@dataclass
class Candidate:
    """One file that may be a workbook, with where it came from."""

    origin: str
    """Path relative to inbox/; members of mails and zips as `mail.eml/添付.xlsx`."""
    data: bytes
    sender: str = ""
    date: dt.datetime | None = None
    """The Date of the mail it came in (None for loose files)."""
    container: str = ""
    """Origin of the mail or zip it came in ("" for loose files)."""
    notes: list[Issue] = field(default_factory=list)
    status: FileStatus | None = None
    """Set when expansion already decided (lock file, broken archive): the reader is skipped."""
    fs_time: dt.datetime | None = None
    """Modification time of the inbox/ entry it came from."""

    @property
    def name(self) -> str:
        return PurePosixPath(self.origin).name


@dataclass(frozen=True)
class Context:
    origin: str
    sender: str = ""
    date: dt.datetime | None = None
    container: str = ""
    depth: int = 0
    fs_time: dt.datetime | None = None

    def child(self, name: str, **kw) -> Context:
        base = {
            "sender": self.sender,
            "date": self.date,
            "container": self.origin,
            "depth": self.depth + 1,
            "fs_time": self.fs_time,
        }
        base.update(kw)
        return Context(origin=f"{self.origin}/{name}", **base)


FileReader = Callable[[bytes, Context], Iterator[Candidate]]

PR_SENDER_SMTP_ADDRESS = 0x5D01
PR_CLIENT_SUBMIT_TIME = 0x0039


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


# --------------------------------------------------------------------------- mail


def mail_identity(msg: EmailMessage) -> tuple[str, dt.datetime | None]:
    """(sender address, Date) of a mail; blanks when absent or unreadable."""
    sender = ""
    try:
        addrs = email.utils.getaddresses([str(msg.get("From", ""))])
        sender = next((a for _, a in addrs if a), "").lower()
    except Exception:
        sender = ""
    date = None
    try:
        if msg.get("Date"):
            date = _utc(email.utils.parsedate_to_datetime(str(msg["Date"])))
    except Exception:
        date = None
    return sender, date


def _from_message(msg: EmailMessage, ctx: Context) -> Iterator[Candidate]:
    sender, date = mail_identity(msg)
    ctx = Context(ctx.origin, sender or ctx.sender, date or ctx.date, ctx.container, ctx.depth, ctx.fs_time)
    found = False
    # mail_attachments: nested multiparts, legacy Japanese names, uuencoded files (xlsheet.mail).
    for i, att in enumerate(mail_attachments(msg), 1):
        found = True
        filename = att.filename or f"添付{i}"
        filename = filename.replace("/", "_").replace("\\", "_")
        if att.message is not None:
            yield from _from_message(att.message, ctx.child(filename, container=ctx.origin))
            continue
        yield from expand_bytes(att.data, ctx.child(filename))
    if not found:
        yield Candidate(
            ctx.origin,
            b"",
            ctx.sender,
            ctx.date,
            ctx.container,
            [no_attachment_issue(msg)],
            FileStatus.IGNORED,
        )


def read_eml(data: bytes, ctx: Context) -> Iterator[Candidate]:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    yield from _from_message(msg, ctx)


def read_msg(data: bytes, ctx: Context) -> Iterator[Candidate]:
    from aspose.email_foss.cfb.reader import CFBReader
    from aspose.email_foss.msg import MapiMessage, MsgReader
    from aspose.email_foss.msg.writer import MsgDocument

    try:
        reader = MsgReader(CFBReader(data))
        message = MapiMessage.from_msg_document(MsgDocument.from_reader(reader))
        msg = message.to_email_message()
        smtp = message.get_property_value(
            PR_SENDER_SMTP_ADDRESS
        )  # Exchange keeps an X.500 address in the other
        if isinstance(smtp, str) and "@" in smtp and "@" not in str(msg.get("From", "")):
            del msg["From"]
            msg["From"] = smtp
        if not msg.get("Date"):
            sent = message.get_property_value(PR_CLIENT_SUBMIT_TIME)
            if isinstance(sent, dt.datetime):
                msg["Date"] = email.utils.format_datetime(_utc(sent))
    except Exception as exc:
        yield _refused(
            ctx,
            refuse(
                "corrupt_msg",
                f"Outlook のメール（.msg）が読めません（{exc}）。",
                "メールを保存し直して送ってください。",
            ),
        )
        return
    yield from _from_message(msg, ctx)


# --------------------------------------------------------------------------- zip archives


def _member_name(info) -> str:
    """Zip member names from Japanese Windows are CP932 without the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & 0x800:
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("cp932")
    return name


def read_zip(data: bytes, ctx: Context) -> Iterator[Candidate]:
    try:
        zf = open_zip(data, "zip ファイル")
    except IntakeError as exc:
        yield _refused(ctx, exc)
        return
    with zf:
        names = {i.filename.lower() for i in zf.infolist()}
        if "[content_types].xml" in names:  # a workbook saved as .zip
            yield Candidate(ctx.origin, data, ctx.sender, ctx.date, ctx.container)
            return
        for info in zf.infolist():
            if info.is_dir() or any(s in info.filename for s in SKIP_MEMBERS):
                continue
            name = _member_name(info)
            try:
                member = zf.read(info)
            except Exception as exc:
                yield _refused(
                    ctx.child(name),
                    refuse(
                        "corrupt_zip",
                        f"zip の中の「{name}」が壊れていて取り出せません（{exc}）。",
                        "zip を作り直して送ってください。",
                    ),
                )
                continue
            yield from expand_bytes(member, ctx.child(PurePosixPath(name).name if "/" in name else name))


# --------------------------------------------------------------------------- dispatch


def read_mbox_file(path: Path, ctx: Context) -> Iterator[Candidate]:
    for name, raw in mbox_messages(path):
        yield from read_eml(
            raw, Context(f"{ctx.origin}#{name.rsplit('#', 1)[-1]}", depth=1, container=ctx.origin)
        )


def read_maildir(path: Path, ctx: Context) -> Iterator[Candidate]:
    for name, raw in maildir_messages(path):
        yield from read_eml(
            raw, Context(f"{ctx.origin}/{name.split('/', 1)[-1]}", depth=1, container=ctx.origin)
        )


FILE_READERS: dict[str, FileReader] = {".eml": read_eml, ".msg": read_msg, ".zip": read_zip}
"""Readers of container files by suffix; other suffixes are sniffed, then read as workbooks."""

SNIFFED_READERS: dict[str, FileReader] = {"mail": read_eml, "ole-msg": read_msg}

PATH_READERS: list[tuple[Callable[[Path], bool], Callable[[Path, Context], Iterator[Candidate]]]] = [
    (is_maildir, read_maildir),
    (is_mbox, read_mbox_file),
]
"""Units that are read from disk as a whole (mail folders and mbox files): test, reader."""


def _refused(ctx: Context, exc: IntakeError) -> Candidate:
    return Candidate(ctx.origin, b"", ctx.sender, ctx.date, ctx.container, [exc.issue], exc.status)


def expand_bytes(data: bytes, ctx: Context) -> Iterator[Candidate]:
    name = PurePosixPath(ctx.origin).name
    if name.startswith("~$"):
        yield Candidate(
            ctx.origin,
            data,
            ctx.sender,
            ctx.date,
            ctx.container,
            [
                Issue(
                    code="lock_file",
                    message="Excel が編集中に作る一時ファイル（~$ で始まるファイル）です。読み飛ばしました。",
                    hint="ブック本体（~$ の付かないファイル）を送ってください。",
                    severity=Severity.WARNING,
                )
            ],
            FileStatus.IGNORED,
        )
        return
    suffix = PurePosixPath(name).suffix.lower()
    reader = FILE_READERS.get(suffix)
    if reader is None and suffix not in WORKBOOK_SUFFIXES:
        kind = sniff(data)
        reader = SNIFFED_READERS.get(kind)
        if reader is None and kind == "zip":
            reader = read_zip
    if reader is not None and ctx.depth < MAX_DEPTH:
        yield from reader(data, ctx)
        return
    yield Candidate(ctx.origin, data, ctx.sender, ctx.date, ctx.container)


def inbox_units(inbox: Path) -> list[Path]:
    """Every file under inbox/ (sorted), a Maildir folder counting as one unit."""
    out: list[Path] = []

    def walk(folder: Path) -> None:
        for p in sorted(folder.iterdir()):
            if p.name.startswith(".") and p.name not in (".",):
                continue
            if p.is_dir():
                if any(test(p) for test, _ in PATH_READERS):
                    out.append(p)
                else:
                    walk(p)
            elif p.is_file():
                out.append(p)

    if inbox.is_dir():
        walk(inbox)
    return out


def expand(path: Path, inbox: Path) -> Iterator[tuple[bytes | None, Candidate]]:
    """Candidates of one unit; the first item of each pair is the unit's own bytes (once, first)."""
    origin = path.relative_to(inbox).as_posix()
    mtime = _utc(dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC))
    ctx = Context(origin, fs_time=mtime)
    for test, reader in PATH_READERS:
        if test(path):
            for c in reader(path, ctx):
                c.fs_time = c.fs_time or mtime
                yield None, c
            return
    data = path.read_bytes()
    first = True
    for c in expand_bytes(data, ctx):
        c.fs_time = c.fs_time or mtime
        yield (data if first else None), c
        first = False
