"""Worker processes that fail alone: one file that kills its worker costs that file, not the round.

`run_pooled` maps a function over chunks of units in a `ProcessPoolExecutor` and yields the
results in unit order. When a worker dies (a native library aborting on an allocation, the
kernel's OOM killer, a signal) the pool breaks and every pending chunk fails with
`BrokenProcessPool`. Each worker notes which chunk it is on in a marker file, so the chunks
that were running when the pool broke are known: their units are then run one by one, each in
a fresh single-worker pool, and a unit that kills that worker too gets `on_crash(unit, why)`.
Chunks that were only waiting go to a fresh pool. Worker limits (address space, CPU time) are
POSIX `resource` limits, skipped where the module does not exist (Windows).
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

try:  # POSIX only; Windows has no `resource` and gets no worker limits
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

WORKER_MEMORY = 3 * 1024**3
"""Address space of a worker (bytes); a filled form reads in a few MB. 0 means no limit."""
UNIT_SECONDS = 120
"""Time for one unit in a worker before it is reported as too slow (SIGALRM, POSIX)."""

_STATE: dict[str, Any] = {}


class UnitTimeout(Exception):
    """One unit took longer than UNIT_SECONDS."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise UnitTimeout


def limit_worker(memory: int = WORKER_MEMORY) -> None:
    """Lower this process's address-space limit (never raise it); a no-op without `resource`."""
    if resource is None or not memory:
        return
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
        if soft == resource.RLIM_INFINITY or soft > want:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ValueError, OSError):
        pass


def alarm(seconds: int) -> None:
    """Raise UnitTimeout in this (worker's main) thread after `seconds`; 0 cancels."""
    if hasattr(signal, "SIGALRM"):
        if seconds and signal.getsignal(signal.SIGALRM) is not _on_alarm:
            signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(seconds)


def _quiet(marks: str) -> None:
    """Send a worker's own stderr (a native library's abort message and backtrace) to a file
    beside the markers: the office sees the Japanese report of the file, not a backtrace."""
    with contextlib.suppress(OSError, ValueError):
        faulthandler.disable()
        fd = os.open(Path(marks, f"stderr.{os.getpid()}"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(fd, 2)
        os.close(fd)


def _init(marks: str, memory: int, init: Callable[..., None], init_args: tuple) -> None:
    _STATE["marks"] = marks
    _quiet(marks)
    limit_worker(memory)
    init(*init_args)


def _chunk(index: int, fn: Callable[[Any], Any], units: list) -> list:
    marks = _STATE.get("marks")
    if marks:
        Path(marks, str(os.getpid())).write_text(str(index))
    return [fn(u) for u in units]


def _running(marks: str) -> set[int]:
    out = set()
    for p in Path(marks).iterdir():
        if not p.name.isdigit():
            continue
        try:
            out.add(int(p.read_text() or -1))
        except (OSError, ValueError):
            continue
    return out


def _alone(fn: Callable[[Any], Any], unit: Any, init: Callable[..., None], init_args: tuple, memory: int):
    """Run one unit in a fresh one-worker pool; the exception's text when the worker died."""
    with (
        tempfile.TemporaryDirectory(prefix="xlsheet-marks-") as marks,
        ProcessPoolExecutor(1, initializer=_init, initargs=(marks, memory, init, init_args)) as pool,
    ):
        try:
            return True, pool.submit(_chunk, 0, fn, [unit]).result()[0]
        except BrokenProcessPool as exc:
            return False, str(exc) or type(exc).__name__


def run_pooled(
    fn: Callable[[Any], Any],
    units: list,
    workers: int,
    chunk: int,
    init: Callable[..., None],
    init_args: tuple,
    on_crash: Callable[[Any, str], Any],
    memory: int = WORKER_MEMORY,
) -> Iterator[Any]:
    """fn(unit) for every unit in worker processes, in unit order; on_crash(unit, why) for a unit
    whose worker died even when it ran alone."""
    chunks = [units[i : i + chunk] for i in range(0, len(units), chunk)]
    done: dict[int, list] = {}
    pending = list(range(len(chunks)))
    alone: list[int] = []
    upto = 0
    while pending or alone:
        for i in alone:  # chunks that were running when a worker died: unit by unit, isolated
            out = []
            for u in chunks[i]:
                ok, value = _alone(fn, u, init, init_args, memory)
                out.append(value if ok else on_crash(u, value))
            done[i] = out
        alone = []
        while upto in done:
            yield from done.pop(upto)
            upto += 1
        if not pending:
            break
        with tempfile.TemporaryDirectory(prefix="xlsheet-marks-") as marks:
            pool = ProcessPoolExecutor(workers, initializer=_init, initargs=(marks, memory, init, init_args))
            try:
                futures = {i: pool.submit(_chunk, i, fn, chunks[i]) for i in pending}
                broken = False
                for i in pending:
                    try:
                        done[i] = futures[i].result()
                    except BrokenProcessPool:
                        broken = True
                        break
                    while upto in done:
                        yield from done.pop(upto)
                        upto += 1
                if broken:
                    running = _running(marks)
                    failed = [i for i in pending if i not in done and not _ok(futures[i], done, i)]
                    alone = [i for i in failed if i in running] or failed[:1]
                    pending = [i for i in failed if i not in alone]
                else:
                    pending = []
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    while upto in done:
        yield from done.pop(upto)
        upto += 1


def _ok(future: Any, done: dict[int, list], i: int) -> bool:
    """Keep a chunk that finished before the pool broke."""
    if future.done() and not future.cancelled() and future.exception() is None:
        done[i] = future.result()
        return True
    return False
