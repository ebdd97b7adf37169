"""The 事務事業評価シート layout's sheets: 評価の分布 (charts) and one printable sheet per 事業.

The tables (事務事業評価一覧, 件数集計, コスト集計) come from `jimu_tables`; this module adds

- 評価の分布: for every counted field (総合評価, 今後の方向性, 実施方法 in the shipped form) the
  counts per choice for the whole round (and per leading project when there are at most ten),
  read from the 件数集計 table's rows, with a native Excel column chart of them;
- one sheet per submitted 事業, A4 portrait on exactly one page (fit to 1 × 1): the sections of the
  form in order, each under its heading (年度 placeholders filled for the 事業), a block section as
  label/value pairs, a repeating section as a small table; the footer names the 事業.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from xlsxwriter.worksheet import Worksheet

from ..catalogue import issue
from ..entry.numbers import NUMBER_FORMATS, is_percent_calc
from ..entry.values import fill_placeholders
from ..formdef.model import Field, FieldKind, Form, Section
from ..models import Issue, Master, Received
from ..xlsxout import Book, header_footer_text
from .consolidate import Consolidated
from .form_sheet import CELL_PAD_PT, EXCEL_MAX_ROW_PT, MAX_ROW_PT, ROW_PAD
from .jimu_tables import (
    DISTRIBUTION_SHEET,
    JIMU_LAYOUT,
    SCOPE_ALL,
    SCOPE_HEADERS,
    SCOPE_LP,
    JimuRow,
    count_columns,
    counted_fields,
    is_amount,
    jimu_rows,
)
from .linebreak import wrap
from .merge_codes import CODES as CODES  # (importing it registers the rows used here)
from .tables import Table, unique_sheet_name

TRAILING_NOTE = re.compile(r"[（(][^（）()]*[）)]\s*$")
"""A heading's closing parenthetical (the year of 達成率（令和元年度）)."""
GRID = 12
"""Columns of a 事業 sheet (more when a repeating section has more fields)."""
PAGE_UNITS = 88.0
"""Column-width units across an A4 portrait page (the sheet is fit to one page anyway)."""
FONT_PT = 9.5
TITLE_PT = 14.0
HEAD_FILL = "#D9E1F2"
LABEL_FILL = "#F2F2F2"
MAX_CHART_LPS = 10
CHART_ROWS = 18
"""Rows each chart block of 評価の分布 takes."""
FOOTER_MAX = 120
"""Characters of the 事業's name kept in the footer (Excel allows 255 for the whole footer)."""


# --------------------------------------------------------------------------- consolidation


def jimu_consolidated(form: Form, master: Master, received: list[Received]) -> Consolidated:
    """The merge's result for a 事務事業評価 round: no 政策評価表 forms, the received submissions in
    department order and the merge's own findings (answers under a 事業コード master does not know)."""
    order = {d.code: i for i, d in enumerate(master.departments)}
    received = sorted(received, key=lambda r: (order.get(r.department, len(order)), r.department))
    known = {k.code for k in master.known_projects if k.code}
    names = {d.code: d.name for d in master.departments}
    issues: list[Issue] = []
    for rec in received:
        for code in rec.submission.answers:
            if code not in known:
                issues.append(
                    issue(
                        "merge.unknown_project",
                        file=rec.file,
                        department=names.get(rec.department, rec.department),
                        project_code=code,
                    )
                )
    return Consolidated(master, [], [], [], [], issues, received)


# --------------------------------------------------------------------------- 評価の分布


def write_distribution(
    book: Book, form: Form, master: Master, received: list[Received], counts: Table
) -> Worksheet:
    """評価の分布: per counted field, the counts of its choices (全体, each leading project) and a
    column chart of them. The figures are the 件数集計 table's own (`counts`)."""
    ws = book.add_sheet(DISTRIBUTION_SHEET)
    f_head = book.fmt(bold=True, border=1, bg_color=HEAD_FILL, align="center", valign="vcenter")
    f_name = book.fmt(border=1, valign="vcenter")
    f_num = book.fmt(border=1, valign="vcenter", num_format="#,##0")
    f_title = book.fmt(bold=True, font_size=12)
    columns = count_columns(form, jimu_rows(form, master, received))
    first = len(SCOPE_HEADERS)  # the count columns follow the scope's columns, in this order
    whole = next((r for r in counts.rows if r[0] == SCOPE_ALL), None)
    lps = [r for r in counts.rows if r[0] == SCOPE_LP]
    lps = lps if len(lps) <= MAX_CHART_LPS else []
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1 + len(lps), 12)
    top = 0
    for section, f in counted_fields(form):
        shown = {c.value: c.shown for c in form.choice_list(f.list).choices}
        at = [
            (shown[c.value], first + i)
            for i, c in enumerate(columns)
            if (c.section.key, c.field.key) == (section.key, f.key) and c.value in shown
        ]
        choices = [name for name, _ in at]
        cols = [col for _, col in at]
        book.write(ws, top, 0, f.label, f_title)
        head = top + 1
        book.write(ws, head, 0, f.label, f_head)
        book.write(ws, head, 1, SCOPE_ALL, f_head)
        for n, lp in enumerate(lps, start=2):
            book.write(ws, head, n, lp[2] or lp[1], f_head)
        for i, (shown, col) in enumerate(zip(choices, cols, strict=True), start=1):
            book.write(ws, head + i, 0, shown, f_name)
            book.write(ws, head + i, 1, whole[col] if whole else 0, f_num)
            for n, lp in enumerate(lps, start=2):
                book.write(ws, head + i, n, lp[col], f_num)
        last = head + len(choices)
        chart = book.wb.add_chart({"type": "column"})
        for n in range(1, 2 + len(lps)):
            chart.add_series(
                {
                    "name": [ws.name, head, n],
                    "categories": [ws.name, head + 1, 0, last, 0],
                    "values": [ws.name, head + 1, n, last, n],
                    "data_labels": {"value": True},
                }
            )
        chart.set_title({"name": f"{f.label}の分布（事業数）"})
        chart.set_x_axis({"name": f.label})
        chart.set_y_axis({"name": "事業数", "major_gridlines": {"visible": True}, "min": 0})
        chart.set_legend({"position": "bottom"} if lps else {"none": True})
        chart.set_size({"width": 560, "height": 300})
        ws.insert_chart(top + 1, 3 + len(lps), chart)
        top += max(CHART_ROWS, len(choices) + 4)
    if top == 0:
        book.write(ws, 0, 0, "この様式には、数える選択項目（一つだけの行のセクションの選択）がありません。")
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    return ws


# --------------------------------------------------------------------------- one sheet per 事業


def project_sheet_name(row: JimuRow, taken: set[str]) -> str:
    """<事業コード>_<事業名>, valid and unique (31 characters, no \\ / ? * [ ] :)."""
    return unique_sheet_name(f"{row.code}_{row.name}" if row.name else row.code, taken)


def footer_text(row: JimuRow) -> str:
    """The footer of a 事業 sheet: the layout and the 事業 on the left, its department right."""
    name = row.name if len(row.name) <= FOOTER_MAX else row.name[: FOOTER_MAX - 1] + "…"
    left = header_footer_text(f"{JIMU_LAYOUT}　{row.code}　{name}", after_size_code=True)
    right = header_footer_text(row.department_name[:60], after_size_code=True)
    return f"&L&9{left}&R&9{right}"


def _spans(fields: tuple[Field, ...], grid: int) -> list[int]:
    """Grid columns per field of a table: one each, the rest to the widest (by 結合列数)."""
    out = [1] * len(fields)
    for _ in range(grid - len(fields)):
        i = max(range(len(fields)), key=lambda n: (fields[n].span / out[n], -n))
        out[i] += 1
    return out


@dataclass(frozen=True)
class Metrics:
    """How wide a column of a 事業 sheet prints in the application that prints it, and how
    safely to wrap (the book is laid out for Excel, the print-only workbook for LibreOffice)."""

    pt_per_unit: float
    pad_units: float
    """Width added to every column (the file stores width + 5 px as width units)."""
    slack_chars: float
    """Characters per line kept in reserve (fonts and line breaking differ a little)."""
    line_factor: float
    """Line height as a multiple of the font size."""

    def row_height(self, lines: int, font_pt: float = FONT_PT) -> float:
        return round(lines * font_pt * self.line_factor + ROW_PAD, 1)

    def column_pt(self, width: float) -> float:
        return (width + self.pad_units) * self.pt_per_unit


EXCEL = Metrics(pt_per_unit=5.25, pad_units=5 / 7, slack_chars=1.5, line_factor=1.75)
"""Excel: 7 px per unit plus 5 px with the default font (游ゴシック) at 96 dpi."""
LIBREOFFICE = Metrics(pt_per_unit=6.35, pad_units=0.71, slack_chars=0.3, line_factor=1.5)
"""LibreOffice: measured on its PDF output (Noto Sans CJK / IPAex lines about 1.45 × the font)."""


def printed_text(text: str, width_pt: float, font_pt: float = FONT_PT, metrics: Metrics = EXCEL) -> list[str]:
    """`text` as the lines it prints as in a cell `width_pt` wide, 禁則 applied (no line starts
    with 、。）」 and the like): the sheet gets these explicit breaks, as the 政策評価表 does."""
    per_line = max(1.0, (width_pt - CELL_PAD_PT) / font_pt - metrics.slack_chars)
    return wrap(text, per_line) or [""]


def line_count(text: str, width_pt: float, font_pt: float = FONT_PT, metrics: Metrics = EXCEL) -> int:
    """How many lines `text` takes in a cell `width_pt` wide (禁則 applied, as the 政策評価表)."""
    return max(1, len(printed_text(text, width_pt, font_pt, metrics)))


@dataclass
class _Cell:
    first: int
    last: int
    value: Any
    fmt: Any
    text: str
    """What the row height is computed from."""


class ProjectSheetWriter:
    """Writes the 事業 sheets into one Book (formats made once)."""

    def __init__(self, book: Book, form: Form, master: Master, metrics: Metrics = EXCEL):
        self.b, self.form, self.master, self.metrics = book, form, master, metrics
        widest = max((len(s.fields) for s in form.sections if not s.is_block), default=0)
        self.grid = max(GRID, widest)
        self.width = PAGE_UNITS / self.grid
        f = book.fmt
        base = {"font_size": FONT_PT, "border": 1, "text_wrap": True, "valign": "top"}
        self.f_title = f(font_size=TITLE_PT, bold=True, align="center", valign="vcenter")
        self.f_unit = f(font_size=12, bold=True, valign="vcenter", bottom=2)
        self.f_head = f(font_size=10.5, bold=True, valign="vcenter", border=1, bg_color=HEAD_FILL)
        self.f_label = f(**base, bold=True, bg_color=LABEL_FILL)
        self.f_col = f(**{**base, "valign": "vcenter"}, bold=True, bg_color=LABEL_FILL, align="center")
        self.f_text = f(**base)
        self.f_nums = {
            fmt: f(**base, num_format=fmt) for fmt in {*NUMBER_FORMATS.values(), "#,##0", "General"}
        }

    # -- values ---------------------------------------------------------------------------------
    def _number_format(self, section: Section, fld: Field) -> str:
        if fld.kind is FieldKind.CALC:
            bare = fld.model_copy(update={"label": TRAILING_NOTE.sub("", fld.label)})
            if is_percent_calc(bare):  # 達成率（{評価対象年度}） is a rate too
                return NUMBER_FORMATS[FieldKind.PERCENT]
            return "#,##0" if is_amount(self.form, section, fld) else "General"
        if fld.kind is FieldKind.INTEGER:
            return "General"  # years (開始年度 2010) print without a thousands separator
        return NUMBER_FORMATS.get(fld.kind, "General")

    def _cell(self, section: Section, fld: Field, value: Any, first: int, last: int) -> _Cell:
        if isinstance(value, bool):
            value = "○" if value else ""
        if isinstance(value, int | float):
            fmt = self.f_nums[self._number_format(section, fld)]
            return _Cell(first, last, value, fmt, f"{value:,}")
        if isinstance(value, dt.date):
            return _Cell(first, last, value, self.f_nums[NUMBER_FORMATS[FieldKind.DATE]], "2000/00/00")
        text = "" if value is None else str(value)
        if fld.kind is FieldKind.CHOICE and fld.list and (cl := self.form.choice_list(fld.list)):
            text = next((c.shown for c in cl.choices if c.value == text), text)
        return _Cell(first, last, text, self.f_text, text)

    def _height(self, cells: list[_Cell]) -> float:
        lines = 1
        for c in cells:
            width = sum(self.metrics.column_pt(self.width) for _ in range(c.first, c.last + 1))
            lines = max(lines, line_count(c.text or " ", width, FONT_PT, self.metrics))
        return min(self.metrics.row_height(lines, FONT_PT), EXCEL_MAX_ROW_PT)

    def _row(self, cells: list[_Cell]) -> None:
        r = self.r
        self.ws.set_row(r, self._height(cells))
        for c in cells:
            if c.last > c.first:
                self.ws.merge_range(r, c.first, r, c.last, None, c.fmt)
            value = c.value
            if isinstance(value, str) and value:
                width = sum(self.metrics.column_pt(self.width) for _ in range(c.first, c.last + 1))
                value = "\n".join(printed_text(value, width, FONT_PT, self.metrics))
            self.b.write(self.ws, r, c.first, value, c.fmt)
        self.r += 1

    def _fits(self, cell: _Cell, text: str) -> bool:
        return self._height([_Cell(cell.first, cell.last, text, cell.fmt, text)]) <= MAX_ROW_PT

    def _chunks(self, cell: _Cell) -> list[str]:
        """A long text cut into pieces that each fit one row (Excel's rows stop at 409 pt):
        between paragraphs or after a sentence (。), else in the middle of one."""
        if not isinstance(cell.value, str) or self._fits(cell, cell.value):
            return [cell.value]
        units: list[tuple[str, bool]] = []  # (piece, starts a paragraph)
        for part in cell.value.split("\n"):
            first = True
            for sentence in [x for x in re.split(r"(?<=。)", part) if x] or [""]:
                while not self._fits(cell, sentence):
                    cut = len(sentence) // 2
                    units.append((sentence[:cut], first))
                    sentence, first = sentence[cut:], False
                units.append((sentence, first))
                first = False
        out: list[str] = []
        for piece, new_paragraph in units:
            if out:
                joined = out[-1] + ("\n" if new_paragraph else "") + piece
                if self._fits(cell, joined):
                    out[-1] = joined
                    continue
            out.append(piece)
        return out

    def _wide(self, label: _Cell, cell: _Cell) -> None:
        """A label and a full-width value; a value too long for one row goes on several rows,
        the label merged down beside them."""
        chunks = self._chunks(cell)
        if len(chunks) == 1:
            self._row([label, cell])
            return
        top = self.r
        for chunk in chunks:
            self._row([_Cell(cell.first, cell.last, chunk, cell.fmt, chunk)])
        self.ws.merge_range(top, label.first, self.r - 1, label.last, None, label.fmt)
        self.b.write(self.ws, top, label.first, label.value, label.fmt)

    # -- sections -------------------------------------------------------------------------------
    def _block(self, section: Section, row: JimuRow) -> None:
        g, label_cols = self.grid, max(2, self.grid // 6)
        half = g // 2
        pending: list[_Cell] = []
        for fld in section.fields:
            label = self._label(fld.label, row)
            value = row.value(section, fld)
            wide = fld.kind is FieldKind.LONGTEXT or fld.span > half
            if wide:
                if pending:
                    self._row(pending)
                    pending = []
                self._wide(
                    _Cell(0, label_cols - 1, label, self.f_label, label),
                    self._cell(section, fld, value, label_cols, g - 1),
                )
                continue
            start = 0 if not pending else half
            pending += [
                _Cell(start, start + label_cols - 1, label, self.f_label, label),
                self._cell(
                    section, fld, value, start + label_cols, start + half - 1 if not pending else g - 1
                ),
            ]
            if len(pending) == 4:
                self._row(pending)
                pending = []
        if pending:
            last = pending[-1]
            pending[-1] = _Cell(last.first, g - 1, last.value, last.fmt, last.text)
            self._row(pending)

    def _table(self, section: Section, row: JimuRow) -> None:
        spans = _spans(section.fields, self.grid)
        starts = [sum(spans[:i]) for i in range(len(spans))]
        if section.show_header:
            self._row(
                [
                    _Cell(s, s + w - 1, self._label(f.label, row), self.f_col, self._label(f.label, row))
                    for f, s, w in zip(section.fields, starts, spans, strict=True)
                ]
            )
        count = max(len(row.values.get(section.key, [])), 1)
        for n in range(count):
            self._row(
                [
                    self._cell(section, f, row.value(section, f, n), s, s + w - 1)
                    for f, s, w in zip(section.fields, starts, spans, strict=True)
                ]
            )

    def _label(self, text: str, row: JimuRow) -> str:
        try:
            return fill_placeholders(text, self.master, row.department, row.code)
        except KeyError:  # a department master does not know
            return text

    # -- sheet ----------------------------------------------------------------------------------
    def write(self, ws: Worksheet, row: JimuRow) -> None:
        self.ws, self.r = ws, 0
        g = self.grid
        ws.set_column(0, g - 1, self.width)
        ws.hide_gridlines(2)
        title = f"{self.master.settings.evaluation_label}　{JIMU_LAYOUT}"
        ws.set_row(0, 26)
        self.b.merge(ws, 0, 0, g - 1, title, self.f_title)
        unit = f"{row.code}　{row.name}（{row.department_name}）"
        ws.set_row(1, self.metrics.row_height(1, 12) + 2)
        self.b.merge(ws, 1, 0, g - 1, unit, self.f_unit)
        self.r = 3
        for section in self.form.sections:
            heading = self._label(section.title, row)
            ws.set_row(self.r, self._height([_Cell(0, g - 1, heading, self.f_head, heading)]))
            self.b.merge(ws, self.r, 0, g - 1, heading, self.f_head)
            self.r += 1
            if section.is_block:
                self._block(section, row)
            else:
                self._table(section, row)
            self.r += 1  # a blank row between sections
        ws.print_area(0, 0, max(self.r - 2, 0), g - 1)
        ws.set_paper(9)
        ws.set_portrait()
        ws.fit_to_pages(1, 1)
        ws.center_horizontally()
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        ws.set_footer(footer_text(row), {"margin": 0.3})


def write_project_sheets(
    book: Book, form: Form, master: Master, received: list[Received], metrics: Metrics = EXCEL
) -> list[str]:
    """One printable sheet per submitted 事業, in 一覧 order; returns the sheet names. Row
    heights are computed for the application that will print (`metrics`)."""
    writer = ProjectSheetWriter(book, form, master, metrics)
    taken = {n.casefold() for n in book.structure["sheets"]}
    names = []
    for row in jimu_rows(form, master, received):
        if not row.submitted:
            continue
        name = project_sheet_name(row, taken)
        writer.write(book.add_sheet(name), row)
        names.append(name)
    return names
