"""Write one department's entry workbook from the form definition.

Used for the fresh workbooks `generate` sends out and for the feedback workbooks intake returns
(the department's own data again, error cells highlighted and commented).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .era import date_label
from .formdef.compute import excel_formula, recompute
from .formdef.formula import ExcelErrorValue, excel_wildcard
from .formdef.model import PLACEHOLDER_RE, Field, FieldKind, Form, Section
from .given import given_json, given_print
from .layout import (
    SHEET_INSTRUCTIONS,
    SHEET_LISTS,
    SHEET_MANIFEST,
    Placement,
    SheetLayout,
    cell_ref,
    column_widths,
    field_list,
    list_source,
    quote_sheet,
    section_label,
    unit_lists,
    workbook_layout,
)
from .manifest import Manifest, fingerprint, sheet_rows
from .models import SDG_GOALS, SDG_MARK, SEVERITY_JA, Issue, LpEntry, Master, Severity
from .round import default_form
from .xlsxout import Book, atomic_path, sheet_ref

Rows = list[dict[str, Any]]
"""Section values: one dict per data row, column key -> value."""

INPUT_FILL = "#FFF8DC"
HEADER_FILL = "#D9E1F2"
EXAMPLE_FILL = "#F2F2F2"
MISSING_FILL = "#FFC000"
INVALID_FILL = "#FF9999"
ERROR_FILL = "#FF6666"
WARNING_FILL = "#FFD966"


# --------------------------------------------------------------------------- values


MASTER_PREFIX = "マスタ:"
LIST_PREFIX = "一覧:"


def default_values(master: Master, dept: str, lp: str, form: Form | None = None) -> dict[str, Rows]:
    """What a fresh workbook is pre-filled with, from the fields' 初期値.

    - ``マスタ:事業.列``: one row per known project of each of the department's initiatives, or
      one row with only the initiative's values for an initiative without any (a row holding a
      code is in use, so the self-check shows an initiative still lacking a project);
    - ``一覧:一覧名`` / ``一覧:一覧名.表示``: one row per item of the list (the 17 SDGs);
    - plain text (with ``{評価対象年度}`` and the like filled in): the value of a block's field.
    """
    form = form or default_form()
    return {s.key: rows for s in form.sections if (rows := section_defaults(form, master, dept, lp, s))}


def fill_placeholders(text: str, master: Master, dept: str, lp: str) -> str:
    """``{評価対象年度}`` and the other placeholders of 見出し, セクション見出し and 初期値."""
    s = master.settings

    def one(m) -> str:
        name = m.group(1).strip()
        values = {
            "評価年度": s.evaluation_label,
            "評価対象年度": s.evaluated_label,
            "リーディングプロジェクト": master.leading_project(lp).name,
            "所属": master.department(dept).name,
        }
        return values.get(name, m.group(0))

    return PLACEHOLDER_RE.sub(one, text)


def section_defaults(form: Form, master: Master, dept: str, lp: str, section: Section) -> Rows:
    defaults = {f.key: f.default for f in section.fields if f.default}
    if not defaults:
        return []
    if any(d.startswith(MASTER_PREFIX) for d in defaults.values()):
        dname = master.department(dept).name
        rows: Rows = []
        for initiative, category in master.department_initiatives(dept, lp):
            known = master.known_for(initiative.code, dept)
            for i in range(max(1, len(known))):
                k = known[i] if i < len(known) else None
                source = {
                    "取り組みコード": initiative.code,
                    "区分": category.value,
                    "所属名": (k.owner or dname) if k else dname,
                    "担当所属": (k.owner or dname) if k else dname,
                    "事業名": k.name if k else None,
                }
                row: dict[str, Any] = {}
                for key, d in defaults.items():
                    if d.startswith(MASTER_PREFIX):
                        column = d[len(MASTER_PREFIX) :].partition(".")[2]
                        if source.get(column) is not None:
                            row[key] = source[column]
                rows.append(row)
        return rows
    if any(d.startswith(LIST_PREFIX) for d in defaults.values()):
        rows = []
        for key, d in defaults.items():
            if not d.startswith(LIST_PREFIX):
                continue
            name, _, part = d[len(LIST_PREFIX) :].partition(".")
            src = list_source(form, master, name, lp)
            items = (src.labels or src.values) if part else src.values
            for i, v in enumerate(items):
                while len(rows) <= i:
                    rows.append({})
                rows[i][key] = int(v) if not part and v.isdigit() else v
        return rows
    if section.is_block:
        return [{k: fill_placeholders(d, master, dept, lp) for k, d in defaults.items()}]
    return []


def entry_values(entry: LpEntry) -> dict[str, Rows]:
    """Section values from a submission, for a feedback workbook."""

    def paragraphs(ps) -> Rows:
        return [{"code": p.initiative or "", "heading": p.heading, "body": p.body} for p in ps]

    return {
        "projects": [
            {
                "code": p.initiative,
                "category": p.category.value if p.category else "",
                "name": p.name,
                "owner": p.department,
            }
            for p in entry.projects
        ],
        "evaluations": paragraphs(entry.evaluations),
        "summary": [{"body": entry.summary}] if entry.summary else [],
        "policy_intro": [{"body": entry.policy_intro}] if entry.policy_intro else [],
        "policies": paragraphs(entry.policies),
        "sdgs": _sdg_rows(entry.sdgs),
    }


def _sdg_rows(chosen: Iterable[int]) -> Rows:
    chosen = set(chosen)
    return [
        {"goal": n, "name": name, "mark": SDG_MARK if n in chosen else ""}
        for n, name in enumerate(SDG_GOALS, start=1)
    ]


# --------------------------------------------------------------------------- writer


class _EntryBook:
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

    def input_fmt(self, col: Field, lp: str, mark: Severity | None = None):
        props: dict[str, Any] = {"locked": False, "border": 1, "text_wrap": True, "bg_color": INPUT_FILL}
        if col.kind is FieldKind.CODE:
            props["num_format"] = "@"
        elif col.kind in NUMBER_FORMATS:
            props["num_format"] = NUMBER_FORMATS[col.kind]
        if col.kind is FieldKind.CHOICE:
            src = field_list(self.form, self.master, col, lp)
            short = src is not None and all(len(v) <= 2 for v in src.values)
            props["align"] = "center" if short else "left"
        if mark is Severity.ERROR:
            props["bg_color"] = ERROR_FILL
        elif mark is Severity.WARNING:
            props["bg_color"] = WARNING_FILL
        return self.b.fmt(**props)

    # -- sheets ------------------------------------------------------------------------------
    def protect(self, ws) -> None:
        ws.protect(
            self.password or "",
            {
                "format_rows": True,
                "format_columns": True,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )

    def lists_sheet(self, lps: list[str]) -> None:
        """The very hidden sheet behind every dropdown, one defined name per list (and one per
        value|表示 table that LABEL looks up)."""
        b = self.b
        ws = b.add_sheet(SHEET_LISTS)
        col = 0
        done: set[str] = set()

        def column(name: str, values: tuple[str, ...], extra: tuple[str, ...] | None = None) -> None:
            nonlocal col
            b.write(ws, 0, col, name)
            for r, v in enumerate(values, start=1):
                b.write(ws, r, col, v)
                if extra is not None:
                    b.write(ws, r, col + 1, extra[r - 1])
            width = 1 if extra is None else 2
            last = max(len(values), 1)
            b.define_name(name, sheet_ref(SHEET_LISTS, 1, col, last, col + width - 1))
            col += width + 1

        for lp in lps:
            for src in unit_lists(self.form, self.master, lp).values():
                if src.name in done:
                    continue
                done.add(src.name)
                column(src.name, src.values)
                if src.labels is not None:
                    column(src.table_name, src.values, src.labels)
        ws.very_hidden()
        self.protect(ws)

    def instructions_sheet(self, layouts: list[SheetLayout]) -> None:
        b, s = self.b, self.master.settings
        ws = b.add_sheet(SHEET_INSTRUCTIONS)
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 90)
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_portrait()
        lps = "、".join(self.master.leading_project(lay.lp).name for lay in layouts)
        rows = [
            ("所属", f"{self.dept.name}（{self.dept.code}）"),
            ("リーディングプロジェクト", lps),
            ("提出期限", date_label(s.deadline)),
            (
                "提出先",
                f"{s.office_name}　{s.office_contact}（{s.office_email}"
                + (f"／{s.office_phone}）" if s.office_phone else "）"),
            ),
            ("回収ラウンド", s.round_id),
        ]
        b.merge(ws, 0, 0, 1, f"{self.title}　入力ブック（{s.municipality}）", self.f_title)
        ws.set_row(0, 24)
        for r, (k, v) in enumerate(rows, start=2):
            b.write(ws, r, 0, k, self.f_header)
            b.write(ws, r, 1, v, self.f_locked)
            ws.set_row(r, _text_height(v, 15, 90))
        r = len(rows) + 3
        b.write(ws, r, 0, "入力状況", self.f_header)
        self.status_cell = (ws, r, 1)
        fields = [f for sec in self.form.sections for f in sec.fields]
        dropdowns = "・".join(dict.fromkeys(f.label for f in fields if f.list and f.is_input))
        limits = "".join(
            f"「{section_label(sec)}」は１つの{sec.rows_per}につき最大 {sec.rows} 件までです。"
            for sec in self.form.sections
            if sec.rows_per
        )
        sections = "・".join(
            section_label(sec) for sec in self.form.sections if any(f.is_input for f in sec.fields)
        )
        steps = [
            "入力シート（{}）の黄色いセルに入力してください。灰色のセルは変更できません。".format(
                "、".join(f"「{lay.sheet}」" for lay in layouts)
            ),
            f"{dropdowns}は、セルを選ぶと出る▼のプルダウンから選んでください。",
            "他のファイルから貼り付けるときは「値のみ貼り付け」を使ってください（通常の貼り付けはプルダウンの確認を消してしまいます）。",
            f"{limits}行の挿入・削除やシート名の変更はしないでください。",
            "赤いセルは一覧にない値や文字数の超過、オレンジのセルは未入力の必須項目です。",
            f"{sections}のうち担当する欄を入力してください。"
            "配布したまま何も入力せずに返信されたブックは「未記入」として差し戻します。",
            "入力状況が「入力チェック: OK」になったら上書き保存し、このファイル（.xlsx のまま）をメールに添付して返信してください。",
            "マクロ有効ブック（.xlsm）や古い形式（.xls）で保存したり、パスワードを付けたりしないでください。",
        ]
        r += 2
        b.write(ws, r, 0, "入力の手順", self.f_heading)
        for i, text in enumerate(steps, start=1):
            b.write(ws, r + i, 0, f"手順{i}", self.f_header)
            b.write(ws, r + i, 1, text, self.f_locked)
            ws.set_row(r + i, _text_height(text, 15, 90))
        self.protect(ws)
        ws.activate()

    def instructions_status(self, layouts: list[SheetLayout]) -> None:
        """The はじめに sheet's 入力状況: every input sheet's self-check, with their true cached values."""
        assert self.status_cell is not None
        ws, r, c = self.status_cell
        parts = [f"{quote_sheet(lay.sheet)}!{cell_ref(lay.status_row, 0, True)}" for lay in layouts]
        cached = "　".join(self.statuses[lay.sheet] for lay in layouts)
        self.b.formula(ws, r, c, "=" + '&"　"&'.join(parts), self.f_status, cached)

    def input_sheet(self, lay: SheetLayout, values: dict[str, Rows], annotations: list[Issue]) -> None:
        b = self.b
        lp = self.master.leading_project(lay.lp)
        ws = b.add_sheet(lay.sheet)
        for c, w in enumerate(self.widths):
            ws.set_column(c, c, w)
        last = lay.width - 1
        ws.set_paper(9)
        ws.set_portrait()
        ws.set_print_scale(self.print_scale)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        self.heights = {}
        ws.repeat_rows(lay.title_row, lay.info_row)
        ws.set_footer("&C&P / &N")
        ws.freeze_panes(lay.status_row + 1, 0)
        b.merge(ws, lay.title_row, 0, last, f"{self.title}　入力シート", self.f_title)
        self.set_height(ws, lay.title_row, 24)
        b.merge(
            ws,
            lay.info_row,
            0,
            last,
            f"リーディングプロジェクト: {lp.name}　／　所属: {self.dept.name}　／　提出期限: "
            f"{date_label(self.master.settings.deadline)}",
            self.f_sub,
        )
        b.merge(
            ws,
            lay.direction_title_row,
            0,
            last,
            "【リーディングプロジェクトの方向性】（参考）",
            self.f_heading,
        )
        b.merge(ws, lay.direction_row, 0, last, lp.direction, self.f_direction)
        self.set_height(ws, lay.direction_row, _text_height(lp.direction, 150, sum(self.widths)))

        marks = _annotation_marks(annotations, lay.lp)
        missing_terms: list[str] = []
        invalid_terms: list[str] = []
        answer_terms: list[str] = []
        counts = [0, 0]
        answered = 0
        prefill = default_values(self.master, self.dept.code, lay.lp, self.form)
        computed = self.computed(lay, values)
        for p in lay.placements:
            rows = values.get(p.section.key, [])
            self.section(
                ws, lay, p, rows, computed.get(p.section.key, []), marks, missing_terms, invalid_terms
            )
            m, i = self_check_counts(self.form, self.master, p, rows)
            counts[0] += m
            counts[1] += i
            # Input columns generate leaves blank are the department's own: anything in them means
            # the book is no longer as it was sent (intake's 未記入 rule looks at the same content).
            given = prefill.get(p.section.key, [])
            for col, start in zip(p.section.fields, p.col_start, strict=True):
                if col.is_input and all(_blank(r.get(col.key)) for r in given):
                    first, last = cell_ref(p.first_row, start, True), cell_ref(p.last_row, start, True)
                    answer_terms.append(f"COUNTA({first}:{last})")
                    answered += sum(1 for r in rows if not _blank(r.get(col.key)))

        # Self check: counts in D and E, message across A:C. The cached values are computed here,
        # so the book shows the truth before any recalculation (mail preview, Protected View,
        # LibreOffice, which trusts cached values by default).
        sr = lay.status_row
        missing = "+".join(missing_terms) or "0"
        invalid = "+".join(invalid_terms) or "0"
        b.formula(ws, sr, 3, "=" + missing, self.f_count_missing, counts[0])
        b.formula(ws, sr, 4, "=" + invalid, self.f_count_invalid, counts[1])
        d, e = cell_ref(sr, 3, True), cell_ref(sr, 4, True)
        ws.merge_range(sr, 0, sr, 2, None, self.f_status)
        self.statuses[lay.sheet] = status_message(*counts, answered=answered > 0 or not answer_terms)
        answers = "+".join(answer_terms) or "1"
        b.formula(
            ws,
            sr,
            0,
            f'=IF({d}+{e}=0,IF({answers}=0,"{STATUS_UNTOUCHED}","{STATUS_OK}"),'
            f'"入力チェック: 未入力 "&{d}&" 件・誤り "&{e}&" 件（色の付いたセルを確認）")',
            self.f_status,
            self.statuses[lay.sheet],
        )
        self.set_height(ws, sr, 20)
        ws.set_h_pagebreaks(_page_breaks(lay, self.heights, self.print_scale))
        self.protect(ws)

    def set_height(self, ws, row: int, height: float) -> None:
        """Set a row's height and remember it for the page breaks."""
        self.heights[row] = height
        ws.set_row(row, height)

    def computed(self, lay: SheetLayout, values: dict[str, Rows]) -> dict[str, list[dict[str, Any]]]:
        """Every 計算 field of the sheet computed in Python: the formula cells' cached values."""
        data = {
            p.section.key: [
                dict(values.get(p.section.key, [])[r]) if r < len(values.get(p.section.key, [])) else {}
                for r in range(p.rows)
            ]
            for p in lay.placements
        }
        return recompute(
            self.form, data, master_values(self.master), label_tables(self.form, self.master, lay.lp)
        )

    def formula_text(self, lay: SheetLayout, p: Placement, f: Field, row: int) -> str:
        """The live Excel formula of a 計算 field on one row."""
        placed = {q.section.key: q for q in lay.placements}

        def address(section: Section, field: Field, whole: bool) -> str:
            q = placed.get(section.key)
            if q is None:
                return '""'
            c = q.col(field.key)
            if section.key == p.section.key and not whole:
                return cell_ref(row, c)
            if whole:
                return f"{cell_ref(q.first_row, c, True)}:{cell_ref(q.last_row, c, True)}"
            return cell_ref(q.first_row, c, True)

        def master(name: str) -> str:
            v = master_values(self.master).get(name)
            return '""' if v is None else str(v) if isinstance(v, int | float) else '"' + str(v) + '"'

        def table(name: str) -> str:
            return list_source(self.form, self.master, name, lay.lp).table_name

        return excel_formula(self.form, p.section, f.formula, address, master, table)

    def section(
        self,
        ws,
        lay: SheetLayout,
        p: Placement,
        rows: Rows,
        computed: list[dict[str, Any]],
        marks: dict[tuple[str, int, str], Issue],
        missing_terms: list[str],
        invalid_terms: list[str],
    ) -> None:
        b, sec = self.b, p.section
        last = lay.width - 1
        fill = lambda text: fill_placeholders(text, self.master, self.dept.code, lay.lp)  # noqa: E731
        b.merge(ws, p.title_row, 0, last, fill(sec.title), self.f_heading)
        b.merge(ws, p.note_row, 0, last, fill(sec.note), self.f_note)
        spans = [(col, start, span) for col, start, span in p.fields]
        if p.header_row is not None:
            for col, start, span in spans:
                b.merge(ws, p.header_row, start, start + span - 1, fill(col.label), self.f_header)
        if p.example_row is not None:
            for i, (col, start, span) in enumerate(spans):
                text = ("例）" if i == 0 else "") + col.example
                b.merge(ws, p.example_row, start, start + span - 1, text, self.f_example)
            if sec.row_height:
                self.set_height(ws, p.example_row, 30)

        key_cols = [start for col, start, _ in spans if col.row_key] or [
            start for col, start, _ in spans if col.is_input
        ]
        # A looked-up label (LABEL of a list, e.g. the initiative's title) can be long: rows are
        # tall enough for the longest one (Excel does not grow a row for a formula's result).
        lookup_height = max(
            (
                _text_height(label, 0, sum(self.widths[start : start + span]))
                for col, start, span in spans
                if col.kind is FieldKind.CALC
                for label in self.looked_up(col, lay.lp)
            ),
            default=0,
        )
        for r in range(p.rows):
            row = p.first_row + r
            values = rows[r] if r < len(rows) else {}
            height = max(sec.row_height or 0, lookup_height if lookup_height > PAGE_ROW_DEFAULT + 5 else 0)
            for col, start, span in spans:
                if col.kind is FieldKind.LONGTEXT and values.get(col.key):
                    width = sum(self.widths[start : start + span])
                    height = max(height, _text_height(str(values[col.key]), 0, width))
            if height:
                self.set_height(ws, row, height)
            for col, start, span in spans:
                end = start + span - 1
                value = values.get(col.key, "")
                if col.kind is FieldKind.CALC:
                    cached = computed[r].get(col.key) if r < len(computed) else ""
                    if isinstance(cached, ExcelErrorValue) or cached is None:
                        cached = ""
                    fmt = self.f_calc.get(FieldKind.PERCENT) if _is_percent_calc(col) else self.f_locked
                    if span > 1:
                        ws.merge_range(row, start, row, end, None, fmt)
                    b.formula(ws, row, start, self.formula_text(lay, p, col, row), fmt, cached)
                elif col.kind is FieldKind.FIXED:
                    b.merge(ws, row, start, end, value, self.f_locked)
                else:
                    issue = marks.get((sec.key, r, col.key))
                    fmt = self.input_fmt(col, lay.lp, issue.severity if issue else None)
                    b.merge(ws, row, start, end, value, fmt)
                    if issue:
                        ws.write_comment(
                            row,
                            start,
                            f"【{SEVERITY_JA[issue.severity]}】{issue.message}\n{issue.hint}".strip(),
                            {"author": "xlsheet", "x_scale": 2.5, "y_scale": 2},
                        )

        # Validation, conditional formatting and self-check terms, one column range at a time.
        for col, start, _span in spans:
            if not col.is_input:
                continue
            first, lastr = p.first_row, p.last_row
            rng = f"{cell_ref(first, start, True)}:{cell_ref(lastr, start, True)}"
            top = cell_ref(first, start)
            title = col.label[:32]
            src = field_list(self.form, self.master, col, lay.lp)
            if src is not None:
                source = src.name
                b.validate(
                    ws,
                    first,
                    start,
                    lastr,
                    start,
                    {
                        "validate": "list",
                        "source": "=" + source,
                        "input_title": title,
                        "input_message": col.hint,
                        "error_title": "一覧にない値です",
                        "error_message": f"「{col.label}」はプルダウンの一覧から選んでください。"[:224],
                        "error_type": "stop",
                    },
                )
                cond = f'=AND({top}<>"",COUNTIF({source},{top})=0)'
                _highlight(ws, first, start, lastr, cond, self.f_cf_invalid)
                invalid_terms.append(f'SUMPRODUCT(({rng}<>"")*(COUNTIF({source},{rng})=0))')
            elif col.kind in NUMBER_FORMATS:
                rule, bad_top, bad_rng = number_rule(col, top, rng)
                b.validate(ws, first, start, lastr, start, rule | {"input_title": title})
                _highlight(ws, first, start, lastr, "=" + bad_top, self.f_cf_invalid)
                invalid_terms.append(bad_rng)
            elif col.max_len:
                b.validate(
                    ws,
                    first,
                    start,
                    lastr,
                    start,
                    {
                        "validate": "length",
                        "criteria": "<=",
                        "value": col.max_len,
                        "input_title": title,
                        "input_message": col.hint + f"（{col.max_len:,} 文字以内）",
                        "error_title": "文字数が多すぎます",
                        "error_message": f"「{col.label}」は {col.max_len:,} 文字以内で入力してください。"[
                            :224
                        ],
                        "error_type": "stop",
                    },
                )
                _highlight(ws, first, start, lastr, f"=LEN({top})>{col.max_len}", self.f_cf_invalid)
                invalid_terms.append(f"SUMPRODUCT(--(LEN({rng})>{col.max_len}))")
            if col.required and not (sec.required and col.row_key):
                others = [k for k in key_cols if k != start]
                if not others:
                    continue
                in_use = "+".join(
                    f'({cell_ref(first, k, True)}:{cell_ref(lastr, k, True)}<>"")' for k in others
                )
                in_use_top = ",".join(f'{cell_ref(first, k)}<>""' for k in others)
                _highlight(ws, first, start, lastr, f'=AND({top}="",OR({in_use_top}))', self.f_cf_missing)
                missing_terms.append(f'SUMPRODUCT(({rng}="")*(({in_use})>0))')
        if sec.required:
            key = cell_ref(p.first_row, key_cols[0], True)
            ws.conditional_format(
                p.first_row,
                key_cols[0],
                p.first_row,
                key_cols[0],
                {"type": "blanks", "format": self.f_cf_missing},
            )
            missing_terms.append(f'--({key}="")')

    def looked_up(self, col: Field, lp: str) -> tuple[str, ...]:
        """The labels a 計算 field's LABEL(…, "一覧") can show."""
        from .formdef.compute import _parse

        out: tuple[str, ...] = ()
        for name in _parse(col.formula).list_names() if col.formula else ():
            src = list_source(self.form, self.master, name, lp)
            out += src.labels or ()
        return out

    def issues_sheet(self, annotations: list[Issue]) -> None:
        b = self.b
        ws = b.add_sheet("指摘事項")
        heads = ["重要度", "シート", "セル", "項目", "内容", "直し方"]
        widths = [10, 14, 8, 18, 60, 50]
        for c, (h, w) in enumerate(zip(heads, widths, strict=True)):
            ws.set_column(c, c, w)
            b.write(ws, 0, c, h, self.f_header)
        for r, i in enumerate(annotations, start=1):
            for c, v in enumerate([SEVERITY_JA[i.severity], i.sheet, i.cell, i.field, i.message, i.hint]):
                b.write(ws, r, c, v, self.f_locked)
        ws.autofilter(0, 0, max(len(annotations), 1), len(heads) - 1)
        ws.freeze_panes(1, 0)
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.protect(self.password or "", {"autofilter": True, "sort": True, "format_columns": True})


STATUS_OK = "入力チェック: OK"
STATUS_UNTOUCHED = "入力チェック: まだ何も入力されていません（このままでは「未記入」として差し戻します）"


def status_message(missing: int, invalid: int, answered: bool = True) -> str:
    """An input sheet's self-check message, as its formula computes it."""
    if missing + invalid == 0:
        return STATUS_OK if answered else STATUS_UNTOUCHED
    return f"入力チェック: 未入力 {missing} 件・誤り {invalid} 件（色の付いたセルを確認）"


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _excel_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _excel_len(value: Any) -> int:
    """LEN as Excel counts: UTF-16 code units."""
    return 0 if _blank(value) else len(_excel_text(value).encode("utf-16-le")) // 2


def countif_matches(items: Iterable[str], criteria: str) -> bool:
    """Whether COUNTIF(items, criteria) > 0 for a list of texts, as Excel and LibreOffice count.

    Text compares ignoring case; * ? are wildcards (~ escapes them); a leading =, <>, <, <=, >, >=
    is an operator (a number after < or > never matches text).
    """
    op = next((o for o in ("<>", "<=", ">=", "=", "<", ">") if criteria.startswith(o)), "")
    text = criteria[len(op) :].casefold()
    if op in ("<", "<=", ">", ">="):
        if _is_number(text):
            return False
        cmp = {"<": str.__lt__, "<=": str.__le__, ">": str.__gt__, ">=": str.__ge__}[op]
        return any(cmp(i.casefold(), text) for i in items)
    pattern = re.compile(excel_wildcard(text), re.S)
    if op == "<>":
        return any(not pattern.fullmatch(i.casefold()) for i in items)
    return any(pattern.fullmatch(i.casefold()) for i in items)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


NUMBER_FORMATS: dict[FieldKind, str] = {
    FieldKind.INTEGER: "#,##0",
    FieldKind.NUMBER: "General",
    FieldKind.MONEY: "#,##0",
    FieldKind.PERCENT: "0.0%",
    FieldKind.DATE: "yyyy/mm/dd",
}
"""Number formats of numeric and date input cells (and of a 割合 計算 cell)."""

NUMBER_LIMIT = 1e15
"""Bounds of a number without 最小/最大 (Excel keeps 15 significant digits)."""


def _is_percent_calc(f: Field) -> bool:
    """A 計算 field shown as a percentage: its 記入例 is one (「82.3%」) or its 見出し ends in 率
    (達成率, 執行率)."""
    return f.kind is FieldKind.CALC and (
        f.example.rstrip().endswith(("%", "％")) or f.label.rstrip().endswith("率")
    )


def _bound(f: Field, v: float | None, default: float) -> float:
    x = default if v is None else v
    return int(x) if f.kind is FieldKind.INTEGER else x


def number_rule(f: Field, top: str, rng: str) -> tuple[dict[str, Any], str, str]:
    """(data validation, highlight condition on the top cell, self-check count over the range)
    for a numeric or date field."""
    if f.kind is FieldKind.DATE:
        rule = {
            "validate": "date",
            "criteria": ">=",
            "value": dt.date(1900, 1, 1),
            "input_message": (f.hint or "日付を入力してください（例: 2025/4/1）。")[:255],
            "error_title": "日付ではありません",
            "error_message": f"「{f.label}」は日付（例: 2025/4/1）で入力してください。"[:224],
            "error_type": "stop",
        }
        return (
            rule,
            f'AND({top}<>"",NOT(ISNUMBER({top})))',
            f'SUMPRODUCT(({rng}<>"")*NOT(ISNUMBER({rng})))',
        )
    lo, hi = _bound(f, f.min, -NUMBER_LIMIT), _bound(f, f.max, NUMBER_LIMIT)
    what = "整数" if f.kind is FieldKind.INTEGER else "数値"
    span = ""
    if f.min is not None or f.max is not None:
        span = f"（{_shown(f, f.min) if f.min is not None else ''}～{_shown(f, f.max) if f.max is not None else ''}）"
    rule = {
        "validate": "integer" if f.kind is FieldKind.INTEGER else "decimal",
        "criteria": "between",
        "minimum": lo,
        "maximum": hi,
        "input_message": (f.hint or f"{what}を半角で入力してください{span}。")[:255],
        "error_title": f"{what}を入力してください",
        "error_message": f"「{f.label}」は{what}{span}で入力してください（「,」や単位は不要）。"[:224],
        "error_type": "stop",
    }
    bad_top = f'AND({top}<>"",OR(NOT(ISNUMBER({top})),{top}<{lo},{top}>{hi}))'
    bad_rng = (
        f'SUMPRODUCT(({rng}<>"")*((NOT(ISNUMBER({rng})))+ISNUMBER({rng})*(({rng}<{lo})+({rng}>{hi}))>0))'
    )
    return rule, bad_top, bad_rng


def _shown(f: Field, v: float) -> str:
    if f.kind is FieldKind.PERCENT:
        return f"{v * 100:g}%"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,}"


def number_invalid(f: Field, v: Any) -> bool:
    """What the self-check's number terms count: a value that is not a number, or out of range."""
    if _blank(v):
        return False
    if isinstance(v, bool) or not isinstance(v, int | float | dt.date | dt.datetime):
        return True
    if f.kind is FieldKind.DATE:
        return False
    lo, hi = _bound(f, f.min, -NUMBER_LIMIT), _bound(f, f.max, NUMBER_LIMIT)
    return not (lo <= v <= hi)


def master_values(master: Master) -> dict[str, Any]:
    """What ``[マスタ.名前]`` reads."""
    s = master.settings
    out: dict[str, Any] = {"評価年度": s.evaluation_year}
    cost = getattr(s, "average_personnel_cost", None)
    if cost is not None:
        out["平均人件費"] = cost
    return out


def label_tables(form: Form, master: Master, lp: str) -> dict[str, dict[str, str]]:
    """value → 表示 of every list LABEL may name, by the names the form uses."""
    from .formdef.compute import _parse

    names = {f.list for s in form.sections for f in s.fields if f.list}
    for s in form.sections:
        for f in s.fields:
            for text in (f.formula, f.constraint, f.required_if):
                if text:
                    names.update(_parse(text).list_names())
    out: dict[str, dict[str, str]] = {}
    for name in names:
        try:
            src = list_source(form, master, name, lp)
        except KeyError:
            continue
        out[name] = dict(zip(src.values, src.labels or src.values, strict=True))
    return out


def self_check_counts(form: Form, master: Master, p: Placement, rows: Rows) -> tuple[int, int]:
    """(missing, invalid) that a section's self-check formulas compute for these values.

    Mirrors the terms `_EntryBook.section` builds: a value not in its dropdown list (compared as
    COUNTIF does, ignoring case), not a number (or out of range) in a number cell, or longer than
    its limit is invalid; a required cell is missing when another key column of its row holds a
    value, and a required section's first key cell when it is blank.
    """
    sec = p.section
    data = [rows[r] if r < len(rows) else {} for r in range(p.rows)]
    key_cols = [f for f in sec.fields if f.row_key] or [f for f in sec.fields if f.is_input]
    missing = invalid = 0
    for col in sec.fields:
        if not col.is_input:
            continue
        cells = [row.get(col.key) for row in data]
        src = field_list(form, master, col, p.lp)
        if src is not None:
            allowed = src.values
            invalid += sum(1 for v in cells if not _blank(v) and not countif_matches(allowed, _excel_text(v)))
        elif col.kind in NUMBER_FORMATS:
            invalid += sum(1 for v in cells if number_invalid(col, v))
        elif col.max_len:
            invalid += sum(1 for v in cells if _excel_len(v) > col.max_len)
        if col.required and not (sec.required and col.row_key):
            others = [k for k in key_cols if k is not col]
            if others:
                missing += sum(
                    1
                    for row, v in zip(data, cells, strict=True)
                    if _blank(v) and any(not _blank(row.get(k.key)) for k in others)
                )
    if sec.required and _blank(data[0].get(key_cols[0].key) if data else None):
        missing += 1
    return missing, invalid


PAGE_ROW_DEFAULT = 15.0
"""XlsxWriter's default row height in points."""
A4_PRINTABLE = (595.3 - 72.0, 841.9 - 86.4)
"""A4 in points less the input sheet's margins (0.5 in left/right, 0.6 in top/bottom)."""


def _sheet_width_points(widths: tuple[float, ...]) -> float:
    """Excel column widths (characters of a 7-pixel digit) to points, as Excel sizes them."""
    return sum(int(w * 7 + 0.5) + 5 for w in widths) * 0.75


FONT_WIDTH_ALLOWANCE = 1.22
"""LibreOffice without 游ゴシック lays the columns out about 20 % wider than Excel does (measured)."""


def print_scale(widths: tuple[float, ...]) -> int:
    """Print scale that fits the input sheet's columns on one A4 portrait page in Excel and in
    LibreOffice. An explicit scale rather than fit-to-width: Excel ignores manual page breaks
    under fit-to-page."""
    return min(100, math.floor(100 * A4_PRINTABLE[0] / (_sheet_width_points(widths) * FONT_WIDTH_ALLOWANCE)))


def _text_units(text: str) -> float:
    """Width in full-width characters: CJK and full-width count 1, the rest 1/2."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


def _highlight(ws, first: int, col: int, last: int, criteria: str, fmt) -> None:
    """Conditional format on one column's data rows: `fmt` wherever the formula `criteria` holds."""
    ws.conditional_format(first, col, last, col, {"type": "formula", "criteria": criteria, "format": fmt})


MAX_ROW_PT = 409.0
"""Excel's highest row. A longer text fills the row and stays whole in the cell: Excel shows the
rest in the formula bar and while editing (an input cell cannot be split into rows)."""


def _text_height(text: str, minimum: float, width: float) -> float:
    """Row height (points) that shows wrapped 10 pt text in a cell `width` characters wide.

    At most MAX_ROW_PT: Excel refuses taller rows.
    """
    # A full-width 10 pt glyph is about 1.9 column characters in Excel; LibreOffice's fallback
    # font is wider (FONT_WIDTH_ALLOWANCE), and the row must hold the text in both.
    per_line = max(1.0, width / (1.9 * FONT_WIDTH_ALLOWANCE))
    lines = sum(max(1, math.ceil(_text_units(part) / per_line)) for part in str(text).split("\n"))
    return min(MAX_ROW_PT, max(minimum, 16.0 * lines + 4))


def _page_breaks(lay: SheetLayout, heights: dict[int, float], print_scale: int) -> list[int]:
    """Rows to start a new printed page at, so a section's heading stays with its rows.

    A section that fits on one page is moved whole to the next page when it would cross a page
    break; a longer one keeps at least its heading, notes and first row together. Heights are
    estimates (the printer's fonts decide), so a page is taken 8 % shorter than it is.
    """
    scale = print_scale / 100
    repeated = sum(heights.get(r, PAGE_ROW_DEFAULT) for r in range(lay.title_row, lay.info_row + 1))
    page = A4_PRINTABLE[1] / scale * 0.92 - repeated
    h = lambda r: heights.get(r, PAGE_ROW_DEFAULT)  # noqa: E731
    used = sum(h(r) for r in range(lay.info_row + 1, lay.placements[0].title_row)) if lay.placements else 0
    breaks: list[int] = []
    for i, p in enumerate(lay.placements):
        end = lay.placements[i + 1].title_row if i + 1 < len(lay.placements) else p.last_row + 1
        block = sum(h(r) for r in range(p.title_row, end))
        need = block if block <= page else sum(h(r) for r in range(p.title_row, p.first_row + 1))
        if used and used + need > page:
            breaks.append(p.title_row)
            used = 0
        for r in range(p.title_row, end):
            if used + h(r) > page:
                used = 0
            used += h(r)
    return breaks


def _annotation_marks(annotations: list[Issue], lp: str) -> dict[tuple[str, int, str], Issue]:
    """The worst issue per (section, row, column) on one leading project's sheet."""
    rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.FIXED: 2}
    out: dict[tuple[str, int, str], Issue] = {}
    for i in annotations:
        if i.lp != lp or not i.section or i.row is None or not i.column:
            continue
        key = (i.section, i.row, i.column)
        if key not in out or rank[i.severity] < rank[out[key].severity]:
            out[key] = i
    return out


def workbook_values(
    master: Master,
    dept: str,
    entries: dict[str, LpEntry] | None = None,
    form: Form | None = None,
    answers: dict[str, dict[str, Rows]] | None = None,
) -> dict[str, dict[str, Rows]]:
    """Section values per unit: the submission's answers (or seed entries) where given, else the
    pre-fill. 固定 columns (written by xlsheet) always come from the pre-fill."""
    form = form or default_form()
    out: dict[str, dict[str, Rows]] = {}
    for lp in master.department_lps(dept):
        prefill = default_values(master, dept, lp.code, form)
        if answers is not None and lp.code in answers:
            given = answers[lp.code]
        elif entries and lp.code in entries:
            given = entry_values(entries[lp.code])
        else:
            out[lp.code] = prefill
            continue
        values: dict[str, Rows] = {}
        for s in form.sections:
            rows = [_typed(s, r) for r in given.get(s.key, [])]
            fixed = [f.key for f in s.fields if f.kind is FieldKind.FIXED]
            if fixed:
                base = prefill.get(s.key, [])
                rows = [
                    {**(rows[i] if i < len(rows) else {}), **{k: base[i].get(k) for k in fixed}}
                    for i in range(len(base))
                ]
            if rows:
                values[s.key] = rows
        out[lp.code] = values
    return out


def _typed(section: Section, row: dict[str, Any]) -> dict[str, Any]:
    """A row as the ledger's JSON gives it back, dates (stored as ISO text) as dates again."""
    out = dict(row)
    for f in section.fields:
        v = out.get(f.key)
        if f.kind is FieldKind.DATE and isinstance(v, str) and len(v) == 10:
            with contextlib.suppress(ValueError):
                out[f.key] = dt.date.fromisoformat(v)
    return out


def entry_layouts(
    master: Master,
    dept: str,
    values: dict[str, dict[str, Rows]] | None = None,
    form: Form | None = None,
) -> list[SheetLayout]:
    """The input sheets' layout as the writer lays them out for these values (default: pre-fill)."""
    form = form or default_form()
    values = workbook_values(master, dept, form=form) if values is None else values
    filled = {lp: {k: len(v) for k, v in vals.items()} for lp, vals in values.items()}
    return workbook_layout(form, master, dept, filled)


def write_entry_workbook(
    master: Master,
    dept: str,
    path: Path,
    *,
    entries: dict[str, LpEntry] | None = None,
    answers: dict[str, dict[str, Rows]] | None = None,
    annotations: list[Issue] | None = None,
    issued: dt.date | None = None,
    form: Form | None = None,
) -> Manifest:
    """Write the department's entry workbook to `path` atomically and return its manifest.

    `form` is the round's form (default: the shipped 政策評価表). Without `answers` (or the
    seed's `entries`) it is pre-filled from the fields' 初期値; with them (a feedback workbook) it
    carries the department's own data, and `annotations` highlight and comment the cells they
    name and fill a 指摘事項 sheet.
    """
    form = form or default_form()
    annotations = annotations or []
    lps = [lp.code for lp in master.department_lps(dept)]
    if not lps:
        raise ValueError(f"所属「{dept}」には報告する取り組みがありません")
    values = workbook_values(master, dept, entries, form, answers)
    layouts = entry_layouts(master, dept, values, form)
    issued = issued or dt.date.today()
    with atomic_path(path) as tmp:
        book = Book(tmp)
        eb = _EntryBook(book, master, dept, form)
        eb.instructions_sheet(layouts)
        for lay in layouts:
            eb.input_sheet(lay, values[lay.lp], annotations)
        eb.instructions_status(layouts)
        if annotations:
            eb.issues_sheet(annotations)
        eb.lists_sheet(lps)
        for lay in layouts:
            for p in lay.placements:
                book.define_name(p.name, p.ref(lay.sheet))
        ms = book.add_sheet(SHEET_MANIFEST)
        structure = book.structure
        given_text = given_json(master, dept)
        manifest = Manifest(
            form_id=form.id,
            form_version=form.version,
            round_id=master.settings.round_id,
            department=dept,
            issued=issued,
            fingerprint=fingerprint(structure),
            lps=",".join(lps),
            master_print=given_print(given_text),
            form_digest=form.digest[:16],
        )
        for row, text in enumerate(sheet_rows(structure, manifest, given_text)):
            book.write(ms, row, 0, text)
        ms.very_hidden()
        eb.protect(ms)
        for k, v in manifest.properties().items():
            book.wb.set_custom_property(k, v)
        book.wb.set_properties(
            {
                "title": f"{eb.title} 入力ブック {eb.dept.name}",
                "subject": master.settings.round_id,
                "author": master.settings.office_name,
                "company": master.settings.municipality,
                "comments": "xlsheet で作成",
            }
        )
        book.close()
    return manifest
