"""Validation rules from the round's form, each a small function returning issues as data.

Rules see the normalized rows of one unit's sections (`ReadSection`), the form and the master
data; they never stop at the first problem. Errors reject the file, warnings do not. Every rule
takes its sections, fields and lists from the `Form`: required and conditionally required
fields, lists, 文字数, 最小/最大, 条件 and 計算 (recomputed and compared) come from its 項目.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..catalogue import issue as catalogue_issue
from ..formdef.compute import _parse, recompute, rule_findings
from ..formdef.formula import ExcelErrorValue
from ..formdef.model import NUMERIC_KINDS, TEXT_KINDS, Field, FieldKind, Form, Section, norm
from ..layout import (
    MASTER_CODES,
    MASTER_DEPARTMENTS,
    cell_ref,
    department_names,
    list_source,
    section_label,
    unit_lists,
)
from ..limits import CELL_TEXT_MAX
from ..models import SDG_MARK, Category, Issue, Master
from ..units import AnswerUnit, unit_kind
from . import read_codes  # noqa: F401  (registers the codes of the rules)
from .normalize import formula_like


@dataclass
class CellRow:
    """One row in use of a section: normalized values and where the row sits in the file."""

    index: int
    """Position among the section's rows in use (what a feedback workbook writes at that row)."""
    values: dict[str, Any]
    file_row: int = 0
    """0-based row in the file."""
    columns: dict[str, int] = field(default_factory=dict)
    """Field key -> 0-based file column."""

    def cell(self, key: str) -> str:
        return cell_ref(self.file_row, self.columns[key]) if key in self.columns else ""


@dataclass
class ReadSection:
    lp: str
    section: Section
    sheet: str
    first_cell: str
    rows: list[CellRow] = field(default_factory=list)
    readable: bool = True
    typed_calc: dict[tuple[int, str], tuple[Any, int, int]] = field(default_factory=dict)
    """(row index, 計算 field key) → (value read from the 計算 cell, file row, file column)."""
    holds_formula: Callable[[int, int], bool] = lambda r, c: True
    """Whether a file cell still holds a formula (asked only when its value is not the recomputed one)."""
    fill: Callable[[str], str] = lambda text: text
    """The form's placeholders ({評価対象年度-1} …) filled in for this unit, as the sheet shows them."""

    @property
    def label(self) -> str:
        return section_label(self.section)

    def where(self, row: CellRow | None, col: Field | None) -> dict[str, Any]:
        col = col or self.key_field
        return {
            "sheet": self.sheet,
            "cell": (row.cell(col.key) if row else self.first_cell),
            "field": self.fill(f"{self.label}／{col.label}" if len(self.section.fields) > 1 else self.label),
        }

    @property
    def key_field(self) -> Field:
        fields = self.section.fields
        return next((c for c in fields if c.row_key), fields[-1])

    def at(self, row: CellRow | None, col: Field | None) -> dict[str, Any]:
        col = col or self.key_field
        return {"lp": self.lp, "section": self.section.key, "row": row.index if row else 0, "column": col.key}

    def coded(self, row: CellRow | None, col: Field | None, code: str, **params: Any) -> Issue:
        """An issue from the catalogue at a row and field."""
        params = {k: self.fill(v) if isinstance(v, str) and "{" in v else v for k, v in params.items()}
        return catalogue_issue(code, **self.where(row, col), at=self.at(row, col), **params)


_LISTS: dict[tuple[int, int, str], tuple[Master, Form, Lists]] = {}
_ASSIGNED: dict[tuple[int, str], tuple[Master, dict[str, set[str]], dict[str, Category]]] = {}


def _assignments(master: Master, lp: str) -> tuple[dict[str, set[str]], dict[str, Category]]:
    """Per initiative of the leading project: reporting departments, and its category (cached)."""
    key = (id(master), lp)
    hit = _ASSIGNED.get(key)
    if hit is None or hit[0] is not master:
        if len(_ASSIGNED) > 64:
            _ASSIGNED.clear()
        depts: dict[str, set[str]] = {}
        for a in master.assignments:
            if a.lp == lp:
                depts.setdefault(a.initiative, set()).add(a.department)
        hit = _ASSIGNED[key] = (master, depts, {i.code: c for i, c in master.lp_initiatives(lp)})
    return hit[1], hit[2]


@dataclass(frozen=True)
class Lists:
    """The allowed values of one unit's dropdowns, by normalized list name, and the 表示 of
    each value (for LABEL in 計算)."""

    items_by_list: dict[str, tuple[str, ...]]
    labels: dict[str, dict[str, str]]

    @classmethod
    def for_unit(cls, form: Form, master: Master, lp: str) -> Lists:
        sources = unit_lists(form, master, lp)
        labels = {}
        for f in (f for s in form.sections for f in s.fields):
            if f.list:
                src = sources[norm(f.list)]
                labels[f.list] = dict(zip(src.values, src.labels or src.values, strict=True))
        return cls({k: v.values for k, v in sources.items()}, labels)

    @classmethod
    def for_lp(cls, master: Master, lp: str, form: Form | None = None) -> Lists:
        from ..round import default_form

        return cls.for_unit(form or default_form(), master, lp)

    @classmethod
    def cached(cls, form: Form, master: Master, lp: str) -> Lists:
        """`for_unit`, computed once per master and form (a collect reads many files against one)."""
        key = (id(master), id(form), lp)
        hit = _LISTS.get(key)
        if hit is None or hit[0] is not master or hit[1] is not form:
            if len(_LISTS) > 64:
                _LISTS.clear()
            hit = _LISTS[key] = (master, form, cls.for_unit(form, master, lp))
        return hit[2]

    def items(self, name: str) -> tuple[str, ...]:
        return self.items_by_list.get(norm(name), ())

    @property
    def codes(self) -> tuple[str, ...]:
        return self.items(MASTER_CODES)

    @property
    def departments(self) -> tuple[str, ...]:
        return self.items(MASTER_DEPARTMENTS)


def is_mark_list(items: tuple[str, ...]) -> bool:
    """A list of one mark (the SDGs' ○): look-alikes are read as the mark."""
    return items == (SDG_MARK,)


def check_required(sec: ReadSection, findings: list[tuple[str, Section, int, Field]]) -> Iterator[Issue]:
    """Sections that must hold a row, and required / conditionally required fields of rows in use
    (from `compute.rule_findings`)."""
    if sec.section.required and sec.readable and not sec.rows:
        who = "主管所属が記入する欄です。" if sec.section.lead_only else ""
        yield sec.coded(None, None, "required", label=sec.label, how=f"{who}入力してから送ってください。")
    for kind, section, i, f in findings:
        if kind != "required" or section.key != sec.section.key or i >= len(sec.rows):
            continue
        row = sec.rows[i]
        how = "プルダウンから選ぶか入力してください。" if f.list else "入力してください。"
        if f.required:
            yield sec.coded(row, f, "required", label=f.label, how=how)
        else:
            yield sec.coded(row, f, "required_if", label=f.label, how=how)


def check_rules(
    sec: ReadSection,
    findings: list[tuple[str, Section, int, Field]],
    sections: Mapping[str, ReadSection] | None = None,
) -> Iterator[Issue]:
    """The form's 条件 that do not hold (with their 条件メッセージ), naming the other cells the
    rule reads (a grade that contradicts the 達成率 of another section: both places)."""
    for kind, section, i, f in findings:
        if kind == "required" or section.key != sec.section.key or i >= len(sec.rows):
            continue
        value = sec.rows[i].values.get(f.key)
        if f.is_number and isinstance(value, str):
            continue  # not a number: reported when read
        message = f.constraint_message or "条件を満たしていません。"
        related = _related_cells(sec, i, f, sections or {})
        if related:
            message += f"（関係するセル: {'・'.join(related)}）"
        yield sec.coded(
            sec.rows[i],
            f,
            "constraint_warning" if kind == "constraint_warning" else "constraint",
            label=f.label,
            message=message,
            hint="内容を確認してください。",
        )


def _related_cells(sec: ReadSection, i: int, f: Field, sections: Mapping[str, ReadSection]) -> list[str]:
    """The cells, other than the field's own, that a 条件 reads: the same row's fields, or every
    row in use of another section (at most MAX_RELATED)."""
    cells: list[str] = []
    for ref, _ in _parse(f.constraint).refs():
        if ref.section is None:
            if ref.name != f.key and (cell := sec.rows[i].cell(ref.name)):
                cells.append(cell)
            continue
        other = sections.get(ref.section)
        if other is not None:
            cells += [c for row in other.rows if (c := row.cell(ref.name))]
    return list(dict.fromkeys(cells))[:MAX_RELATED]


MAX_RELATED = 6


def check_lists(sec: ReadSection, lists: Lists) -> Iterator[Issue]:
    """Values that must come from a dropdown list (paste bypasses Excel's own check)."""
    listed = [c for c in sec.section.fields if c.is_input and c.list]
    for row in sec.rows:
        for col in listed:
            value = row.values.get(col.key, "")
            if value == "" or value is None:
                continue
            items = lists.items(col.list)
            if value not in items:
                yield sec.coded(
                    row,
                    col,
                    "sdg_mark" if is_mark_list(items) else "not_in_list",
                    label=col.label,
                    value=value,
                    mark=SDG_MARK,
                )


def check_lengths(sec: ReadSection) -> Iterator[Issue]:
    inputs = [
        (c, min(c.max_len or CELL_TEXT_MAX, CELL_TEXT_MAX))
        for c in sec.section.fields
        if c.is_input and c.kind not in NUMERIC_KINDS and c.kind is not FieldKind.DATE
    ]
    for row in sec.rows:
        for col, limit in inputs:
            value = row.values.get(col.key, "")
            if isinstance(value, str) and len(value) > limit:
                yield sec.coded(
                    row,
                    col,
                    "too_long_for_excel" if len(value) > CELL_TEXT_MAX else "too_long",
                    label=col.label,
                    length=len(value),
                    limit=limit,
                )


def _shown(f: Field, v: float) -> str:
    if f.kind is FieldKind.PERCENT:
        return f"{v * 100:g}%"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,}"


def check_ranges(sec: ReadSection) -> Iterator[Issue]:
    """最小 / 最大 of number fields (values that are numbers; others were reported when read)."""
    bounded = [
        c for c in sec.section.fields if c.kind in NUMERIC_KINDS and (c.min is not None or c.max is not None)
    ]
    for row in sec.rows:
        for col in bounded:
            v = row.values.get(col.key)
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            if (col.min is not None and v < col.min) or (col.max is not None and v > col.max):
                lo = _shown(col, col.min) if col.min is not None else ""
                hi = _shown(col, col.max) if col.max is not None else ""
                yield sec.coded(
                    row, col, "out_of_range", label=col.label, value=_shown(col, v), span=f"{lo}～{hi}"
                )


def check_formula_text(sec: ReadSection) -> Iterator[Issue]:
    """Text starting with = + - @ is kept as text; say so, since the department may have meant a formula."""
    free = [c for c in sec.section.fields if c.is_input and not c.list and c.kind in TEXT_KINDS]
    for row in sec.rows:
        for col in free:
            value = row.values.get(col.key, "")
            if value and isinstance(value, str) and formula_like(value):
                yield sec.coded(row, col, "formula_text", label=col.label, first=value[0])


def _code_field(section: Section) -> Field | None:
    """The field holding the unit's initiative code (its list is master's 取り組みコード)."""
    return next((f for f in section.fields if f.list and norm(f.list) == norm(MASTER_CODES)), None)


def check_rows_per_item(sec: ReadSection) -> Iterator[Issue]:
    """A section with 行数 rows per 取り組みコード holds at most 行数 rows per code: a warning,
    the merge keeps them all."""
    section = sec.section
    code = _code_field(section)
    if code is None or not section.rows_per or norm(section.rows_per) != norm(MASTER_CODES):
        return
    limit = section.rows
    seen: Counter[str] = Counter()
    for row in sec.rows:
        value = row.values.get(code.key, "")
        if not value:
            continue
        seen[value] += 1
        if seen[value] == limit + 1:
            yield sec.coded(
                row,
                sec.key_field,
                "too_many_projects",
                initiative=value,
                label=sec.key_field.label,
                limit=limit,
            )


def check_department(form: Form, sec: ReadSection, master: Master, dept: str) -> Iterator[Issue]:
    """An initiative assigned to another department, or filed under another category (区分
    pre-filled from master's 事業.区分)."""
    section = sec.section
    code_field = _code_field(section)
    if code_field is None:
        return
    per_item = bool(section.rows_per)
    category_field = next((f for f in section.fields if f.default == "マスタ:事業.区分"), None)
    if unit_kind(form) is AnswerUnit.PROJECT:
        return  # a 事業's 取り組み is written by xlsheet (固定), nothing to cross-check
    lead = master.leading_project(sec.lp).lead_department == dept
    reporters, categories = _assignments(master, sec.lp)
    for row in sec.rows:
        code = row.values.get(code_field.key, "")
        if code not in categories:
            continue
        if dept not in reporters.get(code, ()) and not (lead and not per_item):
            owners = sorted(master.department(d).name for d in reporters.get(code, ()))
            who = ("「" + "・".join(owners) + "」") if owners else "別の所属"
            yield sec.coded(row, code_field, "other_department_initiative", initiative=code, owners=who)
        cat = row.values.get(category_field.key) if category_field else None
        if cat and cat != categories[code].value and cat in Category._value2member_map_:
            yield sec.coded(
                row,
                category_field,
                "category_mismatch",
                initiative=code,
                expected=categories[code].value,
                chosen=cat,
            )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
    return ("" if a is None else str(a)) == ("" if b is None else str(b))


def _show(v: Any, f: Field) -> str:
    if isinstance(v, int | float) and not isinstance(v, bool):
        if f.label.endswith("率"):
            return f"{v * 100:g}%"
        return f"{v:g}"
    return f"「{v}」"


def check_calculations(sec: ReadSection, computed: list[dict[str, Any]]) -> Iterator[Issue]:
    """計算 cells whose formula was replaced by a typed value that is not what it computes to."""
    calcs = {f.key: f for f in sec.section.fields if f.kind is FieldKind.CALC}
    for (i, key), (typed, r, c) in sec.typed_calc.items():
        if i >= len(sec.rows) or i >= len(computed):
            continue
        value = computed[i].get(key)
        if isinstance(value, ExcelErrorValue):
            value = ""
        if not _same(typed, value) and not sec.holds_formula(r, c):
            f = calcs[key]
            yield sec.coded(
                sec.rows[i],
                f,
                "calc_overwritten",
                label=f.label,
                typed=_show(typed, f),
                computed=_show(value, f) if value != "" else "空欄",
            )


def unit_answers(sections: dict[str, ReadSection]) -> dict[str, list[dict[str, Any]]]:
    return {key: [dict(r.values) for r in sec.rows] for key, sec in sections.items()}


def validate_unit(
    form: Form,
    sections: dict[str, ReadSection],
    master: Master,
    dept: str,
    lists: Lists,
    master_values: dict[str, Any],
) -> tuple[dict[str, list[Issue]], dict[str, list[dict[str, Any]]]]:
    """Every rule over one unit's sections: issues per section, and the answers with every 計算
    field recomputed (what the ledger keeps)."""
    data = unit_answers(sections)
    computed = recompute(form, data, master_values, lists.labels)
    placed = {k: v for k, v in computed.items() if k in sections}
    findings = rule_findings(form, placed, master_values, lists.labels)
    out: dict[str, list[Issue]] = {}
    for key, sec in sections.items():
        issues: list[Issue] = []
        for rule in (
            check_required(sec, findings),
            check_lists(sec, lists),
            check_lengths(sec),
            check_ranges(sec),
            check_formula_text(sec),
            check_calculations(sec, computed.get(key, [])),
            check_rules(sec, findings, sections),
            check_rows_per_item(sec),
            check_department(form, sec, master, dept),
        ):
            issues.extend(rule)
        out[key] = issues
    answers = {k: computed.get(k, []) if sections[k].rows else [] for k in sections}
    return out, answers


__all__ = [
    "CellRow",
    "Lists",
    "ReadSection",
    "check_department",
    "department_names",
    "list_source",
    "section_label",
    "validate_unit",
]
