"""The collection ledger: one SQLite file per round (`RoundPaths.ledger`).

Every incoming file is a row keyed by its SHA-256 (original bytes in archive/). Each file is
recorded in its own `BEGIN IMMEDIATE` transaction, so a crash leaves the ledger as it was
before that file and a re-run completes it; WAL mode and a busy timeout let two collects
run at once. Per department the newest accepted file (mail Date or file time, then arrival)
is current; older accepted ones become superseded and stay.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import LEDGER_ERRORS, ledger_error
from ..models import (
    DepartmentStatus,
    FileStatus,
    Issue,
    Master,
    Received,
    Severity,
    Submission,
)

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    container TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL,
    sender TEXT NOT NULL DEFAULT '',
    dated TEXT NOT NULL,
    arrived TEXT NOT NULL,
    department TEXT NOT NULL DEFAULT '',
    round_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    issues TEXT NOT NULL,
    submission TEXT
);
CREATE INDEX IF NOT EXISTS files_department ON files (department, status);
CREATE TABLE IF NOT EXISTS sent (
    id INTEGER PRIMARY KEY,
    department TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    path TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sent_department ON sent (department);
"""

LIVE = (FileStatus.ACCEPTED.value, FileStatus.SUPERSEDED.value)


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _dt(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Entry:
    """One file to record."""

    sha256: str
    origin: str
    size: int
    dated: dt.datetime
    status: FileStatus
    issues: list[Issue]
    department: str = ""
    round_id: str = ""
    container: str = ""
    sender: str = ""
    submission: Submission | None = None
    submission_json: str | None = None
    """The submission already serialized (worker processes send it so)."""


@dataclass(frozen=True)
class Row:
    id: int
    sha256: str
    origin: str
    container: str
    sender: str
    dated: dt.datetime
    arrived: dt.datetime
    department: str
    round_id: str
    status: FileStatus
    issues: list[Issue]
    submission: Submission | None

    def count(self, severity: Severity) -> int:
        return sum(i.severity is severity for i in self.issues)


class Ledger:
    """The round's ledger; safe to open from several processes at once."""

    def __init__(self, path: Path, timeout: float = 120.0):
        self.path = Path(path)
        try:
            self._open(timeout)
        except LEDGER_ERRORS as exc:  # read-only, corrupt, full disk: the office's to fix
            if hasattr(self, "db"):
                self.db.close()
            raise ledger_error(self.path, exc) from None

    def _open(self, timeout: float) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        mode = self._wal(timeout)
        if mode.lower() != "wal":  # pragma: no cover - filesystems without shared memory
            self.db.execute("PRAGMA journal_mode = DELETE")
        self.db.execute("PRAGMA synchronous = NORMAL")
        with self._tx():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- plumbing ----------------------------------------------------------------------------
    def _wal(self, timeout: float) -> str:
        """Switch to WAL mode; retried, since SQLite answers "locked" at once (no busy handler)
        while another collect is creating the same new ledger."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _tx(self):
        db = self.db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self_inner, exc_type, exc, tb):
                db.execute("COMMIT" if exc_type is None else "ROLLBACK")

        return _Tx()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- recording ---------------------------------------------------------------------------
    def known(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT sha256 FROM files")}

    def has(self, sha256: str) -> bool:
        return self.db.execute("SELECT 1 FROM files WHERE sha256 = ?", (sha256,)).fetchone() is not None

    def record(self, entry: Entry, arrived: dt.datetime | None = None) -> FileStatus:
        """Record one file in its own transaction; DUPLICATE when these bytes are known already.

        Returns the file's status after recording (an accepted file older than the current
        one comes back SUPERSEDED).
        """
        arrived = arrived or dt.datetime.now(dt.UTC)
        submission = entry.submission_json or (
            entry.submission.model_dump_json() if entry.submission else None
        )
        with self._tx():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO files (sha256, origin, container, size, sender, dated, arrived, department,"
                " round_id, status, issues, submission) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    entry.sha256,
                    entry.origin,
                    entry.container,
                    entry.size,
                    entry.sender,
                    _iso(entry.dated),
                    _iso(arrived),
                    entry.department,
                    entry.round_id,
                    entry.status.value,
                    json.dumps([i.model_dump(mode="json") for i in entry.issues], ensure_ascii=False)
                    if entry.issues
                    else "[]",
                    submission,
                ),
            )
            if cur.rowcount == 0:
                return FileStatus.DUPLICATE
            if entry.status is FileStatus.ACCEPTED and entry.department:
                newest = self._elect(entry.department)
                return FileStatus.ACCEPTED if newest == cur.lastrowid else FileStatus.SUPERSEDED
            return entry.status

    def _elect(self, department: str) -> int:
        """The newest accepted file of the department is current, the others superseded; its id."""
        newest = self.db.execute(
            "SELECT id FROM files WHERE department = ? AND status IN (?, ?) ORDER BY dated DESC, id DESC LIMIT 1",
            (department, *LIVE),
        ).fetchone()[0]
        self.db.execute(
            "UPDATE files SET status = CASE WHEN id = ? THEN ? ELSE ? END"
            " WHERE department = ? AND status IN (?, ?) AND status != CASE WHEN id = ? THEN ? ELSE ? END",
            (
                newest,
                FileStatus.ACCEPTED.value,
                FileStatus.SUPERSEDED.value,
                department,
                *LIVE,
                newest,
                FileStatus.ACCEPTED.value,
                FileStatus.SUPERSEDED.value,
            ),
        )
        return newest

    def record_sent(self, department: str, sent_at: dt.datetime, kind: str, path: str) -> None:
        """A mail was drafted or sent to the department (`kind`: round, reminder, feedback …)."""
        with self._tx():
            self.db.execute(
                "INSERT INTO sent (department, sent_at, kind, path) VALUES (?,?,?,?)",
                (department, _iso(sent_at), kind, str(path)),
            )

    def last_sent(self, department: str) -> dt.datetime | None:
        row = self.db.execute("SELECT MAX(sent_at) FROM sent WHERE department = ?", (department,)).fetchone()
        return _dt(row[0])

    # -- reading -----------------------------------------------------------------------------
    def rows(self, where: str = "", args: tuple = (), with_submission: bool = True) -> list[Row]:
        """Files (oldest first); without `with_submission` the stored submissions are not parsed."""
        sub = "submission" if with_submission else "NULL"
        sql = (
            "SELECT id, sha256, origin, container, sender, dated, arrived, department, round_id, status, issues,"
            f" {sub} FROM files" + (f" WHERE {where}" if where else "") + " ORDER BY dated, id"
        )
        out = []
        for r in self.db.execute(sql, args):
            out.append(
                Row(
                    id=r[0],
                    sha256=r[1],
                    origin=r[2],
                    container=r[3],
                    sender=r[4],
                    dated=_dt(r[5]),
                    arrived=_dt(r[6]),
                    department=r[7],
                    round_id=r[8],
                    status=FileStatus(r[9]),
                    issues=[Issue.model_validate(i) for i in json.loads(r[10])],
                    submission=Submission.model_validate_json(r[11]) if r[11] else None,
                )
            )
        return out

    def department_of(self, sha256: str) -> str:
        row = self.db.execute("SELECT department FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else ""

    def submission(self, sha256: str) -> Submission | None:
        row = self.db.execute("SELECT submission FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return Submission.model_validate_json(row[0]) if row and row[0] else None

    def received_counts(self) -> dict[str, int]:
        """Files received per department (accepted, rejected or superseded; not duplicates)."""
        return dict(
            self.db.execute(
                "SELECT department, COUNT(*) FROM files WHERE department != '' AND status IN (?, ?, ?)"
                " GROUP BY department",
                (FileStatus.ACCEPTED.value, FileStatus.REJECTED.value, FileStatus.SUPERSEDED.value),
            ).fetchall()
        )

    def live_statuses(self) -> dict[str, FileStatus]:
        """sha256 -> status of every accepted or superseded file."""
        return {
            sha: FileStatus(st)
            for sha, st in self.db.execute("SELECT sha256, status FROM files WHERE status IN (?, ?)", LIVE)
        }

    def status_of(self, sha256: str) -> FileStatus | None:
        row = self.db.execute("SELECT status FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return FileStatus(row[0]) if row else None

    def current(self) -> list[Received]:
        """The current accepted submission of every department, with its issues."""
        return [
            Received(
                department=r.department,
                file=r.origin,
                sha256=r.sha256,
                received_at=r.dated,
                round_id=r.round_id,
                submission=r.submission,
                issues=tuple(r.issues),
            )
            for r in self.rows("status = ?", (FileStatus.ACCEPTED.value,))
            if r.submission is not None
        ]

    def latest(self) -> dict[str, Row]:
        """Per department, the file its status is about: the newest rejected file when it came
        after the current accepted one, otherwise the current accepted one. Rows come without
        their submission (`Ledger.submission(sha256)` reads it)."""
        out: dict[str, Row] = {}
        for r in self.rows(
            "department != '' AND status IN (?, ?)",
            (FileStatus.ACCEPTED.value, FileStatus.REJECTED.value),
            with_submission=False,
        ):
            prev = out.get(r.department)
            if prev is None or (r.dated, r.id) >= (prev.dated, prev.id):
                out[r.department] = r
        return out

    def issues(self) -> list[Issue]:
        """All issues of current files: each department's current accepted file and any
        rejected file newer than it (what still needs fixing). `Issue.file` is set."""
        latest = self.latest()
        rows = {r.id: r for r in self.rows("status = ?", (FileStatus.ACCEPTED.value,), with_submission=False)}
        rows.update({r.id: r for r in latest.values()})
        out: list[Issue] = []
        for r in sorted(rows.values(), key=lambda r: (r.department, r.dated, r.id)):
            out.extend(i if i.file else i.model_copy(update={"file": r.origin}) for i in r.issues)
        return out

    def status(self, master: Master) -> list[DepartmentStatus]:
        """One row per participating department: sent, received, status, issue counts."""
        latest = self.latest()
        accepted = {
            r.department for r in self.rows("status = ?", (FileStatus.ACCEPTED.value,), with_submission=False)
        }
        sent = dict(
            self.db.execute("SELECT department, MAX(sent_at) FROM sent GROUP BY department").fetchall()
        )
        out = []
        for d in master.participating_departments():
            r = latest.get(d.code)
            sent_at = _dt(sent.get(d.code))
            if r is None:
                text = "未提出" if sent_at else "未送付"
            elif r.status is FileStatus.REJECTED:
                text = "要修正（以前の提出を受理済み）" if d.code in accepted else "要修正"
            else:
                text = "受理（注意あり）" if r.count(Severity.WARNING) else "受理"
            out.append(
                DepartmentStatus(
                    department=d.code,
                    name=d.name,
                    sent_at=sent_at,
                    received_at=r.dated if r else None,
                    status=text,
                    errors=r.count(Severity.ERROR) if r else 0,
                    warnings=r.count(Severity.WARNING) if r else 0,
                    fixed=r.count(Severity.FIXED) if r else 0,
                    file=r.origin if r else "",
                )
            )
        return out
