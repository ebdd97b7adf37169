"""PDF of a 事務事業評価 round: one A4 page per submitted 事業 (`xlsheet merge --pdf`).

As for the 政策評価表 (`pdf.py`), the 事業 sheets are written once more into a print-only workbook,
laid out for the application that prints it, and that workbook is converted: by Excel where it is
installed, else by LibreOffice headless. The PDF is moved into place only when the conversion
succeeded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..formdef import Form
from ..libreoffice import LibreOfficeMissing, convert
from ..models import Master, Received
from ..xlsxout import Book, FileInUseError, replace_file
from .jimu_book import EXCEL, LIBREOFFICE, Metrics, write_project_sheets
from .jimu_tables import JIMU_LAYOUT
from .pdf import NO_LIBREOFFICE, PDF_ENV, excel_present, excel_to_pdf
from .printed import set_properties

NOTHING_SUBMITTED = "提出済みの事業がまだないため、PDF は作成していません。"


def _print_book(form: Form, master: Master, received: list[Received], path: Path, metrics: Metrics) -> int:
    book = Book(path)
    names = write_project_sheets(book, form, master, received, metrics)
    set_properties(book, master, received, f"{master.settings.evaluation_label} {JIMU_LAYOUT}")
    book.close()
    return len(names)


def _place(out: Path, target: Path, note: str) -> tuple[Path | None, str]:
    try:
        replace_file(out, target)
    except FileInUseError as exc:  # Windows: the previous PDF is open in a viewer
        return None, str(exc)
    return target, note


def export_jimu_pdf(
    form: Form, master: Master, received: list[Received], target: Path
) -> tuple[Path | None, str]:
    """Write `target` (.pdf), one page per submitted 事業; (path, note) or (None, why not)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".pdf-", dir=target.parent))
    excel_failed = ""
    try:
        if os.environ.get(PDF_ENV, "").lower() == "excel" or excel_present():
            src, out = work / f"{target.stem}-excel.xlsx", work / f"{target.stem}-excel.pdf"
            if not _print_book(form, master, received, src, EXCEL):
                return None, NOTHING_SUBMITTED
            try:
                excel_to_pdf(src, out)
            except Exception as exc:  # Excel missing, busy with a dialog, or refusing: try LibreOffice
                excel_failed = f"Excel での PDF 作成に失敗したため LibreOffice を使いました（{type(exc).__name__}: {exc}）。"
            else:
                if out.exists():
                    return _place(out, target, "")
                excel_failed = "Excel が PDF を書き出しませんでした。LibreOffice を使いました。"
        src = work / f"{target.stem}.xlsx"
        if not _print_book(form, master, received, src, LIBREOFFICE):
            return None, NOTHING_SUBMITTED
        try:
            (out,) = convert([src], "pdf", work / "out")
        except LibreOfficeMissing:
            return None, excel_failed + NO_LIBREOFFICE
        except (RuntimeError, OSError) as exc:
            return None, f"{excel_failed}PDF を作成できませんでした（LibreOffice の変換に失敗）: {exc}"
        return _place(out, target, excel_failed)
    finally:
        shutil.rmtree(work, ignore_errors=True)
