"""PDF of the 政策評価表 sheets: through Excel itself (xlwings) where Excel is installed, else LibreOffice.

Both applications print every sheet of a workbook, so the form sheets are written once more into
a print-only workbook (same writer, laid out for the application that prints it) and that one is
converted. On Windows and macOS with Excel, xlwings opens it in an invisible Excel and calls
``Book.to_pdf``; anywhere else, or when Excel cannot be started, LibreOffice headless converts
it. The PDF is moved into place only when the conversion succeeded, so a failed export leaves
the previous PDF alone. ``XLSHEET_PDF=libreoffice`` (or ``excel``) chooses the application.

`export_pdfs` writes the whole book and one PDF per leading project (so one project's pages can
be published alone); every leading project's pages are numbered 1 / N of its own in both.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..libreoffice import LibreOfficeMissing, convert
from ..models import Master
from ..paths import safe_filename
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


def excel_to_pdf(jobs: list[tuple[Path, Path]]) -> None:
    """Print every sheet of each source workbook to its PDF with one invisible Excel of its own
    (started once for all of them, quit afterwards)."""
    import xlwings as xw

    app = xw.App(visible=False, add_book=False)
    try:
        app.display_alerts = False
        for src, out in jobs:
            book = app.books.open(str(src), read_only=True, update_links=False)
            try:
                book.to_pdf(str(out), show=False)
            finally:
                book.close()
    finally:
        app.quit()


def _print_book(master: Master, cons: Consolidated, path: Path, metrics: Metrics, only: int | None) -> None:
    book = Book(path)
    write_form_sheets(book, master, cons, metrics, only)
    title = f"{master.settings.evaluation_label} 政策評価表"
    if only is not None:
        title += f"（{cons.forms[only].lp.name}）"
    set_properties(book, master, cons.received, title)
    book.close()


def lp_pdf_paths(target: Path, cons: Consolidated) -> list[Path]:
    """Where each leading project's own PDF goes: beside `target`, named after the project
    (`<target>_<name>.pdf`; the code is added when two names give the same file name)."""
    out: list[Path] = []
    seen: set[str] = set()
    for form in cons.forms:
        name = safe_filename(f"{target.stem}_{form.lp.name}")
        if name.casefold() in seen:
            name = safe_filename(f"{target.stem}_{form.lp.code}_{form.lp.name}")
        seen.add(name.casefold())
        out.append(target.with_name(name + ".pdf"))
    return out


@dataclass
class PdfFiles:
    """What `export_pdfs` wrote: the whole book's PDF and each leading project's."""

    book: Path | None = None
    projects: list[Path] = field(default_factory=list)
    message: str = ""
    """Why a PDF is missing, or a note (Japanese); empty when all went well."""


def _place(out: Path, target: Path) -> str:
    try:
        replace_file(out, target)
    except FileInUseError as exc:  # Windows: the previous PDF is open in a viewer
        return str(exc)
    return ""


def _export(
    master: Master, cons: Consolidated, jobs: list[tuple[int | None, Path]]
) -> tuple[list[Path | None], str]:
    """Print each job (all forms, or the `only`-th) to its target PDF; the targets written
    (None where not) and the message."""
    first = jobs[0][1]
    first.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".pdf-", dir=first.parent))
    excel_failed = ""
    try:
        if os.environ.get(PDF_ENV, "").lower() == "excel" or excel_present():
            try:
                pairs, done = [], []
                for k, (only, target) in enumerate(jobs):
                    src, out = work / f"{k}-excel.xlsx", work / f"{k}-excel.pdf"
                    _print_book(master, cons, src, EXCEL, only)
                    pairs.append((src, out))
                    done.append((out, target))
                excel_to_pdf(pairs)
                for out, _target in done:
                    if not out.exists():
                        raise FileNotFoundError(out)
            except FileNotFoundError:
                excel_failed = "Excel が PDF を書き出しませんでした。LibreOffice を使いました。"
            except Exception as exc:  # Excel missing, busy with a dialog, or refusing: try LibreOffice
                excel_failed = f"Excel での PDF 作成に失敗したため LibreOffice を使いました（{type(exc).__name__}: {exc}）。"
            else:
                return _place_all(done)
        sources = []
        for k, (only, _target) in enumerate(jobs):
            src = work / f"{k}.xlsx"
            _print_book(master, cons, src, LIBREOFFICE, only)
            sources.append(src)
        try:
            outs = convert(sources, "pdf", work / "out")
        except LibreOfficeMissing:
            return [None] * len(jobs), (excel_failed + NO_LIBREOFFICE) if excel_failed else NO_LIBREOFFICE
        except (RuntimeError, OSError) as exc:
            return [None] * len(
                jobs
            ), f"{excel_failed}PDF を作成できませんでした（LibreOffice の変換に失敗）: {exc}"
        placed, note = _place_all([(out, target) for out, (_, target) in zip(outs, jobs, strict=True)])
        return placed, " ".join(x for x in (excel_failed, note) if x)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _place_all(done: list[tuple[Path, Path]]) -> tuple[list[Path | None], str]:
    placed: list[Path | None] = []
    notes: list[str] = []
    for out, target in done:
        why = _place(out, target)
        placed.append(None if why else target)
        if why:
            notes.append(why)
    return placed, " ".join(notes)


def export_pdf(master: Master, cons: Consolidated, target: Path) -> tuple[Path | None, str]:
    """Write `target` (.pdf) with one 政策評価表 per leading project; (path, note) or (None, why)."""
    (path,), note = _export(master, cons, [(None, Path(target))])
    return path, note


def export_pdfs(master: Master, cons: Consolidated, target: Path) -> PdfFiles:
    """Write `target` (.pdf, the whole book) and one PDF per leading project beside it
    (`lp_pdf_paths`), in one run of the printing application."""
    target = Path(target)
    jobs: list[tuple[int | None, Path]] = [(None, target)]
    jobs += [(k, p) for k, p in enumerate(lp_pdf_paths(target, cons))]
    placed, note = _export(master, cons, jobs)
    return PdfFiles(placed[0], [p for p in placed[1:] if p is not None], note)
