"""CPU time per returned file of `read_workbook` and of a serial `collect` (no worker processes).

    python3 -m benchmarks.intake_cpu            # 210 files, best of 5 (read) and 3 (collect)
    python3 -m benchmarks.intake_cpu --files 70

CPU time (time.process_time) rather than wall time: on a shared machine other processes change
wall time by 2x from one run to the next, CPU time by a few percent. Every file is a distinct
filled return of the sample round (one project name differs), so none is a duplicate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

from xlsheet.fill import fill_workbook
from xlsheet.generate import generate_round, init_round
from xlsheet.intake.collect import collect_round
from xlsheet.intake.reader import read_workbook
from xlsheet.master import load_master
from xlsheet.paths import RoundPaths
from xlsheet.sample import sample_submissions


def prepare(root: Path, files: int) -> None:
    init_round(root, sample=True)
    generate_round(root, issued=dt.date(2020, 5, 1))
    paths = RoundPaths(root)
    master = load_master(paths.master)
    paths.inbox.mkdir(exist_ok=True)
    subs = sample_submissions(master)
    for i in range(files):
        sub = subs[i % len(subs)]
        lp = sub.lps[0]
        first = lp.projects[0].model_copy(update={"name": f"事業{i}"})
        changed = sub.model_copy(
            update={"lps": (lp.model_copy(update={"projects": (first, *lp.projects[1:])}),)}
        )
        dept = master.department(sub.department)
        fill_workbook(paths.entry_workbook(dept), paths.inbox / f"{sub.department}_{i:03}.xlsx", changed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=210)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="intake-cpu-"))
    try:
        root = base / "round"
        prepare(root, args.files)
        paths = RoundPaths(root)
        master = load_master(paths.master)
        datas = [p.read_bytes() for p in sorted(paths.inbox.iterdir())]
        best = float("inf")
        for _ in range(5):
            t = time.process_time()
            for d in datas:
                read_workbook(d, master, file="x.xlsx")
            best = min(best, time.process_time() - t)
        print(f"read_workbook: {best * 1000 / len(datas):.2f} ms CPU per file (best of 5 x {len(datas)})")
        best = float("inf")
        for _ in range(3):
            for p in (paths.ledger, Path(f"{paths.ledger}-wal"), Path(f"{paths.ledger}-shm")):
                p.unlink(missing_ok=True)
            shutil.rmtree(paths.archive, ignore_errors=True)
            shutil.rmtree(paths.feedback, ignore_errors=True)
            t = time.process_time()
            collect_round(root, workers=1, master=master)
            best = min(best, time.process_time() - t)
        print(
            f"collect (workers=1): {best * 1000 / len(datas):.2f} ms CPU per file (best of 3 x {len(datas)})"
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
