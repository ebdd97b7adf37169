"""PDF of the 政策評価表 sheets through LibreOffice headless.

LibreOffice prints every sheet of a workbook, so the form sheets are written once more into a
print-only workbook (same writer, same layout) and that one is converted. The PDF is moved into
place only when the conversion succeeded, so a failed export leaves the previous PDF alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..libreoffice import LibreOfficeMissing, convert
from ..models import Master
from ..xlsxout import Book
from .book import _properties, write_form_sheets
from .consolidate import Consolidated
from .form_sheet import LIBREOFFICE

NO_LIBREOFFICE = (
    "LibreOffice がインストールされていないため、PDF は作成していません。統合ブック（.xlsx）は作成済みです。"
    "PDF が必要なときは LibreOffice を入れてから、もう一度 `xlsheet merge --pdf` を実行してください"
    "（Debian/Ubuntu: sudo apt-get install libreoffice-calc-nogui、Windows/Mac: https://ja.libreoffice.org/ から）。"
    "Excel で統合ブックを開き「ファイル → エクスポート → PDF」でも作れます。"
)


def export_pdf(master: Master, cons: Consolidated, target: Path) -> tuple[Path | None, str]:
    """Write `target` (.pdf) with one 政策評価表 per leading project; (path, "") or (None, why)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".pdf-", dir=target.parent))
    try:
        src = work / f"{target.stem}.xlsx"
        book = Book(src)
        write_form_sheets(book, master, cons, LIBREOFFICE)
        _properties(book, master, cons.received, f"{master.settings.evaluation_label} 政策評価表")
        book.close()
        try:
            (out,) = convert([src], "pdf", work / "out")
        except LibreOfficeMissing:
            return None, NO_LIBREOFFICE
        except (RuntimeError, OSError) as exc:
            return None, f"PDF を作成できませんでした（LibreOffice の変換に失敗）: {exc}"
        os.replace(out, target)
        return target, ""
    finally:
        shutil.rmtree(work, ignore_errors=True)
