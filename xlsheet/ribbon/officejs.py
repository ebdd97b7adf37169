"""The JSON Excel's Office.js add-in posts to xlwings Server, and back to an .xlsx.

xlwings Server's ``runPython`` (static/js/custom-scripts/index.js, ``getBookData``) sends the
workbook as: ``client``, ``version``, ``book`` (name, active sheet, selection, calculation),
``names`` (every defined name with its sheet and unqualified address) and ``sheets`` (name,
visibility, used range, and the values from A1 to the last used cell: empty cells as "",
dates as ISO strings). This module builds the same payload from a file, so the server can be
exercised without Excel: by tests, and by ``xlsheet addin call`` to smoke-test a deployment.

``payload_workbook`` goes the other way: it rebuilds a workbook from a posted payload (sheets,
values, workbook-scoped names; the manifest properties from the ``_xlsheet`` sheet) so the
intake reader can check an entry workbook that exists only in the department's Excel. The
payload carries no data validations, formats or custom properties of its own.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import range_boundaries
from xlsxwriter.utility import xl_range, xl_rowcol_to_cell

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
        used = f"{xl_rowcol_to_cell(first_row - 1, first_col - 1)}:{xl_rowcol_to_cell(last_row - 1, last_col - 1)}"
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
        entry["sheet_index"] = sheet_index[sheet]
        entry["address"] = xl_range(min_row - 1, min_col - 1, max_row - 1, max_col - 1)
    return entry


def book_payload(path: Path, version: str | None = None, active_sheet: int | None = None) -> dict[str, Any]:
    """The Office.js payload for the workbook at `path`, as if it were open in Excel."""
    from importlib.metadata import version as package_version

    wb = openpyxl.load_workbook(path, data_only=True)
    sheet_index = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    names = [_name_payload(n, d, sheet_index, None) for n, d in wb.defined_names.items()]
    for ws in wb.worksheets:
        names += [_name_payload(n, d, sheet_index, ws.title) for n, d in ws.defined_names.items()]
    active = wb.worksheets.index(wb.active) if active_sheet is None else active_sheet
    return {
        "client": "Office.js",
        "version": version or package_version("xlwings"),
        "book": {
            "name": Path(path).name,
            "active_sheet_index": active,
            "selection": "A1",
            "calculation": "Automatic",
        },
        "names": names,
        "sheets": [_sheet_payload(ws) for ws in wb.worksheets],
    }


# --------------------------------------------------------------------------- payload -> workbook

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$")


def _from_js(value: Any) -> Any:
    """Undo Office.js' conversion: ISO timestamps back to datetimes (Excel had a date there)."""
    if isinstance(value, str) and _ISO.match(value):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
    return value


def _name_ref(entry: dict[str, Any], sheets: list[dict[str, Any]]) -> str | None:
    if entry.get("type") != "Range" or entry.get("sheet_index") is None or not entry.get("address"):
        return None
    sheet = sheets[entry["sheet_index"]]["name"]
    return "'" + sheet.replace("'", "''") + "'!" + str(entry["address"]).replace("$", "")


def manifest_properties(payload: dict[str, Any], sheet: str, cell_row: int = 2) -> dict[str, str]:
    """Custom properties of an entry workbook, from the JSON its manifest sheet holds (row 3)."""
    from ..manifest import Manifest

    for s in payload["sheets"]:
        if s["name"] == sheet and len(s["values"]) > cell_row and s["values"][cell_row]:
            try:
                return Manifest.model_validate(json.loads(s["values"][cell_row][0])).properties()
            except (TypeError, ValueError):
                return {}
    return {}


def payload_workbook(payload: dict[str, Any], properties: dict[str, str] | None = None) -> bytes:
    """An .xlsx with the payload's sheets, values and workbook-scoped names (and `properties`)."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    sheets = payload["sheets"]
    for s in sheets:
        ws = wb.add_worksheet(s["name"])
        if s.get("visibility") == "Hidden":
            ws.hide()
        elif s.get("visibility") == "VeryHidden":
            ws.very_hidden()
        for r, row in enumerate(s.get("values") or []):
            for c, raw in enumerate(row):
                value = _from_js(raw)
                if value in ("", None):
                    continue
                if isinstance(value, dt.datetime):
                    ws.write_datetime(r, c, value, date_fmt)
                elif isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
    for entry in payload.get("names", []):
        ref = _name_ref(entry, sheets)
        if entry.get("book_scope", True) and ref and "!" not in entry["name"]:
            wb.define_name(entry["name"], "=" + ref)
    for key, value in (properties or {}).items():
        wb.set_custom_property(key, value)
    wb.close()
    return out.getvalue()
