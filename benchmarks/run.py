"""Benchmarks: generate, collect and merge against their floors, for N = 200, 1,000 and 2,000.

    python3 -m benchmarks.run                 # all sizes
    python3 -m benchmarks.run --sizes 200     # one size
    python3 -m benchmarks.run --sizes 0 --jimu  # only the 事務事業評価 round (641 事業, 60 所属)

With `--jimu` a city-sized 事務事業評価 round (the form answered per 事業: 641 事業 across 60 所属,
as 所沢市 evaluates a year) runs through the same steps and floors.

Every measured step runs in a fresh child process (`python3 -m benchmarks.step`), so its
time and peak memory (the process and its worker processes) are its own. Floors, measured in
the same run with the same number of processes:

- generate: XlsxWriter replaying the very calls xlsheet made (same cells, styles, validations);
- collect:  python-calamine reading every cell of the same returned files (the read floor), and
            the necessary work done by the simplest code (bytes, SHA-256, archive copy, every
            cell, one SQLite row per file in its own transaction: the work floor);
- merge:    XlsxWriter replaying the consolidated book's calls.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.replay import recording
from benchmarks.synthetic import synthetic_master, synthetic_submissions
from xlsheet.entry_writer import write_entry_workbook
from xlsheet.master import write_master
from xlsheet.paths import RoundPaths
from xlsheet.round import keep_form

TARGET = 1.5


def run_step(step: str, root: Path, workers: int) -> dict:
    """Run one step in a child process; return its seconds and peak memory (MiB)."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.step", step, str(root), str(workers)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"step {step} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fill(args: tuple) -> None:
    master, sub, path = args
    write_entry_workbook(master, sub.department, path, entries={e.lp: e for e in sub.lps})


def prepare(n: int, base: Path, workers: int) -> Path:
    """A round folder with master.xlsx and the recorded generate ops (not timed)."""
    root = base / f"n{n}"
    paths = RoundPaths(root)
    master = synthetic_master(n)
    write_master(master, paths.master)
    keep_form(paths)  # a round keeps its form definition, as `xlsheet init` does
    with recording() as rec:
        for d in master.participating_departments():
            write_entry_workbook(master, d.code, root / "rec.xlsx")
    ops = rec.books
    (root / "rec.xlsx").unlink()
    with open(root / "generate.ops", "wb") as fh:
        pickle.dump(ops, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return root


JIMU_FORM = "xlsheet.jimu-jigyo-hyoka"


def prepare_jimu(base: Path) -> Path:
    """A 事務事業評価 round folder (641 事業, 60 所属) with the recorded generate ops (not timed)."""
    from benchmarks.synthetic import synthetic_project_master
    from xlsheet.round import round_form
    from xlsheet.units import participating_departments

    root = base / "jimu"
    paths = RoundPaths(root)
    master = synthetic_project_master()
    write_master(master, paths.master)
    keep_form(paths, JIMU_FORM)
    form = round_form(paths)
    with recording() as rec:
        for d in participating_departments(form, master):
            write_entry_workbook(master, d.code, root / "rec.xlsx", form=form)
    (root / "rec.xlsx").unlink()
    with open(root / "generate.ops", "wb") as fh:
        pickle.dump(rec.books, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return root


def _fill_jimu(args: tuple) -> None:
    from xlsheet.fill import fill_answers
    from xlsheet.sample_jimu import sample_project_answers

    root, src = args
    from xlsheet.round import Round

    rnd = Round(root)
    dept = src.name.split("_")[0]
    fill_answers(src, rnd.paths.inbox / src.name, sample_project_answers(rnd.master, dept), rnd.form)


def fill_inbox_jimu(root: Path, workers: int) -> None:
    """Every 所属 returns its workbook with every 事業 answered (not timed)."""
    paths = RoundPaths(root)
    paths.inbox.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_fill_jimu, [(root, p) for p in sorted(paths.outbox.glob("*.xlsx"))]))


def measure(root: Path, n: int, workers: int, fill, label: str = "") -> dict:
    """generate, collect and merge of one prepared round (`n` workbooks), each with its floors."""
    res: dict = {"n": n, "label": label or f"{n:,}"}
    res["generate"] = run_step("generate", root, workers)
    res["generate_floor"] = run_step("generate_floor", root, workers)
    fill(root, workers)
    res["collect"] = run_step("collect", root, workers)
    res["collect_floor"] = run_step("collect_floor", root, workers)
    res["collect_work_floor"] = run_step("collect_work_floor", root, workers)
    res["merge"] = run_step("merge", root, workers)
    res["merge_floor"] = run_step("merge_floor", root, workers)
    return res


def fill_inbox(root: Path, workers: int) -> None:
    """Every department returns its filled workbook (not timed)."""
    from xlsheet.master import load_master

    paths = RoundPaths(root)
    master = load_master(paths.master)
    paths.inbox.mkdir(parents=True, exist_ok=True)
    jobs = [(master, s, paths.inbox / f"{s.department}.xlsx") for s in synthetic_submissions(master)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_fill, jobs, chunksize=20))


def same_master_subset(root: Path, n: int, workers: int) -> dict:
    """Collect only the first `n` returned files of the largest round: memory against file count alone."""
    sub = root.parent / f"{root.name}-first{n}"
    (sub / "inbox").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / "master.xlsx", sub / "master.xlsx")
    for f in sorted(RoundPaths(root).inbox.glob("*.xlsx"))[:n]:
        shutil.copyfile(f, sub / "inbox" / f.name)
    return run_step("collect", sub, workers) | {"files": n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 2000])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", type=Path, help="keep the round folders here")
    ap.add_argument("--jimu", action="store_true", help="also the 事務事業評価 round (641 事業, 60 所属)")
    args = ap.parse_args()
    args.sizes = [n for n in args.sizes if n > 0]
    base = args.keep or Path(tempfile.mkdtemp(prefix="xlsheet-bench-"))
    rows = []
    try:
        for n in args.sizes:
            t0 = time.perf_counter()
            root = prepare(n, base, args.workers)
            res = measure(root, n, args.workers, fill_inbox)
            if n == max(args.sizes) and len(args.sizes) > 1:
                res["collect_same_master"] = same_master_subset(root, min(args.sizes), args.workers)
            rows.append(res)
            print(f"N={n}: {time.perf_counter() - t0:.0f} s in all", file=sys.stderr)
        if args.jimu:
            t0 = time.perf_counter()
            jimu = measure(
                prepare_jimu(base), 60, args.workers, fill_inbox_jimu, "事務事業評価 641 事業・60 所属"
            )
            rows.append(jimu)
            print(f"jimu: {time.perf_counter() - t0:.0f} s in all", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    report(rows, args.workers)


def report(rows: list[dict], workers: int) -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; workers={workers}"
    )
    print("| N | step | xlsheet s | floor s | ratio | target | peak MiB | s per 1,000 files |")
    print("| ---: | --- | ---: | ---: | ---: | --- | ---: | ---: |")
    for r in rows:
        label = r.get("label", f"{r['n']:,}")
        for step in ("generate", "collect", "merge"):
            ours, floor = r[step], r[f"{step}_floor"]
            ratio = ours["seconds"] / floor["seconds"]
            ok = "ok" if ratio <= TARGET else "missed"
            print(
                f"| {label} | {step} | {ours['seconds']:.2f} | {floor['seconds']:.2f} | {ratio:.2f}x | "
                f"≤{TARGET}x {ok} | {ours['peak_mib']:.0f} | {ours['seconds'] / r['n'] * 1000:.2f} |"
            )
            if step == "collect" and "collect_work_floor" in r:
                work = r["collect_work_floor"]["seconds"]
                ratio = ours["seconds"] / work
                print(
                    f"| {label} | collect vs work floor | {ours['seconds']:.2f} | {work:.2f} | {ratio:.2f}x | "
                    f"≤{TARGET}x {'ok' if ratio <= TARGET else 'missed'} | | |"
                )
    rows = [r for r in rows if r.get("label", f"{r['n']:,}") == f"{r['n']:,}"]  # the 政策評価表 sizes
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        mem = last["collect"]["peak_mib"] / first["collect"]["peak_mib"]
        print(
            f"\ncollect peak memory, N={last['n']:,} round vs N={first['n']:,} round: {mem:.2f}x "
            "(the master data grows with the number of departments too)"
        )
        same = last.get("collect_same_master")
        if same:
            flat = last["collect"]["peak_mib"] / same["peak_mib"]
            print(
                f"collect peak memory, {last['n']:,} files vs {same['files']:,} files of the same round: "
                f"{last['collect']['peak_mib']:.0f} / {same['peak_mib']:.0f} MiB = {flat:.2f}x "
                f"(target ≤{TARGET}x {'ok' if flat <= TARGET else 'missed'})"
            )
        per = [r["collect"]["seconds"] / r["n"] for r in rows]
        print(
            "collect seconds per file: "
            + ", ".join(f"N={r['n']:,}: {p * 1000:.2f} ms" for r, p in zip(rows, per, strict=True))
            + " (linear when these stay level)"
        )


if __name__ == "__main__":
    main()
