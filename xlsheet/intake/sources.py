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
import itertools
import mailbox
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path, PurePosixPath

from ..catalogue import issue
from ..mail.attachments import mail_attachments, no_attachment_issue
from ..mail.mailboxes import MBOX_SUFFIXES, mbox_messages
from ..models import FileStatus, Issue
from .triage import IntakeError, open_zip, package_kind, refuse, sniff

MAX_DEPTH = 4
"""Containers inside containers (a zip in a zip in a mail …) read at most this deep."""
TREE_MAX_FILES = 500
"""Files taken out of one inbox entry (a mail, a zip, an mbox) in all, at every depth."""
TREE_MAX_BYTES = 512 * 1024 * 1024
"""Bytes inflated from zips and decoded from mails out of one inbox entry, at every depth."""
TREE_MAX_MESSAGES = 2_000
"""Mails in one inbox entry (messages of an mbox or Maildir, mails attached to mails). In a
mailbox each message has its own files/bytes budget (many senders share one mailbox)."""
MAX_ATTACHMENTS = 100
"""Attachments of one mail; a mail with more is one entry, not opened."""
MAX_ZIP_FILES = 200
"""Files in one zip archive; a zip with more is one entry, not opened."""
MAX_LOOSE_BYTES = 1024 * 1024 * 1024
"""A loose file larger than this is not read at all (a returned form is well under 1 MB)."""
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
    originals: tuple[tuple[bytes, str], ...] = ()
    """Original bytes read from inbox/ to archive before this file (the mbox, a message), with a name."""

    @property
    def name(self) -> str:
        return PurePosixPath(self.origin).name


class OverBudget(Exception):
    """One inbox entry's tree went over a budget: `candidate` is the one entry that says so."""

    def __init__(self, candidate: Candidate):
        super().__init__(candidate.origin)
        self.candidate = candidate


@dataclass
class Budget:
    """What one top-level inbox entry's tree has used so far (shared by every Context of it)."""

    files: int = 0
    inflated: int = 0
    messages: int = 0

    def take(self, ctx: Context, files: int = 0, inflated: int = 0, messages: int = 0) -> None:
        self.files += files
        self.inflated += inflated
        self.messages += messages
        over = None
        if self.files > TREE_MAX_FILES:
            over = refuse("too_many_files_in_tree", limit=TREE_MAX_FILES)
        elif self.inflated > TREE_MAX_BYTES:
            over = refuse("too_large_tree", limit_mb=TREE_MAX_BYTES // 1024**2)
        elif self.messages > TREE_MAX_MESSAGES:
            over = refuse("too_many_messages_in_tree", limit=TREE_MAX_MESSAGES)
        if over:
            raise OverBudget(_refused(ctx, over))


@dataclass(frozen=True)
class Context:
    origin: str
    sender: str = ""
    date: dt.datetime | None = None
    container: str = ""
    depth: int = 0
    fs_time: dt.datetime | None = None
    budget: Budget = field(default_factory=Budget, compare=False)

    def child(self, name: str, **kw) -> Context:
        base = {
            "sender": self.sender,
            "date": self.date,
            "container": self.origin,
            "depth": self.depth + 1,
            "fs_time": self.fs_time,
            "budget": self.budget,
        }
        base.update(kw)
        return Context(origin=f"{self.origin}/{name}", **base)

    def with_mail(self, sender: str, date: dt.datetime | None) -> Context:
        return Context(
            self.origin,
            sender or self.sender,
            date or self.date,
            self.container,
            self.depth,
            self.fs_time,
            self.budget,
        )


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
    ctx = ctx.with_mail(sender, date)
    ctx.budget.take(ctx, messages=1)
    # mail_attachments: nested multiparts, legacy Japanese names, uuencoded files (xlsheet.mail).
    attachments = list(itertools.islice(mail_attachments(msg), MAX_ATTACHMENTS + 1))
    found = bool(attachments)
    if len(attachments) > MAX_ATTACHMENTS:
        yield _refused(ctx, refuse("too_many_attachments", limit=MAX_ATTACHMENTS))
        return
    for i, att in enumerate(attachments, 1):
        filename = att.filename or f"添付{i}"
        filename = filename.replace("/", "_").replace("\\", "_")
        if att.message is not None:
            if ctx.depth + 1 > MAX_DEPTH:
                yield _too_deep(ctx.child(filename))
                continue
            yield from _from_message(att.message, ctx.child(filename, container=ctx.origin))
            continue
        ctx.budget.take(ctx, inflated=len(att.data))
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
        yield _refused(ctx, refuse("corrupt_msg", error=exc))
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
        try:
            kind = package_kind(zf)
        except Exception:  # an unreadable `mimetype` member: a plain archive as far as we know
            kind = "archive"
        if kind != "archive":  # a workbook, .ods, .docx, Numbers …: one file, the reader says what
            yield Candidate(ctx.origin, data, ctx.sender, ctx.date, ctx.container)
            return
        infos = [
            i for i in zf.infolist() if not i.is_dir() and not any(s in i.filename for s in SKIP_MEMBERS)
        ]
        if any(i.flag_bits & 0x1 for i in infos):
            yield _refused(ctx, refuse("encrypted_zip"))
            return
        if len(infos) > MAX_ZIP_FILES:
            yield _refused(ctx, refuse("too_many_files", count=len(infos), limit=MAX_ZIP_FILES))
            return
        for info in infos:
            name = _member_name(info)
            ctx.budget.take(ctx, inflated=info.file_size)
            try:
                member = zf.read(info)
            except Exception as exc:
                yield _refused(ctx.child(name), refuse("corrupt_zip_member", name=name, error=exc))
                continue
            yield from expand_bytes(member, ctx.child(PurePosixPath(name).name if "/" in name else name))


# --------------------------------------------------------------------------- dispatch


def _with_originals(
    cands: Iterator[Candidate], originals: tuple[tuple[bytes, str], ...]
) -> Iterator[Candidate]:
    """The candidates of one mailbox message, the first carrying the bytes to archive."""
    for c in cands:
        c.originals, originals = originals + c.originals, ()
        yield c


def _mailbox_message(
    raw: bytes, mctx: Context, originals: tuple[tuple[bytes, str], ...]
) -> Iterator[Candidate]:
    """One message of a mailbox with a budget of its own (a mailbox holds many senders' mails:
    one sender's oversized mail must not cost the next sender's)."""
    try:
        yield from _with_originals(read_eml(raw, mctx), originals)
    except OverBudget as over:
        over.candidate.originals = originals  # archived even when nothing else of it was read
        yield over.candidate


def _too_many_messages(ctx: Context, count: int) -> Candidate:
    """The office's mailbox holds more mails than one collect reads: said once, blaming no one."""
    return Candidate(
        ctx.origin,
        b"",
        container=ctx.container,
        notes=[issue("too_many_messages", limit=TREE_MAX_MESSAGES, count=count)],
        status=FileStatus.IGNORED,
    )


def read_mbox_file(path: Path, ctx: Context) -> Iterator[Candidate]:
    """Messages of an mbox file; the file itself and each message are archived byte for byte."""
    whole: tuple[tuple[bytes, str], ...] = ((_read_regular(path), path.name),)
    for i, (name, raw) in enumerate(mbox_messages(path), 1):
        if i > TREE_MAX_MESSAGES:
            yield _too_many_messages(ctx, i)
            return
        mctx = Context(f"{ctx.origin}#{name.rsplit('#', 1)[-1]}", depth=1, container=ctx.origin)
        yield from _mailbox_message(raw, mctx, whole + ((raw, "message.eml"),))
        whole = ()
    if whole:  # no message at all: archive the file all the same
        yield Candidate(
            ctx.origin,
            b"",
            ctx.sender,
            ctx.date,
            ctx.container,
            [issue("empty_mailbox")],
            FileStatus.IGNORED,
            originals=whole,
        )


def maildir_files(path: Path) -> Iterator[tuple[str, Path]]:
    """(key, file) of every message in a Maildir's new/ and cur/, by key; links and other
    non-regular entries included (the caller refuses them)."""
    found = []
    for sub in ("new", "cur"):
        with os.scandir(path / sub) as it:
            for e in it:
                if not e.name.startswith("."):
                    found.append((e.name.split(mailbox.Maildir.colon, 1)[0], path / sub / e.name))
    return iter(sorted(found))


def read_maildir(path: Path, ctx: Context) -> Iterator[Candidate]:
    """Messages of a Maildir folder, each archived byte for byte; links are never followed."""
    for i, (key, file) in enumerate(maildir_files(path), 1):
        if i > TREE_MAX_MESSAGES:
            yield _too_many_messages(ctx, i)
            return
        mctx = Context(f"{ctx.origin}/{key}", depth=1, container=ctx.origin)
        special = _special(file)
        if special is not None:
            yield special_entry(mctx, special, file)
            continue
        raw = _read_regular(file)
        yield from _mailbox_message(raw, mctx, ((raw, "message.eml"),))


FILE_READERS: dict[str, FileReader] = {".eml": read_eml, ".msg": read_msg, ".zip": read_zip}
"""Readers of container files by suffix; other suffixes are sniffed, then read as workbooks."""

SNIFFED_READERS: dict[str, FileReader] = {"mail": read_eml, "ole-msg": read_msg}


def is_maildir(path: Path) -> bool:
    """A real folder (not a link) with Maildir's real `cur/` and `new/` folders."""
    return all(_kind(p) == "dir" for p in (path, path / "cur", path / "new"))


def is_mbox(path: Path) -> bool:
    """A regular file (.mbox, .mbx or no extension, as Thunderbird keeps them) starting with `From `."""
    if _kind(path) != "file" or path.suffix.lower() not in MBOX_SUFFIXES:
        return False
    try:
        with open(path, "rb") as f:
            return f.read(5) == b"From "
    except OSError:
        return False


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
            [issue("lock_file")],
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
    if reader is not None:
        if ctx.depth >= MAX_DEPTH:
            yield _too_deep(ctx)
            return
        yield from reader(data, ctx)
        return
    ctx.budget.take(ctx, files=1)
    yield Candidate(ctx.origin, data, ctx.sender, ctx.date, ctx.container)


def _too_deep(ctx: Context) -> Candidate:
    return _refused(ctx, refuse("too_deep", limit=MAX_DEPTH))


# --------------------------------------------------------------------------- inbox entries

SPECIAL_CODES = {
    "link": "special_link",
    "fifo": "special_fifo",
    "socket": "special_socket",
    "device": "special_device",
    "other": "special_other",
}
"""Issue code by the kind of an inbox entry that is not a regular file (`_kind`)."""


def _kind(path: Path) -> str:
    """file, dir, link, fifo, socket, device, other or missing — from lstat (links never followed)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "missing"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "other"


def _special(path: Path) -> str | None:
    kind = _kind(path)
    return None if kind in ("file", "dir", "missing") else kind


def special_entry(ctx: Context, kind: str, path: Path) -> Candidate:
    """One report entry for an inbox entry that is not a regular file: never followed or opened."""
    target = "不明"
    if kind == "link":
        with contextlib.suppress(OSError):
            target = os.readlink(path)
    return Candidate(
        ctx.origin,
        b"",
        ctx.sender,
        ctx.date,
        ctx.container,
        [issue(SPECIAL_CODES.get(kind, SPECIAL_CODES["other"]), target=target)],
        FileStatus.IGNORED,
    )


def _read_regular(path: Path) -> bytes:
    """A regular file's bytes, opened without following a link and without blocking on a FIFO
    (an entry swapped for a link after listing is refused, not followed)."""
    flags = (
        os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    )
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"通常のファイルではありません: {path}")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    finally:
        os.close(fd)


BUNDLE_SUFFIXES = {".numbers", ".pages", ".key"}
"""Apple iWork documents kept as folders (packages) on a Mac: one entry each, never walked."""


def inbox_units(inbox: Path) -> list[Path]:
    """Every entry under inbox/ (sorted), a Maildir folder counting as one unit. Links, FIFOs,
    sockets and devices are units too (reported, never followed or opened); folders are walked
    by lstat, so a link to `.` makes no loop."""
    out: list[Path] = []

    def walk(folder: Path) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for e in entries:
            if e.name.startswith("."):
                continue
            p = Path(e.path)
            if e.is_dir(follow_symlinks=False):
                if is_maildir(p) or p.suffix.lower() in BUNDLE_SUFFIXES:
                    out.append(p)
                else:
                    walk(p)
            else:
                out.append(p)

    if inbox.is_dir():  # inbox/ itself is the office's own choice (it may be a link to a share)
        walk(inbox)
    return out


def expand(path: Path, inbox: Path) -> Iterator[Candidate]:
    """Candidates of one unit; what was read from inbox/ rides in `Candidate.originals` (to archive)."""
    origin = path.relative_to(inbox).as_posix()
    ctx = Context(origin)
    special = _special(path)
    if special is not None:
        yield special_entry(ctx, special, path)
        return
    if path.suffix.lower() in BUNDLE_SUFFIXES and _kind(path) == "dir":
        yield _refused(ctx, refuse("numbers"))
        return
    try:
        mtime = _utc(dt.datetime.fromtimestamp(os.lstat(path).st_mtime, dt.UTC))
    except OSError:
        mtime = None
    ctx = Context(origin, fs_time=mtime, budget=ctx.budget)
    first: tuple[tuple[bytes, str], ...] = ()
    try:
        for test, reader in PATH_READERS:
            if test(path):
                for c in reader(path, ctx):
                    c.fs_time = c.fs_time or mtime
                    yield c
                return
        size = os.lstat(path).st_size
        if size > MAX_LOOSE_BYTES:
            yield _refused(ctx, refuse("file_too_large", size_mb=size // 1024**2))
            return
        data = _read_regular(path)
        first = ((data, path.name),)
        for c in expand_bytes(data, ctx):
            c.fs_time = c.fs_time or mtime
            if c.data is not data:  # the unit itself is not the candidate (a mail, a zip): archive it
                c.originals, first = first + c.originals, ()
            else:
                first = ()
            yield c
    except OverBudget as over:
        over.candidate.fs_time = over.candidate.fs_time or mtime
        over.candidate.originals = first + over.candidate.originals
        yield over.candidate
