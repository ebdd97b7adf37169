"""The 事務事業評価シート layout's tables: 事務事業評価一覧, 件数集計 and コスト集計.

One row per 事業 of the round (master order; a 事業 not yet answered is listed as 未提出), every
field of every section flattened into columns, then the counts and cost totals per 取り組み, per
leading project and for the whole round. What is counted and what is totalled is read from the
form, never named here:

- **counted**: every 選択 field of a block section (one row per 事業) whose list is the form's own
  (選択肢), by its choices in the list's order, plus 未回答 (and 一覧外 when a value outside the
  list came in). The shipped form gives 実施方法, 総合評価 and 今後の方向性.
- **totalled**: every 金額 field, and every 計算 field whose formula yields an amount: a sum or
  difference of amounts, an amount times a quantity (人工 × 平均人件費), ROUND/SUM of amounts.
  A ratio (単位当たりコスト = コスト ÷ 単位数, 達成率) is not an amount. Amounts are 金額
  fields, such 計算 fields, and the master values listed in `formdef.model.MASTER_AMOUNTS`.

Repeating sections (活動指標, 成果指標: 行数 3) become numbered columns ("活動指標1：指標名" …),
so that one row stays one 事業 (filter, sort and print per 事業, join on 事業コード); their rows
are also in the long tables every form gets (`sections.section_tables`), one row per 指標.

The same `Table`s give the Excel tables, the DataFrames (`round_frames`) and the CSV files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..entry.values import Rows, default_values, fill_placeholders, workbook_values
from ..formdef.compute import _parse
from ..formdef.formula import Binary, Call, Node, Num, Ref, Unary
from ..formdef.model import (
    MASTER_AMOUNTS,
    PLACEHOLDER_RE,
    YEAR_OFFSET_RE,
    YEAR_PLACEHOLDERS,
    Field,
    FieldKind,
    Form,
    Section,
)
from ..models import KnownProject, Master, Received
from .tables import PROV_HEADERS, PROV_WIDTHS, Table, provenance

JIMU_LAYOUT = "事務事業評価シート"
LIST_TABLE = "jimu"
COUNT_TABLE = "jimu_counts"
COST_TABLE = "jimu_costs"
LIST_SHEET = "事務事業評価一覧"
COUNT_SHEET = "件数集計"
COST_SHEET = "コスト集計"
DISTRIBUTION_SHEET = "評価の分布"
"""The charts of the counted fields (written after 件数集計, from its rows)."""

SUBMITTED = "提出済"
MISSING = "未提出"
SCOPE_INITIATIVE = "取り組み"
SCOPE_LP = "リーディングプロジェクト"
SCOPE_ALL = "全体"
UNANSWERED = "未回答"
OFF_LIST = "一覧外"
SEP = "："

LEAD_HEADERS = (
    "事業コード",
    "事業名",
    "担当所属",
    "取り組みコード",
    "取り組み名",
    "リーディングプロジェクトコード",
    "リーディングプロジェクト",
    "提出状況",
)
LEAD_WIDTHS = (10.0, 30.0, 18.0, 10.0, 30.0, 14.0, 24.0, 10.0)
SCOPE_HEADERS = ("集計単位", "コード", "名称", "事業数", SUBMITTED, MISSING)
SCOPE_WIDTHS = (16.0, 10.0, 30.0, 8.0, 8.0, 8.0)

ROUND_FUNCTIONS = frozenset({"ROUND", "ROUNDUP", "ROUNDDOWN"})


# --------------------------------------------------------------------------- what the form says


def is_jimu(form: Form | None) -> bool:
    """Whether `form` names the 事務事業評価シート print layout (公表レイアウト)."""
    return form is not None and form.layout == JIMU_LAYOUT


def year_label(text: str, master: Master) -> str:
    """A heading for the whole round: 年度 placeholders filled, any other placeholder dropped."""

    def one(m) -> str:
        name = m.group(1).strip()
        year = YEAR_OFFSET_RE.fullmatch(name)
        if name in YEAR_PLACEHOLDERS or (year and year.group(1) in YEAR_PLACEHOLDERS):
            return fill_placeholders(m.group(0), master, "", "")
        return ""

    return PLACEHOLDER_RE.sub(one, text).strip()


def section_heading(section: Section, master: Master) -> str:
    """The section's heading without its 【】 brackets, 年度 filled in."""
    text = year_label(section.title, master).strip()
    return text.strip("【】≪≫ 　") or section.key


def counted_fields(form: Form) -> list[tuple[Section, Field]]:
    """選択 fields of block sections whose list is one of the form's 選択肢, in form order."""
    return [
        (s, f)
        for s in form.sections
        if s.is_block
        for f in s.fields
        if f.kind is FieldKind.CHOICE and f.list and form.choice_list(f.list) is not None
    ]


def _amount(form: Form, section: Section, node: Node, seen: frozenset[tuple[str, str]]) -> bool:
    """Whether a formula (sub)tree yields an amount of money (see the module docstring)."""
    if isinstance(node, Ref):
        target = form.resolve(node.name, node.section, section.key)
        if isinstance(target, str):
            return target in MASTER_AMOUNTS
        return target is not None and is_amount(form, target[0], target[1], seen)
    if isinstance(node, Binary):
        if node.op in "+-":
            return _amount(form, section, node.left, seen) and _amount(form, section, node.right, seen)
        if node.op == "*":
            left = _amount(form, section, node.left, seen)
            right = _amount(form, section, node.right, seen)
            return left != right  # one amount times a quantity
        return False
    if isinstance(node, Unary):
        return node.op == "-" and _amount(form, section, node.operand, seen)
    if isinstance(node, Call):
        if node.name in ROUND_FUNCTIONS and node.args:
            return _amount(form, section, node.args[0], seen) and all(
                isinstance(a, Num) for a in node.args[1:]
            )
        if node.name == "SUM":
            return bool(node.args) and all(_amount(form, section, a, seen) for a in node.args)
    return False


def is_amount(form: Form, section: Section, f: Field, seen: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """A 金額 field, or a 計算 field whose formula yields an amount."""
    if f.kind is FieldKind.MONEY:
        return True
    if f.kind is not FieldKind.CALC or not f.formula or (section.key, f.key) in seen:
        return False
    try:
        tree = _parse(f.formula).tree
    except ValueError:
        return False
    return _amount(form, section, tree, seen | {(section.key, f.key)})


def cost_fields(form: Form) -> list[tuple[Section, Field]]:
    """Every field whose values the コスト集計 totals, in form order."""
    return [(s, f) for s in form.sections for f in s.fields if is_amount(form, s, f)]


def project_lps(master: Master, project: KnownProject) -> list[str]:
    """The leading projects a 事業 belongs to: those whose assignments include its 取り組み, in
    master order (a 事業 whose リーディングプロジェクト is given belongs to that one only)."""
    mine = {a.lp for a in master.assignments if a.initiative == project.initiative}
    return [lp.code for lp in master.leading_projects if lp.code in mine and project.serves(lp.code)]


def unique_headers(headers: Iterable[str]) -> tuple[str, ...]:
    """Column headers made unique, as an Excel table needs (compared case-insensitively): a
    repeated one gets （2）, （3）… (a form may give two fields the same 見出し)."""
    seen: set[str] = set()
    out = []
    for h in headers:
        name, n = h, 2
        while name.casefold() in seen:
            name, n = f"{h}（{n}）", n + 1
        seen.add(name.casefold())
        out.append(name)
    return tuple(out)


# --------------------------------------------------------------------------- the rows


@dataclass(frozen=True)
class JimuRow:
    """One 事業 of the round: its master entry, its values and the submission they came from."""

    code: str
    name: str
    department: str
    """報告所属コード."""
    department_name: str
    initiative: str
    initiative_title: str
    lps: tuple[str, ...]
    values: dict[str, Rows]
    received: Received | None
    """The accepted submission holding the 事業's answers; None when not submitted yet."""

    @property
    def submitted(self) -> bool:
        return self.received is not None

    def value(self, section: Section, f: Field, row: int = 0) -> Any:
        """A field's value as a cell takes it: numbers as numbers, blank as None."""
        rows = self.values.get(section.key, [])
        v = rows[row].get(f.key) if row < len(rows) else None
        if isinstance(v, str) and not v.strip():
            return None
        return v


def jimu_rows(form: Form, master: Master, received: list[Received]) -> list[JimuRow]:
    """One row per 事業: master's 事業 in master order (answered or not), then 事業 answered
    under a code master does not know, in department order. 固定 fields come from master."""
    values: dict[str, dict[str, Rows]] = {}
    source: dict[str, Received] = {}
    for rec in received:
        try:
            known = workbook_values(master, rec.department, form=form, answers=rec.submission.answers)
        except KeyError:  # a department master no longer knows: its answers as they came
            known = {}
        for code, answer in rec.submission.answers.items():
            values[code] = known.get(code, answer)
            source[code] = rec
    out: list[JimuRow] = []
    listed: set[str] = set()
    inits = {i.code: i for i in master.initiatives}
    dnames = {d.code: d.name for d in master.departments}
    for k in master.known_projects:
        if not k.code or k.code in listed:
            continue
        listed.add(k.code)
        rec = source.get(k.code)
        vals = values[k.code] if rec is not None else _prefill(form, master, k)
        init = inits.get(k.initiative)
        out.append(
            JimuRow(
                code=k.code,
                name=k.name,
                department=k.department,
                department_name=k.owner or dnames.get(k.department, k.department),
                initiative=k.initiative,
                initiative_title=init.title if init else "",
                lps=tuple(project_lps(master, k)),
                values=vals,
                received=rec,
            )
        )
    for rec in received:
        for code in rec.submission.answers:
            if code in listed:
                continue
            listed.add(code)
            out.append(
                JimuRow(
                    code=code,
                    name="",
                    department=rec.department,
                    department_name=dnames.get(rec.department, rec.department),
                    initiative="",
                    initiative_title="",
                    lps=(),
                    values=values.get(code, {}),
                    received=rec,
                )
            )
    return out


def _prefill(form: Form, master: Master, k: KnownProject) -> dict[str, Rows]:
    """What a 事業 not answered yet shows: the pre-fill of its sheet (its 固定 fields)."""
    try:
        return default_values(master, k.department, k.code, form)
    except KeyError:  # its department is not in master's 所属
        return {}


# --------------------------------------------------------------------------- 事務事業評価一覧


@dataclass(frozen=True)
class Column:
    header: str
    section: Section
    field: Field
    row: int
    """Row of a repeating section (0 for a block)."""


def list_columns(form: Form, master: Master, rows: Iterable[JimuRow]) -> list[Column]:
    """Every field of every section, a repeating section's as many times as it has rows
    (its 行数 and 予備行, or more when a 事業 sent more)."""
    rows = list(rows)
    taken = set(LEAD_HEADERS)
    out: list[Column] = []
    for s in form.sections:
        heading = section_heading(s, master)
        if s.is_block:
            for f in s.fields:
                label = year_label(f.label, master) or f.key
                header = label if label not in taken else f"{heading}{SEP}{label}"
                taken.add(header)
                out.append(Column(header, s, f, 0))
            continue
        count = max([s.rows + s.spare_rows, *(len(r.values.get(s.key, [])) for r in rows)])
        for n in range(count):
            for f in s.fields:
                header = f"{heading}{n + 1}{SEP}{year_label(f.label, master) or f.key}"
                taken.add(header)
                out.append(Column(header, s, f, n))
    return out


def _width(f: Field) -> float:
    return 10.0 if f.is_number else min(60.0, 12.0 + 6.0 * f.span)


def list_table(form: Form, master: Master, rows: list[JimuRow]) -> Table:
    """事務事業評価一覧: one row per 事業, every field, provenance last."""
    cols = list_columns(form, master, rows)
    lp_names = {lp.code: lp.name for lp in master.leading_projects}
    body = [
        (
            r.code,
            r.name,
            r.department_name,
            r.initiative,
            r.initiative_title,
            "、".join(r.lps),
            "、".join(lp_names.get(c, c) for c in r.lps),
            SUBMITTED if r.submitted else MISSING,
            *(r.value(c.section, c.field, c.row) if r.submitted or c.row == 0 else None for c in cols),
            *provenance(r.received, master),
        )
        for r in rows
    ]
    return Table(
        LIST_TABLE,
        LIST_SHEET,
        unique_headers((*LEAD_HEADERS, *(c.header for c in cols), *PROV_HEADERS)),
        (*LEAD_WIDTHS, *(_width(c.field) for c in cols), *PROV_WIDTHS),
        body,
        title=LIST_SHEET,
    )


# --------------------------------------------------------------------------- 集計


@dataclass(frozen=True)
class Scope:
    kind: str
    code: str
    name: str
    rows: tuple[JimuRow, ...]


def scopes(master: Master, rows: list[JimuRow]) -> list[Scope]:
    """What the counts and totals are given for: each 取り組み that has 事業 (master order),
    each leading project (master order), then the whole round."""
    out = []
    for init in master.initiatives:
        mine = tuple(r for r in rows if r.initiative == init.code)
        if mine:
            out.append(Scope(SCOPE_INITIATIVE, init.code, init.title, mine))
    stray = tuple(r for r in rows if not r.initiative)
    if stray:
        out.append(Scope(SCOPE_INITIATIVE, "", "（マスタにない事業）", stray))
    for lp in master.leading_projects:
        out.append(Scope(SCOPE_LP, lp.code, lp.name, tuple(r for r in rows if lp.code in r.lps)))
    out.append(Scope(SCOPE_ALL, "", SCOPE_ALL, tuple(rows)))
    return out


def _scope_lead(s: Scope) -> tuple:
    done = sum(1 for r in s.rows if r.submitted)
    return (s.kind, s.code, s.name, len(s.rows), done, len(s.rows) - done)


@dataclass(frozen=True)
class CountColumn:
    header: str
    section: Section
    field: Field
    value: str | None
    """The choice counted; None for 未回答, OFF_LIST for a value not in the list."""


def count_columns(form: Form, rows: list[JimuRow]) -> list[CountColumn]:
    out = []
    for s, f in counted_fields(form):
        choices = form.choice_list(f.list).choices
        for c in choices:
            out.append(CountColumn(f"{f.label}{SEP}{c.shown}", s, f, c.value))
        out.append(CountColumn(f"{f.label}{SEP}{UNANSWERED}", s, f, None))
        values = {c.value for c in choices}
        if any(r.submitted and (v := r.value(s, f)) is not None and str(v) not in values for r in rows):
            out.append(CountColumn(f"{f.label}{SEP}{OFF_LIST}", s, f, OFF_LIST))
    return out


def _count(col: CountColumn, rows: Iterable[JimuRow], choices: frozenset[str]) -> int:
    n = 0
    for r in rows:
        if not r.submitted:
            continue
        v = r.value(col.section, col.field)
        if col.value is None:
            n += v is None
        elif col.value == OFF_LIST:
            n += v is not None and str(v) not in choices
        else:
            n += v is not None and str(v) == col.value
    return n


def count_table(form: Form, master: Master, rows: list[JimuRow]) -> Table:
    """件数集計: per 取り組み, leading project and the whole round, how many 事業 chose each
    choice of every counted field."""
    cols = count_columns(form, rows)
    lists = {f.key: frozenset(form.choice_list(f.list).values) for _, f in counted_fields(form)}
    body = [
        (*_scope_lead(s), *(_count(c, s.rows, lists[c.field.key]) for c in cols))
        for s in scopes(master, rows)
    ]
    return Table(
        COUNT_TABLE,
        COUNT_SHEET,
        unique_headers((*SCOPE_HEADERS, *(c.header for c in cols))),
        (*SCOPE_WIDTHS, *(12.0 for _ in cols)),
        body,
        title=COUNT_SHEET,
    )


def cost_headers(form: Form, master: Master) -> list[str]:
    fields = cost_fields(form)
    labels = [year_label(f.label, master) or f.key for _, f in fields]
    return [
        label if labels.count(label) == 1 else f"{section_heading(s, master)}{SEP}{label}"
        for (s, _), label in zip(fields, labels, strict=True)
    ]


def _total(rows: Iterable[JimuRow], section: Section, f: Field) -> float:
    total = 0.0
    for r in rows:
        if not r.submitted:
            continue
        for n in range(len(r.values.get(section.key, []))):
            v = r.value(section, f, n)
            if isinstance(v, int | float) and not isinstance(v, bool):
                total += v
    return int(total) if float(total).is_integer() else round(total, 6)


def cost_table(form: Form, master: Master, rows: list[JimuRow]) -> Table:
    """コスト集計: per 取り組み, leading project and the whole round, the sum of every amount."""
    fields = cost_fields(form)
    body = [(*_scope_lead(s), *(_total(s.rows, sec, f) for sec, f in fields)) for s in scopes(master, rows)]
    return Table(
        COST_TABLE,
        COST_SHEET,
        unique_headers((*SCOPE_HEADERS, *cost_headers(form, master))),
        (*SCOPE_WIDTHS, *(14.0 for _ in fields)),
        body,
        title=COST_SHEET,
    )


def jimu_tables(form: Form, master: Master, received: list[Received]) -> list[Table]:
    """事務事業評価一覧, 件数集計, コスト集計 (in this order)."""
    rows = jimu_rows(form, master, received)
    return [list_table(form, master, rows), count_table(form, master, rows), cost_table(form, master, rows)]
