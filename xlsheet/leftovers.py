"""Leftovers of a killed run, removed on the next one.

Writers put a temporary file beside the target (`.name.XXXX.xlsx.tmp`, `archive/.<sha>.<pid>.tmp`)
or a work folder (`output/.pdf-XXXX`) and move or remove it when done; a killed process leaves
them behind. Only leftovers older than `STALE_SECONDS` are removed, so a second run at the same
time (collect supports that) never loses a file being written.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

STALE_SECONDS = 300.0
PATTERNS = (".*.tmp", ".pdf-*")


def clean_leftovers(folder: Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove stale `.*.tmp` files and `.pdf-*` work folders directly in `folder`; return them."""
    removed: list[Path] = []
    now = time.time()
    try:
        found = [p for pattern in PATTERNS for p in Path(folder).glob(pattern)]
    except OSError:
        return removed
    for p in found:
        try:
            st = p.lstat()
            if now - st.st_mtime <= older_than:
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink()
            removed.append(p)
        except OSError:
            continue  # not ours to fix here; the step itself reports an unwritable folder
    return removed
