"""pandas: the consolidated book's tables as tidy DataFrames, and as CSV files Excel opens.

The frames come from the very rows the Excel tables are written from (`tables.py`), one row per
project, paragraph, SDG choice, department or issue, with the same Japanese column names.
CSV files are UTF-8 with a BOM (utf-8-sig): without it Excel reads Japanese as Shift_JIS.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..models import DepartmentStatus, Issue, Master, Received
from ..textsafe import csv_cell
from ..xlsxout import atomic_path
from .consolidate import Consolidated, consolidate, derived_status
from .source import load_round
from .tables import Table, issue_table, paragraph_table, project_table, sdg_table, status_table

CSV_ENCODING = "utf-8-sig"


def table_frame(t: Table) -> pd.DataFrame:
    return pd.DataFrame.from_records(t.rows, columns=list(t.headers))


def frames_from(
    cons: Consolidated, status: list[DepartmentStatus], intake_issues: list[Issue] | None = None
) -> dict[str, pd.DataFrame]:
    """{"projects", "evaluations", "sdgs", "status", "issues"} -> DataFrame."""
    tables = [
        project_table(cons),
        paragraph_table(cons),
        sdg_table(cons),
        status_table(status),
        issue_table(list(intake_issues or []), cons.issues),
    ]
    return {t.key: table_frame(t) for t in tables}


def frames(
    master: Master,
    received: list[Received],
    status: list[DepartmentStatus] | None = None,
    intake_issues: list[Issue] | None = None,
) -> dict[str, pd.DataFrame]:
    """Tidy DataFrames of the submissions (without a ledger: status derived from `received`)."""
    cons = consolidate(master, received)
    status = status if status is not None else derived_status(master, cons.received)
    return frames_from(cons, status, intake_issues)


def round_frames(root: Path) -> dict[str, pd.DataFrame]:
    """Tidy DataFrames of a round folder's ledger: projects, evaluations, sdgs, status, issues."""
    master, received, status, issues = load_round(root)
    return frames(master, received, status, issues)


CSV_NAMES = {
    "projects": "事業一覧.csv",
    "evaluations": "評価・方針.csv",
    "sdgs": "ＳＤＧｓ選択.csv",
    "status": "提出状況.csv",
    "issues": "指摘事項.csv",
}


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as it goes into a CSV file: every text cell through `textsafe.csv_cell` (a
    leading = + - @ tab or CR quoted with ', so Excel never runs it; control characters
    removed); numbers stay numbers. Every CSV xlsheet writes goes through here."""
    text = [c for c in df.columns if df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype)]
    if not text:
        return df
    out = df.copy()
    for c in text:
        out[c] = out[c].map(csv_cell)
    return out


def write_csv(frames: dict[str, pd.DataFrame], outdir: Path) -> list[Path]:
    """One CSV per frame, UTF-8 with BOM, each written atomically; returns the paths.
    Cells are neutralised against formula injection (`csv_frame`)."""
    outdir = Path(outdir)
    out = []
    for key, df in frames.items():
        path = outdir / CSV_NAMES.get(key, f"{key}.csv")
        with atomic_path(path) as tmp:
            csv_frame(df).to_csv(tmp, index=False, encoding=CSV_ENCODING)
        out.append(path)
    return out
