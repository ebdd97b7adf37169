"""A thin XlsxWriter wrapper: every write goes through the Excel-limits check.

XlsxWriter was chosen by measurement (docs/generate.md: "Writer choice"). This wrapper adds what it does
not do for us: refuse over-long text and control characters with a Japanese message, never
turn a string into a formula, record the structure (sheets, names, validations) for the
manifest fingerprint, and write atomically (temporary file, then rename).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .errors import XlsheetError
from .layout import cell_ref, quote_sheet
from .limits import ExcelLimitError, check_defined_name, check_sheet_name, check_text, check_validation

JP_FONT = "游ゴシック"


class Book:
    """An XlsxWriter workbook that checks Excel's limits and records its own structure."""

    def __init__(self, path: Path, font: str = JP_FONT, font_size: int = 10):
        self.path = Path(path)
        # in_memory: worksheets are assembled in memory instead of temporary files, about 1.5x
        # faster for a workbook of this size (benchmarks/writer_choice.py).
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "in_memory": True,
            },
        )
        self.wb.formats[0].set_font_name(font)
        self.wb.formats[0].set_font_size(font_size)
        self.font = font
        self.font_size = font_size
        self.structure: dict[str, Any] = {"sheets": [], "names": {}, "validations": []}
        self._sheet_keys: dict[str, str] = {}
        """Sheet names so far, casefolded (Excel compares them ignoring case)."""
        self._formats: dict[tuple, Any] = {}

    # -- formats -----------------------------------------------------------------------------
    def fmt(self, **props: Any):
        """A cached format with the workbook's Japanese font."""
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            base = {"font_name": self.font, "font_size": self.font_size, "valign": "top"}
            base.update(props)
            self._formats[key] = self.wb.add_format(base)
        return self._formats[key]

    # -- structure ---------------------------------------------------------------------------
    def add_sheet(self, name: str) -> Worksheet:
        check_sheet_name(name, self._sheet_keys)
        self.structure["sheets"].append(name)
        return self.wb.add_worksheet(name)

    def define_name(self, name: str, ref: str) -> None:
        check_defined_name(name)
        self.structure["names"][name] = ref
        self.wb.define_name(name, "=" + ref)

    def validate(
        self,
        ws: Worksheet,
        first_row: int,
        first_col: int,
        last_row: int,
        last_col: int,
        options: dict[str, Any],
    ) -> None:
        where = f"シート「{ws.name}」{cell_ref(first_row, first_col)}"
        source = options.get("source")
        check_validation(
            where=where,
            inline_list=source if isinstance(source, list) else None,
            input_title=options.get("input_title", ""),
            input_message=options.get("input_message", ""),
            error_title=options.get("error_title", ""),
            error_message=options.get("error_message", ""),
        )
        sqref = f"{cell_ref(first_row, first_col)}:{cell_ref(last_row, last_col)}"
        self.structure["validations"].append([ws.name, sqref, options["validate"], str(source or "")])
        ws.data_validation(first_row, first_col, last_row, last_col, options)

    # -- cells -------------------------------------------------------------------------------
    def write(self, ws: Worksheet, row: int, col: int, value: Any, fmt=None) -> None:
        """Write one value; strings are always text (a leading = stays text, never a formula)."""
        where = f"シート「{ws.name}」セル{cell_ref(row, col)}"
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            ws.write_string(row, col, check_text(value, where), fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, dt.datetime | dt.date):
            ws.write_datetime(row, col, value, fmt)
        else:
            raise ExcelLimitError(f"{where}: 書き込めない値の型です（{type(value).__name__}）")

    def merge(self, ws: Worksheet, row: int, col: int, last_col: int, value: Any, fmt) -> None:
        """Write a value across columns col..last_col of one row (merged when wider than one)."""
        if last_col == col:
            self.write(ws, row, col, value, fmt)
            return
        ws.merge_range(row, col, row, last_col, None, fmt)
        self.write(ws, row, col, value, fmt)

    def formula(self, ws: Worksheet, row: int, col: int, formula: str, fmt=None, value: Any = "") -> None:
        """A formula we build ourselves (never user text)."""
        ws.write_formula(row, col, formula, fmt, value)

    def close(self) -> None:
        self.wb.close()


def header_footer_text(text: str, after_size_code: bool = False) -> str:
    """`text` as a literal inside an Excel header/footer: & doubled (&& prints one &).

    After a font-size code (&9) a leading digit would be read as part of the size (&9 + 2030年 is
    size 92030): with `after_size_code` such text is preceded by a space.
    """
    text = text.replace("&", "&&")
    if after_size_code and text[:1].isdigit():
        text = " " + text
    return text


def sheet_ref(sheet: str, first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """``'Sheet'!$A$1:$B$2`` (0-based; a single cell keeps both ends, as Excel wrote the names before)."""
    return f"{quote_sheet(sheet)}!{cell_ref(first_row, first_col, True)}:{cell_ref(last_row, last_col, True)}"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class FileInUseError(XlsheetError, PermissionError):
    """The target cannot be replaced: on Windows, the file is open in Excel (message in Japanese)."""


REPLACE_RETRIES = 5
"""Windows: antivirus and search indexers hold a new file for a moment; retry before giving up."""


def replace_file(tmp: Path, target: Path) -> None:
    """os.replace, with Windows' sharing violations retried and then explained in Japanese."""
    for attempt in range(REPLACE_RETRIES):
        try:
            os.replace(tmp, target)
            return
        except PermissionError as exc:
            if attempt + 1 < REPLACE_RETRIES:
                time.sleep(0.2 * (attempt + 1))
                continue
            raise FileInUseError(
                f"「{target}」を上書きできません（別のプログラムが開いています）。"
                "Excel などでこのファイルを開いていたら閉じてから、もう一度実行してください。"
            ) from exc


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; move it into place only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp's 0600 on POSIX; Windows: only keeps it writable
        replace_file(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def protect_sheet(ws: Worksheet, password: str | None) -> None:
    """Protect a sheet of a book that goes to a department (the round's password, if any):
    rows and columns may still be resized, every cell selected."""
    ws.protect(
        password or "",
        {
            "format_rows": True,
            "format_columns": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )
