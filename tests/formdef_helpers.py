"""Editing copies of the shipped form definition workbooks, the way an office clerk would."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "workbooks" / "form-seisaku-hyoka.xlsx"
JIMU = REPO / "workbooks" / "form-jimu-jigyo-hyoka.xlsx"


def column(ws, header: str) -> str:
    """The column letter of a header on row 1."""
    for c in ws[1]:
        if c.value == header:
            return c.column_letter
    raise KeyError(header)


def row_of(ws, key_header: str, section: str, key: str) -> int:
    """The row of 項目 holding section/key."""
    s, k = column(ws, "セクション"), column(ws, key_header)
    for r in range(2, ws.max_row + 1):
        if ws[f"{s}{r}"].value == section and ws[f"{k}{r}"].value == key:
            return r
    raise KeyError((section, key))


def cell(ws, header: str, section: str, key: str) -> str:
    """The address of one value of one field on 項目, e.g. cell(ws, "種類", "projects", "name")."""
    return f"{column(ws, header)}{row_of(ws, 'キー', section, key)}"


def edited_copy(tmp_path: Path, edit: Callable[[openpyxl.Workbook], None], src: Path = SEED) -> Path:
    dest = tmp_path / src.name
    shutil.copyfile(src, dest)
    wb = openpyxl.load_workbook(dest)
    edit(wb)
    wb.save(dest)
    return dest


def append_rows(ws, rows: list[dict[str, object]]) -> None:
    """Append 項目 rows given as {header: value}."""
    headers = {c.value: c.column for c in ws[1]}
    r = ws.max_row + 1
    for row in rows:
        for h, v in row.items():
            ws.cell(row=r, column=headers[h], value=v).data_type = "s" if isinstance(v, str) else "n"
        r += 1
