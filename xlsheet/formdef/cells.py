"""Reading cells of a definition workbook: text, addresses, rows of 項目, did-you-mean.

Shared by `load.py` (row by row) and `check.py` (the whole definition).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from .model import Col, norm


def col_letter(index: int) -> str:
    """0-based column index to letters (0 -> A)."""
    return xl_col_to_name(index)


def did_you_mean(value: str, candidates: list[str], n: int = 3) -> str:
    """「もしかして「…」ですか？」 from difflib over normalized names; empty when nothing is close."""
    by_norm: dict[str, str] = {}
    for c in candidates:
        by_norm.setdefault(norm(c), c)
    hits = difflib.get_close_matches(norm(value), list(by_norm), n=n, cutoff=0.5)
    if not hits:
        return ""
    return "もしかして" + "・".join(f"「{by_norm[h]}」" for h in hits) + "ですか？ "


def text(value: Any) -> str:
    """A cell value as text (numbers without a trailing .0); None is "".

    Excel stores characters XML cannot carry as ``_xHHHH_``; openpyxl hands them over escaped,
    so they are decoded here and the check can name the control character.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    s = str(value)
    if "_x" in s:
        from openpyxl.utils.escape import unescape  # openpyxl only when a definition is read

        s = unescape(s)
    return s.strip()


@dataclass
class ItemRow:
    """One row of 項目 as read, with where each value sits."""

    row: int
    values: dict[Col, Any]
    letters: dict[Col, str]

    def get(self, col: Col) -> str:
        return text(self.values.get(col))

    def raw(self, col: Col) -> Any:
        return self.values.get(col)

    def cell(self, col: Col) -> str:
        return f"{self.letters.get(col, 'A')}{self.row}"


def is_formula(value: str) -> bool:
    return value.startswith(("=", "＝")) or "[" in value or "［" in value or "${" in value
