"""Calculated fields for the writer and for intake, from the `Form` alone.

- `excel_formula` gives the live Excel formula of a 計算 field (or the Excel text of a 条件 /
  conditional 必須), given where each referenced field sits on the sheet.
- `recompute` computes every 計算 field of a submission in dependency order, as intake needs
  to find a value typed over a formula and to store the right one.

Both resolve references through `Form.resolve`, so a reference means the same thing when
written and when read back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from .formula import Formula, Ref, evaluate, parse, to_excel
from .model import Field, FieldKind, Form, Section

Row = Mapping[str, Any]
"""One row of a section: field key → value."""


@lru_cache(maxsize=4096)
def _parse(text: str) -> Formula:
    return parse(text)


_FORM_CACHE: dict[int, tuple[Form, dict[Any, Any]]] = {}


def _cache(form: Form) -> dict[Any, Any]:
    """Per-form memo of what depends on the form alone (forms are immutable; intake asks the
    same questions for every unit of every file: 641 事業 recompute the same formulas)."""
    hit = _FORM_CACHE.get(id(form))
    if hit is None or hit[0] is not form:
        if len(_FORM_CACHE) > 16:
            _FORM_CACHE.clear()
        hit = _FORM_CACHE[id(form)] = (form, {})
    return hit[1]


def _target(form: Form, section: Section, ref: Ref) -> tuple[Section, Field] | str:
    memo = _cache(form)
    key = (section.key, ref.section, ref.name)
    target = memo.get(key)
    if target is None:
        target = form.resolve(ref.name, ref.section, section.key)
        if target is None:  # `form check` refuses such a form; a Form built in Python may still have one
            raise KeyError(f"{section.key}: {ref.text} does not name a field")
        memo[key] = target
    return target


def excel_formula(
    form: Form,
    section: Section,
    text: str,
    address: Callable[[Section, Field, bool], str],
    master: Callable[[str], str],
    list_range: Callable[[str], str],
) -> str:
    """The Excel formula for `text` written in `section`.

    `address(section, field, whole_column)` gives a field's cell on the current row (or, with
    whole_column, the range of a table's column); `master(name)` the cell or defined name of a
    master value; `list_range(name)` the defined name of a list's value|表示 table.
    """

    def cell(ref: Ref, in_aggregate: bool) -> str:
        target = _target(form, section, ref)
        if isinstance(target, str):
            return master(target)
        tsec, tfield = target
        whole = in_aggregate and not tsec.is_block
        return address(tsec, tfield, whole)

    return to_excel(_parse(text), cell, list_range)


def calc_order(form: Form) -> list[tuple[Section, Field]]:
    """Every 計算 field, each after the 計算 fields it reads (form check refuses cycles)."""
    memo = _cache(form)
    if "calc_order" not in memo:
        memo["calc_order"] = _calc_order(form)
    return list(memo["calc_order"])


def _calc_order(form: Form) -> list[tuple[Section, Field]]:
    calcs = [(s, f) for s in form.sections for f in s.fields if f.kind is FieldKind.CALC and f.formula]
    done: list[tuple[Section, Field]] = []
    seen: set[tuple[str, str]] = set()

    def visit(s: Section, f: Field, stack: frozenset[tuple[str, str]]) -> None:
        key = (s.key, f.key)
        if key in seen:
            return
        if key in stack:
            raise ValueError(f"calculation cycle through {s.key}.{f.key}")
        for ref, _ in _parse(f.formula).refs():
            target = _target(form, s, ref)
            if isinstance(target, tuple) and target[1].kind is FieldKind.CALC:
                visit(target[0], target[1], stack | {key})
        seen.add(key)
        done.append((s, f))

    for s, f in calcs:
        visit(s, f, frozenset())
    return done


def recompute(
    form: Form,
    data: Mapping[str, Sequence[Row]],
    master: Mapping[str, Any] | None = None,
    lists: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """`data` (section key → rows of field key → value) with every 計算 field recomputed.

    Values typed into 計算 cells are replaced; compare the result with `data` to report them.
    Blocks are sections with one row; a table's column read from another section is the list
    of its rows' values (inside SUM and the like).
    """
    master = master or {}
    out: dict[str, list[dict[str, Any]]] = {
        s.key: [dict(r) for r in data.get(s.key, ())] or ([{}] if s.is_block else []) for s in form.sections
    }

    for section, f in calc_order(form):
        formula = _parse(f.formula)
        for row in out[section.key]:
            row[f.key] = evaluate(formula, resolver(form, master, out, section, row), lists)
    return out


def row_local(form: Form, section: Section, text: str) -> bool:
    """Whether a formula reads only its own row (fields of `section` outside any aggregate, or
    master values): such a rule can be checked, and counted, row by row in the workbook."""
    for ref, in_aggregate in _parse(text).refs():
        target = _target(form, section, ref)
        if isinstance(target, tuple) and (target[0].key != section.key or in_aggregate):
            return False
    return True


def resolver(
    form: Form, master: Mapping[str, Any], data: Mapping[str, Sequence[Row]], section: Section, row: Row
) -> Callable[[Ref, bool], Any]:
    """How a formula evaluated in one row of `section` finds what it names: a field of the same
    row, a block's field, a table column (a list, inside SUM and the like) or a master value."""

    def resolve(ref: Ref, in_aggregate: bool) -> Any:
        target = _target(form, section, ref)
        if isinstance(target, str):
            return master.get(target)
        tsec, tfield = target
        if tsec.key == section.key and not in_aggregate:
            return row.get(tfield.key)
        rows = data.get(tsec.key, ())
        if tsec.is_block:
            return rows[0].get(tfield.key) if rows else None
        return [r.get(tfield.key) for r in rows]

    return resolve


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def row_in_use(section: Section, row: Row) -> bool:
    """A block is always in use; a table row when one of its 行の判定 fields (or, if none is
    marked, one of its input fields) holds a value."""
    if section.is_block:
        return True
    keys = [f for f in section.fields if f.row_key] or [f for f in section.fields if f.is_input]
    return any(not _blank(row.get(f.key)) for f in keys)


def rule_findings(
    form: Form,
    data: Mapping[str, Sequence[Row]],
    master: Mapping[str, Any] | None = None,
    lists: Mapping[str, Mapping[str, str]] | None = None,
) -> list[tuple[str, Section, int, Field]]:
    """What the form's own rules say about a submission (after `recompute`), as
    (kind, section, row index, field) with kind "required" (a required or conditionally
    required field is blank in a row in use) or "constraint" / "constraint_warning" (a 条件
    that does not hold for a field with a value, XLSForm's rule). Intake turns them into Issues."""
    master = master or {}
    out: list[tuple[str, Section, int, Field]] = []
    for section in form.sections:
        rows = list(data.get(section.key, ())) or ([{}] if section.is_block else [])
        for i, row in enumerate(rows):
            if not row_in_use(section, row):
                continue

            resolve = resolver(form, master, data, section, row)

            for f in section.fields:
                value = row.get(f.key)
                if f.is_input and _blank(value):
                    needed = f.required or (
                        bool(f.required_if) and evaluate(_parse(f.required_if), resolve, lists) is True
                    )
                    if needed:
                        out.append(("required", section, i, f))
                broken = (
                    bool(f.constraint)
                    and not _blank(value)
                    and evaluate(_parse(f.constraint), resolve, lists) is not True
                )
                if broken:
                    kind = "constraint_warning" if f.constraint_warns else "constraint"
                    out.append((kind, section, i, f))
    return out
