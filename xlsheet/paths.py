"""The round folder: where each step reads and writes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .models import Department

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{d}{n}" for d in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]]
)
"""Device names Windows refuses as a file name, with or without an extension (CON, con.xlsx)."""
MAX_NAME = 100
"""Characters kept of a name: Windows paths beyond 260 characters fail in Excel and Explorer."""


def safe_filename(text: str, max_len: int = MAX_NAME) -> str:
    """A file name (without its extension) safe on Windows and Linux, Japanese kept.

    Characters Windows forbids become _, trailing dots and spaces go (Windows drops them), a
    device name (CON, NUL, COM1…, even as con.txt's stem) gets a leading _, and the name is cut
    to `max_len` characters.
    """
    name = _UNSAFE.sub("_", text).strip(" .")[:max_len].rstrip(" .")
    if name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
        name = "_" + name
    return name or "_"


@dataclass(frozen=True)
class RoundPaths:
    root: Path

    @property
    def master(self) -> Path:
        return self.root / "master.xlsx"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def mail_outbox(self) -> Path:
        return self.root / "outbox" / "mail"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def archive(self) -> Path:
        """Original bytes of every incoming file, by SHA-256."""
        return self.root / "archive"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def ledger(self) -> Path:
        return self.root / "ledger.sqlite"

    @property
    def output(self) -> Path:
        return self.root / "output"

    def entry_workbook(self, dept: Department) -> Path:
        return self.outbox / f"{safe_filename(dept.code + '_' + dept.name)}.xlsx"

    def feedback_workbook(self, dept: Department) -> Path:
        return self.feedback / f"{safe_filename(dept.code + '_' + dept.name)}.xlsx"
