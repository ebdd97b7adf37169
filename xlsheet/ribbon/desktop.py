"""Entry points by button key: `run` for any caller, and the desktop add-in's callbacks (the
single 評価 button's `main`, the per-button VBA's `run_caller`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .buttons import ACTION_LABELS, BUTTONS_BY_KEY
from .decisions import decide
from .entry_check import check
from .names import ACTION_NAME
from .steps import collect, generate, merge, publish, review, status
from .workbook import alert, is_entry_workbook, named_value

STEPS: dict[str, Callable[[Any], str]] = {
    "generate": generate,
    "collect": collect,
    "decide": decide,
    "review": review,
    "merge": merge,
    "publish": publish,
    "status": status,
    "check": check,
}
"""The function behind each button key of `BUTTONS`."""


def run(book: Any, key: str) -> str:
    """Run the button `key` (generate, collect, decide, review, merge, publish, status, check) on `book`."""
    if key not in BUTTONS_BY_KEY:
        raise KeyError(key)
    return STEPS[key](book)


def dispatch(book: Any) -> str:
    """What the single 評価 button does: check an entry workbook; in the control workbook, run
    the step chosen in its ``xlsheet_action`` cell (提出状況 when it is empty)."""
    if is_entry_workbook(book):
        return run(book, "check")
    chosen = str(named_value(book, ACTION_NAME) or "").strip()
    key = ACTION_LABELS.get(chosen, "status" if not chosen else "")
    if not key:
        message = (
            f"名前付きセル「{ACTION_NAME}」の「{chosen}」は選べる処理ではありません。"
            f"プルダウンから選んでください（{'、'.join(ACTION_LABELS)}）"
        )
        alert(book, message)
        return message
    return run(book, key)


def main() -> None:
    """Desktop add-in built from xlwings' ribbon template: its one button calls this (RunMain)."""
    import xlwings as xw

    dispatch(xw.Book.caller())


def run_caller(key: str) -> None:
    """Desktop add-in with the imported per-button VBA (macros/xlsheet_ribbon.bas) calls this."""
    import xlwings as xw

    run(xw.Book.caller(), key)
