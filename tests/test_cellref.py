"""Cell addresses go through `xlsxwriter.utility`: the thin wrappers agree with it at the edges
(columns A, Z, AA, XFD; rows 1 and 1,048,576; relative and absolute)."""

from __future__ import annotations

import pytest
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_rowcol_to_cell

from xlsheet.formdef import cells
from xlsheet.formdef.load import _cell_key
from xlsheet.intake.structure import parse_ref, sqref_cells
from xlsheet.layout import cell_ref, col_letter
from xlsheet.xlsxout import sheet_ref

LAST_ROW, LAST_COL = 1_048_575, 16_383
EDGES = [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (LAST_COL, "XFD")]


@pytest.mark.parametrize(("col", "letters"), EDGES)
def test_column_letters(col, letters):
    assert col_letter(col) == cells.col_letter(col) == xl_col_to_name(col) == letters
    assert xl_cell_to_rowcol(f"{letters}1") == (0, col)


@pytest.mark.parametrize("row", [0, 1, LAST_ROW])
@pytest.mark.parametrize(("col", "letters"), EDGES)
def test_cell_refs_relative_and_absolute(row, col, letters):
    assert cell_ref(row, col) == xl_rowcol_to_cell(row, col) == f"{letters}{row + 1}"
    assert cell_ref(row, col, True) == xl_rowcol_to_cell(row, col, True, True) == f"${letters}${row + 1}"


def test_sheet_refs_and_their_parsing_round_trip():
    ref = sheet_ref("It's 一覧", 0, 0, LAST_ROW, LAST_COL)
    assert ref == "'It''s 一覧'!$A$1:$XFD$1048576"
    parsed = parse_ref(ref)
    assert (parsed.sheet, parsed.r1, parsed.c1, parsed.r2, parsed.c2) == (
        "It's 一覧",
        0,
        0,
        LAST_ROW,
        LAST_COL,
    )
    assert sheet_ref("操作", 2, 1, 2, 1) == "'操作'!$B$3:$B$3"  # one cell keeps both ends
    assert sqref_cells("A1:B2 $Z$1 AA10:AA11") == 4 + 1 + 2
    assert sqref_cells("ABCD1:A1") == 0  # no such column: not counted


def test_form_check_cells_sort_by_row_then_column():
    assert sorted(["AA2", "B2", "A10", "A", "Z2", ""], key=_cell_key) == ["", "A", "B2", "Z2", "AA2", "A10"]
