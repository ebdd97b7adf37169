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
