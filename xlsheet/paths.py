"""The round folder: where each step reads and writes."""

from __future__ import annotations

import contextlib
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import XlsheetError
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
    def form(self) -> Path:
        """The round's copy of its form definition (様式定義ブック)."""
        return self.root / "様式定義.xlsx"

    @property
    def previous(self) -> Path:
        """Last year's round as this one was started from it (`xlsheet init --from`): its master
        data and accepted answers, kept so that pre-fill and comparison never depend on the old
        folder staying where it was."""
        return self.root / "前年度.json"

    @property
    def ledger(self) -> Path:
        return self.root / "ledger.sqlite"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def review_outbox(self) -> Path:
        """Review workbooks for the lead departments (`xlsheet review`); its existence marks
        that the round's review stage has begun."""
        return self.root / "outbox" / "review"

    @property
    def review_mail_outbox(self) -> Path:
        return self.root / "outbox" / "mail" / "review"

    def review_workbook(self, dept: Department, lp: str) -> Path:
        return self.review_outbox / f"{safe_filename(dept.code + '_' + dept.name + '_確認_' + lp)}.xlsx"

    def review_feedback(self, dept: Department, lp: str) -> Path:
        return self.feedback / f"{safe_filename(dept.code + '_' + dept.name + '_確認_' + lp)}.xlsx"

    def entry_workbook(self, dept: Department) -> Path:
        return self.outbox / f"{safe_filename(dept.code + '_' + dept.name)}.xlsx"

    def feedback_workbook(self, dept: Department) -> Path:
        return self.feedback / f"{safe_filename(dept.code + '_' + dept.name)}.xlsx"


class RoundNotFound(XlsheetError):
    """The folder given is not a round folder; the message is Japanese and lists nearby rounds."""


def require_round(root: Path) -> RoundPaths:
    """The round's paths; RoundNotFound when `root` holds no master.xlsx."""
    problem = missing_round_message(root)
    if problem:
        raise RoundNotFound(problem)
    return RoundPaths(Path(root))


def missing_round_message(root: Path) -> str | None:
    """Why `root` is not a round folder (Japanese, with nearby round folders), None when it is."""
    root = Path(root)
    if (root / "master.xlsx").is_file():
        return None
    parent = root.resolve().parent
    rounds = []
    with contextlib.suppress(OSError):
        rounds = sorted(p.name for p in parent.iterdir() if p.is_dir() and (p / "master.xlsx").is_file())
    near = difflib.get_close_matches(root.name, rounds, n=3, cutoff=0.5) or rounds[:5]
    hint = ""
    if near:
        hint = "近くにあるラウンドのフォルダ: " + "、".join(str(parent / n) for n in near) + "。"
    if not root.exists():
        return (
            f"フォルダ {root} がありません。フォルダ名を確かめてください。{hint}"
            "新しいラウンドを始めるときは `xlsheet init フォルダ名` で作ります。"
        )
    return (
        f"{root} にはマスタデータ（master.xlsx）がありません。ラウンドのフォルダを指定してください。{hint}"
        "このフォルダでラウンドを始めるときは `xlsheet init` で作ります。"
    )
