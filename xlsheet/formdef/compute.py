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


def _target(form: Form, section: Section, ref: Ref) -> tuple[Section, Field] | str:
    target = form.resolve(ref.name, ref.section, section.key)
    if target is None:  # `form check` refuses such a form; a Form built in Python may still have one
        raise KeyError(f"{section.key}: {ref.text} does not name a field")
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

    def value(section: Section, row: dict[str, Any]) -> Callable[[Ref, bool], Any]:
        def resolve(ref: Ref, in_aggregate: bool) -> Any:
            target = _target(form, section, ref)
            if isinstance(target, str):
                return master.get(target)
            tsec, tfield = target
            if tsec.key == section.key and not in_aggregate:
                return row.get(tfield.key)
            rows = out[tsec.key]
            if tsec.is_block:
                return rows[0].get(tfield.key) if rows else None
            return [r.get(tfield.key) for r in rows]

        return resolve

    for section, f in calc_order(form):
        formula = _parse(f.formula)
        for row in out[section.key]:
            row[f.key] = evaluate(formula, value(section, row), lists)
    return out
