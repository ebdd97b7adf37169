"""Long runs show a progress bar on a terminal, and none in --json mode or when piped."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from xlsheet.fill import fill_workbook
from xlsheet.master import load_master
from xlsheet.paths import RoundPaths
from xlsheet.sample import sample_submissions


def _run_on_terminal(args: list[str], stdout_to_terminal: bool) -> tuple[str, str]:
    """Run `python -m xlsheet ARGS` with stderr (and maybe stdout) on a pseudo-terminal."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "xlsheet", *args],
        stdout=follower if stdout_to_terminal else subprocess.PIPE,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closes when the process ends
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read().decode() if proc.stdout else ""
    proc.wait(60)
    os.close(leader)
    return seen.decode(errors="replace"), out


def _fill_inbox(root: Path) -> None:
    paths = RoundPaths(root)
    master = load_master(paths.master)
    for sub in sample_submissions(master):
        dept = master.department(sub.department)
        fill_workbook(paths.entry_workbook(dept), paths.inbox / f"{dept.code}.xlsx", sub)


def test_generate_and_collect_show_progress_on_a_terminal(sample_round):
    terminal, _ = _run_on_terminal(["generate", str(sample_round), "--all"], stdout_to_terminal=True)
    assert "入力ブックを作成中" in terminal and "7/7" in terminal
    _fill_inbox(sample_round)
    terminal, _ = _run_on_terminal(["collect", str(sample_round)], stdout_to_terminal=True)
    assert "回収中" in terminal


def test_json_mode_has_no_progress_and_clean_json(sample_round):
    _fill_inbox(sample_round)
    terminal, out = _run_on_terminal(["collect", str(sample_round), "--json"], stdout_to_terminal=False)
    assert "回収中" not in terminal
    files = json.loads(out)["files"]
    assert len(files) == 7 and {f["status"] for f in files} == {"accepted"}


def test_piped_output_has_no_progress(sample_round):
    proc = subprocess.run(
        [sys.executable, "-m", "xlsheet", "generate", str(sample_round), "--all"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "入力ブックを作成中" not in proc.stderr and "7 件" in proc.stdout
