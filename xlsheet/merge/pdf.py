"""PDF of the 政策評価表 sheets: through Excel itself (xlwings) where Excel is installed, else LibreOffice.

Both applications print every sheet of a workbook, so the form sheets are written once more into
a print-only workbook (same writer, laid out for the application that prints it) and that one is
converted. On Windows and macOS with Excel, xlwings opens it in an invisible Excel and calls
``Book.to_pdf``; anywhere else, or when Excel cannot be started, LibreOffice headless converts
it. The PDF is moved into place only when the conversion succeeded, so a failed export leaves
the previous PDF alone. ``XLSHEET_PDF=libreoffice`` (or ``excel``) chooses the application.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from ..libreoffice import LibreOfficeMissing, convert
from ..models import Master
from ..xlsxout import Book, FileInUseError, replace_file
from .consolidate import Consolidated
from .form_sheet import EXCEL, LIBREOFFICE, Metrics
from .printed import set_properties, write_form_sheets

PDF_ENV = "XLSHEET_PDF"
"""`excel` or `libreoffice`: which application makes the PDF (default: Excel when present)."""

NO_LIBREOFFICE = (
    "LibreOffice がインストールされていないため、PDF は作成していません。統合ブック（.xlsx）は作成済みです。"
    "PDF が必要なときは LibreOffice を入れてから、もう一度 `xlsheet merge --pdf` を実行してください"
    "（Debian/Ubuntu: sudo apt-get install libreoffice-calc-nogui、Windows/Mac: https://ja.libreoffice.org/ から）。"
    "Excel で統合ブックを開き「ファイル → エクスポート → PDF」でも作れます。"
)


def excel_present() -> bool:
    """Excel can be driven here: Windows or macOS with xlwings importable and Excel installed."""
    if os.environ.get(PDF_ENV, "").lower() == "libreoffice" or sys.platform not in ("win32", "darwin"):
        return False
    try:
        import xlwings as xw
    except Exception:  # xlwings without pywin32/appscript, or not installed
        return False
    try:
        return bool(xw.apps.count) or _excel_installed()
    except Exception:
        return False


def _excel_installed() -> bool:
    if sys.platform == "darwin":
        return Path("/Applications/Microsoft Excel.app").exists()
    import winreg  # Windows only

    try:
        winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, r"Excel.Application\CLSID").Close()
    except OSError:
        return False
    return True


def excel_to_pdf(src: Path, out: Path) -> None:
    """Print every sheet of `src` to `out` with an invisible Excel of its own (quit afterwards)."""
    import xlwings as xw

    app = xw.App(visible=False, add_book=False)
    try:
        app.display_alerts = False
        book = app.books.open(str(src), read_only=True, update_links=False)
        try:
            book.to_pdf(str(out), show=False)
        finally:
            book.close()
    finally:
        app.quit()


def _print_book(master: Master, cons: Consolidated, path: Path, metrics: Metrics) -> None:
    book = Book(path)
    write_form_sheets(book, master, cons, metrics)
    set_properties(book, master, cons.received, f"{master.settings.evaluation_label} 政策評価表")
    book.close()


def _place(out: Path, target: Path, note: str) -> tuple[Path | None, str]:
    try:
        replace_file(out, target)
    except FileInUseError as exc:  # Windows: the previous PDF is open in a viewer
        return None, str(exc)
    return target, note


def export_pdf(master: Master, cons: Consolidated, target: Path) -> tuple[Path | None, str]:
    """Write `target` (.pdf) with one 政策評価表 per leading project; (path, "") or (None, why)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".pdf-", dir=target.parent))
    excel_failed = ""
    try:
        if os.environ.get(PDF_ENV, "").lower() == "excel" or excel_present():
            src = work / f"{target.stem}-excel.xlsx"
            out = work / f"{target.stem}-excel.pdf"
            _print_book(master, cons, src, EXCEL)
            try:
                excel_to_pdf(src, out)
            except Exception as exc:  # Excel missing, busy with a dialog, or refusing: try LibreOffice
                excel_failed = f"Excel での PDF 作成に失敗したため LibreOffice を使いました（{type(exc).__name__}: {exc}）。"
            else:
                if out.exists():
                    return _place(out, target, "")
                excel_failed = "Excel が PDF を書き出しませんでした。LibreOffice を使いました。"
        src = work / f"{target.stem}.xlsx"
        _print_book(master, cons, src, LIBREOFFICE)
        try:
            (out,) = convert([src], "pdf", work / "out")
        except LibreOfficeMissing:
            return None, (excel_failed + NO_LIBREOFFICE) if excel_failed else NO_LIBREOFFICE
        except (RuntimeError, OSError) as exc:
            return None, f"{excel_failed}PDF を作成できませんでした（LibreOffice の変換に失敗）: {exc}"
        return _place(out, target, excel_failed)
    finally:
        shutil.rmtree(work, ignore_errors=True)
