"""The collection ledger: one SQLite file per round (`RoundPaths.ledger`).

Every incoming file is a row keyed by its SHA-256 (original bytes in archive/). Each file is
recorded in its own `BEGIN IMMEDIATE` transaction, so a crash leaves the ledger as it was
before that file and a re-run completes it; WAL mode and a busy timeout let two collects
run at once.

Which submission counts (`elect`, the one rule used by collect, status, merge, CLI and ribbon):
1. a file the office withdrew (`xlsheet withdraw`) never counts;
2. a file the office accepted (`xlsheet accept`, the latest such decision) counts;
3. otherwise the newest valid file counts, ordered by the time the workbook itself was last
   saved (`dcterms:modified`), then the mail's Date, then (ties only) the file's time in
   inbox/, the collect run it arrived in and arrival order. A witness dated in the future is not
   trusted.
Decisions are events with time and reason; a later collect never undoes them.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ..catalogue import issue
from ..errors import LEDGER_ERRORS, XlsheetError, ledger_error
from ..formdef import Form
from ..given import must_answer
from ..models import (
    BASIS_JA,
    TO_FIX,
    VALID_VERDICTS,
    Basis,
    DepartmentStatus,
    DeptState,
    FileStatus,
    Issue,
    MailKind,
    Master,
    Received,
    Severity,
    Submission,
)
from ..units import participating_departments
from . import integrity_codes  # noqa: F401  (registers the codes used here)

SCHEMA_VERSION = 2
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
    submission TEXT,
    verdict TEXT NOT NULL DEFAULT '',
    basis TEXT NOT NULL DEFAULT 'arrival',
    saved TEXT,
    mail_date TEXT,
    fs_time TEXT,
    given TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS files_department ON files (department, status);
CREATE TABLE IF NOT EXISTS sent (
    id INTEGER PRIMARY KEY,
    department TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    digest TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sent_department ON sent (department);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_sha ON decisions (sha256);
CREATE TABLE IF NOT EXISTS mail_fetched (
    server TEXT NOT NULL,
    username TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    file TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (server, username, folder, uidvalidity, uid)
);
CREATE TABLE IF NOT EXISTS outputs (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    written_at TEXT NOT NULL
);
"""

MIGRATIONS = {
    "files": {
        "verdict": "TEXT NOT NULL DEFAULT ''",
        "basis": "TEXT NOT NULL DEFAULT 'arrival'",
        "saved": "TEXT",
        "mail_date": "TEXT",
        "fs_time": "TEXT",
        "given": "TEXT NOT NULL DEFAULT ''",
        "unit": "TEXT NOT NULL DEFAULT ''",
    },
    "sent": {"digest": "TEXT NOT NULL DEFAULT ''"},
}
"""Columns added since schema 1: a ledger from an older xlsheet gains them when opened."""

FUTURE_SLACK = dt.timedelta(days=1)
"""A witness dated more than this after the file arrived is not trusted (clock wrong, or forged)."""

ORDER = "dated, COALESCE(mail_date, ''), COALESCE(fs_time, ''), arrived, id"
"""SQL order of a department's files, oldest first (see the module docstring). The file's time
in inbox/ comes before the collect run it arrived in only to break ties between otherwise equal
files: that keeps two collects running at once from electing different files."""


class Action(StrEnum):
    """An office decision on one file."""

    ACCEPT = "accept"
    WITHDRAW = "withdraw"


ACTION_JA = {Action.ACCEPT: "採用", Action.WITHDRAW: "取り下げ"}


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
    status: FileStatus
    issues: list[Issue]
    department: str = ""
    round_id: str = ""
    container: str = ""
    sender: str = ""
    saved: dt.datetime | None = None
    """When the workbook itself was last saved (docProps/core.xml dcterms:modified)."""
    mail_date: dt.datetime | None = None
    """The Date of the mail it came in."""
    fs_time: dt.datetime | None = None
    """The file's modification time in inbox/ (a last resort)."""
    given: str = ""
    """What master data gave the department when its workbook was made (`xlsheet.given`, JSON)."""
    submission: Submission | None = None
    submission_json: str | None = None
    """The submission already serialized (worker processes send it so)."""
    unit: str = ""
    """What the file answers, elected apart: "" a department's answers, `review:<LP>` the lead
    department's review of one leading project (`xlsheet.merge.draft.review_unit`)."""


def dating(entry: Entry, arrived: dt.datetime) -> tuple[dt.datetime, Basis, list[Issue]]:
    """The time that orders the file among its department's files, which witness gave it, and a
    warning for each witness dated in the future (not trusted)."""
    notes: list[Issue] = []
    limit = arrived + FUTURE_SLACK
    for value, basis, what in (
        (entry.saved, Basis.SAVED, "ブックの保存日時"),
        (entry.mail_date, Basis.MAIL, "メールの送信日時"),
    ):
        if value is None:
            continue
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        if value > limit:
            notes.append(issue("future_date", what=what, when=f"{value.astimezone():%Y-%m-%d %H:%M}"))
            continue
        return value, basis, notes
    return arrived, Basis.ARRIVAL, notes


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
    verdict: FileStatus = FileStatus.IGNORED
    basis: Basis = Basis.ARRIVAL
    unit: str = ""

    def count(self, severity: Severity) -> int:
        return sum(i.severity is severity for i in self.issues)

    @property
    def why(self) -> str:
        """How the file was dated, for people."""
        return f"{BASIS_JA[self.basis]} {self.dated.astimezone():%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Decision:
    id: int
    sha256: str
    action: Action
    reason: str
    decided_at: dt.datetime


class LedgerError(XlsheetError):
    """A decision the ledger cannot take (unknown file, ambiguous prefix …); Japanese message."""


_COLUMNS = (
    "id, sha256, origin, container, sender, dated, arrived, department, round_id, status, issues,"
    " {sub}, verdict, basis, unit"
)


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
                if statement.strip() and not statement.strip().startswith("CREATE INDEX"):
                    self.db.execute(statement)
            self._migrate()
            for statement in SCHEMA.split(";"):
                if statement.strip().startswith("CREATE INDEX"):
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

    def _migrate(self) -> None:
        """Add the columns of later schema versions to a ledger an older xlsheet made."""
        for table, columns in MIGRATIONS.items():
            have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            for name, decl in columns.items():
                if name not in have:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
        # Schema 1 kept the verdict in `status` (accepted/superseded were both valid files).
        self.db.execute(
            "UPDATE files SET verdict = CASE WHEN status IN (?, ?) THEN ? ELSE status END WHERE verdict = ''",
            (FileStatus.ACCEPTED.value, FileStatus.SUPERSEDED.value, FileStatus.ACCEPTED.value),
        )

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

        Returns the file's status after the election (a valid file older than the department's
        current one comes back SUPERSEDED).
        """
        arrived = arrived or dt.datetime.now(dt.UTC)
        dated, basis, notes = dating(entry, arrived)
        issues = [*entry.issues, *(n.model_copy(update={"file": entry.origin}) for n in notes)]
        submission = entry.submission_json or (
            entry.submission.model_dump_json() if entry.submission else None
        )
        with self._tx():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO files (sha256, origin, container, size, sender, dated, arrived, department,"
                " round_id, status, issues, submission, verdict, basis, saved, mail_date, fs_time, given, unit)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    entry.sha256,
                    entry.origin,
                    entry.container,
                    entry.size,
                    entry.sender,
                    _iso(dated),
                    _iso(arrived),
                    entry.department,
                    entry.round_id,
                    entry.status.value,
                    json.dumps([i.model_dump(mode="json") for i in issues], ensure_ascii=False)
                    if issues
                    else "[]",
                    submission,
                    entry.status.value,
                    basis.value,
                    _iso(entry.saved) if entry.saved else None,
                    _iso(entry.mail_date) if entry.mail_date else None,
                    _iso(entry.fs_time) if entry.fs_time else None,
                    entry.given,
                    entry.unit,
                ),
            )
            if cur.rowcount == 0:
                return FileStatus.DUPLICATE
            if entry.department:
                self._elect(entry.department, entry.unit)
            return self.status_of(entry.sha256) or entry.status

    def _last_decisions(self, department: str, unit: str = "") -> dict[str, tuple[int, Action]]:
        """sha256 -> (decision id, action) of the latest decision on each of the department's files."""
        out: dict[str, tuple[int, Action]] = {}
        for did, sha, action in self.db.execute(
            "SELECT d.id, d.sha256, d.action FROM decisions d JOIN files f ON f.sha256 = d.sha256"
            " WHERE f.department = ? AND f.unit = ? ORDER BY d.id",
            (department, unit),
        ):
            out[sha] = (did, Action(action))
        return out

    def _elect(self, department: str, unit: str = "") -> int | None:
        """Apply the one rule (module docstring) to the department's files of one unit (its
        answers, or its review of one leading project); the current file's id."""
        rows = self.db.execute(
            "SELECT id, sha256, verdict, submission IS NOT NULL FROM files WHERE department = ? AND unit = ?"
            f" ORDER BY {ORDER}",
            (department, unit),
        ).fetchall()
        decided = self._last_decisions(department, unit)
        pinned = max(
            ((did, sha) for sha, (did, action) in decided.items() if action is Action.ACCEPT),
            default=(0, None),
        )[1]
        current = None
        if pinned is not None:
            current = next((r[0] for r in rows if r[1] == pinned and r[3]), None)
        if current is None:
            valid = [
                r[0]
                for r in rows
                if FileStatus(r[2]) in VALID_VERDICTS
                and decided.get(r[1], (0, None))[1] is not Action.WITHDRAW
            ]
            current = valid[-1] if valid else None
        for rid, sha, verdict, _ in rows:
            v = FileStatus(verdict)
            if rid == current:
                status = FileStatus.ACCEPTED
            elif decided.get(sha, (0, None))[1] is Action.WITHDRAW:
                status = FileStatus.WITHDRAWN
            elif v in VALID_VERDICTS:
                status = FileStatus.SUPERSEDED
            else:
                status = v
            self.db.execute(
                "UPDATE files SET status = ? WHERE id = ? AND status != ?", (status.value, rid, status.value)
            )
        return current

    # -- office decisions --------------------------------------------------------------------
    def find(self, ref: str) -> Row:
        """The file named by `ref`: its origin as collect/status show it (inbox/…), a path under
        inbox/, or a SHA-256 prefix (at least 6 hex digits). LedgerError when none or several."""
        ref = ref.strip().replace("\\", "/")
        hits = self.rows("origin = ? OR origin = ?", (ref, "inbox/" + ref.removeprefix("./")), False)
        if not hits and len(ref) >= 6 and all(c in "0123456789abcdefABCDEF" for c in ref):
            hits = self.rows("sha256 LIKE ?", (ref.lower() + "%",), False)
        if not hits:
            hits = self.rows("origin LIKE ?", ("%/" + ref.rsplit("/", 1)[-1],), False)
        if not hits:
            raise LedgerError(
                f"「{ref}」に当たるファイルが台帳にありません。"
                "`xlsheet status` や `xlsheet collect` が表示するパス（inbox/…）か、SHA-256 の先頭 6 文字以上で指定してください"
            )
        if len(hits) > 1:
            listed = "、".join(f"{r.origin}（{r.sha256[:10]}）" for r in hits[:5])
            raise LedgerError(
                f"「{ref}」に当たるファイルが {len(hits)} 件あります（{listed}）。"
                "パス全体か SHA-256 の先頭で 1 件に絞ってください"
            )
        return hits[0]

    def decide(self, ref: str, action: Action, reason: str = "", at: dt.datetime | None = None) -> Row:
        """Record the office's decision on one file and re-elect its department; the file's row after."""
        row = self.find(ref)
        if not row.department:
            raise LedgerError(
                f"{row.origin} はどの所属のファイルか分からないため、{ACTION_JA[action]}できません"
                "（ブックではないか、読み取れないファイルです）"
            )
        if action is Action.ACCEPT and self.submission(row.sha256) is None:
            raise LedgerError(
                f"{row.origin} からは内容を読み取れていないため採用できません"
                "（状態: " + row.status.value + "）。所属に送り直してもらってください"
            )
        if action is Action.WITHDRAW and not reason.strip():
            raise LedgerError("取り下げの理由を --reason で指定してください（台帳と統合ブックに残ります）")
        with self._tx():
            self.db.execute(
                "INSERT INTO decisions (sha256, action, reason, decided_at) VALUES (?,?,?,?)",
                (row.sha256, action.value, reason.strip(), _iso(at or dt.datetime.now(dt.UTC))),
            )
            self._elect(row.department, row.unit)
        return self.find(row.sha256)

    def decisions(self, sha256: str | None = None) -> list[Decision]:
        sql = "SELECT id, sha256, action, reason, decided_at FROM decisions"
        args: tuple = ()
        if sha256:
            sql, args = sql + " WHERE sha256 = ?", (sha256,)
        return [
            Decision(r[0], r[1], Action(r[2]), r[3], _dt(r[4]))
            for r in self.db.execute(sql + " ORDER BY id", args)
        ]

    # -- mail and outputs --------------------------------------------------------------------
    def record_sent(
        self, department: str, sent_at: dt.datetime, kind: str, path: str, digest: str = ""
    ) -> None:
        """A mail was drafted or sent to the department (`kind`: round, reminder, feedback …);
        `digest` is the SHA-256 of the workbook it carried."""
        with self._tx():
            self.db.execute(
                "INSERT INTO sent (department, sent_at, kind, path, digest) VALUES (?,?,?,?,?)",
                (department, _iso(sent_at), kind, str(path), digest),
            )

    def last_sent(self, department: str) -> dt.datetime | None:
        row = self.db.execute("SELECT MAX(sent_at) FROM sent WHERE department = ?", (department,)).fetchone()
        return _dt(row[0])

    def sent_digests(self, kinds: tuple[str, ...]) -> dict[str, set[str]]:
        """department -> digests of the workbooks sent to it in mails of these kinds."""
        out: dict[str, set[str]] = {}
        marks = ",".join("?" * len(kinds))
        for dept, digest in self.db.execute(
            f"SELECT department, digest FROM sent WHERE kind IN ({marks}) AND digest != ''", kinds
        ):
            out.setdefault(dept, set()).add(digest)
        return out

    def fetched_uids(self, server: str, user: str, folder: str, uidvalidity: int) -> set[int]:
        """UIDs of one IMAP folder already copied into inbox/ (`xlsheet fetch`)."""
        return {
            r[0]
            for r in self.db.execute(
                "SELECT uid FROM mail_fetched WHERE server=? AND username=? AND folder=? AND uidvalidity=?",
                (server, user, folder, uidvalidity),
            )
        }

    def record_fetched(
        self, server: str, user: str, folder: str, uidvalidity: int, uid: int, file: str, when: dt.datetime
    ) -> None:
        with self._tx():
            self.db.execute(
                "INSERT OR REPLACE INTO mail_fetched VALUES (?,?,?,?,?,?,?)",
                (server, user, folder, uidvalidity, uid, file, _iso(when)),
            )

    def output_digest(self, path: Path) -> str | None:
        row = self.db.execute("SELECT sha256 FROM outputs WHERE path = ?", (str(path),)).fetchone()
        return row[0] if row else None

    def record_output(self, path: Path, sha256: str) -> None:
        with self._tx():
            self.db.execute(
                "INSERT OR REPLACE INTO outputs (path, sha256, written_at) VALUES (?,?,?)",
                (str(path), sha256, _iso(dt.datetime.now(dt.UTC))),
            )

    # -- reading -----------------------------------------------------------------------------
    def rows(self, where: str = "", args: tuple = (), with_submission: bool = True) -> list[Row]:
        """Files (oldest first by the election's order); without `with_submission` the stored
        submissions are not parsed."""
        sql = (
            "SELECT "
            + _COLUMNS.format(sub="submission" if with_submission else "NULL")
            + " FROM files"
            + (f" WHERE {where}" if where else "")
            + f" ORDER BY {ORDER}"
        )
        return [
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
                verdict=FileStatus(r[12] or r[9]),
                basis=Basis(r[13]),
                unit=r[14],
            )
            for r in self.db.execute(sql, args)
        ]

    def department_of(self, sha256: str) -> str:
        row = self.db.execute("SELECT department FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else ""

    def submission(self, sha256: str) -> Submission | None:
        row = self.db.execute("SELECT submission FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return Submission.model_validate_json(row[0]) if row and row[0] else None

    def received_counts(self) -> dict[str, int]:
        """Files received per department (every file of a department except exact duplicates)."""
        return dict(
            self.db.execute(
                "SELECT department, COUNT(*) FROM files WHERE department != '' AND unit = '' AND status != ?"
                " GROUP BY department",
                (FileStatus.IGNORED.value,),
            ).fetchall()
        )

    def live_statuses(self) -> dict[str, FileStatus]:
        """sha256 -> status of every file with a department (after the elections)."""
        return {
            sha: FileStatus(st)
            for sha, st in self.db.execute("SELECT sha256, status FROM files WHERE department != ''")
        }

    def status_of(self, sha256: str) -> FileStatus | None:
        row = self.db.execute("SELECT status FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return FileStatus(row[0]) if row else None

    def current(self) -> list[Received]:
        """The current submission of every department, with its issues and provenance."""
        return self._accepted("unit = ''")

    def reviews(self) -> list[Received]:
        """The current review of every leading project that has one (`Received.submission`
        holds the lead's decisions under the leading project's code)."""
        return self._accepted("unit != ''")

    def _accepted(self, unit_clause: str) -> list[Received]:
        """Accepted files (answers or reviews, by `unit_clause`) with issues and provenance."""
        decided = {d.sha256: d for d in self.decisions()}
        return [
            Received(
                department=r.department,
                file=r.origin,
                sha256=r.sha256,
                received_at=r.dated,
                round_id=r.round_id,
                submission=r.submission,
                issues=tuple(r.issues),
                decision=_decision_text(decided.get(r.sha256)),
            )
            for r in self.rows(f"status = ? AND {unit_clause}", (FileStatus.ACCEPTED.value,))
            if r.submission is not None
        ]

    def latest(self, reviews: bool = False) -> dict[str, Row]:
        """Per department, the file its status is about: the current file, unless a file that
        asks for action (to fix, unanswered, held) arrived after it and is not older than it
        (then that one); without a current file, the newest such file. Rows come without their
        submission (`Ledger.submission(sha256)` reads it). With `reviews`: the same per review
        unit (`review:<LP>`) instead, for the lead departments' review workbooks."""
        watched = (FileStatus.ACCEPTED, *TO_FIX, FileStatus.HELD)
        rows = self.rows(
            f"department != '' AND unit {'!=' if reviews else '='} '' AND status IN ({','.join('?' * len(watched))})",
            tuple(s.value for s in watched),
            with_submission=False,
        )

        def key(r: Row) -> str:
            return r.unit if reviews else r.department

        current = {key(r): r for r in rows if r.status is FileStatus.ACCEPTED}
        out: dict[str, Row] = dict(current)
        for r in rows:  # oldest first: a later open file replaces an earlier one
            if r.status is FileStatus.ACCEPTED:
                continue
            cur = current.get(key(r))
            if cur is None or (r.id > cur.id and (r.basis is not cur.basis or r.dated >= cur.dated)):
                out[key(r)] = r
        return out

    def issues(self) -> list[Issue]:
        """All issues of current files: each department's current file and any open file newer
        than it (what still needs fixing). `Issue.file` is set."""
        latest = self.latest()
        rows = {
            r.id: r
            for r in self.rows(
                "status = ? AND unit = ''", (FileStatus.ACCEPTED.value,), with_submission=False
            )
        }
        rows.update({r.id: r for r in latest.values()})
        out: list[Issue] = []
        for r in sorted(rows.values(), key=lambda r: (r.department, r.dated, r.id)):
            out.extend(i if i.file else i.model_copy(update={"file": r.origin}) for i in r.issues)
        return out

    def given_of(self, sha256: str) -> str:
        row = self.db.execute("SELECT given FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else ""

    def outdated(self, master: Master) -> dict[str, list[str]]:
        """Departments whose current submission was made from master data that has changed since
        in a way they must answer: department -> what changed (Japanese)."""
        out: dict[str, list[str]] = {}
        for r in self.rows("status = ? AND unit = ''", (FileStatus.ACCEPTED.value,), with_submission=False):
            must = must_answer(self.given_of(r.sha256), master, r.department)
            if must:
                out[r.department] = must
        return out

    def status(self, master: Master, form: Form | None = None) -> list[DepartmentStatus]:
        """One row per participating department: sent, received, state, why, issue counts."""
        latest = self.latest()
        outdated = self.outdated(master)
        current = {
            r.department: r
            for r in self.rows(
                "status = ? AND unit = ''", (FileStatus.ACCEPTED.value,), with_submission=False
            )
        }
        held = dict(
            self.db.execute(
                "SELECT department, COUNT(*) FROM files WHERE status = ? AND unit = '' GROUP BY department",
                (FileStatus.HELD.value,),
            ).fetchall()
        )
        decided: dict[str, Decision] = {}
        for d in self.decisions():
            decided[d.sha256] = d
        dept_of = dict(self.db.execute("SELECT sha256, department FROM files WHERE unit = ''"))
        last_decision: dict[str, Decision] = {}
        for sha, d in decided.items():
            dept = dept_of.get(sha, "")
            if dept and (dept not in last_decision or d.id > last_decision[dept].id):
                last_decision[dept] = d
        sent = dict(
            self.db.execute(
                "SELECT department, MAX(sent_at) FROM sent WHERE kind NOT LIKE ? GROUP BY department",
                (f"{MailKind.REVIEW.value}%",),
            ).fetchall()
        )
        out = []
        depts = (
            participating_departments(form, master)
            if form is not None
            else master.participating_departments()
        )
        for d in depts:
            r = latest.get(d.code)
            cur = current.get(d.code)
            sent_at = _dt(sent.get(d.code))
            pinned = cur is not None and _is_accept(decided.get(cur.sha256))
            why = ""
            if r is None:
                state = DeptState.NOT_SUBMITTED if sent_at else DeptState.NOT_SENT
            elif r.status is FileStatus.HELD:
                state = DeptState.HELD
                why = "提出者を確認できないため保留中です。確かめて `xlsheet accept` してください"
            elif r.status is FileStatus.UNANSWERED:
                state = DeptState.UNANSWERED
                why = "配布したままのブックが返ってきました"
            elif r.status in TO_FIX:
                state = DeptState.NEEDS_FIX_HAS_ACCEPTED if cur is not None else DeptState.NEEDS_FIX
                why = f"新しい提出に直す点があります（{r.why}）"
            elif pinned:
                state = DeptState.PINNED
                why = "企画課が採用を指定しました"
            else:
                state = DeptState.ACCEPTED_WARNINGS if r.count(Severity.WARNING) else DeptState.ACCEPTED
                why = f"最新の提出です（{r.why}）"
            if d.code in outdated and state.done:
                state = DeptState.NEEDS_FIX_HAS_ACCEPTED
                why = (
                    "マスタデータが変わりました（"
                    + "、".join(outdated[d.code])
                    + "）。新しい入力ブックで提出してもらってください"
                )
            out.append(
                DepartmentStatus(
                    department=d.code,
                    name=d.name,
                    sent_at=sent_at,
                    received_at=r.dated if r else None,
                    state=state,
                    errors=r.count(Severity.ERROR) if r else 0,
                    warnings=r.count(Severity.WARNING) if r else 0,
                    fixed=r.count(Severity.FIXED) if r else 0,
                    file=r.origin if r else "",
                    why=why,
                    current=cur.origin if cur else "",
                    decision=_decision_text(last_decision.get(d.code), with_file=True),
                    held=held.get(d.code, 0),
                )
            )
        return out


def _is_accept(d: Decision | None) -> bool:
    return d is not None and d.action is Action.ACCEPT


def _decision_text(d: Decision | None, with_file: bool = False) -> str:
    """The office's decision for people: 採用 2020-06-01 10:00（理由）."""
    if d is None:
        return ""
    when = d.decided_at.astimezone().strftime("%Y-%m-%d %H:%M")
    reason = f"（{d.reason}）" if d.reason else ""
    target = f" {d.sha256[:10]}" if with_file else ""
    return f"企画課が{ACTION_JA[d.action]}{target} {when}{reason}"
