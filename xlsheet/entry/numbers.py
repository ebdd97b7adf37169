"""Numeric and date input cells: number formats, validation rules and their checks."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..formdef.model import Field, FieldKind

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


def is_percent_calc(f: Field) -> bool:
    """A 計算 field shown as a percentage: its 記入例 is one (「82.3%」) or its 見出し ends in 率
    (達成率, 執行率), a trailing （…） aside (「達成率（{評価対象年度}）」)."""
    label = re.sub(r"[（(][^（）()]*[）)]\s*$", "", f.label.rstrip()).rstrip()
    return f.kind is FieldKind.CALC and (f.example.rstrip().endswith(("%", "％")) or label.endswith("率"))


def bound(f: Field, v: float | None, default: float) -> float:
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
    lo, hi = bound(f, f.min, -NUMBER_LIMIT), bound(f, f.max, NUMBER_LIMIT)
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
