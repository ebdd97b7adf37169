"""The consolidated book, CSV and round_frames() follow the round's form: a section added to a
copy of the form definition gets its own table, CSV and DataFrame, with provenance."""

from __future__ import annotations

import csv

import openpyxl

from tests.formdef_helpers import edited_copy
from tests.test_formdef_seed import add_seika
from xlsheet.generate import init_round
from xlsheet.intake.ledger import Entry, Ledger
from xlsheet.master import load_master
from xlsheet.merge import merge_round, round_frames
from xlsheet.models import FileStatus
from xlsheet.paths import RoundPaths
from xlsheet.sample import sample_submissions

OUTCOMES = [
    {
        "indicator": "認知症サポーター数",
        "unit": "人",
        "target": 1500,
        "actual": 1234,
        "rate": 0.823,
        "grade": "B",
    },
    {"indicator": '=HYPERLINK("x")', "unit": "回", "target": 10, "actual": 12, "rate": 1.2, "grade": "A"},
]


def _round_with_outcomes(tmp_path):
    form = edited_copy(tmp_path, add_seika)
    root = tmp_path / "round"
    init_round(root, sample=True, form=form)
    paths = RoundPaths(root)
    master = load_master(paths.master)
    with Ledger(paths.ledger) as ledger:
        for n, sub in enumerate(sample_submissions(master)):
            answers = {e.lp: {"outcomes": OUTCOMES if sub.department == "D220" else []} for e in sub.lps}
            sub = sub.model_copy(update={"answers": answers})
            ledger.record(
                Entry(
                    sha256=f"{n:064x}",
                    origin=f"inbox/{sub.department}.xlsx",
                    size=1,
                    status=FileStatus.ACCEPTED,
                    issues=[],
                    department=sub.department,
                    round_id=sub.round_id,
                    submission=sub,
                )
            )
    return root


def test_a_section_added_to_the_form_gets_its_table_csv_and_frame(tmp_path):
    root = _round_with_outcomes(tmp_path)
    result = merge_round(root, csv=True)
    wb = openpyxl.load_workbook(result.book)
    assert "成果指標" in wb.sheetnames
    # The seed's own sheets stay where they were, the new table before 提出状況.
    names = wb.sheetnames
    assert names.index("ＳＤＧｓマトリクス") < names.index("成果指標") < names.index("提出状況")
    rows = list(wb["成果指標"].iter_rows(values_only=True))
    head = rows[0]
    assert head[:9] == (
        "回答単位",
        "回答単位の名称",
        "行",
        "指標名",
        "単位",
        "目標値",
        "実績値",
        "達成率",
        "評価",
    )
    assert "報告所属コード" in head and "SHA-256" in head
    body = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    assert [(r["指標名"], r["目標値"], r["評価"], r["報告所属コード"]) for r in body] == [
        ("認知症サポーター数", 1500, "B", "D220"),
        ('=HYPERLINK("x")', 10, "A", "D220"),
    ]
    assert wb["成果指標"]["D3"].data_type == "s"  # text starting with = stays text
    assert wb["成果指標"].tables  # an Excel table with filters

    [path] = [p for p in result.csv if p.name == "成果指標.csv"]
    with path.open(encoding="utf-8-sig") as fh:
        got = list(csv.DictReader(fh))
    assert got[0]["指標名"] == "認知症サポーター数" and got[0]["達成率"] == "0.823"
    assert got[1]["指標名"].startswith("'=")  # neutralised for Excel

    frames = round_frames(root)
    assert {"projects", "evaluations", "sdgs", "outcomes", "status", "issues"} <= set(frames)
    df = frames["outcomes"]
    assert list(df["実績値"]) == [1234, 12] and set(df["回答単位"]) == {"KIZUNA"}


def test_the_seed_form_adds_no_table(sample_round):
    wb = openpyxl.load_workbook(merge_round(sample_round).book, read_only=True)
    assert wb.sheetnames[-6:] == [
        "事業一覧",
        "評価・方針",
        "ＳＤＧｓ選択",
        "ＳＤＧｓマトリクス",
        "提出状況",
        "指摘事項",
    ]
    assert set(round_frames(sample_round)) == {"projects", "evaluations", "sdgs", "status", "issues"}
