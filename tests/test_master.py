"""master.xlsx: written from the sample, read back; each kind of wrong master data is refused with a
Japanese message naming sheet, row and column, a non-zero exit, and nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlsheet.cli import main
from xlsheet.generate import generate_round, init_round
from xlsheet.layout import col_letter
from xlsheet.master import HEADER_ROW, SETTINGS_SHEET, SHEET_BY_KEY, MasterDataError, load_master
from xlsheet.paths import RoundPaths
from xlsheet.sample import sample_master


@pytest.fixture
def round_dir(tmp_path) -> Path:
    init_round(tmp_path / "r", sample=True)
    return tmp_path / "r"


def test_master_round_trips_the_sample(round_dir):
    assert load_master(RoundPaths(round_dir).master) == sample_master()


def test_codes_typed_in_full_width_or_as_look_alikes_are_read_as_codes(round_dir):
    path = RoundPaths(round_dir).master
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_BY_KEY["initiatives"].name]
    row = _find_row(ws, 0, "1-4-2")
    ws.cell(row, 1).value = "１－４－２"
    ws2 = wb[SHEET_BY_KEY["assignments"].name]
    ws2.cell(_find_row(ws2, 1, "1-4-2"), 2).value = "1ー4ー2"
    wb.save(path)
    master = load_master(path)
    assert master.initiative("1-4-2").title == sample_master().initiative("1-4-2").title


def _find_row(ws, col: int, value: str) -> int:
    """1-based row of the first cell in 0-based column `col` holding `value`."""
    for row in ws.iter_rows(min_row=HEADER_ROW + 2):
        if row[col].value == value:
            return row[col].row
    raise AssertionError(f"{value} not in {ws.title}")


def _cell(sheet_key: str, col_key: str, row: int) -> str:
    """シート「…」C5（label）, as the message names a cell."""
    sheet = SHEET_BY_KEY[sheet_key]
    c = next(i for i, col in enumerate(sheet.columns) if col.key == col_key)
    return f"シート「{sheet.name}」{col_letter(c)}{row}（{sheet.columns[c].label}）"


def _edit(path: Path, change: Callable[[openpyxl.Workbook], str]) -> str:
    """Apply one edit as the planning office would in Excel; return the expected message part."""
    wb = openpyxl.load_workbook(path)
    expected = change(wb)
    wb.save(path)
    return expected


def bad_code_format(wb) -> str:
    ws = wb[SHEET_BY_KEY["initiatives"].name]
    row = _find_row(ws, 0, "3-1-1")
    ws.cell(row, 1).value = "3-1"
    return f"{_cell('initiatives', 'code', row)}: 「3-1」は形式が正しくありません（例: 1-4-2）"


def unknown_department_in_assignment(wb) -> str:
    ws = wb[SHEET_BY_KEY["assignments"].name]
    row = _find_row(ws, 3, "D410")
    ws.cell(row, 4).value = "D999"
    return f"{_cell('assignments', 'department', row)}: 「D999」は「所属」シートにありません"


def duplicate_code(wb) -> str:
    ws = wb[SHEET_BY_KEY["departments"].name]
    first = _find_row(ws, 0, "D310")
    row = _find_row(ws, 0, "D320")
    ws.cell(row, 1).value = "D310"
    return f"{_cell('departments', 'code', row)}: 「D310」は{first}行目と重複しています"


def missing_address(wb) -> str:
    ws = wb[SHEET_BY_KEY["departments"].name]
    row = _find_row(ws, 0, "D220")
    ws.cell(row, 4).value = None
    return f"{_cell('departments', 'emails', row)}: 入力ブックを送る所属なのにメールアドレスがありません"


def renamed_sheet(wb) -> str:
    wb[SHEET_BY_KEY["departments"].name].title = "所属一覧"
    return "シート「所属」がありません（あるシート: 設定、リーディングプロジェクト、取り組み、取り組み割当、所属一覧、事業）"


def bad_deadline(wb) -> str:
    ws = wb[SETTINGS_SHEET]
    row = _find_row(ws, 0, "提出期限")
    ws.cell(row, 2).value = "６月末"
    return f"シート「{SETTINGS_SHEET}」B{row}（提出期限）: 「６月末」は日付ではありません"


CASES = [bad_code_format, unknown_department_in_assignment, duplicate_code, missing_address, renamed_sheet]


@pytest.mark.parametrize("change", [*CASES, bad_deadline], ids=lambda f: f.__name__)
def test_wrong_master_data_is_refused_and_nothing_written(round_dir, change):
    paths = RoundPaths(round_dir)
    expected = _edit(paths.master, change)
    before = paths.master.read_bytes()
    res = CliRunner().invoke(main, ["generate", str(round_dir)])
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())  # rich wraps long lines
    assert "マスタデータに誤りがあります。何も書き込んでいません。" in out
    assert " ".join(expected.split()) in out, out
    assert list(paths.outbox.iterdir()) == []
    assert paths.master.read_bytes() == before
    with pytest.raises(MasterDataError) as err:
        generate_round(round_dir)
    assert expected in err.value.problems[0] or any(expected in p for p in err.value.problems)
    assert list(paths.outbox.iterdir()) == []


def test_every_problem_is_listed_at_once(round_dir):
    path = RoundPaths(round_dir).master
    expected = [_edit(path, f) for f in CASES[:4]]
    with pytest.raises(MasterDataError) as err:
        load_master(path)
    problems = err.value.problems
    for e in expected:
        assert any(e in p for p in problems), (e, problems)
    # A changed reference shows up where it is used too, each with its own cell.
    assert all(p.startswith("シート「") for p in problems)


def test_deadline_written_as_date_is_read_as_date(round_dir):
    path = RoundPaths(round_dir).master
    ws_name = SETTINGS_SHEET

    def change(wb) -> str:
        ws = wb[ws_name]
        ws.cell(_find_row(ws, 0, "提出期限"), 2).value = dt.datetime(2020, 7, 1)
        return ""

    _edit(path, change)
    assert load_master(path).settings.deadline == dt.date(2020, 7, 1)


def test_missing_master_file_says_how_to_make_one(tmp_path):
    res = CliRunner().invoke(main, ["generate", str(tmp_path)])
    assert res.exit_code == 2
    assert "xlsheet init" in res.output and "がありません" in res.output


def test_not_a_workbook_is_refused(round_dir):
    RoundPaths(round_dir).master.write_bytes(b"not a zip")
    with pytest.raises(MasterDataError) as err:
        load_master(RoundPaths(round_dir).master)
    assert "Excel ブックとして開けません" in err.value.problems[0]


def test_checked_master_is_reused_only_while_the_workbook_is_unchanged(round_dir):
    from xlsheet.master import checked_copy_path

    path = RoundPaths(round_dir).master
    first = load_master(path)
    copy = checked_copy_path(path)
    assert copy.exists() and first == load_master(path)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_BY_KEY["departments"].name]
    ws.cell(HEADER_ROW + 2, 2).value = "名前を変えた課"
    wb.save(path)
    changed = load_master(path)
    assert changed.departments[0].name == "名前を変えた課" != first.departments[0].name
    copy.write_text("壊れた控え", encoding="utf-8")
    assert load_master(path) == changed  # a broken copy is rebuilt from the workbook
    wb = openpyxl.load_workbook(path)
    wb[SHEET_BY_KEY["departments"].name].cell(HEADER_ROW + 2, 1).value = "D110"
    wb[SHEET_BY_KEY["departments"].name].cell(HEADER_ROW + 3, 1).value = "D110"
    wb.save(path)
    with pytest.raises(MasterDataError):  # checked again, never served from the copy
        load_master(path)


# --------------------------------------------------------------------------- 事業 sheet


def _project_row(ws, name: str) -> int:
    return _find_row(ws, _col("known_projects", "name"), name)


def _col(sheet_key: str, col_key: str) -> int:
    return next(i for i, col in enumerate(SHEET_BY_KEY[sheet_key].columns) if col.key == col_key)


def _set(ws, row: int, col_key: str, value) -> None:
    ws.cell(row, _col("known_projects", col_key) + 1).value = value


def test_projects_carry_code_budget_item_and_the_personnel_cost(round_dir):
    master = load_master(RoundPaths(round_dir).master)
    project = master.project("J0301")
    assert (project.name, project.department, project.initiative) == ("認知症施策推進事業", "D220", "1-4-2")
    assert project.budget_item == "民生費 老人福祉費 高齢者福祉費"
    assert master.settings.average_personnel_cost == 8000
    assert [k.code for k in master.department_projects("D220")] == [
        "J0301",
        "J0302",
        "J0303",
        "J0304",
        "J0305",
    ]


def test_personnel_cost_typed_as_text_is_read_and_a_word_is_refused(round_dir):
    path = RoundPaths(round_dir).master
    wb = openpyxl.load_workbook(path)
    ws = wb[SETTINGS_SHEET]
    row = _find_row(ws, 0, "平均人件費（千円）")
    ws.cell(row, 2).value = "８,５００"
    wb.save(path)
    assert load_master(path).settings.average_personnel_cost == 8500
    ws.cell(row, 2).value = "約8千"
    wb.save(path)
    with pytest.raises(MasterDataError) as err:
        load_master(path)
    assert f"シート「{SETTINGS_SHEET}」B{row}（平均人件費（千円））: 「約8千」は金額" in err.value.problems[0]


def test_a_project_listed_twice_is_reported_with_its_cell(round_dir):
    path = RoundPaths(round_dir).master
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_BY_KEY["known_projects"].name]
    first = _project_row(ws, "認知症施策推進事業")
    last = ws.max_row + 1
    for c in range(1, ws.max_column + 1):
        ws.cell(last, c).value = ws.cell(first, c).value
    _set(ws, last, "code", "J0999")
    _set(ws, last, "name", "認知症施策推進事業 ")  # a trailing space does not make it another 事業
    wb.save(path)
    with pytest.raises(MasterDataError) as err:
        load_master(path)
    assert any(
        p.startswith(
            f"{_cell('known_projects', 'name', last)}: 事業「認知症施策推進事業」は{first}行目と同じ"
        )
        for p in err.value.problems
    ), err.value.problems


def test_duplicate_project_code_and_bad_lineage_are_refused(round_dir):
    path = RoundPaths(round_dir).master
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_BY_KEY["known_projects"].name]
    first = _project_row(ws, "認知症施策推進事業")
    row = _project_row(ws, "在宅医療・介護連携推進事業")
    _set(ws, row, "code", "J0301")
    other = _project_row(ws, "健康づくり推進事業")
    _set(ws, other, "previous_codes", "J0501; J0001")
    wb.save(path)
    with pytest.raises(MasterDataError) as err:
        load_master(path)
    problems = err.value.problems
    assert (
        f"{_cell('known_projects', 'code', row)}: 事業コード「J0301」は{first}行目と重複しています"
        in problems
    )
    assert any(
        p.startswith(f"{_cell('known_projects', 'previous_codes', other)}: 旧事業コードに自分の")
        for p in problems
    )


def test_a_project_named_for_one_leading_project_is_prefilled_only_there(round_dir):
    """The duplicate pre-fill at its root: an initiative in two leading projects, its 事業 once."""
    path = RoundPaths(round_dir).master
    wb = openpyxl.load_workbook(path)
    lps = wb[SHEET_BY_KEY["leading_projects"].name]
    lps.append(["KENKO", "健康長寿のまちづくり", "方向性", "D220"])
    asg = wb[SHEET_BY_KEY["assignments"].name]
    asg.append(["KENKO", "1-4-2", "主な取り組み", "D220"])
    ws = wb[SHEET_BY_KEY["known_projects"].name]
    _set(ws, _project_row(ws, "在宅医療・介護連携推進事業"), "lp", "KENKO")
    # the 表 (table) of each sheet must grow with the rows openpyxl appended
    for sheet in (lps, asg):
        for table in sheet.tables.values():
            start = table.ref.split(":")[0]
            table.ref = f"{start}:{col_letter(sheet.max_column - 1)}{sheet.max_row}"
    wb.save(path)
    master = load_master(path)
    names = lambda lp: [k.name for k in master.known_for("1-4-2", "D220", lp)]  # noqa: E731
    assert names("KENKO") == ["認知症施策推進事業", "在宅医療・介護連携推進事業", "生活支援体制整備事業"]
    assert "在宅医療・介護連携推進事業" not in names(master.leading_projects[0].code)
    # and a leading project the initiative does not belong to is named with its cell
    _set(ws, _project_row(ws, "健康づくり推進事業"), "lp", "KENKO")
    wb.save(path)
    with pytest.raises(MasterDataError) as err:
        load_master(path)
    assert any(
        "取り組み 3-1-1 はリーディングプロジェクト「KENKO」の取り組みではありません" in p
        for p in err.value.problems
    )


def test_master_data_without_the_new_project_columns_still_reads(round_dir):
    """A master.xlsx made before 事業コード and the other optional columns existed."""
    path = RoundPaths(round_dir).master
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_BY_KEY["known_projects"].name]
    for key in ("previous_codes", "budget_item", "lp", "code"):  # right to left
        ws.delete_cols(_col("known_projects", key) + 1)
    for table in list(ws.tables):
        del ws.tables[table]
    wb.save(path)
    master = load_master(path)
    assert [k.name for k in master.known_projects] == [k.name for k in sample_master().known_projects]
    assert all(k.code == "" for k in master.known_projects)
