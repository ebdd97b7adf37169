"""Steps `init` and `generate`: master data in, one entry workbook per department out."""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .entry.values import MASTER_VALUE_SETTINGS, missing_master_values
from .entry_writer import write_entry_workbook
from .formdef import Form
from .given import given_json, given_print
from .intake.parts import custom_properties
from .manifest import Manifest
from .master import SETTINGS_FIELDS, SETTINGS_SHEET, MasterDataError, write_master
from .models import Master, Settings
from .paths import RoundPaths
from .round import Round, keep_form, round_form
from .sample import sample_master
from .sample_jimu import sample_project_master
from .units import AnswerUnit, participating_departments, unit_codes, unit_kind


def empty_master(today: dt.date | None = None) -> Master:
    """Master data with only the settings to start from: every sheet and header, no rows.

    The evaluation year is the fiscal year that has begun by `today` (April–March), the deadline
    a month on; the office fills in the rest in Excel, and `generate` checks it all.
    """
    today = today or dt.date.today()
    year = today.year if today.month >= 4 else today.year - 1
    return Master(
        settings=Settings(
            municipality="",
            evaluation_year=year,
            round_id=f"{year}-seisaku-hyoka",
            deadline=today + dt.timedelta(days=30),
            office_name="",
            office_contact="",
            office_email="",
        ),
        leading_projects=(),
        initiatives=(),
        assignments=(),
        departments=(),
    )


def init_round(root: Path, sample: bool = False, force: bool = False, form: str | Path | None = None) -> Path:
    """Create a round folder with master.xlsx: the sample round's data with `sample`, otherwise
    every sheet and header with nothing in them, for the office to fill in Excel. The round keeps
    a copy of its form definition (`form`: a definition workbook or a shipped form's ID; default
    the shipped 政策評価表)."""
    paths = RoundPaths(Path(root))
    if paths.master.exists() and not force:
        raise FileExistsError(f"{paths.master} はすでにあります（上書きするには --force を付けてください）")
    keep_form(paths, form)
    if sample:
        by_project = unit_kind(round_form(paths)) is AnswerUnit.PROJECT
        master = sample_project_master() if by_project else sample_master()
    else:
        master = empty_master()
    write_master(master, paths.master)
    for d in (paths.outbox, paths.inbox):
        d.mkdir(parents=True, exist_ok=True)
    return paths.master


class BookChange(StrEnum):
    """What `generate` did to one department's workbook."""

    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


BOOK_CHANGE_JA = {BookChange.NEW: "新規", BookChange.CHANGED: "変更あり", BookChange.UNCHANGED: "変更なし"}


@dataclass(frozen=True)
class Generated:
    department: str
    name: str
    path: Path
    manifest: Manifest
    change: BookChange = BookChange.NEW


def stamped_manifest(path: Path) -> Manifest | None:
    """The manifest in an existing workbook's custom properties (None if absent or unreadable)."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = {i.filename.lower(): i.filename for i in zf.infolist()}
            if "docprops/custom.xml" not in members:
                return None
            props = dict(custom_properties(zf.read(members["docprops/custom.xml"])))
        return Manifest.from_properties(props)
    except (OSError, zipfile.BadZipFile, ValueError, KeyError):
        return None


def _same_book(old: Manifest | None, master: Master, dept: str, form: Form) -> bool:
    """Whether the workbook on disk was made from the same form, round and master data."""
    if old is None or not old.master_print:
        return False
    lps = ",".join(unit_codes(form, master, dept))
    return (old.form_id, old.form_version, old.form_digest, old.round_id, old.lps, old.master_print) == (
        form.id,
        form.version,
        form.digest[:16],
        master.settings.round_id,
        lps,
        given_print(given_json(master, dept, unit_kind(form) is AnswerUnit.PROJECT)),
    )


_MASTER: Master | None = None
"""The master data in a worker process, sent once per worker rather than once per workbook."""
_FORM: Form | None = None
"""The round's form in a worker process, sent with the master data."""


def _init_worker(master: Master, form: Form) -> None:
    global _MASTER, _FORM
    _MASTER, _FORM = master, form


def _one(args: tuple[str, Path, dt.date]) -> Manifest:
    dept, path, issued = args
    assert _MASTER is not None and _FORM is not None
    return write_entry_workbook(_MASTER, dept, path, issued=issued, form=_FORM)


def check_master_values(form: Form, master: Master) -> None:
    """Refuse (MasterDataError) a master whose 設定 lacks a value the form's formulas read: the
    entry workbooks would compute with a blank (人件費 = 人工 × 空欄)."""
    missing = missing_master_values(form, master)
    if missing:
        labels = dict(SETTINGS_FIELDS)
        raise MasterDataError(
            [
                f"シート「{SETTINGS_SHEET}」: 様式「{form.title}」の計算式が「{labels[MASTER_VALUE_SETTINGS[name]]}」を"
                "使いますが、空欄です。値を入力してください"
                for name in missing
            ]
        )


def generate_round(
    root: Path,
    issued: dt.date | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    rewrite_all: bool = False,
) -> list[Generated]:
    """Write outbox/<code>_<name>.xlsx for every participating department whose workbook is new
    or was made from other master data (every one with `rewrite_all`); return what became of each.

    Master data is read (and fully checked) before anything is written. `progress(done, total)`
    is called as workbooks are finished.
    """
    rnd = Round(Path(root))
    paths, master, form = rnd.paths, rnd.master, rnd.form
    check_master_values(form, master)
    issued = issued or dt.date.today()
    depts = participating_departments(form, master)
    out: dict[str, Generated] = {}
    jobs = []
    for d in depts:
        path = paths.entry_workbook(d)
        old = stamped_manifest(path) if path.exists() else None
        if not rewrite_all and _same_book(old, master, d.code, form):
            out[d.code] = Generated(d.code, d.name, path, old, BookChange.UNCHANGED)
        else:
            jobs.append((d.code, path, issued, BookChange.CHANGED if path.exists() else BookChange.NEW))
    workers = workers or min(max(len(jobs), 1), os.cpu_count() or 1)
    names = {d.code: d.name for d in depts}
    done_count = 0

    def done(job: tuple, m: Manifest) -> None:
        nonlocal done_count
        done_count += 1
        out[job[0]] = Generated(job[0], names[job[0]], job[1], m, job[3])
        if progress:
            progress(done_count, len(jobs))

    if workers > 1 and len(jobs) >= 50:
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(master, form)) as pool:
            for job, m in zip(
                jobs,
                pool.map(_one, [j[:3] for j in jobs], chunksize=max(1, len(jobs) // (workers * 16))),
                strict=True,
            ):
                done(job, m)
    else:
        _init_worker(master, form)
        for job in jobs:
            done(job, _one(job[:3]))
    return [out[d.code] for d in depts]
