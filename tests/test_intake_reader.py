"""read_workbook on single real workbooks: rules from the form definition, fallbacks, locations."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xlsheet.fill import fill_workbook, name_range
from xlsheet.intake.reader import read_workbook
from xlsheet.layout import SHEET_CHECK
from xlsheet.master import load_master
from xlsheet.models import Category, FileStatus, ProjectEntry, Severity
from xlsheet.paths import RoundPaths
from xlsheet.sample import LP, sample_submissions


@pytest.fixture
def round_(sample_round):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    subs = {s.department: s for s in sample_submissions(master)}
    return paths, master, subs


def _filled(round_, tmp_path, dept, sub=None, edit=None) -> Path:
    paths, master, subs = round_
    out = tmp_path / f"{dept}.xlsx"
    fill_workbook(paths.entry_workbook(master.department(dept)), out, sub or subs[dept])
    if edit:
        wb = openpyxl.load_workbook(out)
        edit(wb)
        wb.save(out)
    return out


def _codes(result, severity=None):
    return [i.code for i in result.issues if severity is None or i.severity is severity]


def test_sample_submissions_read_back_exactly(round_, tmp_path):
    _, master, subs = round_
    for dept, sub in subs.items():
        path = _filled(round_, tmp_path, dept)
        res = read_workbook(path, master, file=path.name)
        assert res.status is FileStatus.ACCEPTED, (dept, res.issues)
        assert res.issues == []
        assert res.submission.lps == sub.lps and res.department == dept
        assert read_workbook(path.read_bytes(), master).submission == res.submission


def test_lead_department_must_write_summary(round_, tmp_path):
    _, master, subs = round_
    e = subs["D110"].lps[0]
    sub = subs["D110"].model_copy(update={"lps": (e.model_copy(update={"summary": ""}),)})
    res = read_workbook(_filled(round_, tmp_path, "D110", sub), master)
    assert res.status is FileStatus.REJECTED
    issue = next(i for i in res.issues if i.code == "required")
    assert (issue.section, issue.row, issue.column, issue.field) == ("summary", 0, "body", "総評")
    assert issue.cell and issue.sheet == "評価入力"


def test_more_than_three_projects_is_a_warning_and_all_are_kept(round_, tmp_path):
    _, master, subs = round_
    e = subs["D220"].lps[0]
    extra = ProjectEntry(
        initiative="1-4-2", category=Category.MAIN, name="追加の事業", department="高齢者支援課"
    )
    projects = (*e.projects[:3], extra, *e.projects[3:])
    sub = subs["D220"].model_copy(update={"lps": (e.model_copy(update={"projects": projects}),)})
    res = read_workbook(_filled(round_, tmp_path, "D220", sub), master)
    assert res.status is FileStatus.ACCEPTED
    assert _codes(res) == ["too_many_projects"]
    assert res.issues[0].severity is Severity.WARNING and res.issues[0].row == 3
    assert res.submission.lps[0].projects == projects


def test_initiative_of_another_department_and_other_category_warn(round_, tmp_path):
    _, master, subs = round_
    e = subs["D410"].lps[0]
    mine = e.projects[0]
    other = ProjectEntry(
        initiative="1-4-2", category=Category.RELATED, name="連携事業", department="健康づくり支援課"
    )
    sub = subs["D410"].model_copy(update={"lps": (e.model_copy(update={"projects": (mine, other)}),)})
    res = read_workbook(_filled(round_, tmp_path, "D410", sub), master)
    assert res.status is FileStatus.ACCEPTED
    assert sorted(_codes(res)) == ["category_mismatch", "other_department_initiative"]
    assert "高齢者支援課" in next(i.message for i in res.issues if i.code == "other_department_initiative")


def test_sdg_marks(round_, tmp_path):
    _, master, _ = round_

    def marks(wb):
        sheet, c1, r1, c2, _ = name_range(wb, f"xs_{LP}_sdgs")
        wb[sheet].cell(r1 + 0, c2).value = "〇"  # goal 1, look-alike circle
        wb[sheet].cell(r1 + 4, c2).value = "×"  # goal 5, not a mark

    res = read_workbook(_filled(round_, tmp_path, "D320", edit=marks), master)
    assert res.status is FileStatus.REJECTED
    bad = next(i for i in res.issues if i.code == "sdg_mark")
    assert (bad.section, bad.row, bad.column) == ("sdgs", 4, "mark")
    assert any(i.code == "mark_normalized" and i.severity is Severity.FIXED for i in res.issues)
    assert 1 in res.submission.lps[0].sdgs and 5 not in res.submission.lps[0].sdgs


def test_without_structure_sheet_a_lost_name_is_read_at_the_layout_address(round_, tmp_path):
    _, master, subs = round_

    def damage(wb):
        del wb["_xlsheet"]
        del wb.defined_names[f"xs_{LP}_projects"]

    res = read_workbook(_filled(round_, tmp_path, "D220", edit=damage), master)
    assert res.status is FileStatus.ACCEPTED
    assert {"manifest_sheet_missing", "name_deleted"} <= set(_codes(res, Severity.WARNING))
    assert res.submission.lps[0].projects == subs["D220"].lps[0].projects


def test_pasted_values_are_rechecked(round_, tmp_path):
    _, master, _ = round_

    def paste(wb):
        sheet, c1, r1, _, _ = name_range(wb, f"xs_{LP}_projects")
        ws = wb[sheet]
        ws.cell(r1, c1 + 1).value = "主要な取り組み"  # category not in the list
        ws.cell(r1, c1 + 4).value = "存在しない課"  # owner not in the list
        ws.cell(r1, c1 + 3).value = "x" * 150  # 事業名 over 100 characters
        ws.data_validations.dataValidation = []

    res = read_workbook(_filled(round_, tmp_path, "D410", edit=paste), master)
    assert res.status is FileStatus.REJECTED
    codes = _codes(res, Severity.ERROR)
    assert codes.count("not_in_list") == 2 and "too_long" in codes
    assert "validation_removed" in _codes(res, Severity.WARNING)
    by_col = {i.column: i for i in res.issues if i.severity is Severity.ERROR}
    assert set(by_col) == {"category", "owner", "name"}
    assert len({i.cell.lstrip("ABCDE") for i in by_col.values()}) == 1  # one row, three columns
    assert {i.cell[0] for i in by_col.values()} == {"B", "D", "E"}


def test_department_in_two_leading_projects(round_, tmp_path):
    from xlsheet.entry_writer import write_entry_workbook
    from xlsheet.models import Assignment, LeadingProject, LpEntry, Paragraph

    _, master, subs = round_
    assert [lp.code for lp in master.department_lps("D220")] == ["KIZUNA"]  # the master's index is built
    lp2 = LeadingProject(
        code="LP2", name="健やかなまち", direction="健康づくりを進める。", lead_department="D220"
    )
    two = master.model_copy(
        update={
            "leading_projects": (*master.leading_projects, lp2),
            "assignments": (
                *master.assignments,
                Assignment(lp="LP2", initiative="3-1-1", category=Category.MAIN, department="D220"),
            ),
        }
    )
    assert [lp.code for lp in two.department_lps("D220")] == ["KIZUNA", "LP2"]  # and not copied stale
    blank = tmp_path / "blank.xlsx"
    write_entry_workbook(two, "D220", blank)
    second = LpEntry(
        lp="LP2",
        projects=(
            ProjectEntry(
                initiative="3-1-1", category=Category.MAIN, name="健康教室", department="高齢者支援課"
            ),
        ),
        policies=(Paragraph(initiative="3-1-1", heading="健康教室の充実", body="地区ごとに開く。"),),
        summary="総評です。",
        policy_intro="前文です。",
        sdgs=(3,),
    )
    sub = subs["D220"].model_copy(update={"lps": (subs["D220"].lps[0], second)})
    filled = tmp_path / "two.xlsx"
    fill_workbook(blank, filled, sub)
    res = read_workbook(filled, two)
    assert res.status is FileStatus.ACCEPTED, res.issues
    assert res.submission.lps == sub.lps
    assert {i.sheet for i in res.issues} <= {"評価入力_KIZUNA", "評価入力_LP2"}


def test_check_sheet_from_the_ribbon_is_not_a_change(round_, tmp_path):
    """The 入力チェック button writes its own sheet into the workbook; any other new sheet is reported."""
    _, master, _ = round_

    def add(name):
        return lambda wb: wb.create_sheet(name)

    ours = read_workbook(_filled(round_, tmp_path, "D220", edit=add(SHEET_CHECK)), master)
    assert ours.status is FileStatus.ACCEPTED and "sheet_added" not in _codes(ours)
    other = read_workbook(_filled(round_, tmp_path, "D210", edit=add("メモ")), master)
    added = [i for i in other.issues if i.code == "sheet_added"]
    assert [i.sheet for i in added] == ["メモ"] and other.status is FileStatus.ACCEPTED


def _replace_member(data: bytes, member: str, edit) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            dst.writestr(info, edit(content) if info.filename == member else content)
    return out.getvalue()


def _with_dtd(xml: bytes) -> bytes:
    dtd = b'<!DOCTYPE x [<!ENTITY a "b">]>'
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        return xml[:end] + dtd + xml[end:]
    return dtd + xml


def test_parts_memoized_across_files_still_see_each_files_own_bytes(round_, tmp_path):
    """Intake memoizes parsed parts by their bytes; a file differing in one part is still judged on it."""
    import re

    _, master, _ = round_
    clean = _filled(round_, tmp_path, "D410").read_bytes()
    assert read_workbook(clean, master).issues == []  # warms the caches with the clean parts

    sheet = "xl/worksheets/sheet2.xml"
    no_rules = _replace_member(
        clean, sheet, lambda x: re.sub(rb"<dataValidations\b.*?</dataValidations>", b"", x, flags=re.S)
    )
    assert no_rules != clean
    assert "validation_removed" in _codes(read_workbook(no_rules, master))

    with_dtd = _replace_member(clean, "xl/workbook.xml", _with_dtd)
    res = read_workbook(with_dtd, master)
    assert res.status is FileStatus.REJECTED and "xml_entities" in _codes(res)

    in_sheet_dtd = _replace_member(clean, sheet, _with_dtd)
    res = read_workbook(in_sheet_dtd, master)
    assert res.status is FileStatus.REJECTED and "xml_entities" in _codes(res)

    again = read_workbook(clean, master)  # and nothing of the bad files sticks to the clean one
    assert again.issues == [] and again.status is FileStatus.ACCEPTED
