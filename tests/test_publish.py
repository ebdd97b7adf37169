"""`xlsheet publish`: the round's records as open data (CSV, JSON, a Frictionless Data Package,
the PDFs), validated by frictionless-py and read back with pandas in the declared types."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import errno
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import needs_libreoffice
from tests.rounds import answer
from tests.test_merge_sections import _round_with_outcomes
from xlsheet.cli import main
from xlsheet.intake.collect import collect_round
from xlsheet.master import load_master
from xlsheet.merge import merge_round, round_frames
from xlsheet.paths import RoundPaths
from xlsheet.publish import PackageEdited, PublishError, publish_round
from xlsheet.publish import package as package_module
from xlsheet.sample import sample_submissions
from xlsheet.textsafe import csv_cell

frictionless = pytest.importorskip("frictionless")

FORMULA_SUMMARY = '=HYPERLINK("http://evil.example","総評")'
FORMULA_INTRO = "+今後の方針の前文"
FORMULA_HEADING = "@SUM(A1)"
FORMULA_BODY = "-1+2 本文"
FORMULA_PROJECT = '=cmd|" /C calc"!A0'
FORMULAS = (FORMULA_SUMMARY, FORMULA_INTRO, FORMULA_HEADING, FORMULA_BODY, FORMULA_PROJECT)

PANDAS_TYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}


def _with_formulas(sub):
    """The lead department's answer with text a spreadsheet would run, in every kind of cell."""
    e = sub.lps[0]
    ev = (
        e.evaluations[0].model_copy(update={"heading": FORMULA_HEADING, "body": FORMULA_BODY}),
        *e.evaluations[1:],
    )
    pr = (e.projects[0].model_copy(update={"name": FORMULA_PROJECT}), *e.projects[1:])
    entry = e.model_copy(
        update={"summary": FORMULA_SUMMARY, "policy_intro": FORMULA_INTRO, "evaluations": ev, "projects": pr}
    )
    return sub.model_copy(update={"lps": (entry,)})


@pytest.fixture
def answered_round(sample_round) -> Path:
    """The sample round with every department's answer collected; D110 (the lead department)
    writes formula-looking text into its 総評, 前文, an evaluation and a project."""
    root = sample_round
    paths = RoundPaths(root)
    master = load_master(paths.master)
    paths.inbox.mkdir(exist_ok=True)
    for sub in sample_submissions(master):
        edit = _with_formulas if sub.department == "D110" else None
        name = f"{sub.department}.xlsx"
        shutil.copy(answer(root, sub.department, name, edit), paths.inbox / name)
    collect_round(root)
    return root


def _schema_frame(folder: Path, resource: dict) -> pd.DataFrame:
    """A published CSV read by pandas with the dtypes its Table Schema declares."""
    fields = resource["schema"]["fields"]
    dtypes = {f["name"]: PANDAS_TYPES[f["type"]] for f in fields if f["type"] in PANDAS_TYPES}
    dates = [f["name"] for f in fields if f["type"] in ("date", "datetime")]
    return pd.read_csv(
        folder / resource["path"],
        encoding="utf-8-sig",
        dtype=dtypes,
        parse_dates=dates,
        keep_default_na=False,
        na_values={n: [""] for n in dtypes},
    )


def _cells(path: Path) -> list[str]:
    return [c for row in csv.reader(io.StringIO(path.read_text("utf-8-sig"))) for c in row]


def _resources(folder: Path) -> dict[str, dict]:
    return {r["name"]: r for r in json.loads((folder / "datapackage.json").read_text("utf-8"))["resources"]}


def _validate(folder: Path):
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])
    return report


def _accepted(root: Path, subs) -> None:
    """Record submissions in the round's ledger as accepted returns (what collect records for
    a valid file; for content the sample workbook has no cells for)."""
    from xlsheet.intake.ledger import Entry, Ledger
    from xlsheet.models import FileStatus

    with Ledger(RoundPaths(root).ledger) as ledger:
        for n, sub in enumerate(subs):
            ledger.record(
                Entry(
                    sha256=f"{n + 1:064x}",
                    origin=f"inbox/{sub.department}.xlsx",
                    size=1,
                    status=FileStatus.ACCEPTED,
                    issues=[],
                    department=sub.department,
                    round_id=sub.round_id,
                    submission=sub,
                )
            )


def test_published_package_validates_and_reads_in_declared_types(answered_round, tmp_path):
    root = answered_round
    target = tmp_path / "公開"
    result = publish_round(root, target, pdf=False, lg_code="112089")
    report = _validate(target)
    resources = _resources(target)
    tabular = [r for r in resources.values() if r.get("schema")]
    assert {r["name"] for r in tabular} == {
        "departments",
        "leading_projects",
        "initiatives",
        "projects",
        "evaluations",
        "sdgs",
    }
    assert {t.name for t in report.tasks} >= {r["name"] for r in tabular}
    assert sum(t.stats["rows"] for t in report.tasks if t.type == "table") == sum(
        len(t.rows) for t in result.tables
    )
    # Office-only tables and columns stay home.
    paths = [r["path"] for r in resources.values()]
    assert "提出状況.csv" not in paths and "指摘事項.csv" not in paths
    for r in tabular:
        names = [f["name"] for f in r["schema"]["fields"]]
        assert not {"元ファイル", "SHA-256", "受付日時", "企画課の判断"} & set(names)
        assert names[:6] == [
            "全国地方公共団体コード",
            "地方公共団体名",
            "評価年度",
            "評価年度（和暦）",
            "評価対象年度",
            "評価対象年度（和暦）",
        ]

    # UTF-8 with a BOM (for Excel), declared as utf-8: frictionless reads the first label right.
    for r in tabular:
        assert (target / r["path"]).read_bytes().startswith(codecs.BOM_UTF8) and r["encoding"] == "utf-8"
        with frictionless.Resource(str(target / r["path"]), encoding="utf-8") as res:
            assert res.header[0] == "全国地方公共団体コード", res.header
    frames = {name: _schema_frame(target, r) for name, r in resources.items() if r.get("schema")}
    for name, df in frames.items():
        declared = {f["name"]: f["type"] for f in resources[name]["schema"]["fields"]}
        assert list(df.columns) == list(declared), name
        for col, kind in declared.items():
            assert str(df[col].dtype) == PANDAS_TYPES[kind], (name, col)
        assert set(df["評価年度"]) == {2020} and set(df["評価年度（和暦）"]) == {"令和2年度"}
        assert set(df["評価対象年度（和暦）"]) == {"令和元年度"}
        assert set(df["全国地方公共団体コード"]) == {"112089"}  # a code stays text
    # Codes stay codes: 1-1-1 is text, not a date or a number.
    assert "1-1-1" in set(frames["projects"]["取り組みコード"])

    # Values match the consolidated book's records (the ledger), office-only columns aside.
    book = round_frames(root)

    def published(v):
        return csv_cell(v.replace("\r\n", "\n").strip(" \t\n\u3000")) if isinstance(v, str) else v

    for key, cols in (
        (
            "projects",
            ["リーディングプロジェクト", "取り組みコード", "事業名", "所属内の順番", "報告所属コード"],
        ),
        (
            "evaluations",
            ["リーディングプロジェクト", "種別", "取り組みコード", "見出し", "本文", "報告所属コード"],
        ),
        ("sdgs", ["リーディングプロジェクト", "目標番号", "目標", "報告所属コード"]),
    ):
        want = [tuple(published(v) for v in row) for row in book[key][cols].itertuples(index=False)]
        got = [
            tuple(None if pd.isna(v) else v for v in row) for row in frames[key][cols].itertuples(index=False)
        ]
        want = [tuple(None if v in ("", None) else v for v in row) for row in want]
        assert got == want, key
    master = load_master(RoundPaths(root).master)
    assert list(frames["departments"]["所属コード"]) == [d.code for d in master.participating_departments()]

    # The JSON holds the same records as the CSV files.
    records = json.loads(result.json.read_text("utf-8"))["tables"]
    for name, df in frames.items():
        rows = [
            {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v) for k, v in r.items()}
            for r in df.to_dict("records")
        ]
        assert records[name]["records"] == rows, name


def test_formula_text_is_neutralised_in_every_csv(answered_round, tmp_path):
    """A 総評 starting with =HYPERLINK( (and the other formula starts) reaches no CSV as a formula:
    neither the merge's CSV files nor the published ones, nor the JSON."""
    root = answered_round
    target = tmp_path / "pub"
    publish_round(root, target, pdf=False)
    merged = merge_round(root, csv=True)
    evaluations = _cells(target / "評価・方針.csv")
    assert "'" + FORMULA_SUMMARY in evaluations and "'" + FORMULA_SUMMARY in _cells(
        RoundPaths(root).output / "csv" / "評価・方針.csv"
    )
    published = [c for p in target.glob("*.csv") for c in _cells(p)]
    from_merge = [c for p in merged.csv for c in _cells(p)]
    for cells in (published, from_merge):
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
        assert {"'" + f for f in FORMULAS} <= set(cells)
    text = json.loads(next(target.glob("*.json")).read_text("utf-8"))
    values = [
        v for t in text["tables"].values() for r in t["records"] for v in r.values() if isinstance(v, str)
    ]
    assert not [v for v in values if v.startswith(("=", "+", "-", "@"))]
    _validate(target)


@needs_libreoffice
def test_package_carries_every_pdf_the_merge_wrote(answered_round, tmp_path):
    target = tmp_path / "pub"
    result = publish_round(answered_round, target)
    made = sorted(p.name for p in (RoundPaths(answered_round).output).glob("*.pdf"))
    assert made and sorted(p.name for p in result.pdfs) == made
    resources = _resources(target)
    pdfs = [r for r in resources.values() if r.get("format") == "pdf"]
    assert sorted(Path(r["path"]).name for r in pdfs) == made
    assert all((target / r["path"]).read_bytes()[:5] == b"%PDF-" for r in pdfs)
    _validate(target)  # sizes and SHA-256 of the copies match what the package says


def test_a_form_section_is_published_with_the_field_kinds(tmp_path):
    root = _round_with_outcomes(tmp_path)
    target = tmp_path / "pub"
    publish_round(root, target, pdf=False)
    _validate(target)
    resources = _resources(target)
    outcomes = resources["outcomes"]
    types = {f["name"]: f["type"] for f in outcomes["schema"]["fields"]}
    assert (types["指標名"], types["目標値"], types["実績値"], types["達成率"]) == (
        "string",
        "integer",
        "integer",
        "number",
    )
    assert {
        "fields": ["回答単位"],
        "reference": {"resource": "leading_projects", "fields": ["リーディングプロジェクトコード"]},
    } in outcomes["schema"]["foreignKeys"]
    df = _schema_frame(target, outcomes)
    assert list(df["目標値"]) == [1500, 10] and list(df["達成率"]) == [0.823, 1.2]
    assert list(df["指標名"]) == ["認知症サポーター数", '\'=HYPERLINK("x")']


def test_a_failed_publish_leaves_the_previous_package(answered_round, tmp_path, monkeypatch):
    target = tmp_path / "pub"
    publish_round(answered_round, target, pdf=False)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    real = package_module.write_table_csv
    calls = []

    def disk_full_on_third(table, path):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(table, path)

    monkeypatch.setattr(package_module, "write_table_csv", disk_full_on_third)
    with pytest.raises(OSError):
        publish_round(answered_round, target, pdf=False, license="CC0-1.0")
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no half package left


def test_publish_refuses_a_folder_that_is_not_a_package(answered_round, tmp_path):
    other = tmp_path / "documents"
    other.mkdir()
    (other / "memo.txt").write_text("企画課のメモ", "utf-8")
    with pytest.raises(PublishError, match="公開用データ以外のファイル"):
        publish_round(answered_round, other, pdf=False)
    assert (other / "memo.txt").read_text("utf-8") == "企画課のメモ"
    with pytest.raises(PublishError, match="検査数字"):
        publish_round(answered_round, tmp_path / "x", pdf=False, lg_code="112088")
    with pytest.raises(PublishError, match="ライセンス"):
        publish_round(answered_round, tmp_path / "x", pdf=False, license="MIT")
    assert not (tmp_path / "x").exists()


def test_publish_command(answered_round, tmp_path):
    target = tmp_path / "pub"
    result = CliRunner().invoke(
        main, ["publish", str(answered_round), str(target), "--no-pdf", "--license", "cc0-1.0"]
    )
    assert result.exit_code == 0, result.output
    assert "公開用データを作成しました" in result.output and "評価・方針.csv" in result.output
    package = json.loads((target / "datapackage.json").read_text("utf-8"))
    assert package["licenses"][0]["name"] == "CC0-1.0"
    assert package["title"] == "所沢市 令和２年度 政策評価表"
    _validate(target)
    # Default folder: ROUND/output/opendata.
    result = CliRunner().invoke(main, ["publish", str(answered_round), "--no-pdf"])
    assert result.exit_code == 0, result.output
    _validate(RoundPaths(answered_round).output / "opendata")


JIMU_ANSWERS = {
    "basis": [{"law": "介護保険法", "start_year": 2015, "end_year": "", "method": "直営"}],
    "activity": [
        {
            "name": "認知症サポーター養成講座の開催",
            "unit": "回",
            "target_1": 20,
            "actual_1": 18,
            "target_3": 24,
            "actual_3": 25.5,
        },
    ],
    "cost": [
        {"national_prefectural": 1200000, "bonds": 0, "other": 35000, "general": 2500000, "person_years": 1.5}
    ],
    "grade": [{"grade": "A", "reason": '=HYPERLINK("http://evil.example","理由")'}],
}


def test_a_project_form_is_published_with_years_in_both_calendars(tmp_path):
    """事務事業評価 (answered per 事業): the 一覧 one row per 事業, a 西暦 年度 field with its 和暦
    twin, the indicator tables with year placeholders as 西暦 years, money stays a number."""
    from xlsheet.generate import init_round

    root = tmp_path / "jimu"
    init_round(root, sample=True, form="xlsheet.jimu-jigyo-hyoka")
    paths = RoundPaths(root)
    master = load_master(paths.master)
    subs = [s for s in sample_submissions(master) if s.department == "D220"]
    _accepted(root, [s.model_copy(update={"lps": (), "answers": {"J0301": JIMU_ANSWERS}}) for s in subs])
    target = tmp_path / "pub"
    result = publish_round(root, target, pdf=False)
    _validate(target)
    resources = _resources(target)
    assert not {"projects", "evaluations", "sdgs"} & set(resources)
    jimu = _schema_frame(target, resources["jimu"])
    row = jimu[jimu["事業コード"] == "J0301"]
    assert list(row["開始年度（西暦）"]) == [2015] and list(row["開始年度（和暦）"]) == ["平成27年度"]
    assert row["終了年度（西暦）"].isna().all()
    assert str(jimu["開始年度（西暦）"].dtype) == "Int64"
    assert list(row["国・県支出金"]) == [1200000] and str(jimu["国・県支出金"].dtype) == "Int64"
    assert list(row["評価の理由"]) == ['\'=HYPERLINK("http://evil.example","理由")']
    # the 一覧's 指標 columns are headed in 西暦 too (the book shows 和暦: 実績値（令和元年度）)
    assert list(row["活動指標1：実績値（2019年度）"]) == [25.5]
    assert not [c for c in jimu.columns if "令和" in c or "平成" in c]
    activity = _schema_frame(target, resources["activity"])
    assert {"目標値（2017年度）", "実績値（2019年度）"} <= set(activity.columns)
    assert list(activity["実績値（2019年度）"]) == [25.5]
    assert "平成27年度" in result.json.read_text("utf-8")


EVENTS = [
    {
        "セクション": "events",
        "セクション見出し": "【主な行事】",
        "記入者": "全所属",
        "行数": 3,
        "キー": "title",
        "見出し": "行事名",
        "種類": "文字",
        "行の判定": "○",
    },
    {"セクション": "events", "キー": "held", "見出し": "開催日", "種類": "日付"},
    {"セクション": "events", "キー": "code", "見出し": "行事コード", "種類": "文字"},
]


def test_a_date_field_is_published_as_an_iso_date_with_its_wareki_twin_and_no_device_dependent_characters(
    tmp_path,
):
    from tests.formdef_helpers import append_rows, edited_copy
    from xlsheet.generate import init_round

    form = edited_copy(tmp_path, lambda wb: append_rows(wb["項目"], EVENTS))
    root = tmp_path / "round"
    init_round(root, sample=True, form=form)
    paths = RoundPaths(root)
    master = load_master(paths.master)
    sub = next(s for s in sample_submissions(master) if s.department == "D220")
    rows = [
        {"title": "①認知症ｶﾌｪ（㈱所沢）", "held": dt.date(2019, 5, 1), "code": "0012"},
        {"title": "-講演会", "held": "", "code": "0100"},
    ]
    sub = sub.model_copy(update={"answers": {"KIZUNA": {"events": rows}}})
    _accepted(root, [sub])
    target = tmp_path / "pub"
    publish_round(root, target, pdf=False)
    _validate(target)
    events = _resources(target)["events"]
    types = {f["name"]: f["type"] for f in events["schema"]["fields"]}
    assert (types["開催日"], types["開催日（和暦）"], types["行事コード"]) == ("date", "string", "string")
    df = _schema_frame(target, events)
    assert df["開催日"].iloc[0].date() == dt.date(2019, 5, 1) and pd.isna(df["開催日"].iloc[1])
    assert df["開催日（和暦）"].iloc[0] == "令和元年5月1日" and pd.isna(df["開催日（和暦）"].iloc[1])
    assert list(df["行事コード"]) == ["0012", "0100"]  # leading zeros kept: codes are text
    # 機種依存文字 spelled out (総務省's rule), formula-looking text neutralised.
    assert list(df["行事名"]) == ["(1)認知症カフェ（(株)所沢）", "'-講演会"]
    rows = list(csv.reader(io.StringIO((target / events["path"]).read_text("utf-8-sig"))))
    assert rows[1][rows[0].index("開催日")] == "2019-05-01"


def test_every_pdf_the_merge_wrote_is_found_and_none_it_did_not(tmp_path):
    """Not one hard-coded name: the book's PDF, the ones a merge lists in `pdfs`, and any PDF it
    wrote under output/ (one per leading project, say); not an old PDF, not a work folder's, not
    the previous package's copies."""
    import os
    import time

    from xlsheet.publish.package import merged_pdfs, pdf_names

    output = tmp_path / "output"
    (output / "pdf").mkdir(parents=True)
    (output / ".pdf-work").mkdir()
    (output / "opendata" / "pdf").mkdir(parents=True)

    def pdf(path: Path, age: float = 0) -> Path:
        path.write_bytes(b"%PDF-1.6\n")
        if age:
            os.utime(path, (time.time() - age, time.time() - age))
        return path

    started = time.time()
    book = pdf(output / "政策評価表_R02.pdf")
    per_lp = [pdf(output / "pdf" / "政策評価表_R02_絆.pdf"), pdf(output / "pdf" / "政策評価表_R02.pdf")]
    listed = pdf(tmp_path / "elsewhere.pdf")
    pdf(output / "去年の資料.pdf", age=3600)
    pdf(output / ".pdf-work" / "half.pdf")
    pdf(output / "opendata" / "pdf" / "政策評価表_R02.pdf")

    class Result:  # what merge_round returns, as far as PDFs go
        pdf = book
        pdfs = [listed, per_lp[0]]

    found = merged_pdfs(Result(), output, started, output / "opendata")
    assert found == [book, listed, per_lp[0], per_lp[1]]
    assert pdf_names(found) == [
        "政策評価表_R02.pdf",
        "elsewhere.pdf",
        "政策評価表_R02_絆.pdf",
        "pdf_政策評価表_R02.pdf",
    ]


def test_a_killed_publish_leaves_nothing_the_next_one_does_not_clean(answered_round, tmp_path):
    """A build folder a killed publish left beside the target goes on the next run (once stale);
    another hidden file there is not ours and stays."""
    import os
    import time

    target = tmp_path / "pub"
    stale = tmp_path / ".pub.abc123.tmp"
    (stale / "pdf").mkdir(parents=True)
    (stale / "事業一覧.csv").write_text("half", "utf-8")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    other = tmp_path / ".memo.tmp"
    other.write_text("企画課のメモ", "utf-8")
    os.utime(other, (old, old))
    publish_round(answered_round, target, pdf=False)
    assert not stale.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [".memo.tmp"]


def test_a_package_changed_by_hand_is_never_replaced_silently(answered_round, tmp_path):
    target = tmp_path / "pub"
    publish_round(answered_round, target, pdf=False)
    assert publish_round(answered_round, target, pdf=False).kept is None  # unchanged: replaced quietly
    edited = target / "評価・方針.csv"
    edited.write_text(edited.read_text("utf-8-sig").replace("絆を紡ぐ", "手直し", 1), "utf-8-sig")
    (target / "メモ.txt").write_text("掲載前に確認", "utf-8")
    with pytest.raises(PackageEdited) as caught:
        publish_round(answered_round, target, pdf=False)
    assert caught.value.changed == ["評価・方針.csv", "メモ.txt"]
    assert "手直し" in edited.read_text("utf-8-sig")
    runner = CliRunner()
    result = runner.invoke(main, ["publish", str(answered_round), str(target), "--no-pdf"])
    assert result.exit_code == 2 and "--force" in result.output
    result = runner.invoke(main, ["publish", str(answered_round), str(target), "--no-pdf", "--force"])
    assert result.exit_code == 0, result.output
    (kept,) = tmp_path.glob("pub_編集版_*")
    assert "手直し" in (kept / "評価・方針.csv").read_text("utf-8-sig") and (kept / "メモ.txt").exists()
    assert "手直し" not in edited.read_text("utf-8-sig") and not (target / "メモ.txt").exists()
    _validate(target)


def test_a_key_the_data_breaks_is_not_declared_and_the_package_still_validates(sample_round, tmp_path):
    """A submission the office accepted despite a code master data does not know: the foreign key
    is left out (and publish says so) rather than a package that fails validation."""
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    subs = []
    for sub in sample_submissions(master):
        if sub.department == "D220":
            e = sub.lps[0]
            pr = (e.projects[0].model_copy(update={"initiative": "9-9-9"}), *e.projects[1:])
            sub = sub.model_copy(update={"lps": (e.model_copy(update={"projects": pr}),)})
        subs.append(sub)
    _accepted(sample_round, subs)
    target = tmp_path / "pub"
    result = publish_round(sample_round, target, pdf=False)
    _validate(target)
    projects = _resources(target)["projects"]["schema"]
    assert [fk["fields"] for fk in projects["foreignKeys"]] == [
        ["リーディングプロジェクト"],
        ["報告所属コード"],
    ]
    assert any("事業一覧" in n and "取り組みコード" in n for n in result.notes), result.notes
    assert "9-9-9" in set(_schema_frame(target, _resources(target)["projects"])["取り組みコード"])
    # Where the data holds the key, it is declared.
    sdgs = _resources(target)["sdgs"]["schema"]
    assert sdgs["primaryKey"] == ["リーディングプロジェクト", "報告所属コード", "目標番号"]


def test_a_form_label_that_looks_like_a_formula_is_neutralised_as_a_header(tmp_path):
    """A header cell is a cell: a form's field label starting with = reaches no CSV as a formula."""
    from tests.formdef_helpers import cell, edited_copy
    from tests.test_formdef_seed import add_seika
    from tests.test_merge_sections import OUTCOMES
    from xlsheet.generate import init_round

    def edit(wb):
        add_seika(wb)
        ws = wb["項目"]
        ws[cell(ws, "見出し", "outcomes", "unit")] = "=単位"

    root = tmp_path / "round"
    init_round(root, sample=True, form=edited_copy(tmp_path, edit))
    master = load_master(RoundPaths(root).master)
    subs = [s for s in sample_submissions(master) if s.department == "D220"]
    _accepted(root, [s.model_copy(update={"answers": {"KIZUNA": {"outcomes": OUTCOMES}}}) for s in subs])
    target = tmp_path / "pub"
    publish_round(root, target, pdf=False)
    merged = merge_round(root, csv=True)
    _validate(target)
    for path in (target / "成果指標.csv", next(p for p in merged.csv if p.name == "成果指標.csv")):
        header = next(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
        assert "'=単位" in header and "=単位" not in header, path
