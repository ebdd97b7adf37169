"""Step `collect`: read every file in inbox/, record it in the ledger, write feedback books.

Files are read in worker processes (one inbox unit — a loose file, a mail, a zip — per task,
so memory stays flat in the number of files); the ledger is written by this process only,
one transaction per file, in inbox order, so arrival order is deterministic.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..catalogue import issue
from ..entry_writer import default_values, write_entry_workbook
from ..errors import LEDGER_ERRORS, OfficeError, folder_error, ledger_error
from ..formdef import Form
from ..leftovers import clean_leftovers
from ..limits import CELL_TEXT_MAX, ExcelLimitError
from ..models import (
    FILE_STATUS_JA,
    TO_FIX,
    FileStatus,
    Issue,
    LpEntry,
    Master,
    ProjectEntry,
    Severity,
    Submission,
)
from ..paths import RoundPaths
from ..round import Round, round_form
from ..textsafe import clean_data, clean_model, clean_text
from . import (
    intake_codes,  # noqa: F401  (registers the rows used here)
    isolate,
)
from .ledger import Entry, Ledger
from .reader import ReadResult, read_workbook
from .sources import Candidate, expand, inbox_units

PARALLEL_MIN_UNITS = 8
ARCHIVE_WHAT = "原本の保管フォルダ"
UNREADABLE = "unreadable_file"
"""Issue code of failures no rule foresaw; such files are reported but not recorded."""


@dataclass
class FileResult:
    """What became of one incoming file."""

    path: str
    sha256: str
    department: str
    status: FileStatus
    issues: list[Issue] = field(default_factory=list)
    sender: str = ""
    date: dt.datetime | None = None
    container: str = ""
    size: int = 0
    """Bytes of the file itself."""
    submission: Submission | None = None
    """Not kept in the report (memory flat in the number of files): read it from `Ledger`."""
    round_id: str = ""
    submission_json: str | None = None
    """The submission as the worker serialized it for the ledger; cleared once recorded."""
    saved: dt.datetime | None = None
    """When the workbook itself was last saved (docProps/core.xml)."""
    fs_time: dt.datetime | None = None
    given: str = ""
    known_status: FileStatus | None = None
    """For a duplicate: the status of the file first received with these bytes."""
    unit: str = ""
    """What the file answers: "" a department's answers, `review:<LP>` a review workbook."""

    @property
    def status_ja(self) -> str:
        """The status for people; a duplicate says what the first copy became."""
        if self.status is FileStatus.DUPLICATE and self.known_status is not None:
            return f"重複（前に受け取った{FILE_STATUS_JA[self.known_status]}のファイルと同じ内容）"
        return FILE_STATUS_JA[self.status]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "department": self.department,
            "status": self.status.value,
            "status_ja": self.status_ja,
            "known_status": self.known_status.value if self.known_status else None,
            "sender": self.sender,
            "date": self.date.isoformat() if self.date else None,
            "saved": self.saved.isoformat() if self.saved else None,
            "issues": [
                {
                    "sheet": i.sheet,
                    "cell": i.cell,
                    "field": i.field,
                    "code": i.code,
                    "message": i.message,
                    "hint": i.hint,
                    "severity": i.severity.value,
                }
                for i in self.issues
            ],
        }


@dataclass
class CollectReport:
    files: list[FileResult] = field(default_factory=list)
    feedback: list[Path] = field(default_factory=list)

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.status in TO_FIX]

    def counts(self) -> dict[FileStatus, int]:
        return {s: sum(f.status is s for f in self.files) for s in FileStatus}

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [f.to_json() for f in self.files],
            "feedback": [str(p) for p in self.feedback],
        }


# --------------------------------------------------------------------------- worker side

_STATE: dict[str, Any] = {}


def _init(
    master: Master, known: frozenset[str], archive: Path, inbox: Path, form: Form, drafts: dict | None = None
) -> None:
    _STATE.update(master=master, known=known, archive=archive, inbox=inbox, form=form, drafts=drafts)


def archive_bytes(archive: Path, sha: str, data: bytes, name: str) -> Path:
    """Store original bytes as archive/<sha256><suffix>, written once via a temporary name.

    No fsync: the ledger row is committed after this returns, so a killed process leaves at
    worst an archived file without a row (recorded on the next run); the page cache survives
    a process crash.
    """
    suffix = re.sub(r"[^A-Za-z0-9.]", "", PurePosixPath(name).suffix.lower())[:10]
    target = archive / f"{sha}{suffix}"
    if not target.exists():
        tmp = archive / f".{sha}.{os.getpid()}.tmp"
        try:
            try:
                tmp.write_bytes(data)
            except FileNotFoundError:  # the first file: make archive/ (not a mkdir per file)
                archive.mkdir(parents=True, exist_ok=True)
                tmp.write_bytes(data)
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):  # the office's folder failed, not the department's file
                raise folder_error(archive, exc, ARCHIVE_WHAT) from None
            raise
    return target


def check_archive(archive: Path) -> None:
    """archive/ exists and takes a file: OfficeError before any department's file is judged."""
    probe = archive / f".probe.{os.getpid()}.tmp"
    try:
        archive.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise folder_error(archive, exc, ARCHIVE_WHAT) from None


_SENDERS: dict[int, tuple[Master, dict[str, str]]] = {}


def _department_by_sender(master: Master, sender: str) -> str:
    """The department whose address sent the mail ("" when none or unknown)."""
    if not sender:
        return ""
    hit = _SENDERS.get(id(master))
    if hit is None or hit[0] is not master:
        hit = _SENDERS[id(master)] = (
            master,
            {e.lower(): d.code for d in master.departments for e in d.emails},
        )
    return hit[1].get(sender.lower(), "")


def _department_by_name(master: Master, name: str) -> str:
    """A department code at the start of the file name (D220_高齢者支援課.xlsx)."""
    code = PurePosixPath(name).name.split("_", 1)[0]
    return next((d.code for d in master.departments if d.code == code), "") if "_" in name else ""


def _one(c: Candidate, master: Master, known: frozenset[str], archive: Path, form: Form) -> FileResult:
    result = _read_one(c, master, known, archive, form)
    result.size = len(c.data)
    result.fs_time = c.fs_time
    return _clean_result(result)


def _clean_result(r: FileResult) -> FileResult:
    """No control character from a file (its name, a value in a message) reaches the ledger."""
    r.path, r.sender, r.department = clean_text(r.path), clean_text(r.sender), clean_text(r.department)
    r.container = clean_text(r.container)
    r.issues = [clean_model(i) for i in r.issues]
    return r


def _read_one(c: Candidate, master: Master, known: frozenset[str], archive: Path, form: Form) -> FileResult:
    sha = hashlib.sha256(c.data).hexdigest()
    path = "inbox/" + c.origin
    if c.data:
        archive_bytes(archive, sha, c.data, c.name)
    if c.status is not None:  # decided while expanding (lock file, broken archive, bare mail)
        if not c.data:
            sha = hashlib.sha256(f"{c.origin}\0{c.container}".encode()).hexdigest()
        dept = _department_by_sender(master, c.sender) or _department_by_name(master, c.name)
        return FileResult(
            path,
            sha,
            dept,
            c.status,
            [i.model_copy(update={"file": path}) for i in c.notes],
            c.sender,
            c.date,
            c.container,
        )
    if sha in known:
        return FileResult(path, sha, "", FileStatus.DUPLICATE, [], c.sender, c.date, c.container)
    res: ReadResult = read_workbook(c.data, master, file=path, form=form, drafts=_STATE.get("drafts"))
    issues = list(res.issues)
    dept = res.department or _department_by_sender(master, c.sender) or _department_by_name(master, c.name)
    by_sender = _department_by_sender(master, c.sender)
    status = res.status
    if res.unit and res.department and by_sender and by_sender != res.department:
        lp = master.leading_project(res.unit.split(":", 1)[1])
        issues.append(
            issue(
                "review.not_lead",
                file=path,
                at={"lp": lp.code},
                lp_name=lp.name,
                lead=master.department(lp.lead_department).name,
                department=master.department(by_sender).name,
            )
        )
        status = FileStatus.REJECTED
    elif res.department and by_sender and by_sender != res.department:
        other = master.department(by_sender)
        issues.append(
            issue(
                "sender_mismatch",
                file=path,
                department=master.department(res.department).name,
                sender_department=other.name,
                sender=c.sender,
            )
        )
        if status in (FileStatus.ACCEPTED, *TO_FIX):
            status = FileStatus.HELD
    return FileResult(
        path,
        sha,
        dept,
        status,
        issues,
        c.sender,
        c.date,
        c.container,
        round_id=res.submission.round_id if res.submission else "",
        submission_json=res.submission.model_dump_json() if res.submission else None,
        saved=res.saved,
        given=res.given,
        unit=res.unit,
    )


def _process_unit(unit: Path) -> list[FileResult]:
    master, known, archive, inbox = _STATE["master"], _STATE["known"], _STATE["archive"], _STATE["inbox"]
    out: list[FileResult] = []
    in_worker = bool(isolate._STATE.get("marks"))
    try:
        if in_worker:
            isolate.alarm(isolate.UNIT_SECONDS)
        for cand in expand(unit, inbox):
            for data, name in cand.originals:
                archive_bytes(archive, hashlib.sha256(data).hexdigest(), data, name)
            cand.originals = ()
            out.append(_one(cand, master, known, archive, _STATE["form"]))
    except OfficeError:
        raise  # archive/ failed: stop the step, blame no file
    except isolate.UnitTimeout:
        out.append(unit_failure(unit, inbox, master, issue("too_slow", seconds=isolate.UNIT_SECONDS)))
    except MemoryError:
        out.append(unit_failure(unit, inbox, master, issue("out_of_memory")))
    except Exception as exc:  # unreadable from disk, or a container no reader foresaw: report, go on
        failed = issue("unreadable_file", error=f"{type(exc).__name__}: {exc}")
        out.append(unit_failure(unit, inbox, master, failed))
    finally:
        if in_worker:
            isolate.alarm(0)
    return _beside_workbook(out)


COVER_DOCUMENTS = {
    "word_document": "cover_word_document",
    "powerpoint": "cover_powerpoint",
    "pdf": "cover_pdf",
    "opendocument": "cover_opendocument",
}
"""Refusal code of a document that may be a cover letter -> its code as one (a note)."""


def _beside_workbook(results: list[FileResult]) -> list[FileResult]:
    """A Word/PowerPoint/PDF file that came in the same mail or zip as a returned workbook is a
    cover letter: noted, not something for the department to fix. Alone it is (rejected)."""
    with_book = {r.container for r in results if r.submission_json is not None}
    for r in results:
        cover = r.container in with_book and r.status is FileStatus.REJECTED and r.issues
        if cover and {i.code for i in r.issues} <= COVER_DOCUMENTS.keys():
            r.status = FileStatus.IGNORED
            r.issues = [issue(COVER_DOCUMENTS[i.code], file=i.file) for i in r.issues]
    return results


NOT_RECORDED = {UNREADABLE, "unreadable", "too_slow", "out_of_memory", "worker_crashed"}
"""Failures of the reading itself: reported every run, never recorded (the next collect retries).
`unreadable` is the reader's own (a workbook no rule foresaw)."""


def unit_failure(unit: Path, inbox: Path, master: Master, failed: Issue) -> FileResult:
    """One inbox entry whose reading failed as a whole (`failed`), reported against it."""
    origin = "inbox/" + unit.relative_to(inbox).as_posix()
    sha = hashlib.sha256(f"{failed.code}\0{origin}".encode()).hexdigest()
    dept = _department_by_name(master, unit.name)
    reported = failed.model_copy(update={"file": origin})
    return _clean_result(FileResult(origin, sha, dept, FileStatus.REJECTED, [reported]))


def _results(units: list[Path], workers: int, init_args: tuple) -> Iterator[list[FileResult]]:
    if workers > 1 and len(units) >= PARALLEL_MIN_UNITS:
        chunk = max(1, min(16, len(units) // (workers * 8)))
        master, inbox = init_args[0], init_args[3]

        def crashed(unit: Path, why: str) -> list[FileResult]:
            return [unit_failure(unit, inbox, master, issue("worker_crashed"))]

        yield from isolate.run_pooled(_process_unit, units, workers, chunk, _init, init_args, crashed)
    else:
        _init(*init_args)
        for u in units:
            yield _process_unit(u)


# --------------------------------------------------------------------------- feedback


def _safe_text(value: Any) -> Any:
    """Text a feedback book can hold (textsafe's rules, cut to Excel's cell limit)."""
    return clean_data(value, CELL_TEXT_MAX)


def write_feedback(
    master: Master,
    paths: RoundPaths,
    dept: str,
    submission: Submission | None,
    issues: list[Issue],
    form: Form | None = None,
) -> Path:
    """The department's data in a fresh entry workbook of the round's form, problem cells
    marked, a 指摘事項 sheet."""
    form = form or round_form(paths)
    department = master.department(dept)
    target = paths.feedback_workbook(department)
    entries = None
    annotations = [i.model_copy(update={"message": _safe_text(i.message)}) for i in issues]
    if submission is not None and submission.answers:
        answers = {
            lp: with_new_rows(form, master, dept, lp, _safe_text(sections))
            for lp, sections in submission.answers.items()
        }
        write_entry_workbook(master, dept, target, answers=answers, annotations=annotations, form=form)
        return target
    if submission is not None:
        entries = {
            e.lp: _with_new_initiatives(
                master, dept, LpEntry.model_validate(_safe_text(e.model_dump(mode="json")))
            )
            for e in submission.lps
        }
    write_entry_workbook(master, dept, target, entries=entries, annotations=annotations, form=form)
    return target


def with_new_rows(
    form: Form, master: Master, dept: str, lp: str, sections: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """A unit's answers with a pre-filled row for each initiative master data now gives the
    department that its rows lack (master data changed after its workbook was made)."""
    try:
        prefill = default_values(master, dept, lp, form)
    except KeyError:
        return sections
    out = dict(sections)
    for section in form.sections:
        code = next((f.key for f in section.fields if f.default == "マスタ:事業.取り組みコード"), None)
        if code is None or section.key not in prefill:
            continue
        rows = list(out.get(section.key, []))
        have = {r.get(code) for r in rows}
        extra = [r for r in prefill[section.key] if r.get(code) not in have]
        seen: set[Any] = set()
        for r in extra:
            if r.get(code) not in seen:
                seen.add(r.get(code))
                rows.append(dict(r))
        out[section.key] = rows
    return out


def _with_new_initiatives(master: Master, dept: str, entry: LpEntry) -> LpEntry:
    """The entry with a row for each initiative master data now gives the department that the
    department's rows lack (master data changed after its workbook was made)."""
    try:
        mine = master.department_initiatives(dept, entry.lp)
    except KeyError:
        return entry
    have = {p.initiative for p in entry.projects}
    name = master.department(dept).name
    extra = [
        ProjectEntry(initiative=i.code, category=c, name="", department=name)
        for i, c in mine
        if i.code not in have
    ]
    return entry.model_copy(update={"projects": (*entry.projects, *extra)}) if extra else entry


def _feedback_job(args: tuple) -> Path | None:
    master, paths, dept, submission, issues, form = args
    try:
        return write_feedback(master, paths, dept, submission, issues, form)
    except (ValueError, ExcelLimitError):
        return None
    except OSError as exc:
        raise folder_error(paths.feedback, exc, "返却ブックのフォルダ") from None


def update_feedback(
    master: Master,
    paths: RoundPaths,
    ledger: Ledger,
    touched: set[str],
    workers: int = 1,
    form: Form | None = None,
) -> list[Path]:
    """Write feedback for departments whose latest file was rejected; drop stale ones."""
    form = form or round_form(paths)
    jobs, keep = [], []
    for dept, row in ledger.latest().items():
        try:
            department = master.department(dept)
        except KeyError:
            continue
        target = paths.feedback_workbook(department)
        if row.status in TO_FIX and any(i.severity is Severity.ERROR for i in row.issues):
            if dept in touched or not target.exists():
                jobs.append((master, paths, dept, ledger.submission(row.sha256), row.issues, form))
            else:
                keep.append(target)
        elif row.status is FileStatus.ACCEPTED and target.exists():
            target.unlink()
    if workers > 1 and len(jobs) >= PARALLEL_MIN_UNITS:
        with ProcessPoolExecutor(workers) as pool:
            done = list(pool.map(_feedback_job, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
    else:
        done = [_feedback_job(j) for j in jobs]
    return sorted(keep + [p for p in done if p is not None])


def update_review_feedback(
    master: Master, paths: RoundPaths, ledger: Ledger, touched: set[str], form: Form
) -> list[Path]:
    """A returned review book for each leading project whose latest review was refused; stale
    ones removed once a review is accepted."""
    from ..review.feedback import write_review_feedback

    out = []
    for unit, row in ledger.latest(reviews=True).items():
        lp = unit.split(":", 1)[1]
        try:
            department = master.department(row.department)
            master.leading_project(lp)
        except KeyError:
            continue
        target = paths.review_feedback(department, lp)
        if row.status in TO_FIX and any(i.severity is Severity.ERROR for i in row.issues):
            if row.department in touched or not target.exists():
                write_review_feedback(master, paths, lp, row.department, ledger, row.sha256, row.issues, form)
            out.append(target)
        elif row.status is FileStatus.ACCEPTED and target.exists():
            target.unlink()
    return sorted(out)


# --------------------------------------------------------------------------- the step


def _record(ledger: Ledger, entry: Entry, arrived: dt.datetime) -> FileStatus:
    try:
        return ledger.record(entry, arrived)
    except LEDGER_ERRORS as exc:  # full disk, read-only or corrupt ledger: the office's to fix
        raise ledger_error(ledger.path, exc) from None


def collect_round(
    root: Path,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    master: Master | None = None,
) -> CollectReport:
    """Read inbox/, record every file in the ledger, write feedback books; return what happened."""
    rnd = Round(Path(root))
    paths, form = rnd.paths, rnd.form
    master = master or rnd.master
    units = inbox_units(paths.inbox)
    workers = workers or os.cpu_count() or 1
    report = CollectReport()
    touched: set[str] = set()
    for folder in (paths.archive, paths.feedback):
        clean_leftovers(folder)
    check_archive(paths.archive)
    with Ledger(paths.ledger) as ledger:
        drafts = review_drafts(paths, master, ledger)
        init_args = (master, frozenset(ledger.known()), paths.archive, paths.inbox, form, drafts)
        arrived = dt.datetime.now(dt.UTC)
        for done, results in enumerate(_results(units, workers, init_args), 1):
            for r in results:
                if any(i.code in NOT_RECORDED for i in r.issues):
                    report.files.append(r)  # not recorded: the next collect tries the file again
                    continue
                status = _record(
                    ledger,
                    Entry(
                        sha256=r.sha256,
                        origin=r.path,
                        size=r.size,
                        status=r.status,
                        issues=r.issues,
                        department=r.department,
                        round_id=r.round_id,
                        container=r.container,
                        sender=r.sender,
                        saved=r.saved,
                        mail_date=r.date,
                        fs_time=r.fs_time,
                        given=r.given,
                        submission_json=r.submission_json,
                        unit=r.unit,
                    ),
                    arrived,
                )
                if status is FileStatus.DUPLICATE:
                    r.issues = []
                    r.department = ledger.department_of(r.sha256) or r.department
                    r.known_status = ledger.status_of(r.sha256)
                r.status = status
                if status is not FileStatus.DUPLICATE and r.department:
                    touched.add(r.department)
                r.submission_json = None  # kept in the ledger (Ledger.current); memory stays flat
                report.files.append(r)
            if progress:
                progress(done, len(units))
        live = ledger.live_statuses()  # a later file of this run may have superseded an earlier one
        for r in report.files:
            if r.status is not FileStatus.DUPLICATE and r.sha256 in live:
                r.status = live[r.sha256]
        report.feedback = update_feedback(master, paths, ledger, touched, workers, form)
        if drafts is not None:
            report.feedback += update_review_feedback(master, paths, ledger, touched, form)
    return report


def review_drafts(paths: RoundPaths, master: Master, ledger: Ledger) -> dict | None:
    """The current merged draft per leading project, once review workbooks were issued (their
    folder exists): what a returned review workbook is checked against. None before that."""
    if not paths.review_outbox.is_dir():
        return None
    from ..merge.consolidate import consolidate
    from ..merge.source import current_received

    drafts = consolidate(master, current_received(ledger)).drafts
    return {lp: d.bare() for lp, d in drafts.items()}
