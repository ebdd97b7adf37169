"""Fill a generated entry workbook the way a department would: by its defined names.

Used by tests, demos and benchmarks to make realistic returned workbooks. openpyxl keeps
what the department's Excel keeps (custom properties, very hidden sheets, validations, sheet
protection); every value goes into the cell at the defined name's current position, so a
workbook whose rows were moved is filled correctly too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import range_boundaries

from .entry_writer import entry_values
from .form import FORM, Kind, defined_name
from .models import Submission
from .xlsxout import atomic_path


def name_range(wb, name: str) -> tuple[str, int, int, int, int]:
    """(sheet, min_col, min_row, max_col, max_row) of a workbook-scoped defined name (1-based)."""
    dn = wb.defined_names[name]
    sheet, ref = next(iter(dn.destinations))
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return sheet, min_col, min_row, max_col, max_row


def set_text(cell, value: Any) -> None:
    """Write a value; text stays text even when it starts with = + - @ (never a formula)."""
    cell.value = value
    if isinstance(value, str) and value:
        cell.data_type = "s"


def fill_workbook(src: Path, dst: Path, submission: Submission) -> None:
    """Write `submission` into the entry workbook `src` by defined names and save it as `dst`.

    Every input cell of a section is cleared first, then the submission's rows are typed in
    from the top, as a department overwriting the pre-filled rows would. Raises ValueError
    (Japanese) when a section has more rows than the workbook offers.
    """
    wb = openpyxl.load_workbook(src)
    for entry in submission.lps:
        values = entry_values(entry)
        for section in FORM.sections:
            name = defined_name(entry.lp, section.key)
            if name not in wb.defined_names:
                if values.get(section.key) and section.key != "sdgs":
                    raise ValueError(f"ブックに名前「{name}」がありません（{section.title}）")
                continue
            sheet, min_col, min_row, _max_col, max_row = name_range(wb, name)
            ws = wb[sheet]
            rows = values.get(section.key, [])
            capacity = max_row - min_row + 1
            if len(rows) > capacity:
                raise ValueError(
                    f"「{section.title}」は {capacity} 行までですが、{len(rows)} 行あります（名前 {name}）"
                )
            offset = 0
            for col in section.columns:
                if col.is_input:
                    for r in range(capacity):
                        value = rows[r].get(col.key, "") if r < len(rows) else ""
                        if col.kind is Kind.FIXED:
                            continue
                        set_text(ws.cell(min_row + r, min_col + offset), value if value != "" else None)
                offset += col.span
    with atomic_path(Path(dst)) as tmp:
        wb.save(tmp)
