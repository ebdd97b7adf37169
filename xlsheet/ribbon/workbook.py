"""Reading and writing the xlwings ``Book`` a button was pressed in: defined names, result
sheets (a titled, coloured table), message boxes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..layout import SHEET_MANIFEST

log = logging.getLogger(__name__)

ALERT_TITLE = "xlsheet 政策評価"

COLOR_HEADER = "#D9E1F2"
COLOR_ERROR = "#F8CBAD"
COLOR_WARNING = "#FFF2CC"
COLOR_OK = "#E2EFDA"

FORMULA_STARTS = ("=", "+", "-", "@")


def named_range(book: Any, name: str) -> Any:
    """The range behind a defined name, or None when the workbook has no such (usable) name."""
    try:
        names = book.names
        if name not in [n.name.split("!")[-1] for n in names]:
            return None
        target = next(n for n in names if n.name.split("!")[-1] == name)
        return target.refers_to_range
    except Exception:  # a broken name (#REF!) or a constant: treat as absent
        log.debug("defined name %s unreadable", name, exc_info=True)
        return None


def named_value(book: Any, name: str) -> Any:
    """The value of the cell behind a defined name, or None when the workbook has no such name."""
    target = named_range(book, name)
    if target is None:
        return None
    try:
        return target.value
    except Exception:
        log.debug("defined name %s unreadable", name, exc_info=True)
        return None


def sheet_names(book: Any) -> list[str]:
    return [s.name for s in book.sheets]


def is_entry_workbook(book: Any) -> bool:
    """An entry workbook carries the very hidden manifest sheet."""
    return SHEET_MANIFEST in sheet_names(book)


def result_sheet(book: Any, name: str) -> Any:
    """The result sheet `name`, emptied, or a new one after the last sheet."""
    if name in sheet_names(book):
        sheet = book.sheets[name]
        sheet.clear()
        return sheet
    return book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])


def as_text(value: Any) -> Any:
    """A value Excel must show as text: a string that looks like a formula gets Excel's text
    prefix (an apostrophe), so a file name or message can never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def local_time(value: Any) -> str:
    """A timestamp as people read it: local time, minutes."""
    if value is None:
        return ""
    if getattr(value, "tzinfo", None) is not None:
        value = value.astimezone()
    return value.strftime("%Y-%m-%d %H:%M")


def write_table(
    book: Any,
    sheet_name: str,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    colors: Sequence[str | None] = (),
) -> Any:
    """Write a titled table into a fresh result sheet; colour row i with colors[i] when given."""
    sheet = result_sheet(book, sheet_name)
    width = len(header)
    sheet["A1"].value = as_text(title)
    sheet["A1"].font.bold = True
    sheet["A3"].value = [list(header), *[[as_text(v) for v in r] for r in rows]]
    sheet[2, 0].resize(1, width).color = COLOR_HEADER
    sheet[2, 0].resize(1, width).font.bold = True
    for i, color in enumerate(colors):
        if color:
            sheet[3 + i, 0].resize(1, width).color = color
    sheet.activate()
    return sheet


def alert(book: Any, message: str) -> None:
    book.app.alert(message, title=ALERT_TITLE)
