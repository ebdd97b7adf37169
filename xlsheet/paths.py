"""The round folder: where each step reads and writes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .models import Department

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(text: str) -> str:
    """A file name safe on Windows and Linux (Japanese kept)."""
    return _UNSAFE.sub("_", text).strip(" .") or "_"


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
