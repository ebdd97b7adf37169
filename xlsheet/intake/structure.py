"""What a department changed in a workbook's structure, against the JSON the fingerprint was taken of.

The very hidden `_xlsheet` sheet records the sheets, defined names and validations as written;
comparing them with what the file holds now tells renamed, deleted or added sheets, rows
inserted or deleted inside or above a section, lost names and removed validations.
"""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from xlsxwriter.utility import xl_cell_to_rowcol

from ..catalogue import issue
from ..layout import SHEET_CHECK
from ..models import Issue
from .intake_codes import STRUCTURE_HINT as STRUCTURE_HINT  # (importing it registers the rows used here)
from .parts import Validation, WorkbookParts, normalize_source, sheet_validations

_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


@dataclass(frozen=True)
class Ref:
    sheet: str
    c1: int
    r1: int
    c2: int
    r2: int
    """0-based, inclusive"""

    @property
    def rows(self) -> int:
        return self.r2 - self.r1 + 1


def _col_index(letters: str) -> int:
    """Column letters to a 0-based index (A -> 0)."""
    return xl_cell_to_rowcol(f"{letters}1")[1]


@functools.lru_cache(maxsize=8192)
def parse_ref(text: str) -> Ref | None:
    m = _REF.match(text.strip().lstrip("="))
    if not m:
        return None
    sheet = (m[1].replace("''", "'") if m[1] is not None else m[2]).strip()
    c1, r1 = _col_index(m[3]), int(m[4]) - 1
    c2, r2 = (_col_index(m[5]), int(m[6]) - 1) if m[5] else (c1, r1)
    return Ref(sheet, c1, r1, c2, r2)


@functools.lru_cache(maxsize=8192)
def sqref_cells(sqref: str) -> int:
    total = 0
    for part in sqref.split():
        a, _, b = part.partition(":")
        m1 = re.match(r"\$?([A-Z]{1,3})\$?(\d+)", a)
        m2 = re.match(r"\$?([A-Z]{1,3})\$?(\d+)", b or a)
        if m1 and m2:
            total += (abs(int(m2[2]) - int(m1[2])) + 1) * (abs(_col_index(m2[1]) - _col_index(m1[1])) + 1)
    return total


def compare_structure(
    zf: zipfile.ZipFile, parts: WorkbookParts, recorded: dict[str, Any], issues: list[Issue]
) -> dict[str, str]:
    """Add issues for renamed, deleted and added sheets and removed validations; return old -> new sheet names."""
    current = [s.name for s in parts.sheets]
    old_sheets: list[str] = recorded.get("sheets", [])
    renamed: dict[str, str] = {}
    for name, ref in recorded.get("names", {}).items():
        old, new = parse_ref(ref), parse_ref(parts.names.get(name, ""))
        if old and new and old.sheet != new.sheet and old.sheet not in current:
            renamed[old.sheet] = new.sheet
    unknown = [s for s in current if s not in old_sheets and s not in renamed.values()]
    for i, old in enumerate(old_sheets):
        if old in current or old in renamed:
            continue
        if i < len(current) and current[i] in unknown:
            renamed[old] = current[i]
            unknown.remove(current[i])
    for old, new in renamed.items():
        issues.append(issue("sheet_renamed", sheet=new, old=old, new=new))
    for old in old_sheets:
        if old not in current and old not in renamed:
            issues.append(issue("sheet_deleted", sheet=old, old=old))
    for new in unknown:
        if new == SHEET_CHECK:  # our own ribbon's check results: expected, not a change
            continue
        issues.append(issue("sheet_added", sheet=new, new=new))
    compare_validations(zf, parts, recorded.get("validations", []), renamed, issues)
    return renamed


def compare_validations(
    zf: zipfile.ZipFile, parts: WorkbookParts, recorded: list, renamed: dict[str, str], issues: list[Issue]
) -> None:
    """Validations recorded at generation that are gone, wholly or on some cells (pasting does that)."""
    current: dict[tuple[str, str, str], int] = {}
    cache: dict[str, list[Validation]] = {}
    for sheet, sqref, kind, source in recorded:
        sheet = renamed.get(sheet, sheet)
        info = parts.sheet(sheet)
        if info is None:
            continue
        if sheet not in cache:
            cache[sheet] = sheet_validations(zf, info)
            for v in cache[sheet]:
                key = (v.sheet, v.type, v.source if v.type == "list" else "")
                current[key] = current.get(key, 0) + sqref_cells(v.sqref)
        kind = XLSXWRITER_TYPES.get(kind, kind)
        key = (sheet, kind, normalize_source(str(source)) if kind == "list" else "")
        have = current.get(key, 0)
        want = sqref_cells(sqref)
        what = validation_label(key[2], kind)
        if have == 0:
            issues.append(
                issue("validation_removed", sheet=sheet, cell=sqref, name=sheet, ref=sqref, what=what)
            )
        elif have < want:
            issues.append(
                issue("validation_partly_removed", sheet=sheet, cell=sqref, name=sheet, ref=sqref, what=what)
            )
        current[key] = max(0, have - want)


def shift_before(
    parts: WorkbookParts, recorded: dict[str, Any] | None, renamed: dict[str, str], old: Ref
) -> int:
    """How far rows above a lost name moved: from the nearest surviving name above it."""
    best = None
    for name, text in (recorded or {}).get("names", {}).items():
        o = parse_ref(text)
        n = parse_ref(parts.names.get(name, ""))
        if (
            o
            and n
            and o.sheet == old.sheet
            and renamed.get(o.sheet, o.sheet) == n.sheet
            and o.r2 < old.r1
            and (best is None or o.r2 > best[0].r2)
        ):
            best = (o, n)
    return best[1].r2 - best[0].r2 if best else 0


XLSXWRITER_TYPES = {"integer": "whole", "length": "textLength"}
"""XlsxWriter's names of validation types (as the structure records them) → the file's type."""
VALIDATION_LABELS = {
    "textLength": "文字数の制限",
    "whole": "整数の制限",
    "decimal": "数値の制限",
    "date": "日付の制限",
}


def validation_label(source: str, kind: str) -> str:
    if kind != "list":
        return VALIDATION_LABELS.get(XLSXWRITER_TYPES.get(kind, kind), "入力規則")
    for key, label in (
        ("codes", "取り組みコードのプルダウン"),
        ("category", "区分のプルダウン"),
        ("departments", "所属のプルダウン"),
        ("mark", "ＳＤＧｓ貢献のプルダウン"),
    ):
        if f"xs_list_{key}" in source:
            return label
    return "プルダウン"
