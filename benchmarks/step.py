"""One measured step in its own process: prints {"seconds", "peak_mib"} as JSON.

Peak memory is this process's peak RSS (VmHWM) plus the largest worker process's peak RSS.
VmHWM rather than ru_maxrss for this process: Linux carries ru_maxrss across exec, so it would
report the peak of the benchmark driver that started us.
"""

from __future__ import annotations

import json
import pickle
import resource
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
