"""Record the XlsxWriter calls xlsheet makes, then replay them on a bare XlsxWriter workbook.

The replay is the floor for writing: the very same cells, merges, formats, validations,
names and properties, with none of xlsheet's logic (layout, checks, models) in between.
Recording patches XlsxWriter's public methods for the duration of one call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.chart import Chart
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

WORKBOOK_METHODS = (
    "add_worksheet",
    "add_format",
    "define_name",
    "set_custom_property",
    "set_properties",
    "add_chart",
)
WORKSHEET_METHODS = (
    "write_string",
    "write_blank",
    "write_number",
    "write_boolean",
    "write_datetime",
    "write_formula",
    "merge_range",
    "data_validation",
    "conditional_format",
    "set_column",
    "set_row",
    "protect",
    "write_comment",
    "very_hidden",
    "hide",
    "activate",
    "set_paper",
    "set_portrait",
    "set_landscape",
    "fit_to_pages",
    "set_margins",
    "repeat_rows",
    "set_footer",
    "set_header",
    "freeze_panes",
    "autofilter",
    "add_table",
    "insert_chart",
    "set_h_pagebreaks",
    "set_print_scale",
    "print_area",
    "set_tab_color",
    "hide_gridlines",
)
FORMAT_METHODS = ("set_font_name", "set_font_size")
CHART_METHODS = ("add_series", "set_title", "set_x_axis", "set_y_axis", "set_legend", "set_size", "set_style")

Op = tuple[str, int, str, tuple, dict]
"""(kind, object id, method, args, kwargs) with formats/sheets/charts replaced by ("ref", id)."""


class Recording:
    def __init__(self) -> None:
        self.books: list[list[Op]] = []
        self._ids: dict[int, int] = {}

    def _id(self, obj: Any) -> int:
        return self._ids.setdefault(id(obj), len(self._ids))

    def _enc(self, v: Any) -> Any:
        if isinstance(v, Format | Worksheet | Chart):
            return ("ref", self._id(v))
        if isinstance(v, dict):
            return {k: self._enc(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self._enc(x) for x in v]
        return v


@contextlib.contextmanager
def recording() -> Iterator[Recording]:
    """Record every XlsxWriter call made inside the block, one op list per workbook."""
    rec = Recording()
    saved: list[tuple[type, str, Callable]] = []
    orig_init = Workbook.__init__

    def init(self, *a, **k):
        orig_init(self, *a, **k)
        options = dict(a[1] if len(a) > 1 else k.get("options", {}))
        rec.books.append([("book", rec._id(self), "__init__", (rec._id(self.formats[0]),), options)])
        self._rec_ops = rec.books[-1]
        self.formats[0]._rec_book = self

    def patch(cls: type, name: str, kind: str):
        orig = getattr(cls, name)

        def wrapper(self, *a, **k):
            result = orig(self, *a, **k)
            book = self if kind == "book" else getattr(self, "_rec_book", None)
            if book is not None and hasattr(book, "_rec_ops") and not getattr(book, "_rec_busy", False):
                book._rec_ops.append((kind, rec._id(self), name, rec._enc(list(a)), rec._enc(k)))
                if isinstance(result, Worksheet | Format | Chart):
                    book._rec_ops.append(("result", rec._id(result), name, (), {}))
                    result._rec_book = book
            return result

        saved.append((cls, name, orig))
        setattr(cls, name, wrapper)

    Workbook.__init__ = init
    for m in WORKBOOK_METHODS:
        patch(Workbook, m, "book")
    for m in WORKSHEET_METHODS:
        patch(Worksheet, m, "sheet")
    for m in CHART_METHODS:
        patch(Chart, m, "chart")
    for m in FORMAT_METHODS:
        patch(Format, m, "format")
    try:
        yield rec
    finally:
        Workbook.__init__ = orig_init
        for cls, name, orig in saved:
            setattr(cls, name, orig)


def replay(ops: list[Op], path: Path) -> None:
    """Write `ops` with plain XlsxWriter to `path`."""
    objs: dict[int, Any] = {}

    def dec(v: Any) -> Any:
        if isinstance(v, tuple) and len(v) == 2 and v[0] == "ref":
            return objs[v[1]]
        if isinstance(v, dict):
            return {k: dec(x) for k, x in v.items()}
        if isinstance(v, list):
            return [dec(x) for x in v]
        return v

    book = None
    pending: Any = None
    for kind, oid, name, args, kwargs in ops:
        if kind == "book" and name == "__init__":
            book = xlsxwriter.Workbook(str(path), kwargs)
            objs[oid] = book
            objs[args[0]] = book.formats[0]
            continue
        if kind == "result":
            objs[oid] = pending
            continue
        target = objs[oid]
        pending = getattr(target, name)(*dec(args), **dec(kwargs))
    assert book is not None
    book.close()
