"""What an entry workbook's sections hold: the pre-fill from 初期値 and a submission's values."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from typing import Any

from ..era import fiscal_year_label
from ..formdef.compute import _parse
from ..formdef.model import (
    NUMERIC_KINDS,
    PLACEHOLDER_RE,
    FieldKind,
    Form,
    Section,
    previous_source,
    year_of,
)
from ..layout import list_source
from ..models import SDG_GOALS, SDG_MARK, KnownProject, LpEntry, Master
from ..round import default_form
from ..units import AnswerUnit, unit_codes, unit_kind

Rows = list[dict[str, Any]]
"""Section values: one dict per data row, column key -> value."""

MASTER_PREFIX = "マスタ:"
LIST_PREFIX = "一覧:"


def default_values(master: Master, dept: str, lp: str, form: Form | None = None) -> dict[str, Rows]:
    """What a fresh workbook is pre-filled with, from the fields' 初期値.

    - ``マスタ:事業.列``: one row per known project of each of the department's initiatives, or
      one row with only the initiative's values for an initiative without any (a row holding a
      code is in use, so the self-check shows an initiative still lacking a project);
    - ``一覧:一覧名`` / ``一覧:一覧名.表示``: one row per item of the list (the 17 SDGs);
    - ``前年度:キー`` / ``前年度:セクション.キー``: last year's accepted values of that field for
      the same unit, row by row (a 事業 follows its 旧事業コード; nothing without a previous round);
    - plain text (with ``{評価対象年度}`` and the like filled in): the value of a block's field.
    """
    form = form or default_form()
    return {s.key: rows for s in form.sections if (rows := section_defaults(form, master, dept, lp, s))}


def fill_placeholders(text: str, master: Master, dept: str, lp: str) -> str:
    """``{評価対象年度}`` and the other placeholders of 見出し, セクション見出し and 初期値."""
    s = master.settings

    def one(m) -> str:
        name = m.group(1).strip()
        year = year_of(name, s.evaluation_year)
        if year is not None:
            return fiscal_year_label(year)
        if name == "所属":
            return master.department(dept).name
        # the unit is a leading project or a 事業 (codes of either kind never look alike in one round)
        try:
            if name == "リーディングプロジェクト":
                return master.leading_project(lp).name
            if name == "事業名":
                return master.project(lp).name
        except KeyError:
            pass
        return m.group(0)

    return PLACEHOLDER_RE.sub(one, text)


def section_defaults(form: Form, master: Master, dept: str, lp: str, section: Section) -> Rows:
    defaults = {f.key: f.default for f in section.fields if f.default}
    if not defaults:
        return []
    if any(previous_source(d) for d in defaults.values()):
        return _previous_rows(section, defaults, master.previous_for(dept, lp))
    if any(d.startswith(MASTER_PREFIX) for d in defaults.values()) and unit_kind(form) is AnswerUnit.PROJECT:
        return [_master_row(defaults, _project_source(master, master.project(lp)))]
    if any(d.startswith(MASTER_PREFIX) for d in defaults.values()):
        dname = master.department(dept).name
        rows: Rows = []
        for initiative, category in master.department_initiatives(dept, lp):
            known = master.known_for(initiative.code, dept, lp)
            for i in range(max(1, len(known))):
                k = known[i] if i < len(known) else None
                source = {
                    "取り組みコード": initiative.code,
                    "区分": category.value,
                    "所属名": (k.owner or dname) if k else dname,
                    "担当所属": (k.owner or dname) if k else dname,
                    "事業名": k.name if k else None,
                }
                if k is not None:
                    source.update(事業コード=k.code or None, 予算の細目=k.budget_item or None)
                rows.append(_master_row(defaults, source))
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


def _previous_rows(section: Section, defaults: dict[str, str], previous: dict[str, Rows]) -> Rows:
    """Rows pre-filled from last year's answers: row i of each ``前年度:`` field from row i of its
    source section (a block keeps the first row)."""
    rows: Rows = []
    for key, d in defaults.items():
        source = previous_source(d)
        if source is None:
            continue
        from_section, from_key = source
        kind = section.field(key).kind
        for i, old in enumerate(previous.get(from_section or section.key, [])):
            value = old.get(from_key)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            while len(rows) <= i:
                rows.append({})
            rows[i][key] = _as_kind(kind, value)
    rows = [r for r in rows if r]
    return rows[:1] if section.is_block else rows


def _as_kind(kind: FieldKind, value: Any) -> Any:
    """A value from last year's JSON as this year's field holds it (numbers as numbers)."""
    if kind in NUMERIC_KINDS and isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = float(value.replace(",", ""))
            return int(number) if number.is_integer() else number
    if kind not in NUMERIC_KINDS and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def _project_source(master: Master, k: KnownProject) -> dict[str, Any]:
    """What ``マスタ:事業.列`` reads for a 事業 that is the answering unit."""
    dept = master.department(k.department)
    category = next((a.category.value for a in master.assignments if a.initiative == k.initiative), None)
    return {
        "事業コード": k.code,
        "事業名": k.name,
        "取り組みコード": k.initiative,
        "区分": category,
        "所属名": k.owner or dept.name,
        "担当所属": k.owner or dept.name,
        "予算の細目": k.budget_item or None,
    }


def _master_row(defaults: dict[str, str], source: dict[str, Any]) -> dict[str, Any]:
    """One pre-filled row: each ``マスタ:表.列`` default looked up in `source` (by 列)."""
    row: dict[str, Any] = {}
    for key, d in defaults.items():
        if d.startswith(MASTER_PREFIX):
            column = d[len(MASTER_PREFIX) :].partition(".")[2]
            if source.get(column) is not None:
                row[key] = source[column]
    return row


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


MASTER_VALUE_SETTINGS = {"評価年度": "evaluation_year", "平均人件費": "average_personnel_cost"}
"""``[マスタ.名前]`` → the master 設定 field it reads (formdef.model.MASTER_VALUES names them)."""


def master_values(master: Master) -> dict[str, Any]:
    """What ``[マスタ.名前]`` reads (a value left blank in 設定 is absent)."""
    s = master.settings
    return {
        name: value
        for name, key in MASTER_VALUE_SETTINGS.items()
        if (value := getattr(s, key, None)) not in (None, "")
    }


def missing_master_values(form: Form, master: Master) -> list[str]:
    """The ``[マスタ.名前]`` the form's formulas and rules read that master's 設定 leaves blank."""
    have = master_values(master)
    used: list[str] = []
    for section in form.sections:
        for f in section.fields:
            for text in (f.formula, f.constraint, f.required_if):
                if not text:
                    continue
                for ref, _ in _parse(text).refs():
                    if (
                        ref.section is not None
                        and form.resolve(ref.name, ref.section, section.key) == ref.name
                    ):
                        used.append(ref.name)
    return [name for name in dict.fromkeys(used) if name not in have]


def label_tables(form: Form, master: Master, lp: str) -> dict[str, dict[str, str]]:
    """value → 表示 of every list LABEL may name, by the names the form uses."""
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
    for code in unit_codes(form, master, dept):
        prefill = default_values(master, dept, code, form)
        if answers is not None and code in answers:
            given = answers[code]
        elif entries and code in entries:
            given = entry_values(entries[code])
        else:
            out[code] = prefill
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
        out[code] = values
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
