"""fill_workbook: a generated entry workbook filled by defined names, as a department types it."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xlsheet.fill import fill_workbook, name_range
from xlsheet.master import load_master
from xlsheet.models import LpEntry, Paragraph, ProjectEntry, Submission
from xlsheet.paths import RoundPaths
from xlsheet.sample import LP, sample_submissions


def _cells(path, name):
    wb = openpyxl.load_workbook(path)
    sheet, c1, r1, c2, r2 = name_range(wb, name)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return [row[c1 - 1 : c2] for row in rows[r1 - 1 : r2]]


def test_fill_writes_by_name_and_keeps_manifest(sample_round, tmp_path):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    sub = next(s for s in sample_submissions(master) if s.department == "D220")
    src = paths.entry_workbook(master.department("D220"))
    dst = tmp_path / "filled.xlsx"
    fill_workbook(src, dst, sub)

    projects = _cells(dst, f"xs_{LP}_projects")
    entry = sub.lps[0]
    assert [(r[0], r[3], r[4]) for r in projects[: len(entry.projects)]] == [
        (p.initiative, p.name, p.department) for p in entry.projects
    ]
    # Pre-filled rows beyond the submission are cleared, as a department deleting them would.
    assert all(r[3] == "" and r[0] == "" for r in projects[len(entry.projects) :])
    sdgs = _cells(dst, f"xs_{LP}_sdgs")
    assert [int(r[0]) for r in sdgs if r[4] == "○"] == list(entry.sdgs)
    with zipfile.ZipFile(dst) as zf:
        custom = zf.read("docProps/custom.xml").decode()
        assert "xlsheet_department" in custom and "D220" in custom
        wbxml = zf.read("xl/workbook.xml").decode()
        assert 'name="_xlsheet"' in wbxml and "veryHidden" in wbxml
        assert "<dataValidation " in zf.read("xl/worksheets/sheet2.xml").decode()


def test_fill_keeps_formula_like_text_as_text(sample_round, tmp_path):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    text = '=HYPERLINK("http://example.com","x")'
    sub = Submission(
        department="D410",
        round_id=master.settings.round_id,
        form_version="1",
        lps=(
            LpEntry(
                lp=LP,
                projects=(ProjectEntry(initiative="3-1-1", name=text, department="健康づくり支援課"),),
                evaluations=(Paragraph(initiative=None, heading="+見出し", body="@本文"),),
            ),
        ),
    )
    dst = tmp_path / "f.xlsx"
    fill_workbook(paths.entry_workbook(master.department("D410")), dst, sub)
    assert _cells(dst, f"xs_{LP}_projects")[0][3] == text
    ev = _cells(dst, f"xs_{LP}_evaluations")[0]
    assert (ev[1], ev[3]) == ("+見出し", "@本文")
    ws = openpyxl.load_workbook(dst)["評価入力"]
    formulas = [
        c.coordinate
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f" and "HYPERLINK" in str(c.value)
    ]
    assert formulas == []


def test_fill_refuses_too_many_rows(sample_round, tmp_path):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    many = tuple(
        ProjectEntry(initiative="3-1-1", name=f"事業{i}", department="健康づくり支援課") for i in range(50)
    )
    sub = Submission(department="D410", round_id="x", form_version="1", lps=(LpEntry(lp=LP, projects=many),))
    with pytest.raises(ValueError, match="行までですが"):
        fill_workbook(paths.entry_workbook(master.department("D410")), tmp_path / "f.xlsx", sub)
