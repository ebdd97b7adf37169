"""The JSON Excel's Office.js add-in posts to xlwings Server, made from an .xlsx file.

xlwings Server's ``runPython`` (static/js/custom-scripts/index.js, ``getBookData``) sends the
workbook as: ``client``, ``version``, ``book`` (name, active sheet, selection, calculation),
``names`` (every defined name with its sheet and unqualified address) and ``sheets`` (name,
visibility, used range, and the values from A1 to the last used cell: empty cells as "",
dates as ISO strings). This module builds the same payload from a file, so the server can be
exercised without Excel: by tests, and by ``xlsheet addin call`` to smoke-test a deployment.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import get_column_letter, range_boundaries

OFFICEJS_VISIBILITY = {"visible": "Visible", "hidden": "Hidden", "veryHidden": "VeryHidden"}


def _js_value(value: Any) -> Any:
    """A cell value as Office.js reports it (after xlwings' date conversion)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    if isinstance(value, dt.time):
        return value.isoformat()
    return value


def _sheet_payload(ws) -> dict[str, Any]:
    cells = [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value not in (None, "")]
    if cells:
        first_row, last_row = min(r for r, _ in cells), max(r for r, _ in cells)
        first_col, last_col = min(c for _, c in cells), max(c for _, c in cells)
        used = f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{last_row}"
        values = [
            [_js_value(ws.cell(r, c).value) for c in range(1, last_col + 1)] for r in range(1, last_row + 1)
        ]
        rows, cols = last_row - first_row + 1, last_col - first_col + 1
    else:
        used, values, rows, cols = None, [[""]], 0, 0
    return {
        "name": ws.title,
        "visibility": OFFICEJS_VISIBILITY.get(ws.sheet_state, "Visible"),
        "show_gridlines": bool(ws.sheet_view.showGridLines),
        "print_area": None,
        "notes": [],
        "notes_supported": True,
        "used_range_address": used,
        "used_range_row_count": rows,
        "used_range_column_count": cols,
        "values": values,
        "pictures": [],
        "shapes": [],
        "charts": [],
        "tables": [],
        "pivot_tables": [],
    }


def _name_payload(name: str, defn, sheet_index: dict[str, int], scope: str | None) -> dict[str, Any]:
    dests = list(defn.destinations) if defn.type == "RANGE" else []
    entry = {
        "name": name,
        "refers_to": "=" + str(defn.attr_text),
        "type": "Range" if len(dests) == 1 else "String",
        "sheet_index": None,
        "address": None,
        "scope_sheet_name": scope,
        "scope_sheet_index": sheet_index.get(scope) if scope else None,
        "book_scope": scope is None,
    }
    if len(dests) == 1 and dests[0][0] in sheet_index:
        sheet, ref = dests[0]
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
        first = f"{get_column_letter(min_col)}{min_row}"
        last = f"{get_column_letter(max_col)}{max_row}"
        entry["sheet_index"] = sheet_index[sheet]
        entry["address"] = first if first == last else f"{first}:{last}"
    return entry


def book_payload(path: Path, version: str | None = None, active_sheet: int | None = None) -> dict[str, Any]:
    """The Office.js payload for the workbook at `path`, as if it were open in Excel."""
    import xlwings

    wb = openpyxl.load_workbook(path, data_only=True)
    sheet_index = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    names = [_name_payload(n, d, sheet_index, None) for n, d in wb.defined_names.items()]
    for ws in wb.worksheets:
        names += [_name_payload(n, d, sheet_index, ws.title) for n, d in ws.defined_names.items()]
    active = wb.worksheets.index(wb.active) if active_sheet is None else active_sheet
    return {
        "client": "Office.js",
        "version": version or xlwings.__version__,
        "book": {
            "name": Path(path).name,
            "active_sheet_index": active,
            "selection": "A1",
            "calculation": "Automatic",
        },
        "names": names,
        "sheets": [_sheet_payload(ws) for ws in wb.worksheets],
    }
