"""pandas: the consolidated book's tables as tidy DataFrames, and as CSV files Excel opens.

The frames come from the very rows the Excel tables are written from (`tables.py`), one row per
project, paragraph, SDG choice, department or issue, with the same Japanese column names.
CSV files are UTF-8 with a BOM (utf-8-sig): without it Excel reads Japanese as Shift_JIS.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..formdef import Form
from ..models import DepartmentStatus, Issue, Master, Received
from ..paths import safe_filename
from ..round import Round
from ..textsafe import csv_cell
from ..xlsxout import atomic_path
from .compare import COMPARISON_KEY, comparison_table, round_comparison
from .consolidate import Consolidated, consolidate, derived_status
from .draft import Review
from .jimu_book import jimu_consolidated
from .jimu_tables import is_jimu
from .sections import book_tables
from .source import current_reviews, load_round
from .tables import Table

CSV_ENCODING = "utf-8-sig"


def table_frame(t: Table) -> pd.DataFrame:
    return pd.DataFrame.from_records(t.rows, columns=list(t.headers))


def frames_of(tables: list[Table]) -> dict[str, pd.DataFrame]:
    """A DataFrame per table, keyed as the table (a form's section by its key)."""
    return {t.key: table_frame(t) for t in tables}


def frames_from(
    cons: Consolidated,
    status: list[DepartmentStatus],
    intake_issues: list[Issue] | None = None,
    form: Form | None = None,
) -> dict[str, pd.DataFrame]:
    """{"projects", "evaluations", "sdgs", (a key per other section of the form), "status",
    "issues"} -> DataFrame."""
    return frames_of(book_tables(cons.master, cons, status, list(intake_issues or []), form))


def frames(
    master: Master,
    received: list[Received],
    status: list[DepartmentStatus] | None = None,
    intake_issues: list[Issue] | None = None,
    form: Form | None = None,
    reviews: dict[str, Review] | None = None,
) -> dict[str, pd.DataFrame]:
    """Tidy DataFrames of the submissions (without a ledger: status derived from `received`);
    `reviews`: the lead departments' decisions, as for `consolidate`."""
    cons = (
        jimu_consolidated(form, master, received) if is_jimu(form) else consolidate(master, received, reviews)
    )
    status = status if status is not None else derived_status(master, cons.received, form)
    return frames_from(cons, status, intake_issues, form)


def round_frames(root: Path) -> dict[str, pd.DataFrame]:
    """Tidy DataFrames of a round folder's ledger: the layout's tables (政策評価表: projects,
    evaluations, sdgs; 事務事業評価シート: jimu, jimu_counts, jimu_costs), one per other section
    of the round's form, status and issues; and "comparison" (the 前年度比較 sheet's rows) when
    the round was started from last year's."""
    master, received, status, issues = load_round(root)
    rnd = Round(Path(root))
    with rnd.ledger() as ledger:
        reviews = current_reviews(ledger, master)
    out = frames(master, received, status, issues, rnd.form, reviews)
    if rnd.previous is not None:
        out[COMPARISON_KEY] = table_frame(
            comparison_table(round_comparison(rnd.previous, master, received, rnd.form))
        )
    return out


def csv_names(tables: list[Table]) -> dict[str, str]:
    """CSV file name per table key: the fixed names, a form section's heading for the others."""
    return {t.key: CSV_NAMES.get(t.key) or f"{safe_filename(t.title or t.sheet)}.csv" for t in tables}


CSV_NAMES = {
    "projects": "事業一覧.csv",
    "evaluations": "評価・方針.csv",
    "sdgs": "ＳＤＧｓ選択.csv",
    "status": "提出状況.csv",
    "issues": "指摘事項.csv",
}


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as it goes into a CSV file: every text cell, and the header row, through
    `textsafe.csv_cell` (a leading = + - @ tab or CR quoted with ', so Excel never runs it;
    control characters removed); numbers stay numbers. Every CSV `merge --csv` writes goes
    through here (the published ones through `xlsheet.publish`, with the same rule)."""
    text = [c for c in df.columns if df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype)]
    headers = [csv_cell(c) for c in df.columns]  # a form's field label is a header cell too
    if not text and headers == list(df.columns):
        return df
    out = df.copy()
    for c in text:
        out[c] = out[c].map(csv_cell)
    out.columns = headers
    return out


def write_csv(
    frames: dict[str, pd.DataFrame], outdir: Path, names: dict[str, str] | None = None
) -> list[Path]:
    """One CSV per frame, UTF-8 with BOM, each written atomically; returns the paths.
    Cells are neutralised against formula injection (`csv_frame`)."""
    outdir = Path(outdir)
    names = names or {}
    out = []
    for key, df in frames.items():
        path = outdir / (names.get(key) or CSV_NAMES.get(key, f"{key}.csv"))
        with atomic_path(path) as tmp:
            csv_frame(df).to_csv(tmp, index=False, encoding=CSV_ENCODING)
        out.append(path)
    return out
