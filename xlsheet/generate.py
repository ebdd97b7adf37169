"""Steps `init` and `generate`: master data in, one entry workbook per department out."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .entry_writer import write_entry_workbook
from .manifest import Manifest
from .master import MasterDataError, load_master, write_master
from .models import Master
from .paths import RoundPaths
from .sample import sample_master


def init_round(root: Path, sample: bool = False, force: bool = False) -> Path:
    """Create a round folder with master.xlsx (the sample round's data with `sample`)."""
    paths = RoundPaths(Path(root))
    if paths.master.exists() and not force:
        raise FileExistsError(f"{paths.master} はすでにあります（上書きするには --force を付けてください）")
    if not sample:
        raise MasterDataError(["空のマスタはまだ作れません。--sample で見本を作り、編集してください"])
    write_master(sample_master(), paths.master)
    for d in (paths.outbox, paths.inbox):
        d.mkdir(parents=True, exist_ok=True)
    return paths.master


@dataclass(frozen=True)
class Generated:
    department: str
    name: str
    path: Path
    manifest: Manifest


_MASTER: Master | None = None
"""The master data in a worker process, sent once per worker rather than once per workbook."""


def _init_worker(master: Master) -> None:
    global _MASTER
    _MASTER = master


def _one(args: tuple[str, Path, dt.date]) -> Manifest:
    dept, path, issued = args
    assert _MASTER is not None
    return write_entry_workbook(_MASTER, dept, path, issued=issued)


def generate_round(
    root: Path,
    issued: dt.date | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Generated]:
    """Write outbox/<code>_<name>.xlsx for every participating department; return what was written.

    Master data is read (and fully checked) before anything is written. `progress(done, total)`
    is called as workbooks are finished.
    """
    paths = RoundPaths(Path(root))
    master = load_master(paths.master)
    issued = issued or dt.date.today()
    depts = master.participating_departments()
    jobs = [(d.code, paths.entry_workbook(d), issued) for d in depts]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    manifests: list[Manifest] = []

    def done(m: Manifest) -> None:
        manifests.append(m)
        if progress:
            progress(len(manifests), len(jobs))

    if workers > 1 and len(jobs) >= 50:
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(master,)) as pool:
            for m in pool.map(_one, jobs, chunksize=max(1, len(jobs) // (workers * 16))):
                done(m)
    else:
        _init_worker(master)
        for j in jobs:
            done(_one(j))
    return [Generated(d.code, d.name, p, m) for (_, p, _), d, m in zip(jobs, depts, manifests, strict=True)]
