"""One base class for the failures a person can fix; the CLI and the ribbon show them the same way.

Every expected error of a step subclasses `XlsheetError`; its message is Japanese and says what
to do. `problems` lists several at once where a step checks everything before stopping
(master data, a form definition). Anything else is a bug and is reported as one.

`OfficeError` says that the round folder itself failed (archive/ or the ledger not writable, a
corrupt ledger, a full disk): the step stops, nothing is blamed on a department's file, and the
CLI prints the message naming the path and what to do, and exits 2.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path


class XlsheetError(Exception):
    """An expected failure: the message is Japanese and says how to fix it."""

    headline = ""
    """A first line shown before `problems` (e.g. 「マスタデータに誤りがあります。」)."""

    @property
    def problems(self) -> list[str]:
        return [str(self)]

    def lines(self) -> list[str]:
        """What to show a person, one line each."""
        probs = self.problems
        if self.headline:
            return [self.headline, *(f"- {p}" for p in probs)]
        return probs


class OfficeError(XlsheetError):
    """The round folder failed on the office's side; `message` names `path`, `hint` says what to do."""

    def __init__(self, path: str | Path, message: str, hint: str = ""):
        super().__init__(str(path), message, hint)  # all in args: survives pickling from a worker
        self.path = str(path)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def lines(self) -> list[str]:
        return [self.message, *([f"対処: {self.hint}"] if self.hint else [])]


NOT_BLAMED = "部署から届いたファイルは差し戻していません。"
DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)


def folder_error(path: Path, exc: OSError, what: str) -> OfficeError:
    """An OSError writing into the round folder (`what`: 原本の保管フォルダ, 出力フォルダ …)."""
    if exc.errno in DISK_FULL:
        return OfficeError(
            path,
            f"{what} {path} に書き込めません（ディスクの空きがありません）。",
            f"不要なファイルを消して空きを作ってから、もう一度実行してください。{NOT_BLAMED}",
        )
    if exc.errno in READ_ONLY or isinstance(exc, PermissionError):
        return OfficeError(
            path,
            f"{what} {path} に書き込めません（読み取り専用か、書き込む権限がありません）。",
            "フォルダとファイルの読み取り専用を外す（または書き込める場所にラウンドのフォルダを移す）"
            f"してから、もう一度実行してください。{NOT_BLAMED}",
        )
    return OfficeError(
        path,
        f"{what} {path} に書き込めません（{exc.strerror or exc}）。",
        f"フォルダがあるか、ネットワークドライブがつながっているか確かめてから、もう一度実行してください。{NOT_BLAMED}",
    )


def ledger_error(path: Path, exc: BaseException) -> OfficeError:
    """A SQLite or OS error opening or writing the round's ledger."""
    text = str(exc).lower()
    if isinstance(exc, OSError) and exc.errno in DISK_FULL or "disk is full" in text or "disk i/o" in text:
        return OfficeError(
            path,
            f"台帳 {path} に書き込めません（ディスクの空きがないか、ディスクの読み書きに失敗しました）。",
            f"不要なファイルを消して空きを作ってから、もう一度実行してください。{NOT_BLAMED}",
        )
    if (
        "readonly" in text
        or "read-only" in text
        or "unable to open" in text
        or isinstance(exc, PermissionError)
    ):
        return OfficeError(
            path,
            f"台帳 {path} を開けないか書き込めません（読み取り専用か、フォルダに書き込む権限がありません）。",
            "台帳のファイルとフォルダの読み取り専用を外す（または書き込める場所にラウンドのフォルダを移す）"
            f"してから、もう一度実行してください。{NOT_BLAMED}",
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return OfficeError(
            path,
            f"台帳 {path} が壊れていて読めません。",
            f"台帳を別の名前に変えて残し（消さないでください）、もう一度 `xlsheet collect` を実行すると inbox/ "
            f"のファイルから台帳を作り直します。原本は archive/ にあります。{NOT_BLAMED}",
        )
    if "locked" in text or "busy" in text:
        return OfficeError(
            path,
            f"台帳 {path} がほかの処理に使われたままです。",
            "ほかの `xlsheet` の処理が終わるのを待ってから、もう一度実行してください。",
        )
    return OfficeError(
        path,
        f"台帳 {path} を読み書きできません（{exc}）。",
        f"台帳のファイルを確かめてから、もう一度実行してください。{NOT_BLAMED}",
    )


LEDGER_ERRORS = (sqlite3.DatabaseError, OSError)
"""What opening or writing the ledger raises when the office's side fails."""
