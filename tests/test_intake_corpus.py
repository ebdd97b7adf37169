"""Collect a corpus of files changed the way departments change them; each gets its verdict."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.corpus import Item, build_corpus, uno_available
from xlsheet.cli import main
from xlsheet.fill import fill_workbook
from xlsheet.intake.collect import collect_round
from xlsheet.intake.ledger import Ledger
from xlsheet.master import load_master
from xlsheet.models import FileStatus, Severity
from xlsheet.paths import RoundPaths
from xlsheet.sample import LP, sample_submissions


@pytest.fixture(scope="module")
def collected(sample_round_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus") / "round"
    shutil.copytree(sample_round_template, root)
    items = build_corpus(root, with_libreoffice=uno_available())
    report = collect_round(root)
    return root, items, report


def expected_status(items: list[Item], item: Item) -> FileStatus:
    """Newest accepted file of a department wins (by mail Date or file time); the rest are superseded."""
    if item.verdict is not FileStatus.ACCEPTED:
        return item.verdict
    newest = max(
        (i for i in items if i.department == item.department and i.verdict is FileStatus.ACCEPTED),
        key=lambda i: i.date,
    )
    return FileStatus.ACCEPTED if newest is item else FileStatus.SUPERSEDED


def test_every_file_gets_its_status_and_issues(collected):
    root, items, report = collected
    got = {f.path: f for f in report.files}
    problems = []
    for item in items:
        f = got.get(item.origin)
        if f is None:
            problems.append(f"{item.origin}: not reported")
            continue
        codes = {i.code for i in f.issues}
        want = expected_status(items, item)
        if f.status is not want:
            problems.append(f"{item.origin}: {f.status.value} != {want.value} {sorted(codes)}")
        if not item.codes <= codes:
            problems.append(f"{item.origin}: missing {sorted(item.codes - codes)} in {sorted(codes)}")
        if item.absent & codes:
            problems.append(f"{item.origin}: unexpected {sorted(item.absent & codes)}")
        if item.department and f.department != item.department:
            problems.append(f"{item.origin}: department {f.department!r} != {item.department!r}")
        rejected = f.status is FileStatus.REJECTED
        if rejected != any(i.severity is Severity.ERROR for i in f.issues):
            problems.append(f"{item.origin}: rejected without an error or an error without rejection")
    assert problems == []
    assert sorted(got) == sorted(i.origin for i in items)


def test_issues_say_where_what_and_how(collected):
    _, _, report = collected
    for f in report.files:
        for i in f.issues:
            assert i.message and i.file == f.path and i.code
            if i.severity is Severity.ERROR:
                assert i.hint, i
            if i.section:  # cell-level findings carry the form location for feedback
                assert i.lp == LP and i.row is not None and i.column and i.cell and i.sheet, i
    bad = next(f for f in report.files if f.path.endswith("D210_地域福祉センター.xlsx"))
    issue = next(i for i in bad.issues if i.code == "not_in_list")
    assert (issue.sheet, issue.field, issue.section, issue.row, issue.column) == (
        "評価入力",
        "実施した事業／取り組みコード",
        "projects",
        0,
        "code",
    )
    assert "1-9-9" in issue.message and issue.cell.startswith("A")


def _submission(root: Path, origin: str):
    with Ledger(RoundPaths(root).ledger) as ledger:
        row = next(r for r in ledger.rows() if r.origin == origin)
    return row.submission.lps[0]


def test_values_are_normalized_and_read_through_changes(collected):
    root, items, _ = collected
    subs = {s.department: s.lps[0] for s in sample_submissions(load_master(RoundPaths(root).master))}
    wide = _submission(root, "inbox/D220_高齢者支援課.xlsx")
    assert [p.initiative for p in wide.projects] == [p.initiative for p in subs["D220"].projects]
    assert wide.evaluations[0].initiative == "1-4-2"
    dated = _submission(root, "inbox/D310_こども支援課.xlsx")
    assert dated.projects[0].initiative == "2-1-3"
    no_name = _submission(root, "inbox/D410_健康づくり支援課.xlsx")
    assert no_name.projects == subs["D410"].projects
    long = _submission(root, "inbox/D112_long.xlsx")
    assert len(long.projects[0].name) == 40_000  # read whole, refused by the rule, kept in the ledger
    formula = _submission(root, "inbox/D112_formula.xlsx")
    assert (formula.evaluations[0].heading, formula.evaluations[0].body) == ("=SUM(1,2)", "@本文")
    mail = _submission(root, "inbox/提出_健康づくり支援課.msg/D410_健康づくり支援課.xlsx")
    assert mail == subs["D410"]
    if uno_available():
        inserted = _submission(root, "inbox/D220_行挿入.xlsx")
        assert inserted == subs["D220"]
        renamed = _submission(root, "inbox/D320_シート名変更.xlsx")
        assert renamed.projects == subs["D320"].projects and 17 in renamed.sdgs  # 2/1/3 recovered


def test_mail_sender_and_date_are_kept(collected):
    root, items, report = collected
    f = next(f for f in report.files if f.path == "inbox/転送.eml/D320_青少年課.xlsx")
    assert f.sender == "kodomo@example.lg.jp"
    item = next(i for i in items if i.origin == f.path)
    assert f.date == item.date
    msg = next(f for f in report.files if f.path.endswith(".msg/D410_健康づくり支援課.xlsx"))
    assert msg.sender == "kenko@example.lg.jp"
    assert msg.date == next(i.date for i in items if i.origin == msg.path)


def test_originals_archived_by_sha256(collected):
    root, _, report = collected
    paths = RoundPaths(root)
    for f in report.files:
        if f.status is FileStatus.DUPLICATE or "/" in f.path[len("inbox/") :] or f.path.endswith(".eml"):
            continue
        original = (root / f.path).read_bytes()
        assert hashlib.sha256(original).hexdigest() == f.sha256
        stored = list(paths.archive.glob(f.sha256 + "*"))
        assert len(stored) == 1 and stored[0].read_bytes() == original
    con = sqlite3.connect(paths.ledger)
    try:
        sizes = dict(con.execute("SELECT sha256, size FROM files").fetchall())
    finally:
        con.close()
    for sha, size in sizes.items():
        stored = list(paths.archive.glob(sha + "*"))
        if stored:  # bare mails and unreadable units have nothing to archive
            assert stored[0].stat().st_size == size
    for container in ("提出_青少年課.eml", "まとめて.zip", "提出_健康づくり支援課.msg"):
        sha = hashlib.sha256((paths.inbox / container).read_bytes()).hexdigest()
        assert list(paths.archive.glob(sha + "*")), container


def test_ledger_current_and_status(collected):
    root, items, _ = collected
    master = load_master(RoundPaths(root).master)
    with Ledger(RoundPaths(root).ledger) as ledger:
        current = ledger.current()
        status = {s.department: s for s in ledger.status(master)}
        issues = ledger.issues()
    assert len({r.department for r in current}) == len(current)
    winners = {i.origin for i in items if expected_status(items, i) is FileStatus.ACCEPTED}
    assert {r.file for r in current} == winners
    assert status["D210"].status == "要修正" and status["D210"].errors >= 1
    assert status["D110"].status.startswith("受理") and status["D110"].errors == 0
    assert all(i.file for i in issues)
    assert any(i.code == "not_in_list" for i in issues)


def test_feedback_marks_error_cells_and_lists_issues(collected):
    root, _, report = collected
    paths = RoundPaths(root)
    master = load_master(paths.master)
    book = paths.feedback_workbook(master.department("D210"))
    assert book in report.feedback and book.exists()
    wb = openpyxl.load_workbook(book)
    ws = wb["評価入力"]
    commented = {c.value: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
    assert "1-9-9" in commented and "一覧にありません" in commented["1-9-9"]
    listed = [r for r in wb["指摘事項"].iter_rows(values_only=True)][1:]
    assert any("1-9-9" in (r[4] or "") and r[0] == "エラー" for r in listed)
    # Departments whose newest file was accepted get no feedback book.
    assert not paths.feedback_workbook(master.department("D110")).exists()


def test_collecting_again_changes_nothing(collected):
    root, _, report = collected
    db = RoundPaths(root).ledger

    def dump():
        con = sqlite3.connect(db)
        try:
            return con.execute("SELECT * FROM files ORDER BY id").fetchall()
        finally:
            con.close()

    before = dump()
    again = collect_round(root, workers=1)
    assert dump() == before
    assert {f.status for f in again.files} == {FileStatus.DUPLICATE}
    assert len(again.files) == len(report.files)
    assert {f.path: f.department for f in again.files} == {f.path: f.department for f in report.files}


def test_cli_json_exit_codes_and_status(sample_round):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    subs = {s.department: s for s in sample_submissions(master)}
    fill_workbook(paths.entry_workbook(master.department("D110")), paths.inbox / "ok.xlsx", subs["D110"])
    runner = CliRunner()
    result = runner.invoke(main, ["collect", str(sample_round), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(f["status"], f["department"]) for f in data["files"]] == [("accepted", "D110")]
    (paths.inbox / "bad.xlsx").write_bytes(b"PK\x03\x04 truncated")
    result = runner.invoke(main, ["collect", str(sample_round), "--json"])
    assert result.exit_code == 1
    files = {f["path"]: f for f in json.loads(result.output)["files"]}
    assert files["inbox/bad.xlsx"]["status"] == "rejected"
    issue = files["inbox/bad.xlsx"]["issues"][0]
    assert set(issue) == {"sheet", "cell", "field", "code", "message", "hint", "severity"}
    assert issue["code"] == "corrupt_zip" and issue["severity"] == "error"
    assert files["inbox/ok.xlsx"]["status"] == "duplicate"
    result = runner.invoke(main, ["status", str(sample_round), "--json"])
    assert result.exit_code == 0
    rows = {r["department"]: r for r in json.loads(result.output)["departments"]}
    assert rows["D110"]["status"] == "受理" and rows["D410"]["status"] == "未送付"
    assert (rows["D110"]["files_received"], rows["D410"]["files_received"]) == (1, 0)
    result = runner.invoke(main, ["status", str(sample_round)])
    assert result.exit_code == 0 and "受理" in result.output
    result = runner.invoke(main, ["collect", str(sample_round / "nowhere")])
    assert result.exit_code == 2


def test_feedback_book_filled_and_returned_is_accepted(sample_round):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    dept = master.department("D210")
    sub = next(s for s in sample_submissions(master) if s.department == "D210")
    wrong = sub.model_copy(
        update={
            "lps": (
                sub.lps[0].model_copy(
                    update={"projects": (sub.lps[0].projects[0].model_copy(update={"initiative": "9-9-9"}),)}
                ),
            )
        }
    )
    fill_workbook(paths.entry_workbook(dept), paths.inbox / "D210_1.xlsx", wrong)
    first = collect_round(sample_round, workers=1)
    assert [f.status for f in first.files] == [FileStatus.REJECTED]
    feedback = paths.feedback_workbook(dept)
    assert first.feedback == [feedback]
    # The department corrects the returned book itself and sends it back.
    fill_workbook(feedback, paths.inbox / "D210_2.xlsx", sub)
    second = collect_round(sample_round, workers=1)
    statuses = {f.path: f.status for f in second.files}
    assert statuses["inbox/D210_2.xlsx"] is FileStatus.ACCEPTED, second.files
    back = next(f for f in second.files if f.path == "inbox/D210_2.xlsx")
    assert not [i for i in back.issues if i.severity is not Severity.FIXED], back.issues
    assert not feedback.exists()
    with Ledger(paths.ledger) as ledger:
        [current] = ledger.current()
        assert current.submission.lps == sub.lps
        assert {s.department: s.status for s in ledger.status(master)}["D210"] == "受理"


def test_feedback_for_a_cell_longer_than_excel_allows(sample_round):
    from tests.corpus import long_cell

    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    sub = next(s for s in sample_submissions(master) if s.department == "D410")
    e = sub.lps[0]
    marked = e.projects[0].model_copy(update={"name": "LONG-CELL-PLACEHOLDER"})
    filled = sample_round / "long.xlsx"
    fill_workbook(
        paths.entry_workbook(master.department("D410")),
        filled,
        sub.model_copy(update={"lps": (e.model_copy(update={"projects": (marked,)}),)}),
    )
    (paths.inbox / "D410.xlsx").write_bytes(long_cell(filled, "長" * 40_000))
    report = collect_round(sample_round, workers=1)
    [f] = report.files
    assert f.status is FileStatus.REJECTED
    issue = next(i for i in f.issues if i.code == "too_long_for_excel")
    assert "40,000" in issue.message
    book = paths.feedback_workbook(master.department("D410"))
    assert report.feedback == [book]
    wb = openpyxl.load_workbook(book)
    ws = wb["評価入力"]
    long_cells = [
        c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("長長")
    ]
    assert len(long_cells) == 1 and len(long_cells[0].value) == 32_767 and long_cells[0].comment
