"""The 政策評価表 sheet: one leading project laid out like the seed form, ready to print on A4.

Every piece of the seed has its own row, top to bottom: title, leading project, 方向性,
実施した事業 (≪主な≫ / ≪関連する≫ blocks, code + title, subtitle, 事業名 + 所属),
評価及び今後の方針 (● paragraphs, ●総評, 今後の方針), ＳＤＧｓ (two columns, the chosen numbers
circled and highlighted). A text paragraph is one row with a height computed from its length,
and page breaks are set only between blocks, so a page never cuts a paragraph or separates a
heading from what follows it.

Every text is broken into lines here (`linebreak.py`, with 禁則) and written with those line
breaks, at column widths that print equally wide in Excel and LibreOffice: the book and the PDF
show the same lines on the same pages, and each leading project's pages are numbered 1 / N of
its own.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from xlsxwriter.worksheet import Worksheet

from ..era import to_fullwidth
from ..models import SDG_GOALS, Settings
from ..xlsxout import Book, header_footer_text
from .consolidate import PROJECTS_PER_INITIATIVE, InitiativeBlock, LpForm, ParagraphRow
from .linebreak import wrap
from .ring import RING_HEIGHT, RING_WIDTH, ring_png

# Columns: A margin | B code / SDG number | C title, 事業名, SDG name | D SDG number | E–F SDG name;
# 事業名 spans C–E and 所属 sits in F.
COLUMN_PT = (6.0, 42.0, 204.0, 42.0, 53.0, 140.0)
"""Printed column widths in points (487 pt: A4 portrait less 0.6-inch margins is 508 pt); each
application gets the column-width units that print this wide in it."""
LAST_COL = len(COLUMN_PT) - 1
FONT_PT = 10.5
TITLE_PT = 14.0


@dataclass(frozen=True)
class Metrics:
    """How the application that will print a sheet sizes its columns and lines.

    Row heights must be set by us (Excel never grows the row of a merged cell), and Excel and
    LibreOffice size the same column differently: the book is written for Excel and the
    print-only workbook behind the PDF for LibreOffice, each with the column units that print
    COLUMN_PT wide in it. The lines (and so the pages) are the same in both; only the row
    heights follow each application's line spacing.
    """

    pt_per_unit: float
    """How wide one unit of a column's stored width prints."""
    line_factor: float
    """Line height as a multiple of the font size (Japanese fonts carry generous leading)."""

    def row_height(self, lines: int, font_pt: float = FONT_PT) -> float:
        return round(lines * font_pt * self.line_factor + ROW_PAD, 1)

    @property
    def px_per_unit(self) -> float:
        return self.pt_per_unit * 4 / 3

    def set_columns(self, ws: Worksheet, widths_pt: tuple[float, ...]) -> None:
        """Columns that print `widths_pt` wide in this application.

        XlsxWriter keeps column widths in pixels and anchors pictures by them; told this
        application's pixels per unit, it writes the widths that print as asked and places the
        SDG ring where this application draws the cell.
        """
        ws.max_digit_width = self.px_per_unit  # type: ignore[assignment]
        for c, pt in enumerate(widths_pt):
            ws.set_column_pixels(c, c, round(pt * 4 / 3))


EXCEL = Metrics(pt_per_unit=5.25, line_factor=1.75)
"""Excel: 7 px per stored unit with the book's default font (游ゴシック 10) at 96 dpi;
游ゴシック lines are about 1.7 times the font size (its 11 pt default row is 18.75 pt)."""
LIBREOFFICE = Metrics(pt_per_unit=6.35, line_factor=1.5)
"""LibreOffice: measured on its PDF output (a column of width 20 prints 131.5 pt wide; the
Japanese fallback font, Noto Sans CJK / IPAex, sets lines about 1.45 times the font size)."""
PAGE_METRICS = max((EXCEL, LIBREOFFICE), key=lambda m: m.line_factor)
"""Pages are planned with the taller rows, so both applications print the same rows on a page."""
SLACK_CHARS = 1.0
"""Characters per line kept in reserve (fonts differ a little; a line must never re-wrap)."""
INDENT_CHARS = 1.0
"""What one indent level takes from a line."""
CELL_PAD_PT = 4.0
MAX_ROW_PT = 400.0
"""A paragraph row is split before it grows past this (Excel's rows are at most 409 pt high)."""
EXCEL_MAX_ROW_PT = 409.0
"""No row is set higher than Excel allows, whatever its text."""
ROW_PAD = 4.0
PAGE_HEIGHT_PT = 842.0  # A4
MARGIN_IN = 0.6
PAGE_SLACK_PT = 24.0
"""Room kept free on every page for the footer and rounding."""
SPACER_PT = 8.0
RING_ROW_PT = RING_HEIGHT * 0.75 + 6
"""An SDG row holds the ring round its number with room above and below."""
MARK_FILL = "#FFF2CC"
MARK_COLOR = "#C00000"

SUBTITLE_SAME_LINE = 42
"""Code, title and （subtitle） share a line when title + subtitle are at most this many characters."""


def text_width(text: str) -> float:
    """Width in full-width characters: ASCII counts one half, everything else one.

    (Counted at C speed; half-width katakana, the only common exception, are rare in these texts.)
    """
    return len(text) - 0.5 * len(text.encode("ascii", "ignore"))


def per_line(first: int, last: int, font_pt: float = FONT_PT, indent: float = 0.0) -> float:
    """Full-width characters a line holds in columns `first`..`last` (both applications)."""
    width = sum(COLUMN_PT[first : last + 1]) - CELL_PAD_PT
    return max(1.0, width / font_pt - SLACK_CHARS - indent)


def printed_lines(
    text: str, first: int, last: int, font_pt: float = FONT_PT, indent: float = 0.0
) -> list[str]:
    """`text` as the lines it prints as in columns `first`..`last` (禁則 applied)."""
    return wrap(text, per_line(first, last, font_pt, indent))


BULLETS = "●○・◯･"
"""Marks a department may type before a heading the layout already bullets."""


def bare_heading(text: str) -> str:
    """A heading without the bullet marks and spaces in front (the layout adds its own ●)."""
    return text.lstrip(BULLETS + " \u3000") or text


@dataclass
class _Row:
    height: float
    breakable: bool
    """A page may start at this row."""


class FormSheetWriter:
    """Writes 政策評価表 sheets into one Book (formats made once, shared by every sheet)."""

    def __init__(self, book: Book, settings: Settings, metrics: Metrics = EXCEL):
        self.b = book
        self.metrics = metrics
        self.evaluation = settings.evaluation_label
        self.evaluated = settings.evaluated_label
        f = book.fmt
        # every text cell wraps: the line breaks in its text are the printed lines
        base = {"font_size": FONT_PT, "valign": "top", "text_wrap": True}
        self.f_title = f(font_size=TITLE_PT, bold=True, align="center", valign="vcenter", text_wrap=True)
        self.f_lp = f(font_size=12, bold=True, valign="vcenter", border=1, bg_color="#F2F2F2", text_wrap=True)
        self.f_heading = f(**base, bold=True, bottom=1)
        self.f_block = f(**base, bold=True)
        self.f_sub = f(**base, bold=True, underline=1)
        self.f_text = f(**base)
        self.f_code = f(**base)
        self.f_project = f(**base, indent=1)
        self.f_owner = f(**base)
        self.f_para_head = f(**base, bold=True)
        self.f_sdg_num = f(font_size=FONT_PT, align="center", valign="vcenter")
        self.f_sdg_name = f(font_size=FONT_PT, valign="vcenter", text_wrap=True)
        self.f_sdg_num_on = f(
            font_size=FONT_PT,
            align="center",
            valign="vcenter",
            bold=True,
            font_color=MARK_COLOR,
            bg_color=MARK_FILL,
        )
        self.f_sdg_name_on = f(
            font_size=FONT_PT, valign="vcenter", text_wrap=True, bold=True, bg_color=MARK_FILL
        )
        self.ring = io.BytesIO(ring_png())

    # -- rows ---------------------------------------------------------------------------------
    def _add(self, breakable: bool, lines: int = 0, font: float = FONT_PT, at_least: float = 0.0) -> int:
        """A row of `lines` lines (or just `at_least` points high): shown at this application's
        height, planned into pages at the taller one."""
        shown = max(self.metrics.row_height(lines, font) if lines else 0.0, at_least)
        paged = max(PAGE_METRICS.row_height(lines, font) if lines else 0.0, at_least)
        # a title or name from the master can be long too: no row passes Excel's limit
        shown, paged = min(shown, EXCEL_MAX_ROW_PT), min(paged, EXCEL_MAX_ROW_PT)
        r = len(self.rows)
        self.rows.append(_Row(paged, breakable))
        self.ws.set_row(r, shown)
        return r

    def spacer(self, height: float = SPACER_PT) -> None:
        self._add(False, at_least=height)

    def line(
        self,
        text: str,
        fmt,
        breakable: bool,
        first: int = 0,
        last: int = LAST_COL,
        font: float = FONT_PT,
        lines: list[str] | None = None,
    ) -> None:
        lines = lines if lines is not None else printed_lines(text, first, last, font)
        r = self._add(breakable, len(lines), font)
        self.b.merge(self.ws, r, first, last, "\n".join(lines), fmt)

    def paragraph(self, text: str, first_breakable: bool) -> None:
        """Free text, one row per paragraph (a line break in the text starts a new row).

        A paragraph taller than Excel's highest row is split after a sentence (。) into rows a
        page may fall between; shorter ones stay in one row, which no page break can cut.
        """
        first = True
        for part in text.split("\n"):
            if not part.strip():
                continue
            for n, chunk in enumerate(self._chunks(printed_lines(part, 1, LAST_COL))):
                self.line("", self.f_text, (first and first_breakable) or n > 0, 1, lines=chunk)
                first = False

    @staticmethod
    def _chunks(lines: list[str]) -> list[list[str]]:
        """The lines in rows of at most MAX_ROW_PT, each ending after a sentence where one can."""
        most = max(1, int((MAX_ROW_PT - ROW_PAD) / (FONT_PT * PAGE_METRICS.line_factor)))
        out: list[list[str]] = []
        while len(lines) > most:
            cut = next(
                (k for k in range(most, most // 2, -1) if lines[k - 1].endswith(("。", "」", "）"))),
                most,
            )
            out.append(lines[:cut])
            lines = lines[cut:]
        return [*out, lines]

    def heading(self, text: str) -> None:
        self.line(text, self.f_heading, True)

    # -- sheet --------------------------------------------------------------------------------
    def write(self, ws: Worksheet, form: LpForm) -> int:
        """Lay out one leading project on `ws`; returns how many pages it prints on."""
        self.ws = ws
        self.rows: list[_Row] = []
        self.metrics.set_columns(ws, COLUMN_PT)
        lp = form.lp

        self.line(f"{self.evaluation} 政策評価表", self.f_title, True, font=TITLE_PT)
        self.spacer(6)
        self.line(f"リーディングプロジェクト　{lp.name}", self.f_lp, False, font=12)
        self.spacer()
        self.heading("【リーディングプロジェクトの方向性】")
        self.paragraph(lp.direction, False)
        self.spacer()

        self.heading(f"【{self.evaluated}に実施した事業】")
        note = f"（事業名と所属を記載（最大{to_fullwidth(str(PROJECTS_PER_INITIATIVE))}つまで））"
        self.line(f"≪「主な取り組み」にあたる事業≫{note}", self.f_block, False, 1)
        for n, block in enumerate(form.main):
            self.initiative(block, n > 0)
        self.line(f"≪「関連する取り組み」にあたる事業≫{note}", self.f_block, True, 1)
        for n, block in enumerate(form.related):
            self.initiative(block, n > 0)
        self.spacer()

        self.heading("【評価及び今後の方針】（施策評価、事務事業評価を踏まえた分析を記載）")
        self.line(f"{self.evaluated}の取り組みに対する評価", self.f_sub, False, 1)
        for n, p in enumerate(form.evaluations):
            self.bullet(p, n > 0)
        if form.summary:
            self.bullet(form.summary, True, "総評")
        self.line("今後の方針", self.f_sub, True, 1)
        if form.policy_intro:
            self.paragraph(form.policy_intro.body, False)
            self.spacer()
        for n, p in enumerate(form.policies):
            self.bullet(p, n > 0 or form.policy_intro is not None)

        self.sdgs(form)
        return self.page_setup(form)

    def initiative(self, block: InitiativeBlock, breakable: bool) -> None:
        i = block.initiative
        sub = f"（{i.subtitle}）" if i.subtitle else ""
        same_line = text_width(i.title + sub) <= SUBTITLE_SAME_LINE
        title = printed_lines(i.title + sub if same_line else i.title, 2, LAST_COL)
        r = self._add(breakable, len(title))
        self.b.write(self.ws, r, 1, i.code, self.f_code)
        self.b.merge(self.ws, r, 2, LAST_COL, "\n".join(title), self.f_text)
        if sub and not same_line:
            self.line(sub, self.f_text, False, 2)
        for p in block.projects:
            name = printed_lines(p.name, 2, 4, indent=INDENT_CHARS)
            owner = printed_lines(p.owner, 5, 5)
            r = self._add(False, max(len(name), len(owner)))
            self.b.merge(self.ws, r, 2, 4, "\n".join(name), self.f_project)
            self.b.write(self.ws, r, 5, "\n".join(owner), self.f_owner)
        self.spacer()

    def bullet(self, p: ParagraphRow, breakable: bool, heading: str | None = None) -> None:
        self.line(f"●{bare_heading(heading or p.heading)}", self.f_para_head, breakable, 1)
        self.paragraph(p.body, False)
        self.spacer()

    def sdgs(self, form: LpForm) -> None:
        self.spacer()
        self.heading("【ＳＤＧｓへの貢献】（あてはまる項目の番号を囲んでください）")
        half = math.ceil(len(SDG_GOALS) / 2)
        for k in range(half):
            pair = [(g, c) for g, c in ((k + 1, 1), (k + 1 + half, 3)) if g <= len(SDG_GOALS)]
            names = {
                g: printed_lines(SDG_GOALS[g - 1], c + 1, c + 1 if c == 1 else LAST_COL) for g, c in pair
            }
            lines = max(len(x) for x in names.values())
            h = max(self.metrics.row_height(lines), RING_ROW_PT)
            r = self._add(False, lines, at_least=RING_ROW_PT)
            for goal, col in pair:
                on = goal in form.sdgs
                self.b.write(
                    self.ws, r, col, to_fullwidth(str(goal)), self.f_sdg_num_on if on else self.f_sdg_num
                )
                last = col + 1 if col == 1 else LAST_COL
                self.b.merge(
                    self.ws,
                    r,
                    col + 1,
                    last,
                    "\n".join(names[goal]),
                    self.f_sdg_name_on if on else self.f_sdg_name,
                )
                if on:
                    self.circle(r, col, h)

    def circle(self, row: int, col: int, height_pt: float) -> None:
        """The ring round the number in (row, col), centred in the cell (see `set_columns`)."""
        self.ws.insert_image(
            row,
            col,
            "sdg-mark.png",
            {
                "image_data": self.ring,
                "x_offset": max(0, int((COLUMN_PT[col] * 4 / 3 - RING_WIDTH) / 2)),
                "y_offset": max(0, int((height_pt * 4 / 3 - RING_HEIGHT) / 2)),
                "object_position": 2,
                "decorative": True,
            },
        )

    def page_setup(self, form: LpForm) -> int:
        """Paper, margins, print area and page breaks; each sheet numbers its own pages from 1."""
        ws = self.ws
        ws.set_paper(9)
        ws.set_portrait()
        ws.set_margins(left=MARGIN_IN, right=MARGIN_IN, top=MARGIN_IN, bottom=MARGIN_IN)
        ws.center_horizontally()
        breaks = page_breaks(self.rows)
        pages = len(breaks) + 1
        ws.set_start_page(1)
        ws.set_footer(lp_footer(form.lp.name, pages), {"margin": 0.3})
        ws.hide_gridlines(2)
        ws.print_area(0, 0, len(self.rows) - 1, LAST_COL)
        ws.set_h_pagebreaks(breaks)
        return pages


FOOTER_MAX = 255
"""Excel's limit for a header or footer string (XlsxWriter drops a longer one with a warning)."""


def lp_footer(name: str, pages: int | None = None) -> str:
    """The form sheet's footer: the leading project's name (escaped, shortened to fit) and page
    x / y, y being the leading project's own page count when known (`&N` counts every sheet
    printed together)."""
    total = str(pages) if pages else "&N"
    while True:
        footer = f"&C&9{header_footer_text(name, after_size_code=True)}　&P / {total}"
        if len(footer) <= FOOTER_MAX or not name:
            return footer
        name = name[: max(0, len(name) - max(1, (len(footer) - FOOTER_MAX) // 2))]


def page_breaks(rows: list[_Row]) -> list[int]:
    """Rows that start a new page: only where a block starts, before the page would overflow.

    A block taller than a page is broken between its rows here too, so the application never
    breaks a page by itself and the page count is known (the footer prints it)."""
    capacity = PAGE_HEIGHT_PT - 2 * MARGIN_IN * 72 - PAGE_SLACK_PT
    breaks: list[int] = []
    used = 0.0
    r = 0
    n = len(rows)
    while r < n:
        # the block: this row and every following non-breakable row
        end = r + 1
        while end < n and not rows[end].breakable:
            end += 1
        height = sum(x.height for x in rows[r:end])
        if used > 0 and used + height > capacity:
            breaks.append(r)
            used = 0.0
        if height <= capacity:
            used += height
        else:
            for k in range(r, end):
                if used > 0 and used + rows[k].height > capacity:
                    breaks.append(k)
                    used = 0.0
                used += rows[k].height
        r = end
    return breaks
