"""The entry workbook being written: its formats, protection and the state its sheets share."""

from __future__ import annotations

from typing import Any

from ..formdef.model import Field, FieldKind, Form
from ..layout import column_widths, field_list
from ..models import Master, Severity
from ..xlsxout import Book, protect_sheet
from .numbers import NUMBER_FORMATS
from .pages import print_scale

INPUT_FILL = "#FFF8DC"
HEADER_FILL = "#D9E1F2"
EXAMPLE_FILL = "#F2F2F2"
MISSING_FILL = "#FFC000"
INVALID_FILL = "#FF9999"
ERROR_FILL = "#FF6666"
WARNING_FILL = "#FFD966"


class EntryBook:
    """One workbook under construction, with the formats every sheet writer uses."""

    def __init__(self, book: Book, master: Master, dept: str, form: Form):
        self.b = book
        self.master = master
        self.dept = master.department(dept)
        self.form = form
        s = master.settings
        self.evaluated = s.evaluated_label
        self.title = f"{s.evaluation_label} {form.title}"
        self.widths = column_widths(form)
        self.print_scale = print_scale(self.widths)
        self.password = s.sheet_password or None
        self.heights: dict[int, float] = {}
        """Row heights set on the current input sheet, for its page breaks."""
        self.statuses: dict[str, str] = {}
        """Each input sheet's self-check message as it is when the book is opened (its cached value)."""
        self.status_cell: tuple[Any, int, int] | None = None
        b = book
        self.f_title = b.fmt(bold=True, font_size=14, valign="vcenter")
        self.f_sub = b.fmt(valign="vcenter")
        self.f_heading = b.fmt(bold=True, font_size=11, valign="vcenter")
        self.f_note = b.fmt(font_color="#404040", italic=True, text_wrap=True)
        self.f_header = b.fmt(bold=True, bg_color=HEADER_FILL, border=1, text_wrap=True, valign="vcenter")
        self.f_example = b.fmt(
            italic=True, font_color="#7F7F7F", bg_color=EXAMPLE_FILL, border=1, text_wrap=True
        )
        self.f_locked = b.fmt(border=1, text_wrap=True, bg_color="#F7F7F7")
        self.f_calc = {
            k: b.fmt(border=1, bg_color="#F7F7F7", num_format=v) for k, v in NUMBER_FORMATS.items()
        }
        self.f_status = b.fmt(bold=True, font_color="#C00000", border=2, valign="vcenter")
        self.f_count_missing = b.fmt(border=2, num_format='"未入力 "0" 件"', valign="vcenter", align="center")
        self.f_count_invalid = b.fmt(border=2, num_format='"誤り "0" 件"', valign="vcenter", align="center")
        self.f_direction = b.fmt(text_wrap=True, border=1, bg_color="#F7F7F7")
        self.f_cf_missing = b.wb.add_format({"bg_color": MISSING_FILL})
        self.f_cf_invalid = b.wb.add_format({"bg_color": INVALID_FILL, "font_color": "#9C0006"})
        self.f_cf_warning = b.wb.add_format({"bg_color": WARNING_FILL, "font_color": "#7F6000"})

    def input_fmt(self, col: Field, lp: str, mark: Severity | None = None):
        """An input cell's format, coloured by the worst issue `mark`ed on it."""
        props = input_props(mark)
        if col.kind is FieldKind.CODE:
            props["num_format"] = "@"
        elif col.kind in NUMBER_FORMATS:
            props["num_format"] = NUMBER_FORMATS[col.kind]
        if col.kind is FieldKind.CHOICE:
            src = field_list(self.form, self.master, col, lp)
            short = src is not None and all(len(v) <= 2 for v in src.values)
            props["align"] = "center" if short else "left"
        return self.b.fmt(**props)

    def protect(self, ws) -> None:
        """Protect a sheet with the round's password (formatting rows and columns allowed)."""
        protect_sheet(ws, self.password)

    def set_height(self, ws, row: int, height: float) -> None:
        """Set a row's height and remember it for the page breaks."""
        self.heights[row] = height
        ws.set_row(row, height)


def input_props(mark: Severity | None = None) -> dict[str, Any]:
    """An unlocked input cell's format properties, filled by the worst issue `mark`ed on it."""
    fill = {Severity.ERROR: ERROR_FILL, Severity.WARNING: WARNING_FILL}.get(mark, INPUT_FILL)  # type: ignore[arg-type]
    return {"locked": False, "border": 1, "text_wrap": True, "bg_color": fill}
