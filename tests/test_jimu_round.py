"""A 事務事業評価 round (the shipped form answered per 事業) through generate, real returns and
intake: one sheet per 事業 pre-filled from master, 和暦 year headings, live formulas, numbers typed
as text, a 達成率 typed over its formula, a grade the figures contradict, wrong costs."""

from __future__ import annotations

import shutil
import subprocess
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import ISSUED, needs_libreoffice
from xlsheet.cli import main
from xlsheet.entry.selfcheck import STATUS_OK
from xlsheet.entry_writer import write_entry_workbook
from xlsheet.fill import fill_answers, name_range
from xlsheet.generate import generate_round, init_round
from xlsheet.intake.collect import collect_round
from xlsheet.intake.ledger import Ledger
from xlsheet.layout import defined_name
from xlsheet.libreoffice import convert
from xlsheet.mail.send import send_round
from xlsheet.master import MasterDataError, load_master, write_master
from xlsheet.models import FileStatus, Severity
from xlsheet.round import Round
from xlsheet.sample_jimu import SAMPLE_MARK, SAMPLE_ROUND_ID, sample_project_answers
from xlsheet.units import AnswerUnit, unit_kind

JIMU = "xlsheet.jimu-jigyo-hyoka"


@pytest.fixture(scope="module")
def jimu_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("jimu")
    init_round(root, sample=True, form=JIMU)
    generate_round(root, issued=ISSUED)
    return root


@pytest.fixture
def jimu(jimu_template, tmp_path) -> Path:
    root = tmp_path / "jimu"
    shutil.copytree(jimu_template, root)
    return root


def _book(root: Path, dept: str) -> Path:
    return next((root / "outbox").glob(f"{dept}_*.xlsx"))


def _field_cell(wb, form, unit: str, section_key: str, field_key: str, row: int = 0):
    """The cell of one field in one data row of a section (by the form's columns and spans)."""
    section = form.section(section_key)
    sheet, c1, r1, _c2, _r2 = name_range(wb, defined_name(unit, section_key))
    col = c1
    for f in section.fields:
        if f.key == field_key:
            return wb[sheet].cell(r1 + row, col)
        col += f.span
    raise KeyError(field_key)


def test_the_round_is_answered_per_project_with_its_own_round_id(jimu):
    rnd = Round(jimu)
    assert unit_kind(rnd.form) is AnswerUnit.PROJECT
    assert rnd.master.settings.round_id == SAMPLE_ROUND_ID
    # every department with a 事業 gets a book; 高齢者支援課 has five 事業, one sheet each
    assert sorted(p.name.split("_")[0] for p in (jimu / "outbox").iterdir()) == sorted(
        {k.department for k in rnd.master.known_projects}
    )
    wb = openpyxl.load_workbook(_book(jimu, "D220"))
    projects = rnd.master.department_projects("D220")
    assert [n for n in wb.sheetnames if n.startswith("J")] == [f"{k.code}_{k.name}"[:31] for k in projects]


def test_each_sheet_is_prefilled_from_master_and_headed_with_fiscal_years(jimu):
    rnd = Round(jimu)
    form = rnd.form
    wb = openpyxl.load_workbook(_book(jimu, "D220"))
    k = rnd.master.project("J0301")
    identity = form.sections[0]
    assert [_field_cell(wb, form, "J0301", identity.key, f.key).value for f in identity.fields] == [
        "J0301",
        k.name,
        "高齢者支援課",
        k.initiative,
        k.budget_item,
    ]
    ws = wb["J0301_認知症施策推進事業"]
    headers = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    # evaluation year 令和２年度 → evaluated 令和元年度, the two before it in 平成
    for label in ("目標値（平成２９年度）", "実績値（平成３０年度）", "達成率（令和元年度）"):
        assert label in headers
    assert "【コスト（令和元年度決算）】" in headers
    assert not any("{" in h for h in headers), [h for h in headers if "{" in h]
    # 達成率 and the cost totals are live, locked formulas; 人件費 uses master's 平均人件費
    rate = _field_cell(wb, form, "J0301", "outcome", "rate_3")
    assert str(rate.value).startswith("=") and rate.protection.locked and "%" in rate.number_format
    personnel = _field_cell(wb, form, "J0301", "cost", "personnel_cost")
    assert "8000" in str(personnel.value)
    # one A4 page per 事業 (fitToHeight and fitToWidth default to 1 when fitToPage is on)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight in (None, 1)


def _fill_all(root: Path, edit=None) -> dict[str, dict]:
    rnd = Round(root)
    answers_by_dept = {}
    for src in sorted((root / "outbox").glob("*.xlsx")):
        dept = src.name.split("_")[0]
        answers = sample_project_answers(rnd.master, dept)
        if edit is not None:
            edit(dept, answers)
        fill_answers(src, root / "inbox" / src.name, answers, rnd.form)
        answers_by_dept[dept] = answers
    return answers_by_dept


def test_sample_answers_are_accepted_and_every_calculation_is_recomputed(jimu):
    filled = _fill_all(jimu)
    report = collect_round(jimu)
    assert {f.status for f in report.files} == {FileStatus.ACCEPTED}, [
        (f.path, [i.message for i in f.issues]) for f in report.files
    ]
    with Ledger(jimu / "ledger.sqlite") as ledger:
        current = {r.department: r for r in ledger.current()}
    got = current["D220"].submission.answers["J0302"]
    given = filled["D220"]["J0302"]
    outcome, cost = got["outcome"][0], got["cost"][0]
    assert outcome["rate_3"] == round(given["outcome"][0]["actual_3"] / given["outcome"][0]["target_3"], 3)
    c = given["cost"][0]
    project_cost = c["national_prefectural"] + c["bonds"] + c["other"] + c["general"]
    personnel = round(c["person_years"] * 8000)
    assert (cost["project_cost"], cost["personnel_cost"], cost["total_cost"]) == (
        project_cost,
        personnel,
        project_cost + personnel,
    )
    assert cost["unit_cost"] == round((project_cost + personnel) / c["unit_count"], 1)
    assert got["grade"][0]["grade"] in "SABC" and got["comment"][0]["comment"].startswith(SAMPLE_MARK)


def test_mistakes_in_figures_are_fixed_reported_or_refused_by_cell(jimu):
    rnd = Round(jimu)
    form = rnd.form

    def edit(dept, answers):
        if dept != "D220":
            return
        cost = answers["J0301"]["cost"][0]
        cost.update(national_prefectural="1,200", other="１２００", general="1200千円")
        low = answers["J0302"]
        low["grade"][0]["grade"] = "S"
        for row in low["outcome"]:
            row["actual_3"] = row["target_3"] // 2
        answers["J0303"]["cost"][0]["general"] = -5
        answers["J0304"]["cost"][0]["person_years"] = ""

    _fill_all(jimu, edit)
    path = jimu / "inbox" / _book(jimu, "D220").name
    wb = openpyxl.load_workbook(path)
    typed_rate = _field_cell(wb, form, "J0305", "outcome", "rate_3")
    typed_rate.value = 0.5  # typed over the formula
    wb.save(path)

    report = collect_round(jimu)
    result = next(f for f in report.files if f.department == "D220")
    assert result.status is FileStatus.REJECTED  # the negative and the missing cost
    by_code: dict[str, list] = {}
    for i in result.issues:
        by_code.setdefault(i.code, []).append(i)

    def cell(unit, section, key):
        c = _field_cell(wb, form, unit, section, key)
        return c.coordinate

    fixed = {i.cell: i.message for i in by_code["number_normalized"] if i.severity is Severity.FIXED}
    for key, typed in (("national_prefectural", "1,200"), ("other", "１２００"), ("general", "1200千円")):
        assert f"「{typed}」を数値 1,200 として読みました" in fixed[cell("J0301", "cost", key)]
    with Ledger(jimu / "ledger.sqlite") as ledger:
        assert ledger.status_of(result.sha256) is FileStatus.REJECTED
    overwritten = by_code["calc_overwritten"]
    assert [i.cell for i in overwritten] == [cell("J0305", "outcome", "rate_3")]
    # the grade contradicts the figures: a warning at the grade naming the 達成率 cells, with years
    [warning] = by_code["constraint_warning"]
    assert warning.severity is Severity.WARNING and warning.sheet == "J0302_在宅医療・介護連携推進事業"
    assert warning.cell == cell("J0302", "grade", "grade")
    assert f"（関係するセル: {cell('J0302', 'outcome', 'rate_3')}）" in warning.message
    assert "達成率（令和元年度）" in warning.message and "{" not in warning.message
    assert "計算すると 0.84" in overwritten[0].message
    negative = [i for i in by_code["out_of_range"] if i.cell == cell("J0303", "cost", "general")]
    assert negative and negative[0].severity is Severity.ERROR
    missing = [i for i in by_code["required"] if i.cell == cell("J0304", "cost", "person_years")]
    assert missing and missing[0].severity is Severity.ERROR


@needs_libreoffice
def test_libreoffice_prints_each_filled_project_on_one_a4_page(jimu, tmp_path):
    """はじめに on one page, then one page per 事業, with the department's answers in place."""
    _fill_all(jimu)
    book = jimu / "inbox" / _book(jimu, "D220").name
    [pdf] = convert([book], "pdf", tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")[:-1]
    projects = Round(jimu).master.department_projects("D220")
    assert len(pages) == 1 + len(projects)
    for page, k in zip(pages[1:], projects, strict=True):
        flat = "".join(page.split())
        assert f"事業:{k.code}{k.name}" in flat and "【所属長のコメント】" in flat
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info and "595.304 x 841.89" in info  # portrait


def test_the_request_mail_names_the_form_and_the_projects(jimu):
    delivery = send_round(jimu)
    mail = next(m for m in delivery.mails if m.department == "D220")
    msg = BytesParser(policy=policy.default).parsebytes(mail.path.read_bytes())
    assert msg["Subject"].startswith("【令和２年度事務事業評価】事務事業評価の作成依頼（高齢者支援課")
    body = msg.get_body(("plain",)).get_content()
    assert "■ 対象の事業: 「J0301 認知症施策推進事業」" in body and "リーディングプロジェクト" not in body
    assert "実施方法・総合評価・今後の方向性はプルダウンから選んでください" in body


def test_a_blank_personnel_cost_is_refused_before_anything_is_written(tmp_path):
    """人件費 = 人工 × 平均人件費: without the 設定 value every book would compute with a blank."""
    root = tmp_path / "jimu"
    init_round(root, sample=True, form=JIMU)
    master = load_master(root / "master.xlsx")
    settings = master.settings.model_copy(update={"average_personnel_cost": None})
    write_master(master.model_copy(update={"settings": settings}), root / "master.xlsx")
    with pytest.raises(MasterDataError) as err:
        generate_round(root, issued=ISSUED)
    assert err.value.problems == [
        "シート「設定」: 様式「事務事業評価」の計算式が「平均人件費（千円）」を使いますが、空欄です。値を入力してください"
    ]
    assert list((root / "outbox").iterdir()) == []


def test_a_project_round_has_no_review_stage(jimu):
    """The lead department's 確認ブック chooses what a 政策評価表 prints; a 事務事業評価 has none."""
    res = CliRunner().invoke(main, ["review", str(jimu)])
    assert res.exit_code == 2
    assert "主管所属の確認ブックは" in "".join(res.output.split()).replace(" ", "")
    assert not (jimu / "outbox" / "review").exists()


def test_the_workbook_colours_and_counts_a_broken_rule_before_it_is_sent(jimu, tmp_path):
    """終了年度 before 開始年度 (an error 条件 of its own row) is red and counted by the self-check;
    a grade the 達成率 contradict (a 注意 across sections) is yellow and not counted. LibreOffice's
    recalculation of these cells is compared with the cached values in test_ooxml_validator."""
    rnd = Round(jimu)
    answers = sample_project_answers(rnd.master, "D410")
    ok_book = tmp_path / "ok.xlsx"
    write_entry_workbook(rnd.master, "D410", ok_book, answers=answers, form=rnd.form)
    answers["J0501"]["basis"][0]["end_year"] = 2000  # before 開始年度
    bad_book = tmp_path / "bad.xlsx"
    write_entry_workbook(rnd.master, "D410", bad_book, answers=answers, form=rnd.form)
    bad = openpyxl.load_workbook(bad_book)[rnd.form.input_sheet]
    assert _cached(ok_book, "A3") == STATUS_OK
    assert "誤り 1 件" in _cached(bad_book, "A3")
    end = _field_cell(openpyxl.load_workbook(bad_book), rnd.form, "J0501", "basis", "end_year").coordinate
    grade = _field_cell(openpyxl.load_workbook(bad_book), rnd.form, "J0501", "grade", "grade").coordinate
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in bad.conditional_formatting}
    assert any(f.startswith(f'AND({end}<>"",NOT(OR(') for f in rules[end])
    assert any("MAX($" in f for f in rules[grade])  # the 注意 reads the 成果指標 column


def _cached(book: Path, cell: str) -> str:
    """The cached value of a formula cell of the input sheet (what Excel shows before recalculating)."""
    wb = openpyxl.load_workbook(book, data_only=True)
    return str(wb[wb.sheetnames[1]][cell].value)
