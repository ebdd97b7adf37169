"""One measured step in its own process: prints {"seconds", "peak_mib"} as JSON.

Collect has two floors: `collect_floor` (python-calamine reading every cell of every file, the
reading floor) and `collect_work_floor` (the necessary work done by the simplest code: read the
bytes, SHA-256, write the archive copy, read every cell, one SQLite row per file in its own
transaction).

Peak memory is this process's peak RSS (VmHWM) plus the largest worker process's peak RSS.
VmHWM rather than ru_maxrss for this process: Linux carries ru_maxrss across exec, so it would
report the peak of the benchmark driver that started us.
"""

from __future__ import annotations

import json
import pickle
import resource
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.replay import recording, replay
from xlsheet.paths import RoundPaths


def _replay(args: tuple) -> None:
    ops, path = args
    replay(ops, path)


def _read_all(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return sum(len(wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names)


def _work(args: tuple) -> tuple[str, str, int]:
    """The work a collect cannot skip for one file: read it, hash it, keep an archive copy,
    read every cell. Returns what its ledger row needs."""
    import hashlib

    path, archive = args
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    (archive / f"{sha}.xlsx").write_bytes(data)
    _read_all(path)
    return sha, path.name, len(data)


def _work_floor(files: list[Path], archive: Path, db: Path, workers: int) -> None:
    """Collect's work floor: `_work` per file in the workers, one SQLite row per file, each in
    its own transaction (as the ledger commits each file), in this process."""
    import sqlite3

    archive.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("CREATE TABLE IF NOT EXISTS files (sha256 TEXT PRIMARY KEY, origin TEXT, size INTEGER)")
    for sha, name, size in _pool_map(_work, [(f, archive) for f in files], workers):
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT OR IGNORE INTO files VALUES (?, ?, ?)", (sha, name, size))
        con.execute("COMMIT")
    con.close()


def _pool_map(fn, items: list, workers: int) -> list:
    if workers <= 1:
        return [fn(i) for i in items]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(fn, items, chunksize=max(1, len(items) // (workers * 8))))


def _vm_hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    step, root, workers = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    paths = RoundPaths(root)
    run = None
    if step == "generate":
        from xlsheet.generate import generate_round

        def run():
            generate_round(root, workers=workers)
    elif step == "generate_floor":
        with open(root / "generate.ops", "rb") as fh:
            books = pickle.load(fh)
        out = root / "floor"
        out.mkdir(exist_ok=True)
        jobs = [(ops, out / f"{i}.xlsx") for i, ops in enumerate(books)]

        def run():
            _pool_map(_replay, jobs, workers)
    elif step == "collect":
        from xlsheet.intake.collect import collect_round

        def run():
            collect_round(root, workers=workers)
    elif step == "collect_floor":
        files = sorted(paths.inbox.glob("*.xlsx"))

        def run():
            _pool_map(_read_all, files, workers)
    elif step == "collect_work_floor":
        files = sorted(paths.inbox.glob("*.xlsx"))
        work = root / "work-floor"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()

        def run():
            _work_floor(files, work / "archive", work / "ledger.sqlite", workers)
    elif step == "merge":
        from xlsheet.merge import merge_round

        def run():
            merge_round(root)
    elif step == "merge_floor":
        from xlsheet.merge import merge_round

        with recording() as rec:
            merge_round(root)
        ops = rec.books[0]
        target = root / "floor-book.xlsx"

        def run():
            replay(ops, target)
    else:
        raise SystemExit(f"unknown step {step}")
    t = time.perf_counter()
    run()
    seconds = time.perf_counter() - t
    self_kib = _vm_hwm_kib()
    child_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mib": (self_kib + child_kib) / 1024}))


if __name__ == "__main__":
    main()
