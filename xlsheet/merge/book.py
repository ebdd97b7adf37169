"""Step `merge`: the ledger's current submissions in, the consolidated evaluation book out.

`write_book` is the pure-ish core (master + received submissions -> one .xlsx, atomically);
`merge_round` reads the round folder (master.xlsx, ledger) and adds the PDF and CSV files on
request. The book is deterministic: the same ledger gives the same cells (and the same bytes;
its document date is the latest receipt, never "now").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import XlsheetError
from ..formdef import Form
from ..leftovers import clean_leftovers
from ..models import DepartmentStatus, Issue, Master, Received
from ..paths import RoundPaths, safe_filename
from ..round import Round
from ..xlsxout import Book, atomic_path
from .compare import comparison_table, round_comparison
from .consolidate import Consolidated, consolidate, derived_status
from .draft import Review
from .jimu_book import jimu_consolidated, write_distribution, write_project_sheets
from .jimu_tables import COUNT_TABLE, is_jimu, jimu_rows
from .printed import set_properties, write_form_sheets
from .sections import PRINT_LAYOUTS, SDG_TABLE, SEED_LAYOUT, book_tables, print_layout
from .source import current_reviews, load_round
from .tables import Table, TableWriter, write_sdg_matrix

PAUSE_ENV = "XLSHEET_MERGE_PAUSE"
"""Test hook: seconds to stall after the first bytes of the book are on disk (crash tests)."""


@dataclass
class MergeResult:
    book: Path
    consolidated: Consolidated
    status: list[DepartmentStatus]
    intake_issues: list[Issue]
    pdf: Path | None = None
    """The whole book's PDF (`--pdf`)."""
    lp_pdfs: list[Path] = field(default_factory=list)
    """One PDF per leading project, beside the whole book's (`--pdf`)."""
    pdf_message: str = ""
    """Why no PDF was made (Japanese), when one was asked for and none came."""
    csv: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    """Leading-project PDFs of an earlier merge no project prints as any more (renamed, removed)."""
    kept: Path | None = None
    """Where a hand-edited book was kept before it was replaced (`…_編集版_<time>.xlsx`)."""
    projects: tuple[int, int] | None = None
    """事務事業評価シート layout: (事業 of the round, 事業 submitted: one printable sheet each)."""

    @property
    def issues(self) -> list[Issue]:
        return [*self.intake_issues, *self.consolidated.issues]


def book_path(paths: RoundPaths, master: Master, form: Form | None = None) -> Path:
    """output/政策評価表_<round>.xlsx (事務事業評価_<round>.xlsx for the 事務事業評価シート layout)."""
    prefix = form.title if is_jimu(form) else "政策評価表"
    return paths.output / f"{safe_filename(prefix)}_{safe_filename(master.settings.round_id)}.xlsx"


class _PausingFile(io.FileIO):
    """A file that stalls once after its first write (only with the PAUSE_ENV test hook)."""

    def __init__(self, path: Path, seconds: float):
        super().__init__(path, "w+b")
        self.seconds = seconds
        self.paused = False

    def write(self, data) -> int:
        n = super().write(data)
        if not self.paused and self.tell() > 0:
            self.paused = True
            os.fsync(self.fileno())
            time.sleep(self.seconds)
        return n


def write_book(
    master: Master,
    received: list[Received],
    path: Path,
    *,
    status: list[DepartmentStatus] | None = None,
    intake_issues: list[Issue] | None = None,
    form: Form | None = None,
    reviews: dict[str, Review] | None = None,
    review_stage: bool = False,
    extra: list[Table] | None = None,
) -> Consolidated:
    """Write the consolidated book to `path` atomically and return what it holds.

    Sheets, for the 政策評価表 layout: one 政策評価表 per leading project, then 事業一覧,
    評価・方針, ＳＤＧｓ選択, ＳＤＧｓマトリクス; for the 事務事業評価シート layout: 事務事業評価一覧,
    件数集計, 評価の分布, コスト集計; for every form: a table per section the layout does not
    cover; then 提出状況, 指摘事項, the `extra` tables (前年度比較) (and, 事務事業評価シート, one
    printable sheet per 事業). `reviews` (the lead departments' decisions) and `review_stage` as
    for `consolidate`.
    """
    jimu = is_jimu(form)
    cons = (
        jimu_consolidated(form, master, received)
        if jimu
        else consolidate(master, received, reviews, review_stage=review_stage)
    )
    status = status if status is not None else derived_status(master, cons.received, form)
    seed = print_layout(form) is PRINT_LAYOUTS[SEED_LAYOUT]
    tables = book_tables(master, cons, status, list(intake_issues or []), form)
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    with atomic_path(path) as tmp:
        book = Book(tmp)
        stream = None
        if pause:
            stream = _PausingFile(tmp, pause)
            book.wb.filename = stream
        if seed:
            write_form_sheets(book, master, cons)
        writer = TableWriter(book)
        for table in tables:
            writer.write(table)
            if seed and table.key == SDG_TABLE:
                write_sdg_matrix(book, cons)
            if jimu and table.key == COUNT_TABLE:
                write_distribution(book, form, master, cons.received, table)
        for table in extra or []:
            writer.write(table)
        if jimu:
            write_project_sheets(book, form, master, cons.received)
        title = form.title if form is not None else "政策評価表"
        set_properties(book, master, cons.received, f"{master.settings.evaluation_label} {title}（統合）")
        book.wb.worksheets()[0].activate()
        book.close()
        if stream is not None:
            stream.close()
    return cons


def _clean_stale_temps(target: Path, older_than: float = 600) -> None:
    """Remove temporary books a killed merge left behind (older than ten minutes)."""
    now = time.time()
    for tmp in target.parent.glob(f".{target.stem}.*{target.suffix}.tmp"):
        try:
            if now - tmp.stat().st_mtime > older_than:
                tmp.unlink()
        except OSError:
            pass


class BookEdited(XlsheetError):
    """The consolidated book was changed by hand since merge wrote it (Japanese message)."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(
            f"統合ブック {path} は、前回の統合の後に手で編集されています。上書きすると編集が失われるため、"
            "作り直していません。編集を残したまま作り直すには --force を付けてください"
            "（編集したブックは「…_編集版_日時.xlsx」として残します）。"
        )


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def keep_edited(target: Path, recorded: str | None, force: bool) -> Path | None:
    """Guard a book edited by hand: BookEdited unless `force`; with it (or when no digest was
    recorded, as for a book an older xlsheet wrote) keep a copy as `…_編集版_<time>.xlsx`."""
    if not target.exists():
        return None
    if recorded is not None and _digest(target) == recorded:
        return None
    if recorded is not None and not force:
        raise BookEdited(target)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = target.with_name(f"{target.stem}_編集版_{stamp}{target.suffix}")
    shutil.copy2(target, kept)
    return kept


def _remove_stale_pdfs(target: Path, written: list[Path], ledger) -> list[Path]:
    """Remove `<book>_*.pdf` files an earlier merge wrote (recorded in the ledger and unchanged
    since) that no leading project prints now, so a renamed project's old pages are not
    published by mistake. Files merge did not write, or that were changed, stay."""
    keep = {p.resolve() for p in written}
    removed = []
    for old in sorted(target.parent.glob(f"{target.stem}_*.pdf")):
        path = old.resolve()
        if path in keep or ledger.output_digest(path) != _digest(old):
            continue
        try:
            old.unlink()
        except OSError:  # open in a viewer on Windows: left for the next merge
            continue
        removed.append(old)
    return removed


def _extra_tables(rnd: Round, master: Master, received: list[Received]) -> list[Table]:
    """The 前年度比較 table when the round was started from last year's (`init --from`)."""
    if rnd.previous is None:
        return []
    return [comparison_table(round_comparison(rnd.previous, master, received, rnd.form))]


def merge_round(root: Path, *, pdf: bool = False, csv: bool = False, force: bool = False) -> MergeResult:
    """Write output/政策評価表_<round>.xlsx from the ledger (and the PDF / CSV files on request:
    the whole book's PDF and one per leading project, each recorded in the ledger like the book).

    A book edited by hand since the last merge is never overwritten silently: BookEdited, or with
    `force` a copy is kept first (`MergeResult.kept`)."""
    from ..intake.ledger import Ledger

    rnd = Round(Path(root))
    paths, form = rnd.paths, rnd.form
    master, received, status, intake_issues = load_round(paths.root)
    with rnd.ledger() as ledger:
        reviews = current_reviews(ledger, master)
    target = book_path(paths, master, form)
    _clean_stale_temps(target)
    for folder in (target.parent, target.parent / "csv"):
        clean_leftovers(folder)  # `.pdf-*` work folders and `.tmp` files of a killed merge
    with Ledger(paths.ledger) as ledger:
        kept = keep_edited(target, ledger.output_digest(target.resolve()), force)
        extra = _extra_tables(rnd, master, received)
        cons = write_book(
            master,
            received,
            target,
            status=status,
            intake_issues=intake_issues,
            form=form,
            reviews=reviews,
            review_stage=paths.review_outbox.is_dir(),
            extra=extra,
        )
        ledger.record_output(target.resolve(), _digest(target))
    result = MergeResult(
        book=target, consolidated=cons, status=status, intake_issues=intake_issues, kept=kept
    )
    if is_jimu(form):
        rows = jimu_rows(form, master, cons.received)
        result.projects = (len(rows), sum(1 for r in rows if r.submitted))
    if pdf and is_jimu(form):
        from .jimu_pdf import export_jimu_pdf

        result.pdf, result.pdf_message = export_jimu_pdf(
            form, master, cons.received, target.with_suffix(".pdf")
        )
        if result.pdf is not None:
            with Ledger(paths.ledger) as ledger:
                ledger.record_output(result.pdf.resolve(), _digest(result.pdf))
    elif pdf:
        from .pdf import export_pdfs

        printed = export_pdfs(master, cons, target.with_suffix(".pdf"))
        result.pdf, result.lp_pdfs, result.pdf_message = printed.book, printed.projects, printed.message
        written = [p for p in (printed.book, *printed.projects) if p is not None]
        if written:
            with Ledger(paths.ledger) as ledger:
                for p in written:
                    ledger.record_output(p.resolve(), _digest(p))
                if printed.book is not None and len(printed.projects) == len(cons.forms):
                    result.removed = _remove_stale_pdfs(target, written, ledger)
    if csv:
        from .frames import csv_names, frames_of, write_csv

        tables = book_tables(master, cons, status, intake_issues, form) + extra
        result.csv = write_csv(frames_of(tables), paths.output / "csv", names=csv_names(tables))
    return result
