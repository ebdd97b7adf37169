"""`xlsheet form check`: one test per kind of problem, each on a real edited copy of a shipped
definition, asserting the code, the sheet and the cell (never the prose)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from tests.formdef_helpers import JIMU, SEED, append_rows, cell, column, edited_copy, row_of
from xlsheet.catalogue import CATALOGUE
from xlsheet.formdef import load_form
from xlsheet.formdef.codes import CODES
from xlsheet.models import Severity


def _setting_row(wb, name: str) -> int:
    ws = wb["設定"]
    return next(r for r in range(1, ws.max_row + 1) if ws[f"A{r}"].value == name)


def _set(wb, header, section, key, value, sheet="項目"):
    ws = wb[sheet]
    addr = cell(ws, header, section, key)
    ws[addr] = value
    if isinstance(value, str):
        ws[addr].data_type = "s"
    return sheet, addr


def _choice_row(wb, list_name, value) -> int:
    ws = wb["選択肢"]
    return next(
        r for r in range(2, ws.max_row + 1) if ws[f"A{r}"].value == list_name and ws[f"B{r}"].value == value
    )


# Each case: (code, source workbook, edit(wb) -> (sheet, cell) where the issue must point).
def sheet_misspelt(wb):
    wb["選択肢"].title = "選択枝"
    return "選択肢", ""


def header_misspelt(wb):
    ws = wb["項目"]
    addr = f"{column(ws, '絞り込み')}1"
    ws[addr] = "絞りこみ"
    return "項目", addr


def header_missing(wb):
    ws = wb["項目"]
    ws[f"{column(ws, 'キー')}1"] = None
    return "項目", "A1"


def header_duplicate(wb):
    ws = wb["項目"]
    c = ws.cell(row=1, column=ws.max_column + 1, value="key")  # the English alias of キー
    return "項目", c.coordinate


def setting_missing(wb):
    r = _setting_row(wb, "様式名")
    wb["設定"][f"B{r}"] = None
    return "設定", f"B{r}"


def setting_unknown(wb):
    r = _setting_row(wb, "様式名")
    wb["設定"][f"A{r}"] = "様式の名"
    return "設定", f"A{r}"


def setting_invalid(wb):
    r = _setting_row(wb, "回答単位")
    wb["設定"][f"B{r}"] = "課×事業"
    return "設定", f"B{r}"


def sheet_name_invalid(wb):
    r = _setting_row(wb, "入力シート名")
    wb["設定"][f"B{r}"] = "評価[入力]"
    return "設定", f"B{r}"


def section_missing(wb):
    return _set(wb, "セクション", "policies", "body", None)


def section_split(wb):
    return _set(wb, "セクション", "sdgs", "mark", "projects")


def section_conflict(wb):
    return _set(wb, "行数", "evaluations", "body", 7)


def section_title_missing(wb):
    return _set(wb, "セクション見出し", "summary", "body", None)


def empty(wb):
    ws = wb["項目"]
    ws.delete_rows(2, ws.max_row)
    return "項目", "A2"


def key_missing(wb):
    return _set(wb, "キー", "policies", "heading", None)


def key_invalid(wb):
    return _set(wb, "キー", "projects", "name", "事業名")


def key_duplicate(wb):
    return _set(wb, "キー", "projects", "owner", "name")


def label_missing(wb):
    return _set(wb, "見出し", "projects", "owner", None)


def label_duplicate(wb):
    return _set(wb, "見出し", "projects", "owner", "事業名")


def type_missing(wb):
    return _set(wb, "種類", "projects", "name", None)


def type_unknown(wb):
    return _set(wb, "種類", "projects", "code", "コートド")


def required_invalid(wb):
    return _set(wb, "必須", "projects", "name", "たぶん")


def flag_invalid(wb):
    return _set(wb, "行の判定", "projects", "name", "maybe")


def list_missing(wb):
    return _set(wb, "一覧", "projects", "category", None)


def list_unknown(wb):
    return _set(wb, "一覧", "projects", "category", "区分け")


def list_kind(wb):
    return _set(wb, "一覧", "projects", "name", "区分")


def list_unused(wb):
    wb["選択肢"].append(["使わない一覧", "x", "", ""])
    return "選択肢", f"A{wb['選択肢'].max_row}"


def filter_invalid(wb):
    return _set(wb, "絞り込み", "projects", "category", "地区=[code]")


def number_invalid(wb):
    return _set(wb, "文字数", "projects", "name", "たくさん")


def range_invalid(wb):
    _set(wb, "最大", "cost", "bonds", 5)
    return _set(wb, "最小", "cost", "bonds", 10)


def limit_kind(wb):
    return _set(wb, "最小", "projects", "name", 1)


def rows_invalid(wb):
    return _set(wb, "行数", "evaluations", "code", 0)


def filled_by_invalid(wb):
    return _set(wb, "記入者", "summary", "body", "課長")


def default_invalid(wb):
    return _set(wb, "初期値", "sdgs", "goal", "一覧:ＳＤＧ")


def placeholder_unknown(wb):
    return _set(wb, "セクション見出し", "projects", "code", "【{評価対象年}に実施した事業】")


def formula_missing(wb):
    return _set(wb, "計算式", "projects", "title", None)


def formula_kind(wb):
    return _set(wb, "計算式", "projects", "name", "[code]")


def formula_syntax(wb):
    return _set(wb, "計算式", "projects", "title", "IF([code]=,1,2)")


def formula_function(wb):
    return _set(wb, "計算式", "projects", "title", 'VLOOKUPP([code],"取り組みコード")')


def formula_ref(wb):
    return _set(wb, "計算式", "projects", "title", 'LABEL([cdoe],"取り組みコード")')


def formula_scope(wb):
    return _set(wb, "計算式", "cost", "unit_cost", "[total_cost]/[activity.actual_3]")


def formula_cycle(wb):
    return _set(wb, "計算式", "cost", "project_cost", "[total_cost]-[personnel_cost]")


def constraint_message_missing(wb):
    return _set(wb, "条件メッセージ", "basis", "end_year", None)


def severity_invalid(wb):
    return _set(wb, "条件の扱い", "basis", "end_year", "たまに")


def choice_incomplete(wb):
    r = _choice_row(wb, "区分", "関連する取り組み")
    wb["選択肢"][f"B{r}"] = None
    return "選択肢", f"B{r}"


def choice_duplicate(wb):
    wb["選択肢"].append(["区分", "主な取り組み", "", ""])
    return "選択肢", f"B{wb['選択肢'].max_row}"


def prompt_too_long(wb):
    return _set(wb, "入力の説明", "projects", "name", "事業名を入力してください。" * 20)


def title_too_long(wb):
    return _set(
        wb,
        "見出し",
        "projects",
        "name",
        "事業名（予算書に載っている事業名をそのまま、略さずに記入してください）",
    )


def error_text_too_long(wb):
    return _set(wb, "条件メッセージ", "basis", "end_year", "終了年度は開始年度以降にしてください。" * 12)


def choice_too_long(wb):
    wb["選択肢"].append(["貢献", "あ" * 256, "", ""])
    return "選択肢", f"B{wb['選択肢'].max_row}"


def name_collision(wb):
    wb["選択肢"].append(["SDGs", "1", "", ""])
    append_rows(wb["項目"], [])
    _set(wb, "一覧", "sdgs", "goal", "SDGs")
    return "選択肢", f"A{wb['選択肢'].max_row}"


CASES = [
    ("FORM_SHEET_MISSING", SEED, sheet_misspelt),
    ("FORM_HEADER_UNKNOWN", SEED, header_misspelt),
    ("FORM_HEADER_MISSING", SEED, header_missing),
    ("FORM_HEADER_DUPLICATE", SEED, header_duplicate),
    ("FORM_SETTING_MISSING", SEED, setting_missing),
    ("FORM_SETTING_UNKNOWN", SEED, setting_unknown),
    ("FORM_SETTING_INVALID", SEED, setting_invalid),
    ("FORM_SHEET_NAME_INVALID", SEED, sheet_name_invalid),
    ("FORM_SECTION_MISSING", SEED, section_missing),
    ("FORM_SECTION_SPLIT", SEED, section_split),
    ("FORM_SECTION_CONFLICT", SEED, section_conflict),
    ("FORM_SECTION_TITLE_MISSING", SEED, section_title_missing),
    ("FORM_EMPTY", SEED, empty),
    ("FORM_KEY_MISSING", SEED, key_missing),
    ("FORM_KEY_INVALID", SEED, key_invalid),
    ("FORM_KEY_DUPLICATE", SEED, key_duplicate),
    ("FORM_LABEL_MISSING", SEED, label_missing),
    ("FORM_LABEL_DUPLICATE", SEED, label_duplicate),
    ("FORM_TYPE_MISSING", SEED, type_missing),
    ("FORM_TYPE_UNKNOWN", SEED, type_unknown),
    ("FORM_REQUIRED_INVALID", SEED, required_invalid),
    ("FORM_FLAG_INVALID", SEED, flag_invalid),
    ("FORM_LIST_MISSING", SEED, list_missing),
    ("FORM_LIST_UNKNOWN", SEED, list_unknown),
    ("FORM_LIST_KIND", SEED, list_kind),
    ("FORM_LIST_UNUSED", SEED, list_unused),
    ("FORM_FILTER_INVALID", SEED, filter_invalid),
    ("FORM_NUMBER_INVALID", SEED, number_invalid),
    ("FORM_RANGE_INVALID", JIMU, range_invalid),
    ("FORM_LIMIT_KIND", SEED, limit_kind),
    ("FORM_ROWS_INVALID", SEED, rows_invalid),
    ("FORM_FILLED_BY_INVALID", SEED, filled_by_invalid),
    ("FORM_DEFAULT_INVALID", SEED, default_invalid),
    ("FORM_PLACEHOLDER_UNKNOWN", SEED, placeholder_unknown),
    ("FORM_FORMULA_MISSING", SEED, formula_missing),
    ("FORM_FORMULA_KIND", SEED, formula_kind),
    ("FORM_FORMULA_SYNTAX", SEED, formula_syntax),
    ("FORM_FORMULA_FUNCTION", SEED, formula_function),
    ("FORM_FORMULA_REF", SEED, formula_ref),
    ("FORM_FORMULA_SCOPE", JIMU, formula_scope),
    ("FORM_FORMULA_CYCLE", JIMU, formula_cycle),
    ("FORM_CONSTRAINT_MESSAGE_MISSING", JIMU, constraint_message_missing),
    ("FORM_SEVERITY_INVALID", JIMU, severity_invalid),
    ("FORM_CHOICE_INCOMPLETE", SEED, choice_incomplete),
    ("FORM_CHOICE_DUPLICATE", SEED, choice_duplicate),
    ("FORM_PROMPT_TOO_LONG", SEED, prompt_too_long),
    ("FORM_TITLE_TOO_LONG", SEED, title_too_long),
    ("FORM_ERROR_TEXT_TOO_LONG", JIMU, error_text_too_long),
    ("FORM_CHOICE_TOO_LONG", SEED, choice_too_long),
    ("FORM_NAME_COLLISION", SEED, name_collision),
]


@pytest.mark.parametrize(("code", "src", "edit"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_has_its_code_and_cell(tmp_path, code, src, edit):
    where: list[tuple[str, str]] = []
    path = edited_copy(tmp_path, lambda wb: where.append(edit(wb)), src)
    result = load_form(path)
    sheet, addr = where[0]
    found = [(i.code, i.sheet, i.cell) for i in result.issues]
    assert (code, sheet, addr) in found, found
    if CATALOGUE[code].severity is Severity.ERROR:
        assert result.form is None and not result.ok
    else:
        assert result.ok and result.form is not None, [i.text() for i in result.errors]


def test_every_form_check_code_has_a_case():
    tested = {c[0] for c in CASES} | {"FORM_FILE_UNREADABLE", "FORM_CONTROL_CHAR"}
    assert tested == set(CODES)


def test_the_catalogue_rows_format_with_their_own_fields():
    for code in CODES:
        e = CATALOGUE[code]
        e.message.format(**dict.fromkeys(e.fields, "x"))
        e.hint.format(**dict.fromkeys(e.fields, "x"))
        assert not ({"file", "sheet", "cell", "field"} & e.fields), code


def test_not_a_workbook(tmp_path):
    path = tmp_path / "form.xlsx"
    path.write_text("これは Excel ではありません", encoding="utf-8")
    result = load_form(path)
    assert [(i.code, i.cell) for i in result.issues] == [("FORM_FILE_UNREADABLE", "")]
    assert result.form is None


def test_control_character_saved_by_excel(tmp_path):
    """Excel stores a control character as _x0007_; openpyxl refuses to write one, so patch the XML."""
    path = tmp_path / "form.xlsx"
    shutil.copyfile(SEED, path)
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":  # 項目
                data = data.replace(b"<t>name</t>", b"<t>na_x0007_me</t>", 1)
            dst.writestr(item, data)
    result = load_form(patched)
    hits = [(i.sheet, i.cell) for i in result.issues if i.code == "FORM_CONTROL_CHAR"]
    import openpyxl

    ws = openpyxl.load_workbook(SEED)["項目"]
    assert hits == [("項目", cell(ws, "キー", "projects", "name"))], [i.text() for i in result.issues]


def test_every_problem_at_once(tmp_path):
    """Several mistakes in one file: all reported, in sheet and cell order."""

    def many(wb):
        type_unknown(wb)
        list_unknown(wb)
        formula_ref(wb)
        rows_invalid(wb)

    result = load_form(edited_copy(tmp_path, many))
    codes = [i.code for i in result.issues]
    for code in ("FORM_TYPE_UNKNOWN", "FORM_LIST_UNKNOWN", "FORM_FORMULA_REF", "FORM_ROWS_INVALID"):
        assert code in codes
    rows = [int("".join(ch for ch in i.cell if ch.isdigit())) for i in result.issues if i.sheet == "項目"]
    assert rows == sorted(rows)


def test_did_you_mean(tmp_path):
    result = load_form(edited_copy(tmp_path, lambda wb: (type_unknown(wb), sheet_misspelt(wb))))
    hints = {i.code: i.hint for i in result.issues}
    assert "「コード」" in hints["FORM_TYPE_UNKNOWN"]
    assert "「選択枝」" in hints["FORM_SHEET_MISSING"]


def test_english_headers_are_accepted(tmp_path):
    """XLSForm-style English aliases work as headers and sheet names."""

    def english(wb):
        ws = wb["項目"]
        for ja, en in (("セクション", "section"), ("キー", "name"), ("見出し", "label"), ("種類", "type")):
            ws[f"{column(ws, ja)}1"] = en
        wb["項目"].title = "survey"
        wb["選択肢"].title = "choices"
        wb["設定"].title = "settings"

    result = load_form(edited_copy(tmp_path, english))
    assert result.ok, [i.text() for i in result.issues]


def test_check_reads_and_never_writes(tmp_path):
    path = edited_copy(tmp_path, type_unknown)
    before = path.read_bytes(), sorted(Path(tmp_path).iterdir())
    load_form(path)
    assert (path.read_bytes(), sorted(Path(tmp_path).iterdir())) == before


def test_row_helper_points_at_the_shipped_rows():
    import openpyxl

    ws = openpyxl.load_workbook(SEED)["項目"]
    assert row_of(ws, "キー", "projects", "code") == 2
