"""`xlsheet demo`: the README's first command, run as a new user would (real files, real LibreOffice)."""

from __future__ import annotations

import re
import subprocess

import openpyxl
import pandas as pd
from click.testing import CliRunner

from tests.conftest import needs_libreoffice
from tests.test_merge import assert_lines_in_order, seed_lines, sheet_text
from xlsheet.cli import main
from xlsheet.demo import MARKER, PROJECT_ROUND_DIR, run_demo
from xlsheet.entry.sheets import EVALUATIONS_SHEET
from xlsheet.intake.ledger import Ledger
from xlsheet.merge import round_frames
from xlsheet.models import FileStatus, Severity
from xlsheet.paths import RoundPaths
from xlsheet.round import Round


def test_demo_round_library(tmp_path):
    """The whole round without PDF: the two mistakes are caught, the newest valid file wins."""
    root = tmp_path / "demo-round"
    lines: list[str] = []
    result = run_demo(root, pdf=False, say=lines.append)
    paths = RoundPaths(root)

    # 高齢者支援課: full-width codes fixed, accepted
    first = {f.department: f for f in result.first_collect.files}
    fixed = [i for i in first["D220"].issues if i.severity is Severity.FIXED]
    assert first["D220"].status is FileStatus.ACCEPTED and any("１－４－３" in i.message for i in fixed)
    # 青少年課: rejected with a feedback workbook naming the code, then the resend is accepted
    assert first["D320"].status is FileStatus.REJECTED
    assert any("2-1-9" in i.message for i in first["D320"].issues if i.severity is Severity.ERROR)
    assert any(p.name.startswith("D320_") for p in result.first_collect.feedback)
    resent = [f for f in result.second_collect.files if f.status is FileStatus.ACCEPTED]
    assert [f.department for f in resent] == ["D320"] and resent[0].path.endswith("_修正版.xlsx")

    with Ledger(paths.ledger) as ledger:
        current = {r.department: r for r in ledger.current()}
        status = {s.department: s.status for s in ledger.status(result.merge.consolidated.master)}
    assert len(current) == 7 and current["D320"].file.endswith("_修正版.xlsx")
    assert all(s.startswith("受理") for s in status.values())

    # the merged book carries the seed, with 1-4-3 normalized and 青少年課's project in place
    book = result.merge.book
    assert book == paths.output / "政策評価表_R02-seisaku-hyoka.xlsx"
    form = sheet_text(book, openpyxl.load_workbook(book, read_only=True).sheetnames[0])
    assert_lines_in_order(seed_lines(), form)
    assert "１－４－３" not in form and "2-1-9" not in form
    projects = pd.read_csv(paths.output / "csv" / "事業一覧.csv", encoding="utf-8-sig")
    assert projects["取り組みコード"].tolist().count("1-4-3") == 2
    assert "子ども広場設置・整備費補助金" in projects["事業名"].tolist()
    assert result.merge.pdf is None
    # the intake's findings travel into the book and the DataFrames
    wb = openpyxl.load_workbook(book, read_only=True)
    issues = [r for r in wb["指摘事項"].iter_rows(min_row=2, values_only=True)]
    wb.close()
    assert any(r[0] == "自動修正" and r[1] == "回収・検証" and "D220_" in r[2] for r in issues)
    dfs = round_frames(root)
    assert len(dfs["projects"]) == 12 and len(dfs["status"]) == 7
    assert (
        dfs["projects"]
        .loc[dfs["projects"]["報告所属コード"] == "D320", "元ファイル"]
        .str.endswith("_修正版.xlsx")
        .all()
    )
    assert any("統合ブック" in x for x in lines) and any("差し戻し" in x for x in lines)
    assert (root / MARKER).is_file()

    # first the 事務事業評価 round of the same 事業 (見本), every department's evaluation accepted;
    # the 政策評価表 books were made from it and show each 事業's grade to the lead department
    assert result.project_collect is not None
    assert {f.status for f in result.project_collect.files} == {FileStatus.ACCEPTED}
    assert len(result.project_collect.files) == 7
    project_round = Round(root / PROJECT_ROUND_DIR)
    assert project_round.master.settings.round_id != result.merge.consolidated.master.settings.round_id
    lead = openpyxl.load_workbook(next(paths.outbox.glob("D110_*.xlsx")), read_only=True)
    rows = list(lead[EVALUATIONS_SHEET].iter_rows(min_row=2, values_only=True))
    lead.close()
    assert len(rows) == 12 and all(r[-2] in "SABC" for r in rows)
    assert any(x.startswith("1. 事務事業評価（見本）") for x in lines)
    # the lead department's review, sent back as drafted, is what the book prints (the seed, above)
    assert result.review_collect is not None
    assert [f.status for f in result.review_collect.files if f.status is not FileStatus.DUPLICATE] == [
        FileStatus.ACCEPTED
    ]
    assert result.published is not None and (result.published / "datapackage.json").is_file()


@needs_libreoffice
def test_demo_command_as_a_new_user(tmp_path, monkeypatch):
    """`xlsheet demo demo-round` twice in a fresh folder: book and PDF, Japanese output, re-run clears."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    out = runner.invoke(main, ["demo", "demo-round"])
    assert out.exit_code == 0, out.output
    text = out.output
    for phrase in (
        "見本ラウンド",
        "回収・検証",
        "差し戻し",
        "再回収",
        "統合ブック",
        "PDF",
        "提出状況",
        "受理 7 / 7 所属",
        "主管所属の確認ブック 1 冊",
        "確認ブックの回収: 受理 1 件",
        "公開用のオープンデータ",
    ):
        assert phrase in text, phrase
    published = tmp_path / "demo-round" / "output" / "opendata"
    assert (published / "datapackage.json").is_file() and list((published / "pdf").glob("*.pdf"))
    book = tmp_path / "demo-round" / "output" / "政策評価表_R02-seisaku-hyoka.xlsx"
    pdf = book.with_suffix(".pdf")
    assert book.is_file() and pdf.is_file()
    assert str(pdf) in text.replace("\n", "")
    pdf_text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert_lines_in_order(seed_lines(), pdf_text)
    # every PDF the demo wrote (the whole book and the leading project's) keeps the 禁則 rules
    from tests.test_print import assert_printed_like_print

    pdfs = sorted(book.parent.glob("*.pdf"))
    assert len(pdfs) == 2 and pdf in pdfs
    for p in pdfs:
        assert_printed_like_print(p)
        assert_lines_in_order(
            seed_lines(),
            subprocess.run(
                ["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True
            ).stdout,
        )

    # re-run: the demo folder is cleared and made again, not appended to
    again = runner.invoke(main, ["demo", "demo-round"])
    assert again.exit_code == 0, again.output
    inbox = sorted(p.name for p in (tmp_path / "demo-round" / "inbox").iterdir())
    assert (
        len(inbox) == 9 and sum("_修正版" in n for n in inbox) == 1 and sum("_確認_" in n for n in inbox) == 1
    )

    # merge alone on the same round, with CSV and PDF
    merged = runner.invoke(main, ["merge", "demo-round", "--pdf", "--csv"])
    assert merged.exit_code == 0, merged.output
    assert re.search(r"政策評価表 1 枚、事業 12 件", merged.output)
    assert "事業一覧.csv" in merged.output
    assert "リーディングプロジェクト別: 政策評価表_R02-seisaku-hyoka_絆を紡ぐまちづくり.pdf" in merged.output


def test_demo_refuses_a_folder_it_did_not_make(tmp_path):
    mine = tmp_path / "work"
    mine.mkdir()
    (mine / "大事なファイル.xlsx").write_bytes(b"keep")
    out = CliRunner().invoke(main, ["demo", str(mine), "--no-pdf"])
    assert out.exit_code == 2
    assert "以前の demo のフォルダでもありません" in out.output
    assert (mine / "大事なファイル.xlsx").read_bytes() == b"keep"
