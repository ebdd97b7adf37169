"""The ledger under stress: a collect killed midway, two collects at once, resubmissions."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from xlsheet.fill import fill_workbook
from xlsheet.intake.collect import collect_round
from xlsheet.intake.ledger import Entry, Ledger
from xlsheet.master import load_master
from xlsheet.models import FileStatus, Issue, Severity
from xlsheet.paths import RoundPaths
from xlsheet.round import round_form
from xlsheet.sample import sample_submissions

REPO = Path(__file__).resolve().parents[1]
T0 = dt.datetime(2020, 6, 1, 9, tzinfo=dt.UTC)


def _variant(data: bytes, n: int) -> bytes:
    """The same workbook with a different zip comment: other bytes, same content."""
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.comment = f"copy {n}".encode()
    return buf.getvalue()


def _fill_inbox(root: Path, copies: int) -> int:
    """`copies` files per participating department, dated one minute apart; returns the count."""
    paths = RoundPaths(root)
    master = load_master(paths.master)
    n = 0
    for sub in sample_submissions(master):
        dept = master.department(sub.department)
        filled = root / f"{dept.code}.xlsx"
        fill_workbook(paths.entry_workbook(dept), filled, sub)
        data = filled.read_bytes()
        for i in range(copies):
            target = paths.inbox / f"{dept.code}_{i:02d}.xlsx"
            target.write_bytes(_variant(data, i))
            stamp = (T0 + dt.timedelta(minutes=i)).timestamp()
            os.utime(target, (stamp, stamp))
            n += 1
    return n


def _collect_process(root: Path, delay: float = 0.0) -> subprocess.Popen:
    code = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from xlsheet.intake.collect import collect_round\n"
        f"r = collect_round(Path({str(root)!r}), workers=1, progress=lambda d, t: time.sleep({delay}))\n"
        "print(json.dumps({f.path: f.status.value for f in r.files}))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, text=True
    )


def _rows(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return con.execute("SELECT sha256, origin, department, status FROM files ORDER BY id").fetchall()
    finally:
        con.close()


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def _check_consistent(root: Path, expected_files: int | None = None) -> list[tuple]:
    paths = RoundPaths(root)
    rows = _rows(paths.ledger)
    assert len({r[0] for r in rows}) == len(rows)
    for sha, *_ in rows:
        assert list(paths.archive.glob(sha + "*")), "ledger row without its archived original"
    accepted = [r[2] for r in rows if r[3] == "accepted"]
    assert len(accepted) == len(set(accepted)), "two current submissions for one department"
    if expected_files is not None:
        assert len(rows) == expected_files
    return rows


def test_killed_collect_leaves_a_consistent_ledger_and_a_rerun_completes_it(sample_round):
    total = _fill_inbox(sample_round, 5)
    db = RoundPaths(sample_round).ledger
    proc = _collect_process(sample_round, delay=0.1)
    deadline = time.monotonic() + 60
    while _count(db) < 5 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.kill()
    proc.communicate()
    partial = _check_consistent(sample_round)
    assert 5 <= len(partial) < total, "the collect was not interrupted midway"

    report = collect_round(sample_round, workers=1)
    rows = _check_consistent(sample_round, total)
    assert [r[0] for r in rows[: len(partial)]] == [r[0] for r in partial]
    assert sum(f.status is FileStatus.DUPLICATE for f in report.files) == len(partial)
    # The newest copy of every department is current, whichever run recorded it.
    current = {r[1] for r in rows if r[3] == "accepted"}
    assert current == {f"inbox/{d}_04.xlsx" for d in {r[2] for r in rows}}


def test_two_collects_at_once_do_not_corrupt_the_ledger(sample_round):
    total = _fill_inbox(sample_round, 4)
    first, second = _collect_process(sample_round), _collect_process(sample_round)
    outputs = []
    for proc in (first, second):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out))
    rows = _check_consistent(sample_round, total)
    for path in outputs[0]:
        statuses = [outputs[0][path], outputs[1][path]]
        assert sum(s != "duplicate" for s in statuses) == 1, (path, statuses)
    assert {r[1] for r in rows if r[3] == "accepted"} == {f"inbox/{d}_03.xlsx" for d in {r[2] for r in rows}}


def _entry(sha: str, saved: dt.datetime, status=FileStatus.ACCEPTED, issues=()) -> Entry:
    return Entry(
        sha256=sha,
        origin=f"inbox/{sha}.xlsx",
        size=1,
        saved=saved,
        status=status,
        issues=list(issues),
        department="D110",
    )


def test_newest_by_date_wins_even_when_it_arrives_first(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as ledger:
        assert ledger.record(_entry("new", T0 + dt.timedelta(days=1))) is FileStatus.ACCEPTED
        assert ledger.record(_entry("old", T0)) is FileStatus.SUPERSEDED
        assert ledger.record(_entry("old", T0)) is FileStatus.DUPLICATE
        assert [r.file for r in ledger.current()] == []  # no submission stored: nothing to merge
        assert ledger.status_of("new") is FileStatus.ACCEPTED
        err = Issue(code="required", message="x", severity=Severity.ERROR)
        assert (
            ledger.record(_entry("bad", T0 + dt.timedelta(days=2), FileStatus.REJECTED, [err]))
            is FileStatus.REJECTED
        )
        assert ledger.status_of("new") is FileStatus.ACCEPTED
        latest = ledger.latest()["D110"]
        assert latest.sha256 == "bad"
        assert [i.code for i in ledger.issues()] == ["required"]


def test_sent_mails_show_in_status(sample_round):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    sent = dt.datetime(2020, 5, 1, 10, tzinfo=dt.UTC)
    with Ledger(paths.ledger) as ledger:
        assert ledger.last_sent("D220") is None
        ledger.record_sent("D220", sent, "round", "outbox/mail/D220.eml")
        ledger.record_sent("D220", sent - dt.timedelta(days=1), "draft", "outbox/mail/D220_old.eml")
        assert ledger.last_sent("D220") == sent
        rows = {s.department: s for s in ledger.status(master)}
    assert rows["D220"].sent_at == sent and rows["D220"].status == "未提出"
    assert rows["D110"].sent_at is None and rows["D110"].status == "未送付"
    assert set(rows) == {d.code for d in master.participating_departments()}


def test_a_file_gone_midway_is_reported_as_unreadable(sample_round):
    from xlsheet.intake import collect

    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    collect._init(master, frozenset(), paths.archive, paths.inbox, round_form(paths))
    gone = paths.inbox / "消えた.xlsx"  # listed, then moved away by someone before it was read
    [result] = collect._process_unit(gone)
    assert result.status is FileStatus.REJECTED and result.issues[0].code == collect.UNREADABLE
    assert result.path == "inbox/消えた.xlsx" == result.issues[0].file
