"""One leading project's input sheet: heading block, sections and the self-check row."""

from __future__ import annotations

from typing import Any

from ..era import date_label
from ..formdef.compute import recompute
from ..layout import SheetLayout, cell_ref
from ..models import Issue, Severity
from ..units import AnswerUnit, unit_of, unit_title
from .book import EntryBook
from .pages import page_breaks, text_height
from .section import Marks, SectionWriter
from .selfcheck import STATUS_OK, STATUS_UNTOUCHED, blank, self_check_counts, status_message
from .values import Rows, default_values, label_tables, master_values


def input_sheet(eb: EntryBook, lay: SheetLayout, values: dict[str, Rows], annotations: list[Issue]) -> None:
    """Write the sheet, its sections and its self-check (with true cached values)."""
    ws = eb.b.add_sheet(lay.sheet)
    eb.heights = {}
    sheet_heading(eb, ws, lay)
    marks = annotation_marks(annotations, lay.lp)
    missing_terms: list[str] = []
    invalid_terms: list[str] = []
    answer_terms: list[str] = []
    counts = [0, 0]
    answered = 0
    prefill = default_values(eb.master, eb.dept.code, lay.lp, eb.form)
    computed = computed_values(eb, lay, values)
    for p in lay.placements:
        rows = values.get(p.section.key, [])
        writer = SectionWriter(eb, ws, lay, p, missing_terms, invalid_terms)
        writer.write(rows, computed.get(p.section.key, []), marks)
        m, i = self_check_counts(eb.form, eb.master, p, rows)
        counts[0] += m
        counts[1] += i
        # Input columns generate leaves blank are the department's own: anything in them means
        # the book is no longer as it was sent (intake's 未記入 rule looks at the same content).
        given = prefill.get(p.section.key, [])
        for col, start in zip(p.section.fields, p.col_start, strict=True):
            if col.is_input and all(blank(r.get(col.key)) for r in given):
                first, last = cell_ref(p.first_row, start, True), cell_ref(p.last_row, start, True)
                answer_terms.append(f"COUNTA({first}:{last})")
                answered += sum(1 for r in rows if not blank(r.get(col.key)))
    status = status_message(*counts, answered=answered > 0 or not answer_terms)
    status_row(eb, ws, lay, (missing_terms, invalid_terms, answer_terms), counts, status)
    if unit_of(eb.form, eb.master, lay.lp).kind is AnswerUnit.PROJECT:
        ws.fit_to_pages(1, 1)  # a 事業's sheet prints on one A4 page, as published sheets do
    else:
        ws.set_h_pagebreaks(page_breaks(lay, eb.heights, eb.print_scale))
    eb.protect(ws)


def sheet_heading(eb: EntryBook, ws, lay: SheetLayout) -> None:
    """Page setup, title, info line and the leading project's direction."""
    b = eb.b
    unit = unit_of(eb.form, eb.master, lay.lp)
    for c, w in enumerate(eb.widths):
        ws.set_column(c, c, w)
    last = lay.width - 1
    ws.set_paper(9)
    ws.set_portrait()
    ws.set_print_scale(eb.print_scale)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.repeat_rows(lay.title_row, lay.info_row)
    ws.set_footer("&C&P / &N")
    ws.freeze_panes(lay.status_row + 1, 0)
    b.merge(ws, lay.title_row, 0, last, f"{eb.title}　入力シート", eb.f_title)
    eb.set_height(ws, lay.title_row, 24)
    b.merge(
        ws,
        lay.info_row,
        0,
        last,
        f"{unit.kind.noun}: {unit_title(unit)}　／　所属: {eb.dept.name}　／　提出期限: "
        f"{date_label(eb.master.settings.deadline)}",
        eb.f_sub,
    )
    b.merge(ws, lay.direction_title_row, 0, last, unit.note_title, eb.f_heading)
    b.merge(ws, lay.direction_row, 0, last, unit.note, eb.f_direction)
    minimum = 150 if unit.kind is AnswerUnit.LEADING_PROJECT else 36
    eb.set_height(ws, lay.direction_row, text_height(unit.note, minimum, sum(eb.widths)))


def status_row(
    eb: EntryBook,
    ws,
    lay: SheetLayout,
    terms: tuple[list[str], list[str], list[str]],
    counts: list[int],
    status: str,
) -> None:
    """Self check: counts in D and E, message across A:C. The cached values are computed here,
    so the book shows the truth before any recalculation (mail preview, Protected View,
    LibreOffice, which trusts cached values by default)."""
    b, sr = eb.b, lay.status_row
    missing_terms, invalid_terms, answer_terms = terms
    b.formula(ws, sr, 3, "=" + ("+".join(missing_terms) or "0"), eb.f_count_missing, counts[0])
    b.formula(ws, sr, 4, "=" + ("+".join(invalid_terms) or "0"), eb.f_count_invalid, counts[1])
    d, e = cell_ref(sr, 3, True), cell_ref(sr, 4, True)
    ws.merge_range(sr, 0, sr, 2, None, eb.f_status)
    eb.statuses[lay.sheet] = status
    answers = "+".join(answer_terms) or "1"
    b.formula(
        ws,
        sr,
        0,
        f'=IF({d}+{e}=0,IF({answers}=0,"{STATUS_UNTOUCHED}","{STATUS_OK}"),'
        f'"入力チェック: 未入力 "&{d}&" 件・誤り "&{e}&" 件（色の付いたセルを確認）")',
        eb.f_status,
        status,
    )
    eb.set_height(ws, sr, 20)


def computed_values(
    eb: EntryBook, lay: SheetLayout, values: dict[str, Rows]
) -> dict[str, list[dict[str, Any]]]:
    """Every 計算 field of the sheet computed in Python: the formula cells' cached values."""
    data = {
        p.section.key: [
            dict(values.get(p.section.key, [])[r]) if r < len(values.get(p.section.key, [])) else {}
            for r in range(p.rows)
        ]
        for p in lay.placements
    }
    return recompute(eb.form, data, master_values(eb.master), label_tables(eb.form, eb.master, lay.lp))


def annotation_marks(annotations: list[Issue], lp: str) -> Marks:
    """The worst issue per (section, row, column) on one leading project's sheet."""
    rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.FIXED: 2}
    out: Marks = {}
    for i in annotations:
        if i.lp != lp or not i.section or i.row is None or not i.column:
            continue
        key = (i.section, i.row, i.column)
        if key not in out or rank[i.severity] < rank[out[key].severity]:
            out[key] = i
    return out
