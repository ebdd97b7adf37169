"""Excel's limits, refused in Japanese before Excel would repair or truncate: through
`xlsheet.limits` directly and through the `xlsxout.Book` writer (at the limit the value is
written and reads back whole; one over, nothing is written)."""

from __future__ import annotations

import openpyxl
import pytest

from xlsheet.entry_writer import write_entry_workbook
from xlsheet.limits import (
    CELL_TEXT_MAX,
    ERROR_TEXT_MAX,
    INLINE_LIST_MAX,
    PROMPT_MAX,
    SHEET_NAME_FORBIDDEN,
    SHEET_NAME_MAX,
    TITLE_MAX,
    ExcelLimitError,
    check_defined_name,
    check_sheet_names,
    check_text,
    check_validation,
)
from xlsheet.models import Master
from xlsheet.sample import LP, sample_master
from xlsheet.xlsxout import Book, atomic_path

# --------------------------------------------------------------------------- xlsheet.limits


def test_the_limits_are_excels():
    assert (CELL_TEXT_MAX, INLINE_LIST_MAX, PROMPT_MAX, TITLE_MAX, ERROR_TEXT_MAX, SHEET_NAME_MAX) == (
        32_767,
        255,
        255,
        32,
        224,
        31,
    )
    assert set("\\/?*[]:") == SHEET_NAME_FORBIDDEN


def test_cell_text():
    assert check_text("あ" * CELL_TEXT_MAX) == "あ" * CELL_TEXT_MAX
    with pytest.raises(ExcelLimitError, match="32,768 文字あり、Excel の上限 32,767 文字を超えています"):
        check_text("あ" * (CELL_TEXT_MAX + 1), "シート「評価入力」セルD23")


@pytest.mark.parametrize("ch", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff", "\ud800"])
def test_xml_control_characters(ch):
    with pytest.raises(ExcelLimitError, match=f"制御文字（U\\+{ord(ch):04X}）"):
        check_text(f"事業{ch}名", "セルD12")


def test_tab_and_line_breaks_are_allowed():
    assert check_text("一行目\n二行目\r\n\t三行目") == "一行目\n二行目\r\n\t三行目"


def test_inline_list():
    items = ["あ" * 50] * 5  # 5 × 50 + 4 commas = 254
    check_validation(where="A1", inline_list=items)
    with pytest.raises(ExcelLimitError, match="^A1: 入力規則のリストが 256 文字あり、上限 255 文字"):
        check_validation(where="A1", inline_list=[*items, "い"])
    check_validation(where="A1", inline_list=["x" * INLINE_LIST_MAX])
    with pytest.raises(ExcelLimitError, match="カンマ"):
        check_validation(where="A1", inline_list=["a,b"])


@pytest.mark.parametrize(
    ("field", "limit", "what"),
    [
        ("input_title", TITLE_MAX, "入力時メッセージのタイトル"),
        ("error_title", TITLE_MAX, "エラーメッセージのタイトル"),
        ("input_message", PROMPT_MAX, "入力時メッセージ"),
        ("error_message", ERROR_TEXT_MAX, "エラーメッセージ"),
    ],
)
def test_validation_texts(field, limit, what):
    check_validation(where="A1", **{field: "あ" * limit})
    with pytest.raises(ExcelLimitError, match=f"^A1: {what}が {limit + 1:,} 文字あり"):
        check_validation(where="A1", **{field: "あ" * (limit + 1)})


def test_sheet_names():
    check_sheet_names(["あ" * SHEET_NAME_MAX, "評価入力_KIZUNA", "_lists"])
    with pytest.raises(ExcelLimitError, match="32 文字です。1〜31 文字"):
        check_sheet_names(["あ" * (SHEET_NAME_MAX + 1)])
    with pytest.raises(ExcelLimitError, match="1〜31 文字"):
        check_sheet_names([""])
    for ch in sorted(SHEET_NAME_FORBIDDEN):
        with pytest.raises(ExcelLimitError, match="使えない文字"):
            check_sheet_names([f"評価{ch}入力"])
    with pytest.raises(ExcelLimitError, match="アポストロフィ"):
        check_sheet_names(["'評価"])
    with pytest.raises(ExcelLimitError, match="制御文字"):
        check_sheet_names(["評価\x07"])


def test_sheet_names_unique_ignoring_case():
    with pytest.raises(ExcelLimitError, match="「Sheet」と重複しています（大文字・小文字は区別されません）"):
        check_sheet_names(["Sheet", "評価入力", "SHEET"])
    check_sheet_names(["Sheet1", "Sheet2"])


def test_defined_names():
    check_defined_name(f"xs_{LP}_projects")
    for bad in ["A1", "R1C1", "1abc", "xs list", "x" * 256, "評価"]:
        with pytest.raises(ExcelLimitError, match="名前の規則"):
            check_defined_name(bad)


# --------------------------------------------------------------------------- through Book


def _refused(tmp_path, action) -> ExcelLimitError:
    """Run `action(book, ws)` inside an atomic write; assert it is refused and nothing is left."""
    target = tmp_path / "out.xlsx"
    with pytest.raises(ExcelLimitError) as err, atomic_path(target) as tmp:
        book = Book(tmp)
        ws = book.add_sheet("評価入力")
        action(book, ws)
        book.close()
    assert [f for f in tmp_path.iterdir() if f.is_file()] == []
    return err.value


def _written(tmp_path, action) -> openpyxl.Workbook:
    target = tmp_path / "ok.xlsx"
    with atomic_path(target) as tmp:
        book = Book(tmp)
        ws = book.add_sheet("評価入力")
        action(book, ws)
        book.close()
    return openpyxl.load_workbook(target)


def test_book_cell_text(tmp_path):
    long = "あ" * CELL_TEXT_MAX
    wb = _written(tmp_path, lambda b, ws: b.write(ws, 0, 0, long))
    assert wb["評価入力"]["A1"].value == long
    err = _refused(tmp_path / "x", lambda b, ws: b.write(ws, 11, 3, long + "い"))
    assert str(err).startswith("シート「評価入力」セルD12: セルの文字数が 32,768 文字あり")


def test_book_merged_text_and_control_characters(tmp_path):
    fmt = None
    err = _refused(tmp_path, lambda b, ws: b.merge(ws, 4, 0, 4, "方向性\x0c", fmt))
    assert "シート「評価入力」セルA5" in str(err) and "U+000C" in str(err)


def test_book_strings_never_become_formulas(tmp_path):
    wb = _written(tmp_path, lambda b, ws: b.write(ws, 0, 0, '=HYPERLINK("http://x","y")'))
    cell = wb["評価入力"]["A1"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","y")'


def _validate(**options):
    def action(b, ws):
        b.validate(ws, 0, 0, 9, 0, {"validate": "list", "source": ["a", "b"], **options})

    return action


def test_book_inline_list(tmp_path):
    ok = [f"{i:02d}" + "x" * 49 for i in range(5)]  # 5 × 51 + 4 commas = 259 > 255
    err = _refused(tmp_path, _validate(source=ok))
    assert "シート「評価入力」A1" in str(err) and "名前付き範囲で参照してください" in str(err)
    items = ["x" * 50] * 5  # 254
    wb = _written(tmp_path / "ok", _validate(source=items))
    assert wb["評価入力"].data_validations.dataValidation[0].formula1 == '"' + ",".join(items) + '"'


@pytest.mark.parametrize(
    ("option", "limit"),
    [
        ("input_title", TITLE_MAX),
        ("error_title", TITLE_MAX),
        ("input_message", PROMPT_MAX),
        ("error_message", ERROR_TEXT_MAX),
    ],
)
def test_book_validation_texts(tmp_path, option, limit):
    wb = _written(tmp_path / "ok", _validate(**{option: "あ" * limit}))
    dv = wb["評価入力"].data_validations.dataValidation[0]
    attr = {
        "input_title": "promptTitle",
        "error_title": "errorTitle",
        "input_message": "prompt",
        "error_message": "error",
    }
    assert getattr(dv, attr[option]) == "あ" * limit
    err = _refused(tmp_path / "bad", _validate(**{option: "あ" * (limit + 1)}))
    assert f"{limit + 1:,} 文字あり" in str(err)


def test_book_sheet_names(tmp_path):
    err = _refused(tmp_path, lambda b, ws: b.add_sheet("評価入力"))
    assert "重複" in str(err)
    err = _refused(tmp_path, lambda b, ws: b.add_sheet("評価入力".upper() + "/2"))
    assert "使えない文字（/）" in str(err)
    err = _refused(tmp_path, lambda b, ws: b.add_sheet("あ" * 32))
    assert "1〜31 文字" in str(err)
    wb = _written(tmp_path / "ok", lambda b, ws: (b.add_sheet("LIST"), b.add_sheet("あ" * 31)))
    assert wb.sheetnames == ["評価入力", "LIST", "あ" * 31]
    err = _refused(tmp_path, lambda b, ws: (b.add_sheet("List"), b.add_sheet("LIST")))
    assert "大文字・小文字は区別されません" in str(err)


def test_book_defined_names(tmp_path):
    err = _refused(tmp_path, lambda b, ws: b.define_name("AB12", "'評価入力'!$A$1"))
    assert "名前「AB12」" in str(err)


def test_entry_workbook_with_over_long_master_text_is_not_written(tmp_path):
    """A master text over Excel's cell limit stops the writer with the sheet and cell, nothing written."""
    data = sample_master().model_dump()
    data["leading_projects"][0]["direction"] = "あ" * (CELL_TEXT_MAX + 1)
    master = Master.model_validate(data)
    target = tmp_path / "D220.xlsx"
    with pytest.raises(ExcelLimitError, match="シート「評価入力」セルA6: セルの文字数が 32,768 文字あり"):
        write_entry_workbook(master, "D220", target)
    assert list(tmp_path.iterdir()) == []
