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
from .formdef import Form
from .layout import defined_name, fixed_rows
from .models import Submission
from .round import default_form
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


def fill_workbook(src: Path, dst: Path, submission: Submission, form: Form | None = None) -> None:
    """Write `submission` into the entry workbook `src` by defined names and save it as `dst`.

    The values are the submission's `answers` (unit → section → rows → field), with the seed
    sections taken from its `lps` where it has them. Every input cell of a section is cleared first,
    then the rows are typed in from the top, as a department overwriting the pre-filled rows
    would. Raises ValueError (Japanese) when a section has more rows than the workbook offers.
    """
    answers = {unit: dict(sections) for unit, sections in submission.answers.items()}
    for e in submission.lps:  # the seed's view wins: tests and demos edit it
        answers.setdefault(e.lp, {}).update(entry_values(e))
    fill_answers(src, dst, answers, form)


def fill_answers(
    src: Path, dst: Path, answers: dict[str, dict[str, list[dict[str, Any]]]], form: Form | None = None
) -> None:
    """Write section rows per unit into the entry workbook `src` by defined names, save as `dst`."""
    form = form or default_form()
    wb = openpyxl.load_workbook(src)
    for unit, values in answers.items():
        for section in form.sections:
            name = defined_name(unit, section.key)
            if name not in wb.defined_names:
                if values.get(section.key) and not fixed_rows(section):
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
            for col in section.fields:
                if col.is_input:
                    for r in range(capacity):
                        value = rows[r].get(col.key, "") if r < len(rows) else ""
                        set_text(ws.cell(min_row + r, min_col + offset), value if value != "" else None)
                offset += col.span
    with atomic_path(Path(dst)) as tmp:
        wb.save(tmp)
