"""The consolidated book from Received submissions: seed layout and order, tables, atomicity, PDF, pandas."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.conftest import REPO, needs_libreoffice, shared_dir
from xlsheet.merge import frames, write_book, write_csv
from xlsheet.merge.book import PAUSE_ENV
from xlsheet.merge.consolidate import NOT_SHOWN, SHOWN, consolidate
from xlsheet.merge.form_sheet import MARGIN_IN, PAGE_HEIGHT_PT, PAGE_SLACK_PT, _Row, page_breaks
from xlsheet.merge.frames import CSV_NAMES
from xlsheet.merge.pdf import NO_LIBREOFFICE, export_pdf
from xlsheet.merge.printed import form_sheet_names
from xlsheet.models import SDG_GOALS, ProjectEntry, Received, Submission
from xlsheet.sample import sample_master, sample_submissions

SEED_NAME = "000_d0753ad815e883ed.txt"
WS = re.compile(r"\s+")


def received(subs: list[Submission] | None = None) -> list[Received]:
    """The sample round's submissions as the ledger would hand them over."""
    subs = subs if subs is not None else sample_submissions()
    base = dt.datetime(2020, 6, 20, 9, 0, tzinfo=dt.UTC)
    return [
        Received(
            department=s.department,
            file=f"inbox/{s.department}.xlsx",
            sha256=hashlib.sha256(s.model_dump_json().encode()).hexdigest(),
            received_at=base + dt.timedelta(hours=n),
            round_id=s.round_id,
            submission=s,
        )
        for n, s in enumerate(subs)
    ]


def seed_lines() -> list[str]:
    text = (shared_dir() / "seed" / SEED_NAME).read_text(encoding="utf-8")
    return [x for x in (WS.sub("", line) for line in text.splitlines()) if x]


def assert_lines_in_order(lines: list[str], text: str) -> None:
    """Every line appears in `text` (whitespace removed), each after the previous one."""
    flat = WS.sub("", text)
    pos = 0
    for line in lines:
        found = flat.find(line, pos)
        assert found >= 0, f"seed line not found in order: {line!r}\n  after: {flat[pos : pos + 80]!r}"
        pos = found + len(line)


def sheet_text(path: Path, sheet: str) -> str:
    """The sheet's cell texts in reading order (row by row, left to right)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return "\n".join(
            str(v) for row in wb[sheet].iter_rows(values_only=True) for v in row if v not in (None, "")
        )
    finally:
        wb.close()


def all_cells(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb.worksheets}


@pytest.fixture
def book(tmp_path) -> Path:
    path = tmp_path / "output" / "book.xlsx"
    write_book(sample_master(), received(), path)
    return path


def test_form_sheet_carries_every_seed_line_in_order(book):
    master = sample_master()
    (form,) = consolidate(master, received()).forms
    (name,) = form_sheet_names([form])
    wb = openpyxl.load_workbook(book, read_only=True)
    assert wb.sheetnames == [
        name,
        "事業一覧",
        "評価・方針",
        "ＳＤＧｓ選択",
        "ＳＤＧｓマトリクス",
        "提出状況",
        "指摘事項",
    ]
    wb.close()
    text = sheet_text(book, name)
    assert_lines_in_order(seed_lines(), text)
    assert "リーディングプロジェクト　絆を紡ぐまちづくり" in text


def test_order_does_not_depend_on_ledger_order(tmp_path, book):
    """Reversed input order: the same cells (assignment order decides, not arrival)."""
    other = tmp_path / "reversed.xlsx"
    write_book(sample_master(), list(reversed(received())), other)
    assert all_cells(other) == all_cells(book)


def test_form_order_follows_master(book):
    master = sample_master()
    cons = consolidate(master, received())
    (form,) = cons.forms
    assert [b.initiative.code for b in form.blocks] == [i.code for i, _ in master.lp_initiatives("KIZUNA")]
    first = form.blocks[0]
    assert [(p.name, p.prov.department) for p in first.projects] == [
        ("地域づくり支援事業", "D110"),
        ("小手指まちづくりセンター整備事業（第２駐車場整備）", "D112"),
    ]
    assert [p.prov.department for p in form.evaluations] == ["D110", "D210", "D220", "D310", "D410"]
    assert [p.heading for p in form.policies][:3] == [
        "地域づくり協議会の活動及び設立の支援",
        "まちづくりセンターのあり方の検討",
        "地域での見守り・支え合いの体制づくり",
    ]
    assert form.summary.prov.department == "D110" and form.policy_intro.prov.department == "D110"
    assert form.sdgs == {3, 4, 10, 11, 17}


def test_more_than_three_projects_keeps_all_in_table(tmp_path):
    """A 4th project for 1-4-2 (from 高齢者支援課) and one from 健康づくり支援課, which is not assigned
    1-4-2: the form shows the first three in assignment order, the table all five, an issue says so."""
    subs = sample_submissions()
    extra = {
        "D220": ProjectEntry(initiative="1-4-2", name="認知症カフェ支援事業", department="高齢者支援課"),
        "D410": ProjectEntry(initiative="1-4-2", name="介護予防健康教室", department="健康づくり支援課"),
    }
    changed = []
    for s in subs:
        if s.department in extra:
            (e,) = s.lps
            s = s.model_copy(
                update={"lps": (e.model_copy(update={"projects": (*e.projects, extra[s.department])}),)}
            )
        changed.append(s)
    path = tmp_path / "book.xlsx"
    cons = write_book(sample_master(), received(changed), path)
    block = next(b for b in cons.forms[0].blocks if b.initiative.code == "1-4-2")
    assert [p.name for p in block.projects] == [
        "認知症施策推進事業",
        "在宅医療・介護連携推進事業",
        "生活支援体制整備事業",
    ]
    assert block.hidden == 2

    form = sheet_text(path, form_sheet_names(cons.forms)[0])
    assert "生活支援体制整備事業" in form
    assert "認知症カフェ支援事業" not in form and "介護予防健康教室" not in form

    wb = openpyxl.load_workbook(path)
    rows = [tuple(c.value for c in r) for r in wb["事業一覧"].iter_rows(min_row=2)]
    heads = [c.value for c in wb["事業一覧"][1]]
    name, shown = heads.index("事業名"), heads.index("政策評価表")
    assert len(rows) == 14
    by_name = {r[name]: r[shown] for r in rows}
    assert by_name["認知症カフェ支援事業"] == NOT_SHOWN and by_name["介護予防健康教室"] == NOT_SHOWN
    assert by_name["生活支援体制整備事業"] == SHOWN
    issues = [tuple(c.value for c in r) for r in wb["指摘事項"].iter_rows(min_row=2)]
    assert any(r[-1] == "merge.too_many_projects" and "1-4-2" in r[6] and "5 件" in r[6] for r in issues)


def test_flat_tables_carry_provenance(book):
    recs = {r.department: r for r in received()}
    wb = openpyxl.load_workbook(book)
    expected = {
        "事業一覧": ("tbl_projects", 12),
        "評価・方針": ("tbl_evaluations", 5 + 1 + 1 + 8),
        "ＳＤＧｓ選択": ("tbl_sdgs", sum(len(s.lps[0].sdgs) for s in sample_submissions())),
    }
    for sheet, (table, count) in expected.items():
        ws = wb[sheet]
        assert list(ws.tables) == [table]
        heads = [c.value for c in ws[1]]
        for h in ("報告所属コード", "元ファイル", "SHA-256", "受付日時", "ラウンド"):
            assert h in heads
        rows = [dict(zip(heads, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
        assert len(rows) == count
        assert ws.tables[table].ref == f"A1:{openpyxl.utils.get_column_letter(len(heads))}{count + 1}"
        for r in rows:
            rec = recs[r["報告所属コード"]]
            assert r["SHA-256"] == rec.sha256 and r["元ファイル"] == rec.file
            assert r["受付日時"] == rec.received_at.astimezone(dt.timezone(dt.timedelta(hours=9))).replace(
                tzinfo=None
            )
            assert r["ラウンド"] == "R02-seisaku-hyoka"
    status = [tuple(c.value for c in r) for r in wb["提出状況"].iter_rows(min_row=2)]
    assert [r[2] for r in status] == ["受理"] * 7


def test_sdg_matrix_and_chart(book):
    wb = openpyxl.load_workbook(book)
    ws = wb["ＳＤＧｓマトリクス"]
    heads = [c.value for c in ws[1]]
    assert heads[2] == f"1 {SDG_GOALS[0]}" and len(heads) == 2 + 17
    row = [c.value for c in ws[2]]
    counts = {g: row[1 + g] for g in range(1, 18)}
    assert counts[11] == 6 and counts[3] == 3 and counts[1] == 0
    with zipfile.ZipFile(book) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_missing_department_is_reported_not_hidden(tmp_path):
    subs = [s for s in sample_submissions() if s.department != "D410"]
    path = tmp_path / "book.xlsx"
    cons = write_book(sample_master(), received(subs), path)
    codes = {i.code for i in cons.issues}
    assert "merge.no_projects" in codes
    wb = openpyxl.load_workbook(path)
    status = {r[0].value: r[2].value for r in wb["提出状況"].iter_rows(min_row=2)}
    assert status["D410"] == "未提出"
    # the initiative heading stays on the form; its project line is simply absent
    text = sheet_text(path, form_sheet_names(cons.forms)[0])
    assert "主体的な健康づくりの推進" in text and "健康づくり推進事業" not in text


def test_text_is_never_a_formula(tmp_path):
    subs = sample_submissions()
    s = subs[0]
    (e,) = s.lps
    bad = ProjectEntry(initiative="1-1-1", name='=HYPERLINK("http://x")', department="+各まちづくりセンター")
    subs[0] = s.model_copy(update={"lps": (e.model_copy(update={"projects": (*e.projects, bad)}),)})
    path = tmp_path / "book.xlsx"
    write_book(sample_master(), received(subs), path)
    with zipfile.ZipFile(path) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "<f>" not in sheets.replace("<f>SUBTOTAL", "")
    assert '=HYPERLINK("http://x")' in sheet_text(path, "事業一覧")


def test_merge_twice_gives_the_same_book(tmp_path, book):
    again = tmp_path / "again.xlsx"
    write_book(sample_master(), received(), again)
    assert all_cells(again) == all_cells(book)
    assert again.read_bytes() == book.read_bytes()


KILL_SCRIPT = """
import sys
from pathlib import Path
from tests.test_merge import received
from xlsheet.merge import write_book
from xlsheet.sample import sample_master, sample_submissions
subs = [s for s in sample_submissions() if s.department != "D410"]
write_book(sample_master(), received(subs), Path(sys.argv[1]))
"""


def test_killed_merge_leaves_previous_book_intact(book):
    before = book.read_bytes()
    env = {**os.environ, PAUSE_ENV: "30", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(book)], env=env, cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        partial: list[Path] = []
        while time.monotonic() < deadline:
            partial = [p for p in book.parent.glob(".book.*.xlsx.tmp") if p.stat().st_size > 0]
            if partial or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert partial, "the merge never started writing"
        assert proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert book.read_bytes() == before
    with zipfile.ZipFile(book) as z:
        assert z.testzip() is None
    with pytest.raises(zipfile.BadZipFile):  # what the killed merge left is a broken half file
        zipfile.ZipFile(partial[0]).testzip()
    # the next merge runs normally and replaces the book
    subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(book)], env={**env, PAUSE_ENV: ""}, cwd=REPO, check=True
    )
    assert book.read_bytes() != before
    assert "健康づくり推進事業" not in sheet_text(book, "事業一覧")


def test_page_breaks_only_between_blocks():
    rows = [_Row(300, True), _Row(200, False), _Row(250, True), _Row(100, False), _Row(100, True)]
    assert page_breaks(rows) == [2]
    capacity = PAGE_HEIGHT_PT - 2 * MARGIN_IN * 72 - PAGE_SLACK_PT
    half = [_Row(capacity / 2 - 1, True) for _ in range(7)]
    assert page_breaks(half) == [2, 4, 6]
    glued = [_Row(capacity / 2 - 1, True), _Row(capacity / 2 - 1, True), _Row(5, False), _Row(10, True)]
    assert page_breaks(glued) == [1]  # the glued row goes to the next page with its block


def test_form_sheet_page_breaks_fall_on_block_starts(book):
    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[0]
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks, "the sample form spans more than one page"
    for b in breaks:
        # the row after a break (1-based b+1) starts a block: a ● heading, a code, or a 【】 / ≪≫ heading
        first = next(c.value for c in ws[b + 1] if c.value not in (None, ""))
        assert re.match(r"^(●|【|≪|\d+-\d+-\d+$|今後の方針$)", first), (b, first)
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.print_area


def test_frames_and_csv(tmp_path):
    master = sample_master()
    dfs = frames(master, received())
    assert set(dfs) == {"projects", "evaluations", "sdgs", "status", "issues"}
    assert len(dfs["projects"]) == 12 and dfs["projects"]["事業名"].iloc[0] == "地域づくり支援事業"
    assert dfs["evaluations"]["種別"].tolist()[:6] == ["評価"] * 5 + ["総評"]
    assert dfs["sdgs"].groupby("目標番号").size().to_dict()[11] == 6
    assert dfs["status"]["状況"].eq("受理").all()
    paths = write_csv(dfs, tmp_path / "csv")
    assert [p.name for p in paths] == [CSV_NAMES[k] for k in dfs]
    for key, p in zip(dfs, paths, strict=True):
        assert p.read_bytes().startswith(b"\xef\xbb\xbf"), p
        assert len(pd.read_csv(p, encoding="utf-8-sig")) == len(dfs[key])
    projects = pd.read_csv(tmp_path / "csv" / "事業一覧.csv", encoding="utf-8-sig")
    assert projects["事業名"].tolist() == dfs["projects"]["事業名"].tolist()


@needs_libreoffice
def test_pdf_has_every_seed_line_on_a4_pages(tmp_path):
    master = sample_master()
    cons = consolidate(master, received())
    pdf, message = export_pdf(master, cons, tmp_path / "out" / "book.pdf")
    assert pdf is not None, message
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 2 <= pages <= 5
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert_lines_in_order(seed_lines(), text)
    assert "事業一覧" not in text  # only the 政策評価表 sheets are printed
    for page in text.split("\f"):
        lines = [x.strip() for x in page.splitlines() if x.strip()]
        body = [x for x in lines if "/" not in x]  # drop the footer (name  n / N)
        if body:
            assert not body[-1].startswith(("●", "【", "≪")), f"a heading ends a page: {body[-1]}"
    assert not list((tmp_path / "out").glob(".pdf-*")), "the work folder is removed"


def test_pdf_without_libreoffice_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on PATH
    master = sample_master()
    pdf, message = export_pdf(master, consolidate(master, received()), tmp_path / "book.pdf")
    assert pdf is None and message == NO_LIBREOFFICE
    assert "LibreOffice がインストールされていない" in message
    assert not (tmp_path / "book.pdf").exists()


def test_merge_command_without_libreoffice(sample_round, tmp_path):
    """`xlsheet merge --pdf` on a round nobody has answered yet, on a machine without LibreOffice."""
    from click.testing import CliRunner

    from xlsheet.cli import main

    result = CliRunner().invoke(main, ["merge", str(sample_round), "--pdf"], env={"PATH": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "統合ブックを作成しました" in result.output
    assert "LibreOffice がインストールされていないため、PDF は作成していません" in result.output
    assert "未受理の所属が 7 件" in result.output
    book = sample_round / "output" / "政策評価表_R02-seisaku-hyoka.xlsx"
    assert book.is_file() and not book.with_suffix(".pdf").exists()


def test_long_paragraph_is_split_into_rows_excel_can_hold(tmp_path):
    """A 2,000-character evaluation: rows stay under Excel's 409 pt, the text stays whole and in order."""
    sentence = "地域包括ケアシステムの深化・推進にあたって、各地域における認知症ケアの向上を図った。"
    body = sentence * (2000 // len(sentence))
    subs = sample_submissions()
    s = subs[0]
    (e,) = s.lps
    long_eval = e.evaluations[0].model_copy(update={"body": body})
    subs[0] = s.model_copy(update={"lps": (e.model_copy(update={"evaluations": (long_eval,)}),)})
    path = tmp_path / "book.xlsx"
    cons = write_book(sample_master(), received(subs), path)
    wb = openpyxl.load_workbook(path)
    ws = wb[form_sheet_names(cons.forms)[0]]
    heights = [d.height for d in ws.row_dimensions.values() if d.height]
    assert max(heights) <= 409
    assert WS.sub("", body) in WS.sub("", sheet_text(path, ws.title))
