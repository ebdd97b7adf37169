"""The input sheets' self-check: its messages and the counts its formulas compute."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from ..formdef.compute import _parse, resolver, row_local
from ..formdef.formula import evaluate, excel_wildcard
from ..formdef.model import Field, FieldKind, Form
from ..layout import Placement, field_list
from ..models import Master
from .numbers import NUMBER_FORMATS, NUMBER_LIMIT, bound
from .values import Rows, master_values

STATUS_OK = "入力チェック: OK"
STATUS_UNTOUCHED = "入力チェック: まだ何も入力されていません（このままでは「未記入」として差し戻します）"


def status_message(missing: int, invalid: int, answered: bool = True) -> str:
    """An input sheet's self-check message, as its formula computes it."""
    if missing + invalid == 0:
        return STATUS_OK if answered else STATUS_UNTOUCHED
    return f"入力チェック: 未入力 {missing} 件・誤り {invalid} 件（色の付いたセルを確認）"


def blank(value: Any) -> bool:
    return value is None or value == ""


def _excel_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _excel_len(value: Any) -> int:
    """LEN as Excel counts: UTF-16 code units."""
    return 0 if blank(value) else len(_excel_text(value).encode("utf-16-le")) // 2


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


def number_invalid(f: Field, v: Any) -> bool:
    """What the self-check's number terms count: a value that is not a number, or out of range."""
    if blank(v):
        return False
    if isinstance(v, bool) or not isinstance(v, int | float | dt.date | dt.datetime):
        return True
    if f.kind is FieldKind.DATE:
        return False
    lo, hi = bound(f, f.min, -NUMBER_LIMIT), bound(f, f.max, NUMBER_LIMIT)
    return not (lo <= v <= hi)


def self_check_counts(form: Form, master: Master, p: Placement, rows: Rows) -> tuple[int, int]:
    """(missing, invalid) that a section's self-check formulas compute for these values.

    Mirrors the terms `SectionWriter` builds (xlsheet.entry.section): a value not in its dropdown list (compared as
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
            invalid += sum(1 for v in cells if not blank(v) and not countif_matches(allowed, _excel_text(v)))
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
                    if blank(v) and any(not blank(row.get(k.key)) for k in others)
                )
        if col.constraint and not col.constraint_warns and row_local(form, sec, col.constraint):
            rule = _parse(col.constraint)
            values = master_values(master)
            invalid += sum(
                1
                for row, v in zip(data, cells, strict=True)
                if not blank(v)
                and evaluate(rule, resolver(form, values, {sec.key: data}, sec, row)) is not True
            )
    if sec.required and blank(data[0].get(key_cols[0].key) if data else None):
        missing += 1
    return missing, invalid
