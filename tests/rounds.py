"""Round helpers shared by tests: a department's workbook filled in as a real answer."""

from __future__ import annotations

from pathlib import Path

from xlsheet.fill import fill_workbook
from xlsheet.master import load_master
from xlsheet.paths import RoundPaths
from xlsheet.sample import sample_submissions


def filled_book(root: Path, code: str) -> Path:
    """The department's outbox workbook filled in as the sample round fills it (made once per round)."""
    paths = RoundPaths(root)
    master = load_master(paths.master)
    dept = master.department(code)
    filled = root / "filled" / paths.entry_workbook(dept).name
    if not filled.exists():
        filled.parent.mkdir(exist_ok=True)
        sub = next(s for s in sample_submissions(master) if s.department == code)
        fill_workbook(paths.entry_workbook(dept), filled, sub)
    return filled
