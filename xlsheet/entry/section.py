"""One section of an input sheet: headings, data rows, and each input column's rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..formdef.compute import _parse, excel_formula, row_local
from ..formdef.formula import ExcelErrorValue
from ..formdef.model import Field, FieldKind, Section
from ..layout import Placement, SheetLayout, cell_ref, field_list, list_source
from ..models import SEVERITY_JA, Issue
from .book import EntryBook
from .numbers import NUMBER_FORMATS, is_percent_calc, number_rule
from .pages import PAGE_ROW_DEFAULT, text_height
from .values import Rows, fill_placeholders, master_values

Marks = dict[tuple[str, int, str], Issue]
"""The worst issue per (section, row, column), highlighted and commented."""


def highlight(ws, first: int, col: int, last: int, criteria: str, fmt) -> None:
    """Conditional format on one column's data rows: `fmt` wherever the formula `criteria` holds."""
    ws.conditional_format(first, col, last, col, {"type": "formula", "criteria": criteria, "format": fmt})


@dataclass
class SectionWriter:
    """Writes one placed section and collects its self-check terms."""

    eb: EntryBook
    ws: Any
    lay: SheetLayout
    p: Placement
    missing_terms: list[str] = field(default_factory=list)
    invalid_terms: list[str] = field(default_factory=list)

    @property
    def spans(self) -> list[tuple[Field, int, int]]:
        """(field, first column, columns merged) of each field."""
        return list(self.p.fields)

    def write(self, rows: Rows, computed: list[dict[str, Any]], marks: Marks) -> None:
        """The whole section: headings, data rows, validations and self-check terms."""
        self.headings()
        self.data_rows(rows, computed, marks)
        key_cols = [start for col, start, _ in self.spans if col.row_key] or [
            start for col, start, _ in self.spans if col.is_input
        ]
        for col, start, _span in self.spans:
            if col.is_input:
                self.column_rules(col, start, key_cols)
        if self.p.section.required:
            self.required_section(key_cols[0])

    def fill(self, text: str) -> str:
        """`text` with its placeholders filled in."""
        return fill_placeholders(text, self.eb.master, self.eb.dept.code, self.lay.lp)

    def headings(self) -> None:
        """Title, note, column headers and the 記入例 row."""
        eb, ws, p = self.eb, self.ws, self.p
        b, sec, last = eb.b, p.section, self.lay.width - 1
        b.merge(ws, p.title_row, 0, last, self.fill(sec.title), eb.f_heading)
        b.merge(ws, p.note_row, 0, last, self.fill(sec.note), eb.f_note)
        if p.header_row is not None:
            height = 0.0
            for col, start, span in self.spans:
                label = self.fill(col.label)
                b.merge(ws, p.header_row, start, start + span - 1, label, eb.f_header)
                height = max(height, text_height(label, 0, sum(eb.widths[start : start + span])))
            if height > 16.0 + 4:  # a header that wraps (text_height: 16 pt a line) gets the lines it needs
                eb.set_height(ws, p.header_row, height)
        if p.example_row is not None:
            for i, (col, start, span) in enumerate(self.spans):
                text = ("例）" if i == 0 else "") + col.example
                b.merge(ws, p.example_row, start, start + span - 1, text, eb.f_example)
            if sec.row_height:
                eb.set_height(ws, p.example_row, 30)

    def lookup_height(self) -> float:
        """A looked-up label (LABEL of a list, e.g. the initiative's title) can be long: rows are
        tall enough for the longest one (Excel does not grow a row for a formula's result)."""
        widths = self.eb.widths
        return max(
            (
                text_height(label, 0, sum(widths[start : start + span]))
                for col, start, span in self.spans
                if col.kind is FieldKind.CALC
                for label in self.looked_up(col)
            ),
            default=0,
        )

    def looked_up(self, col: Field) -> tuple[str, ...]:
        """The labels a 計算 field's LABEL(…, "一覧") can show."""
        out: tuple[str, ...] = ()
        for name in _parse(col.formula).list_names() if col.formula else ():
            src = list_source(self.eb.form, self.eb.master, name, self.lay.lp)
            out += src.labels or ()
        return out

    def data_rows(self, rows: Rows, computed: list[dict[str, Any]], marks: Marks) -> None:
        """Every data row: its height, then its cells (input, 固定 or 計算)."""
        lookup = self.lookup_height()
        base = max(self.p.section.row_height or 0, lookup if lookup > PAGE_ROW_DEFAULT + 5 else 0)
        for r in range(self.p.rows):
            row = self.p.first_row + r
            values = rows[r] if r < len(rows) else {}
            height = base
            for col, start, span in self.spans:
                if values.get(col.key) and (
                    col.kind is FieldKind.LONGTEXT or (col.kind is FieldKind.FIXED and self.p.section.carried)
                ):
                    width = sum(self.eb.widths[start : start + span])
                    height = max(height, text_height(str(values[col.key]), 0, width))
            if height:
                self.eb.set_height(self.ws, row, height)
            for col, start, span in self.spans:
                cached = computed[r].get(col.key) if r < len(computed) else ""
                self.cell(r, col, start, start + span - 1, values.get(col.key, ""), cached, marks)

    def cell(self, r: int, col: Field, start: int, end: int, value: Any, cached: Any, marks: Marks) -> None:
        """One field's cell on data row `r` (merged over columns start..end)."""
        eb, ws = self.eb, self.ws
        row = self.p.first_row + r
        if col.kind is FieldKind.CALC:
            if isinstance(cached, ExcelErrorValue) or cached is None:
                cached = ""
            fmt = eb.f_calc.get(FieldKind.PERCENT) if is_percent_calc(col) else eb.f_locked
            if end > start:
                ws.merge_range(row, start, row, end, None, fmt)
            eb.b.formula(ws, row, start, self.formula_text(col, row), fmt, cached)
        elif col.kind is FieldKind.FIXED:
            eb.b.merge(ws, row, start, end, value, eb.f_locked)
        else:
            issue = marks.get((self.p.section.key, r, col.key))
            fmt = eb.input_fmt(col, self.lay.lp, issue.severity if issue else None)
            eb.b.merge(ws, row, start, end, value, fmt)
            if issue:
                ws.write_comment(
                    row,
                    start,
                    f"【{SEVERITY_JA[issue.severity]}】{issue.message}\n{issue.hint}".strip(),
                    {"author": "xlsheet", "x_scale": 2.5, "y_scale": 2},
                )

    def formula_text(self, f: Field, row: int, text: str | None = None) -> str:
        """The live Excel formula of a 計算 field on one row (or of `text`, a rule of the field)."""
        eb, p = self.eb, self.p
        placed = {q.section.key: q for q in self.lay.placements}

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
            v = master_values(eb.master).get(name)
            return '""' if v is None else str(v) if isinstance(v, int | float) else '"' + str(v) + '"'

        def table(name: str) -> str:
            return list_source(eb.form, eb.master, name, self.lay.lp).table_name

        return excel_formula(eb.form, p.section, text or f.formula, address, master, table)

    def column_rules(self, col: Field, start: int, key_cols: list[int]) -> None:
        """An input column's validation, highlight and self-check terms."""
        eb, ws = self.eb, self.ws
        first, lastr = self.p.first_row, self.p.last_row
        rng, top = self.column_range(start), cell_ref(first, start)
        src = field_list(eb.form, eb.master, col, self.lay.lp)
        if src is not None:
            self.validate(start, self.list_rule(col, src.name))
            highlight(
                ws, first, start, lastr, f'=AND({top}<>"",COUNTIF({src.name},{top})=0)', eb.f_cf_invalid
            )
            self.invalid_terms.append(f'SUMPRODUCT(({rng}<>"")*(COUNTIF({src.name},{rng})=0))')
        elif col.kind in NUMBER_FORMATS:
            rule, bad_top, bad_rng = number_rule(col, top, rng)
            self.validate(start, rule | {"input_title": col.label[:32]})
            highlight(ws, first, start, lastr, "=" + bad_top, eb.f_cf_invalid)
            self.invalid_terms.append(bad_rng)
        elif col.max_len:
            self.validate(start, self.length_rule(col))
            highlight(ws, first, start, lastr, f"=LEN({top})>{col.max_len}", eb.f_cf_invalid)
            self.invalid_terms.append(f"SUMPRODUCT(--(LEN({rng})>{col.max_len}))")
        if col.required and not (self.p.section.required and col.row_key):
            self.required_column(start, [k for k in key_cols if k != start])
        if col.constraint:
            self.constraint_rule(col, start)

    def constraint_rule(self, col: Field, start: int) -> None:
        """A field's 条件 in the workbook, as intake reports it: its cell turns red where the rule
        does not hold (an error, counted by the self-check when the rule reads only its own row)
        or yellow (a 注意, such as a grade the 達成率 contradict)."""
        p = self.p
        first = p.first_row

        def broken(row: int) -> str:
            rule = self.formula_text(col, row, col.constraint).removeprefix("=")
            return f'AND({cell_ref(row, start)}<>"",NOT({rule}))'

        fmt = self.eb.f_cf_warning if col.constraint_warns else self.eb.f_cf_invalid
        highlight(self.ws, first, start, p.last_row, "=" + broken(first), fmt)
        if not col.constraint_warns and row_local(self.eb.form, p.section, col.constraint):
            self.invalid_terms.append("+".join(f"IF({broken(r)},1,0)" for r in range(first, p.last_row + 1)))

    def column_range(self, col: int) -> str:
        """The absolute range of one column's data rows, e.g. $B$12:$B$21."""
        return f"{cell_ref(self.p.first_row, col, True)}:{cell_ref(self.p.last_row, col, True)}"

    def validate(self, col: int, rule: dict[str, Any]) -> None:
        """Data validation over one column's data rows."""
        self.eb.b.validate(self.ws, self.p.first_row, col, self.p.last_row, col, rule)

    @staticmethod
    def list_rule(col: Field, source: str) -> dict[str, Any]:
        """Data validation of a dropdown column."""
        return {
            "validate": "list",
            "source": "=" + source,
            "input_title": col.label[:32],
            "input_message": col.hint,
            "error_title": "一覧にない値です",
            "error_message": f"「{col.label}」はプルダウンの一覧から選んでください。"[:224],
            "error_type": "stop",
        }

    @staticmethod
    def length_rule(col: Field) -> dict[str, Any]:
        """Data validation of a text column with a length limit."""
        return {
            "validate": "length",
            "criteria": "<=",
            "value": col.max_len,
            "input_title": col.label[:32],
            "input_message": col.hint + f"（{col.max_len:,} 文字以内）",
            "error_title": "文字数が多すぎます",
            "error_message": f"「{col.label}」は {col.max_len:,} 文字以内で入力してください。"[:224],
            "error_type": "stop",
        }

    def required_column(self, start: int, others: list[int]) -> None:
        """A required cell is missing when another key column of its row holds a value."""
        if not others:
            return
        first, lastr = self.p.first_row, self.p.last_row
        rng, top = self.column_range(start), cell_ref(first, start)
        in_use = "+".join(f'({self.column_range(k)}<>"")' for k in others)
        in_use_top = ",".join(f'{cell_ref(first, k)}<>""' for k in others)
        highlight(self.ws, first, start, lastr, f'=AND({top}="",OR({in_use_top}))', self.eb.f_cf_missing)
        self.missing_terms.append(f'SUMPRODUCT(({rng}="")*(({in_use})>0))')

    def required_section(self, key_col: int) -> None:
        """A required section's first key cell is missing when blank."""
        first = self.p.first_row
        self.ws.conditional_format(
            first, key_col, first, key_col, {"type": "blanks", "format": self.eb.f_cf_missing}
        )
        self.missing_terms.append(f'--({cell_ref(first, key_col, True)}="")')
