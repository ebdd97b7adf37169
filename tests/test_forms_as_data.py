"""Forms are data, on the entry side: a section added (or a field removed) by editing ONLY a copy
of the form definition workbook reaches the entry workbook, intake validation and the ledger,
with no Python change. Real files throughout: openpyxl edits the definition, `xlsheet init
--form`, generate, `xlsheet.fill`, collect, the ledger."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils.cell import get_column_letter, range_boundaries

from tests.conftest import ISSUED
from tests.formdef_helpers import append_rows, column, edited_copy, row_of
from xlsheet.cli import main
from xlsheet.entry_writer import default_values
from xlsheet.fill import fill_answers, fill_workbook, name_range
from xlsheet.generate import BookChange, generate_round, stamped_manifest
from xlsheet.intake.collect import collect_round
from xlsheet.intake.ledger import Ledger
from xlsheet.intake.reader import read_workbook
from xlsheet.master import load_master
from xlsheet.merge import merge_round, round_frames
from xlsheet.models import FileStatus, Severity
from xlsheet.paths import RoundPaths
from xlsheet.round import round_form
from xlsheet.sample import sample_submissions

OUTCOMES = [
    {
        "セクション": "outcomes",
        "セクション見出し": "【成果指標】",
        "セクションの説明": "取り組みの成果を表す指標を記載してください。",
        "記入者": "全所属",
        "行数": 3,
        "キー": "indicator",
        "見出し": "指標名",
        "種類": "文字",
        "必須": "○",
        "文字数": 60,
        "行の判定": "○",
        "入力の説明": "成果指標の名前を入力してください。",
    },
    {"セクション": "outcomes", "キー": "unit", "見出し": "単位", "種類": "文字", "文字数": 10},
    {"セクション": "outcomes", "キー": "target", "見出し": "目標値", "種類": "数値", "必須": "○", "最小": 0},
    {"セクション": "outcomes", "キー": "actual", "見出し": "実績値", "種類": "数値", "最小": 0},
    {
        "セクション": "outcomes",
        "キー": "rate",
        "見出し": "達成率",
        "種類": "計算",
        "計算式": 'IF([目標値]=0,"",ROUND([実績値]/[目標値],3))',
    },
    {
        "セクション": "outcomes",
        "キー": "grade",
        "見出し": "評価",
        "種類": "選択",
        "必須": "○",
        "一覧": "評価",
    },
]


def add_outcomes(wb) -> None:
    append_rows(wb["項目"], OUTCOMES)
    for value, desc in (("A", "110% 以上"), ("B", "80% 以上"), ("C", "50% 以上"), ("D", "50% 未満")):
        wb["選択肢"].append(["評価", value, value, desc])


def drop_category(wb) -> None:
    ws = wb["項目"]
    ws.delete_rows(row_of(ws, "キー", "projects", "category"))
    wb["選択肢"].delete_rows(2, 2)  # the 区分 list goes with it


def _round(tmp_path, edit):
    copy = edited_copy(tmp_path, edit)
    root = tmp_path / "round"
    res = CliRunner().invoke(main, ["init", str(root), "--sample", "--form", str(copy)])
    assert res.exit_code == 0, res.output
    generate_round(root, issued=ISSUED)
    paths = RoundPaths(root)
    return paths, load_master(paths.master), round_form(paths)


def _cell(wb, name: str, row: int, col: int):
    sheet, min_col, min_row, _, _ = name_range(wb, name)
    return wb[sheet].cell(min_row + row, min_col + col)


def form_section_sheet(form) -> str:
    """The consolidated book's sheet (and CSV name) for the added section: its heading."""
    return form.section("outcomes").title.strip("【】")


def test_an_added_section_flows_from_the_definition_to_the_ledger(tmp_path):
    paths, master, form = _round(tmp_path, add_outcomes)
    assert [f.key for f in form.section("outcomes").fields][-2:] == ["rate", "grade"]
    subs = {s.department: s for s in sample_submissions(master)}
    good, bad = "D220", "D210"
    lp = master.department_lps(good)[0].code
    assert master.department_lps(bad)[0].code == lp

    # The entry workbook: the section, its dropdown from 選択肢, the live locked formula, protection.
    book = paths.entry_workbook(master.department(good))
    wb = openpyxl.load_workbook(book)
    name = f"xs_{lp}_outcomes"
    assert name in wb.defined_names
    sheet, min_col, min_row, max_col, max_row = name_range(wb, name)
    assert (max_col - min_col + 1, max_row - min_row + 1) == (6, 3)
    ws = wb[sheet]
    assert ws.protection.sheet
    grade = ws.cell(min_row, min_col + 5).coordinate
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    rng = f"{grade}:{ws.cell(max_row, min_col + 5).coordinate}"
    assert dvs[rng].type == "list"
    lists = wb.defined_names[dvs[rng].formula1]
    list_sheet, ref = next(iter(lists.destinations))
    assert [c.value for row in wb[list_sheet][ref] for c in row] == ["A", "B", "C", "D"]
    target = ws.cell(min_row, min_col + 2)
    assert dvs[f"{target.coordinate}:{ws.cell(max_row, min_col + 2).coordinate}"].type == "decimal"
    rate = ws.cell(min_row, min_col + 4)
    c, d = target.coordinate, ws.cell(min_row, min_col + 3).coordinate
    assert rate.value == f'=IF({c}=0,"",ROUND({d}/{c},3))'
    assert rate.protection.locked and not target.protection.locked
    assert rate.number_format == "0.0%"

    # Fill two departments through xlsheet.fill: one right, one with three mistakes.
    rows_good = [
        {"indicator": "認知症サポーター数", "unit": "人", "target": "1,200", "actual": 1020, "grade": "B"},
        {"indicator": "相談件数", "unit": "件", "target": "１５０", "actual": 160, "grade": "A"},
    ]
    rows_bad = [
        {"indicator": "認知症サポーター数", "unit": "人", "target": "たくさん", "actual": 10, "grade": "A"},
        {"indicator": "講座回数", "unit": "回", "target": 10, "actual": 8, "grade": ""},
        {"indicator": "相談件数", "unit": "件", "target": 200, "actual": 100, "grade": "C"},
    ]
    for dept, rows in ((good, rows_good), (bad, rows_bad)):
        sub = subs[dept]
        sub = sub.model_copy(update={"answers": {lp: {"outcomes": rows}}})
        fill_workbook(paths.entry_workbook(master.department(dept)), paths.inbox / f"{dept}.xlsx", sub, form)
    # A 達成率 typed over its formula (the department unprotected the sheet).
    wb = openpyxl.load_workbook(paths.inbox / f"{bad}.xlsx")
    _cell(wb, name, 2, 4).value = 0.9
    wb.save(paths.inbox / f"{bad}.xlsx")

    report = collect_round(paths.root, workers=1)
    by_dept = {f.department: f for f in report.files}
    assert by_dept[good].status is FileStatus.ACCEPTED, by_dept[good].issues
    assert by_dept[bad].status is FileStatus.REJECTED

    with Ledger(paths.ledger) as ledger:
        row = next(r for r in ledger.rows() if r.department == good)
        outcomes = row.submission.answers[lp]["outcomes"]
    assert [(r["indicator"], r["target"], r["actual"], r["rate"], r["grade"]) for r in outcomes] == [
        ("認知症サポーター数", 1200, 1020, 0.85, "B"),
        ("相談件数", 150, 160, 1.067, "A"),
    ]
    fixed = [i for i in by_dept[good].issues if i.code == "number_normalized"]
    assert len(fixed) == 2 and all(i.severity is Severity.FIXED for i in fixed)

    issues = {(i.code, i.cell) for i in by_dept[bad].issues if i.section == "outcomes"}
    _, min_col, min_row, _, _ = name_range(wb, name)  # the bad department's own layout
    col = lambda k: get_column_letter(min_col + k)  # noqa: E731
    assert ("not_a_number", f"{col(2)}{min_row}") in issues
    assert ("required", f"{col(5)}{min_row + 1}") in issues
    assert ("calc_overwritten", f"{col(4)}{min_row + 2}") in issues
    with Ledger(paths.ledger) as ledger:
        row = next(r for r in ledger.rows() if r.department == bad)
        kept = row.submission.answers[lp]["outcomes"][2]
    assert kept["rate"] == 0.5  # recomputed, not the 0.9 typed over the formula

    # The feedback book carries the new section with the department's values.
    feedback = openpyxl.load_workbook(paths.feedback_workbook(master.department(bad)))
    assert _cell(feedback, name, 0, 0).value == "認知症サポーター数"
    assert _cell(feedback, name, 0, 2).value == "たくさん"

    # The consolidated book, the CSV and round_frames() carry the section too, with provenance.
    merged = merge_round(paths.root, csv=True)
    table = list(
        openpyxl.load_workbook(merged.book, read_only=True)[form_section_sheet(form)].iter_rows(
            values_only=True
        )
    )
    head = table[0]
    got = [dict(zip(head, r, strict=True)) for r in table[1:]]
    assert [(r["指標名"], r["目標値"], r["達成率"], r["評価"], r["報告所属コード"]) for r in got] == [
        ("認知症サポーター数", 1200, 0.85, "B", good),
        ("相談件数", 150, 1.067, "A", good),
    ]
    csv_file = next(p for p in merged.csv if p.stem == form_section_sheet(form))
    assert "認知症サポーター数" in csv_file.read_text(encoding="utf-8-sig")
    frame = round_frames(paths.root)["outcomes"]
    assert list(frame["実績値"]) == [1020, 160] and set(frame["報告所属コード"]) == {good}


def test_a_removed_field_leaves_the_workbook_and_the_answers(tmp_path):
    paths, master, form = _round(tmp_path, drop_category)
    assert [f.key for f in form.section("projects").fields] == ["code", "title", "name", "owner"]
    dept = "D220"
    lp = master.department_lps(dept)[0].code
    book = paths.entry_workbook(master.department(dept))
    wb = openpyxl.load_workbook(book)
    sheet, min_col, min_row, max_col, _ = name_range(wb, f"xs_{lp}_projects")
    ws = wb[sheet]
    headers = [ws.cell(min_row - 2, c).value for c in range(min_col, max_col + 1)]
    assert "区分" not in headers and "事業名" in headers
    assert not any("category" in str(dv.formula1) for dv in ws.data_validations.dataValidation)

    sub = next(s for s in sample_submissions(master) if s.department == dept)
    fill_workbook(book, paths.inbox / f"{dept}.xlsx", sub, form)
    report = collect_round(paths.root, workers=1)
    assert report.files[0].status is FileStatus.ACCEPTED, report.files[0].issues
    with Ledger(paths.ledger) as ledger:
        answers = ledger.rows()[0].submission.answers[lp]
    assert answers["projects"] and all("category" not in r for r in answers["projects"])
    assert [r["name"] for r in answers["projects"]] == [p.name for p in sub.lps[0].projects]


@pytest.mark.parametrize("edit", [add_outcomes, drop_category], ids=["added", "removed"])
def test_the_edited_form_is_the_rounds_own_copy(tmp_path, edit):
    paths, _, form = _round(tmp_path, edit)
    assert paths.form.exists() and form.source == str(paths.form)
    ranges = openpyxl.load_workbook(paths.form)["項目"]
    assert range_boundaries(ranges.dimensions)[3] > 10


def test_filling_only_the_added_section_is_an_answer(tmp_path):
    """未記入 compares every section with its pre-fill: the office's new section counts."""
    paths, master, form = _round(tmp_path, add_outcomes)
    dept = "D220"
    lp = master.department_lps(dept)[0].code
    book = paths.entry_workbook(master.department(dept))
    untouched = default_values(master, dept, lp, form)
    fill_answers(book, paths.inbox / "same.xlsx", {lp: untouched}, form)
    answered = untouched | {"outcomes": [{"indicator": "相談件数", "target": 10, "grade": "A"}]}
    fill_answers(book, paths.inbox / "outcomes.xlsx", {lp: answered}, form)
    same = read_workbook(paths.inbox / "same.xlsx", master, form=form)
    assert same.status is FileStatus.UNANSWERED and same.issues[0].code == "untouched"
    res = read_workbook(paths.inbox / "outcomes.xlsx", master, form=form)
    assert res.status is FileStatus.ACCEPTED, res.issues


def test_an_edited_definition_of_the_same_version_rewrites_the_books(tmp_path):
    """The manifest carries the form's digest: generate notices a definition edited in place."""
    paths, master, form = _round(tmp_path, add_outcomes)
    assert {g.change for g in generate_round(paths.root, issued=ISSUED)} == {BookChange.UNCHANGED}
    wb = openpyxl.load_workbook(paths.form)
    ws = wb["項目"]
    ws[f"{column(ws, '入力の説明')}{row_of(ws, 'キー', 'outcomes', 'target')}"] = (
        "目標値を数字で入力してください。"
    )
    wb.save(paths.form)
    assert round_form(paths).version == form.version and round_form(paths).digest != form.digest
    assert {g.change for g in generate_round(paths.root, issued=ISSUED)} == {BookChange.CHANGED}
    manifest = stamped_manifest(paths.entry_workbook(master.department("D220")))
    assert manifest.form_digest == round_form(paths).digest[:16]


def add_outcomes_with_rules(wb) -> None:
    """成果指標 with a 条件 on 実績値, a conditional 必須 on 単位 and a 最大 on 目標値."""
    rows = [dict(r) for r in OUTCOMES]
    rows[1]["必須"] = "[目標値]>0"
    rows[2]["最大"] = 100000
    rows[3]["条件"] = "[実績値]<=[目標値]*10"
    rows[3]["条件メッセージ"] = "実績値が目標値の 10 倍を超えています。"
    append_rows(wb["項目"], rows)
    for value in "ABCD":
        wb["選択肢"].append(["評価", value, value, ""])


def test_the_forms_own_rules_are_checked_with_catalogue_codes(tmp_path):
    paths, master, form = _round(tmp_path, add_outcomes_with_rules)
    dept = "D220"
    lp = master.department_lps(dept)[0].code
    sub = next(s for s in sample_submissions(master) if s.department == dept)
    rows = [
        {"indicator": "単位なし", "unit": "", "target": 100, "actual": 50, "grade": "A"},
        {"indicator": "多すぎ", "unit": "件", "target": 10, "actual": 500, "grade": "A"},
        {"indicator": "大きすぎ", "unit": "件", "target": 200000, "actual": 1, "grade": "A"},
    ]
    src = paths.entry_workbook(master.department(dept))
    fill_workbook(
        src, tmp_path / "r.xlsx", sub.model_copy(update={"answers": {lp: {"outcomes": rows}}}), form
    )
    res = read_workbook(tmp_path / "r.xlsx", master, form=form)
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    _, min_col, min_row, _, _ = name_range(wb, f"xs_{lp}_outcomes")
    at = lambda r, k: f"{get_column_letter(min_col + k)}{min_row + r}"  # noqa: E731
    found = {(i.code, i.cell): i for i in res.issues if i.section == "outcomes"}
    assert set(found) == {("required_if", at(0, 1)), ("constraint", at(1, 3)), ("out_of_range", at(2, 2))}
    assert "10 倍" in found[("constraint", at(1, 3))].message
    for i in found.values():
        assert i.severity is Severity.ERROR and i.hint and i.sheet and i.field.startswith("成果指標／")
    assert res.status is FileStatus.REJECTED


@pytest.mark.parametrize(
    ("raw", "kind", "label", "value"),
    [
        ("1,200", "number", "目標値", 1200),
        ("１２００", "integer", "人数", 1200),
        ("1200千円", "money", "事業費（千円）", 1200),
        ("1200千円", "money", "事業費", 1_200_000),
        ("1,500,000円", "money", "事業費（千円）", 1500),
        ("△50", "number", "差", -50),
        ("80%", "percent", "割合", 0.8),
        (1234.0, "integer", "人数", 1234),
    ],
)
def test_numbers_typed_as_text_are_read_with_a_log(raw, kind, label, value):
    from xlsheet.intake.normalize import money_unit, normalize_number

    n = normalize_number(raw, kind, label, money_unit(label))
    assert n.value == value
    assert [c.code for c in n.changes] == ([] if not isinstance(raw, str) else ["number_normalized"])


@pytest.mark.parametrize("raw", ["たくさん", "12.5人", "1-2", True])
def test_what_is_not_a_number_stays_text_with_an_error(raw):
    from xlsheet.intake.normalize import normalize_number

    n = normalize_number(raw, "integer", "人数")
    assert [(c.code, c.severity) for c in n.changes] == [("not_an_integer", Severity.ERROR)]
    assert [c.code for c in normalize_number("たくさん", "number", "人数").changes] == ["not_a_number"]


@pytest.mark.parametrize("raw", ["2025/4/1", "2025年4月1日", "令和7年4月1日", "R7.4.1"])
def test_dates_typed_as_text_are_read_with_a_log(raw):
    import datetime as dt

    from xlsheet.intake.normalize import normalize_date

    n = normalize_date(raw, "完了日")
    assert n.value == dt.date(2025, 4, 1) and [c.code for c in n.changes] == ["date_normalized"]
    assert normalize_date("来年", "完了日").changes[0].code == "not_a_date"


def add_cost_block(wb) -> None:
    """A block (one row) with a date, an amount in 千円 and a percentage."""
    append_rows(
        wb["項目"],
        [
            {
                "セクション": "cost",
                "セクション見出し": "【事業費】",
                "記入者": "全所属",
                "キー": "done",
                "見出し": "完了日",
                "種類": "日付",
                "必須": "○",
            },
            {"セクション": "cost", "キー": "amount", "見出し": "事業費（千円）", "種類": "金額", "最小": 0},
            {"セクション": "cost", "キー": "share", "見出し": "国庫補助の割合", "種類": "割合", "最大": 1},
        ],
    )


def test_dates_money_and_percentages_round_trip_through_the_ledger_json(tmp_path):
    paths, master, form = _round(tmp_path, add_cost_block)
    dept = "D220"
    lp = master.department_lps(dept)[0].code
    src = paths.entry_workbook(master.department(dept))
    wb = openpyxl.load_workbook(src)
    sheet, min_col, min_row, _, _ = name_range(wb, f"xs_{lp}_cost")
    assert wb[sheet].cell(min_row, min_col).number_format == "yyyy/mm/dd"
    assert wb[sheet].cell(min_row, min_col + 2).number_format == "0.0%"
    sub = next(s for s in sample_submissions(master) if s.department == dept)
    typed = {"done": "令和7年4月1日", "amount": "1,200,000円", "share": "50%"}
    fill_workbook(src, tmp_path / "r.xlsx", sub.model_copy(update={"answers": {lp: {"cost": [typed]}}}), form)
    res = read_workbook(tmp_path / "r.xlsx", master, form=form)
    assert res.status is FileStatus.ACCEPTED, res.issues
    cost = res.submission.answers[lp]["cost"][0]
    assert (cost["done"].isoformat(), cost["amount"], cost["share"]) == ("2025-04-01", 1200, 0.5)
    assert sum(i.code in ("number_normalized", "date_normalized") for i in res.issues) == 3
    # Back from the ledger's JSON into a feedback book: the date is a date cell again.
    stored = type(res.submission).model_validate_json(res.submission.model_dump_json())
    from xlsheet.entry_writer import write_entry_workbook

    write_entry_workbook(master, dept, tmp_path / "fb.xlsx", answers=stored.answers, form=form)
    cell = _cell(openpyxl.load_workbook(tmp_path / "fb.xlsx"), f"xs_{lp}_cost", 0, 0)
    assert cell.value.date().isoformat() == "2025-04-01"


FOCUS = [
    {
        "セクション": "focus",
        "セクション見出し": "【重点事業】",
        "セクションの説明": "この取り組みで特に力を入れた事業を 2 つまで選んでください。",
        "記入者": "全所属",
        "行数": 2,
        "キー": "project",
        "見出し": "事業コード",
        "種類": "コード",
        "一覧": "事業",
        "行の判定": "○",
    },
    {"セクション": "focus", "キー": "why", "見出し": "理由", "種類": "文字", "文字数": 60},
]


def test_the_master_list_of_projects_is_a_dropdown_and_is_checked(tmp_path):
    """一覧 「事業」: the 事業コード of the leading project's 事業 behind a dropdown; a code not in
    it is refused at its cell."""
    paths, master, form = _round(tmp_path, lambda wb: append_rows(wb["項目"], FOCUS))
    dept = "D220"
    lp = master.department_lps(dept)[0].code
    book = paths.entry_workbook(master.department(dept))
    wb = openpyxl.load_workbook(book)
    listed = [k.code for k in master.known_projects if k.code]
    sheet, c1, r1, c2, r2 = name_range(wb, f"xs_list_projects_{lp}")
    assert [wb[sheet].cell(r, c1).value for r in range(r1, r2 + 1)] == listed
    top = _cell(wb, f"xs_{lp}_focus", 0, 0).coordinate
    assert any(
        top in str(dv.sqref) and f"xs_list_projects_{lp}" in dv.formula1
        for dv in wb[_cell(wb, f"xs_{lp}_focus", 0, 0).parent.title].data_validations.dataValidation
    )
    values = default_values(master, dept, lp, form)
    good = values | {"focus": [{"project": "J0301", "why": "認知症の相談が増えた"}]}
    fill_answers(book, paths.inbox / "good.xlsx", {lp: good}, form)
    assert read_workbook(paths.inbox / "good.xlsx", master, form=form).status is FileStatus.ACCEPTED
    bad = values | {"focus": [{"project": "J9999", "why": "一覧にない"}]}
    fill_answers(book, paths.inbox / "bad.xlsx", {lp: bad}, form)
    res = read_workbook(paths.inbox / "bad.xlsx", master, form=form)
    assert res.status is FileStatus.REJECTED
    assert [(i.code, i.cell) for i in res.issues if i.severity is Severity.ERROR] == [("not_in_list", top)]
