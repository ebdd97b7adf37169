"""Row heights, print scale and page breaks of the input sheets (A4 portrait)."""

from __future__ import annotations

import math
import unicodedata

from ..layout import SheetLayout

PAGE_ROW_DEFAULT = 15.0
"""XlsxWriter's default row height in points."""
A4_PRINTABLE = (595.3 - 72.0, 841.9 - 86.4)
"""A4 in points less the input sheet's margins (0.5 in left/right, 0.6 in top/bottom)."""


def _sheet_width_points(widths: tuple[float, ...]) -> float:
    """Excel column widths (characters of a 7-pixel digit) to points, as Excel sizes them."""
    return sum(int(w * 7 + 0.5) + 5 for w in widths) * 0.75


FONT_WIDTH_ALLOWANCE = 1.22
"""LibreOffice without 游ゴシック lays the columns out about 20 % wider than Excel does (measured)."""


def print_scale(widths: tuple[float, ...]) -> int:
    """Print scale that fits the input sheet's columns on one A4 portrait page in Excel and in
    LibreOffice. An explicit scale rather than fit-to-width: Excel ignores manual page breaks
    under fit-to-page."""
    return min(100, math.floor(100 * A4_PRINTABLE[0] / (_sheet_width_points(widths) * FONT_WIDTH_ALLOWANCE)))


def _text_units(text: str) -> float:
    """Width in full-width characters: CJK and full-width count 1, the rest 1/2."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


MAX_ROW_PT = 409.0
"""Excel's highest row. A longer text fills the row and stays whole in the cell: Excel shows the
rest in the formula bar and while editing (an input cell cannot be split into rows)."""


def text_height(text: str, minimum: float, width: float) -> float:
    """Row height (points) that shows wrapped 10 pt text in a cell `width` characters wide.

    At most MAX_ROW_PT: Excel refuses taller rows.
    """
    # A full-width 10 pt glyph is about 1.9 column characters in Excel; LibreOffice's fallback
    # font is wider (FONT_WIDTH_ALLOWANCE), and the row must hold the text in both.
    per_line = max(1.0, width / (1.9 * FONT_WIDTH_ALLOWANCE))
    lines = sum(max(1, math.ceil(_text_units(part) / per_line)) for part in str(text).split("\n"))
    return min(MAX_ROW_PT, max(minimum, 16.0 * lines + 4))


def page_breaks(lay: SheetLayout, heights: dict[int, float], print_scale: int) -> list[int]:
    """Rows to start a new printed page at, so a section's heading stays with its rows.

    A section that fits on one page is moved whole to the next page when it would cross a page
    break; a longer one keeps at least its heading, notes and first row together. Heights are
    estimates (the printer's fonts decide), so a page is taken 8 % shorter than it is.
    """
    scale = print_scale / 100
    repeated = sum(heights.get(r, PAGE_ROW_DEFAULT) for r in range(lay.title_row, lay.info_row + 1))
    page = A4_PRINTABLE[1] / scale * 0.92 - repeated
    h = lambda r: heights.get(r, PAGE_ROW_DEFAULT)  # noqa: E731
    used = sum(h(r) for r in range(lay.info_row + 1, lay.placements[0].title_row)) if lay.placements else 0
    breaks: list[int] = []
    for i, p in enumerate(lay.placements):
        end = lay.placements[i + 1].title_row if i + 1 < len(lay.placements) else p.last_row + 1
        block = sum(h(r) for r in range(p.title_row, end))
        need = block if block <= page else sum(h(r) for r in range(p.title_row, p.first_row + 1))
        if used and used + need > page:
            breaks.append(p.title_row)
            used = 0
        for r in range(p.title_row, end):
            if used + h(r) > page:
                used = 0
            used += h(r)
    return breaks
