"""Flat tables of the consolidated book: one definition for the Excel tables, DataFrames and CSV.

Each table is a header tuple and plain row tuples built from `Consolidated`; `write_table`
puts it on a sheet as an Excel table (filters, banded rows), `frames.py` turns the same rows
into DataFrames. Every row of submitted content carries its provenance: department, source
file, SHA-256, received time, round.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from xlsxwriter.worksheet import Worksheet

from ..limits import _CONTROL, CELL_TEXT_MAX, SHEET_NAME_FORBIDDEN, SHEET_NAME_MAX
from ..models import SDG_GOALS, SEVERITY_JA, DepartmentStatus, Issue, Master, Received
from ..textsafe import clean_data
from ..xlsxout import Book
from .consolidate import Consolidated, Provenance, local_time
from .linebreak import wrap

PROV_HEADERS = ("報告所属コード", "報告所属", "元ファイル", "SHA-256", "受付日時", "ラウンド", "企画課の判断")
PROV_WIDTHS = (12.0, 18.0, 30.0, 20.0, 18.0, 18.0, 30.0)
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
FILTER_BUTTON_UNITS = 2.5
"""Room the filter button of a table header takes (column-width units)."""
UNITS_PER_CHAR = 2.0
"""Column-width units one full-width character takes (游ゴシック 10 in Excel)."""
HEADER_LINES = 2
"""A header wraps onto at most this many lines; a narrower column is widened to fit."""
HEADER_LINE_PT = 15.0


@dataclass(frozen=True)
class Table:
    key: str
    """projects, evaluations, sdgs, status, issues: the DataFrame / CSV name."""
    sheet: str
    headers: tuple[str, ...]
    widths: tuple[float, ...]
    rows: list[tuple]
    title: str = ""
    """For tables made from a form's section: its heading (the CSV file is named after it)."""

    @property
    def table_name(self) -> str:
        return f"tbl_{self.key}"


def _prov(p: Provenance) -> tuple:
    return (p.department, p.department_name, p.file, p.sha256, p.received_at, p.round_id, p.decision)


def project_table(c: Consolidated) -> Table:
    return Table(
        "projects",
        "事業一覧",
        (
            "リーディングプロジェクト",
            "リーディングプロジェクト名",
            "区分",
            "取り組みコード",
            "取り組み名",
            "事業名",
            "所属",
            "政策評価表",
            "所属内の順番",
            *PROV_HEADERS,
        ),
        (12.0, 22.0, 16.0, 10.0, 34.0, 36.0, 20.0, 18.0, 8.0, *PROV_WIDTHS),
        [
            (
                r.lp,
                r.lp_name,
                r.category,
                r.initiative,
                r.initiative_title,
                r.name,
                r.owner,
                r.shown,
                r.row,
                *_prov(r.prov),
            )
            for r in c.projects
        ],
    )


def paragraph_table(c: Consolidated) -> Table:
    return Table(
        "evaluations",
        "評価・方針",
        (
            "リーディングプロジェクト",
            "リーディングプロジェクト名",
            "種別",
            "政策評価表での順番",
            "取り組みコード",
            "見出し",
            "本文",
            *PROV_HEADERS,
        ),
        (12.0, 22.0, 14.0, 8.0, 10.0, 30.0, 70.0, *PROV_WIDTHS),
        [
            (r.lp, r.lp_name, r.kind, r.order or None, r.initiative, r.heading, r.body, *_prov(r.prov))
            for r in c.paragraphs
        ],
    )


def sdg_table(c: Consolidated) -> Table:
    return Table(
        "sdgs",
        "ＳＤＧｓ選択",
        ("リーディングプロジェクト", "リーディングプロジェクト名", "目標番号", "目標", *PROV_HEADERS),
        (12.0, 22.0, 8.0, 34.0, *PROV_WIDTHS),
        [(r.lp, r.lp_name, r.goal, r.goal_name, *_prov(r.prov)) for r in c.sdgs],
    )


def status_table(status: list[DepartmentStatus]) -> Table:
    return Table(
        "status",
        "提出状況",
        (
            "所属コード",
            "所属名",
            "状況",
            "送付日時",
            "受付日時",
            "エラー",
            "注意",
            "自動修正",
            "ファイル",
            "有効な提出",
            "理由",
            "企画課の判断",
        ),
        (12.0, 22.0, 22.0, 18.0, 18.0, 8.0, 8.0, 10.0, 40.0, 40.0, 40.0, 30.0),
        [
            (
                s.department,
                s.name,
                s.status,
                local_time(s.sent_at),
                local_time(s.received_at),
                s.errors,
                s.warnings,
                s.fixed,
                s.file,
                s.current,
                s.why,
                s.decision,
            )
            for s in status
        ],
    )


def issue_table(intake: list[Issue], merge: list[Issue]) -> Table:
    rows = [
        (
            SEVERITY_JA[i.severity],
            where,
            i.file,
            i.sheet,
            i.cell,
            i.field,
            i.message,
            i.hint,
            i.code,
        )
        for where, issues in (("回収・検証", intake), ("統合", merge))
        for i in issues
    ]
    return Table(
        "issues",
        "指摘事項",
        ("重要度", "段階", "ファイル", "シート", "セル", "項目", "内容", "直し方", "コード"),
        (10.0, 12.0, 34.0, 14.0, 8.0, 16.0, 70.0, 50.0, 24.0),
        rows,
    )


class TableWriter:
    """Writes `Table`s as Excel tables; formats made once per book."""

    def __init__(self, book: Book):
        self.b = book
        self.f_text = book.fmt(valign="top")
        self.f_date = book.fmt(valign="top", num_format=DATETIME_FORMAT)
        self.f_title = book.fmt(bold=True, font_size=12)
        self.f_header = book.fmt(bold=True, text_wrap=True, valign="top")

    def put(self, ws: Worksheet, row: int, col: int, value: Any) -> None:
        """One cell; strings always written as text, cleaned of control characters and cut to
        Excel's limit (these tables report what came in: they must be written whatever it was)."""
        if isinstance(value, str):
            if value:
                if len(value) > CELL_TEXT_MAX or _CONTROL.search(value) or "_x" in value:
                    value = clean_data(value, CELL_TEXT_MAX)
                ws.write_string(row, col, value, self.f_text)
        elif isinstance(value, dt.datetime):
            ws.write_datetime(row, col, value, self.f_date)
        elif value is not None:
            self.b.write(ws, row, col, value, self.f_text)

    def write(self, t: Table) -> Worksheet:
        ws = self.b.add_sheet(t.sheet)
        widths, lines = header_fit(t.headers, t.widths)
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.set_row(0, round(lines * HEADER_LINE_PT + 4, 1))
        put = self.put
        for r, row in enumerate(t.rows, start=1):
            for c, v in enumerate(row):
                put(ws, r, c, v)
        last = max(len(t.rows), 1)
        ws.add_table(
            0,
            0,
            last,
            len(t.headers) - 1,
            {
                "name": t.table_name,
                "style": "Table Style Light 9",
                "columns": [{"header": h, "header_format": self.f_header} for h in t.headers],
            },
        )
        ws.freeze_panes(1, 0)
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        return ws


def header_fit(headers: tuple[str, ...], widths: tuple[float, ...]) -> tuple[list[float], int]:
    """Column widths that show every header whole (wrapped onto at most HEADER_LINES lines
    beside the filter button) and the lines the header row needs."""
    out: list[float] = []
    most = 1
    for header, width in zip(headers, widths, strict=True):
        per_line = (width - FILTER_BUTTON_UNITS) / UNITS_PER_CHAR
        n = len(wrap(header, per_line))
        while n > HEADER_LINES:
            width += 1.0
            per_line = (width - FILTER_BUTTON_UNITS) / UNITS_PER_CHAR
            n = len(wrap(header, per_line))
        out.append(width)
        most = max(most, n)
    return out, most


def write_sdg_matrix(book: Book, c: Consolidated) -> Worksheet:
    """Leading project × goal: how many departments chose each goal, with a column chart."""
    ws = book.add_sheet("ＳＤＧｓマトリクス")
    f_head = book.fmt(
        bold=True, text_wrap=True, align="center", valign="vcenter", border=1, bg_color="#D9E1F2"
    )
    f_name = book.fmt(border=1, valign="vcenter")
    f_count = book.fmt(border=1, align="center", valign="vcenter", num_format='0;-0;""')
    f_on = book.wb.add_format({"bg_color": "#F8CBAD", "bold": True})
    n_goals = len(SDG_GOALS)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 1 + n_goals, 9)
    ws.set_row(0, 60)
    book.write(ws, 0, 0, "リーディングプロジェクト", f_head)
    book.write(ws, 0, 1, "名称", f_head)
    for g, name in enumerate(SDG_GOALS, start=1):
        book.write(ws, 0, 1 + g, f"{g} {name}", f_head)
    for r, form in enumerate(c.forms, start=1):
        book.write(ws, r, 0, form.lp.code, f_name)
        book.write(ws, r, 1, form.lp.name, f_name)
        for g in range(1, n_goals + 1):
            book.write(ws, r, 1 + g, form.sdg_counts.get(g, 0), f_count)
    total = len(c.forms) + 1
    book.write(ws, total, 0, "合計", f_name)
    book.write(ws, total, 1, "所属の延べ数", f_name)
    for g in range(1, n_goals + 1):
        book.write(ws, total, 1 + g, sum(f.sdg_counts.get(g, 0) for f in c.forms), f_count)
    if c.forms:
        ws.conditional_format(
            1, 2, len(c.forms), 1 + n_goals, {"type": "cell", "criteria": ">", "value": 0, "format": f_on}
        )
    note = total + 2
    book.write(ws, note, 0, "数字はその目標を選んだ所属の数です。政策評価表では 1 以上の目標を○で囲みます。")
    chart = book.wb.add_chart({"type": "column", "subtype": "stacked"})
    sheet = ws.name
    per_lp = 0 < len(c.forms) <= 10
    series_rows = range(1, len(c.forms) + 1) if per_lp else [total]
    for r in series_rows:
        chart.add_series(
            {
                "name": [sheet, r, 1],
                "categories": [sheet, 0, 2, 0, 1 + n_goals],
                "values": [sheet, r, 2, r, 1 + n_goals],
            }
        )
    chart.set_title({"name": "ＳＤＧｓへの貢献（目標ごとの所属数）"})
    chart.set_x_axis({"name": "目標", "num_font": {"rotation": -45}})
    chart.set_y_axis({"name": "所属数", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 960, "height": 420})
    ws.insert_chart(note + 2, 0, chart)
    ws.freeze_panes(1, 2)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    return ws


def provenance(rec: Received | None, master: Master) -> tuple:
    """The PROV_HEADERS cells of a row from one accepted file (blank when there is none)."""
    if rec is None:
        return (None,) * len(PROV_HEADERS)
    dname = next((d.name for d in master.departments if d.code == rec.department), "")
    return (
        rec.department,
        dname,
        rec.file,
        rec.sha256,
        local_time(rec.received_at),
        rec.round_id,
        rec.decision,
    )


def unique_sheet_name(title: str, taken: set[str]) -> str:
    """`title` as a valid sheet name (31 characters, no \\ / ? * [ ] :), made unique among
    `taken` (compared case-folded, as Excel does) and added to it."""
    base = (
        "".join("_" if ch in SHEET_NAME_FORBIDDEN else ch for ch in title).strip("'")[:SHEET_NAME_MAX] or "_"
    )
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f"_{n}"
        name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(name.casefold())
    return name
