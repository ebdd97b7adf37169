"""mbox files and Maildir folders in the inbox: each message as raw bytes for the mail intake.

Read with the stdlib `mailbox` module, read-only (no locks taken, nothing changed on disk).
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

from .compose import ReplyTo

MBOX_SUFFIXES = {".mbox", ".mbx", ""}


def is_maildir(path: Path) -> bool:
    """A folder with Maildir's `cur/` and `new/`."""
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def is_mbox(path: Path) -> bool:
    """A file (.mbox, .mbx or no extension, as Thunderbird keeps them) starting with a `From ` line."""
    if not path.is_file() or path.suffix.lower() not in MBOX_SUFFIXES:
        return False
    with path.open("rb") as f:
        return f.read(5) == b"From "


def mbox_messages(path: Path) -> Iterator[tuple[str, bytes]]:
    """(`name.mbox#3`, raw message) for every message, in file order."""
    box = mailbox.mbox(path, create=False)
    try:
        for i, key in enumerate(box.iterkeys(), 1):
            yield f"{path.name}#{i}", box.get_bytes(key)
    finally:
        box.close()


def maildir_messages(path: Path) -> Iterator[tuple[str, bytes]]:
    """(`folder/<unique name>`, raw message) for every message in new/ and cur/, oldest name first."""
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.iterkeys()):
        yield f"{path.name}/{key}", box.get_bytes(key)


def mailbox_messages(path: Path) -> Iterator[tuple[str, bytes]]:
    """Messages of an mbox file or a Maildir folder; nothing for anything else."""
    if is_maildir(path):
        yield from maildir_messages(path)
    elif is_mbox(path):
        yield from mbox_messages(path)


def _mail_bytes(base: Path, parts: list[str]) -> bytes | None:
    """The raw mail a file came in: `a.eml/x.xlsx`, `box.mbox#3/x.xlsx`, `Maildir/<key>/x.xlsx`."""
    for i in range(1, len(parts)):
        rel = "/".join(parts[:i])
        path = base / rel
        if is_maildir(path):
            key = parts[i] if i < len(parts) - 1 else ""
            box = mailbox.Maildir(path, factory=None, create=False)
            return box.get_bytes(key) if key in box else None
        if path.is_file():
            return path.read_bytes() if path.suffix.lower() == ".eml" else None
        box_rel, sep, n = rel.rpartition("#")
        if sep and n.isdigit() and is_mbox(base / box_rel):
            found = [raw for name, raw in mbox_messages(base / box_rel) if name.endswith(f"#{n}")]
            return found[0] if found else None
    return None


def original_mail(root: Path, origin: str) -> ReplyTo | None:
    """Message-ID, References and Subject of the mail that brought `origin` (a ledger origin such
    as `inbox/返信.eml/D310.xlsx`, relative to `root`), when that mail is still there and has a
    Message-ID; None otherwise."""
    try:
        raw = _mail_bytes(root, origin.split("/"))
        if raw is None:
            return None
        head = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        mid = str(head.get("Message-ID", "")).strip()
        if not mid:
            return None
        return ReplyTo(mid, str(head.get("References", "")).strip(), str(head.get("Subject", "")).strip())
    except (OSError, ValueError, mailbox.Error):
        return None
