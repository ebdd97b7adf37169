"""Write one department's entry workbook from the form definition.

Used for the fresh workbooks `generate` sends out and for the feedback workbooks intake returns
(the department's own data again, error cells highlighted and commented). The sheets are written
by the modules of `xlsheet.entry`; this module keeps the public entry points.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .docprops import outgoing_properties
from .entry.book import EntryBook
from .entry.input_sheet import input_sheet
from .entry.pages import MAX_ROW_PT
from .entry.pages import text_height as _text_height
from .entry.selfcheck import STATUS_OK, STATUS_UNTOUCHED, countif_matches, self_check_counts, status_message
from .entry.sheets import (
    evaluations_sheet,
    instructions_sheet,
    instructions_status,
    issues_sheet,
    lists_sheet,
)
from .entry.values import (
    Rows,
    default_values,
    entry_values,
    fill_placeholders,
    master_values,
    section_defaults,
    workbook_values,
)
from .formdef.model import Form
from .given import given_json, given_print
from .layout import SHEET_MANIFEST, SheetLayout, workbook_layout
from .manifest import Manifest, fingerprint, sheet_rows
from .models import Issue, LpEntry, Master
from .round import default_form
from .units import AnswerUnit, unit_codes, unit_kind
from .xlsxout import Book, atomic_path

__all__ = [
    "MAX_ROW_PT",
    "STATUS_OK",
    "STATUS_UNTOUCHED",
    "Rows",
    "_text_height",
    "countif_matches",
    "default_values",
    "entry_layouts",
    "entry_values",
    "fill_placeholders",
    "master_values",
    "section_defaults",
    "self_check_counts",
    "status_message",
    "workbook_values",
    "write_entry_workbook",
]


def entry_layouts(
    master: Master,
    dept: str,
    values: dict[str, dict[str, Rows]] | None = None,
    form: Form | None = None,
) -> list[SheetLayout]:
    """The input sheets' layout as the writer lays them out for these values (default: pre-fill)."""
    form = form or default_form()
    values = workbook_values(master, dept, form=form) if values is None else values
    filled = {lp: {k: len(v) for k, v in vals.items()} for lp, vals in values.items()}
    return workbook_layout(form, master, dept, filled)


def write_entry_workbook(
    master: Master,
    dept: str,
    path: Path,
    *,
    entries: dict[str, LpEntry] | None = None,
    answers: dict[str, dict[str, Rows]] | None = None,
    annotations: list[Issue] | None = None,
    issued: dt.date | None = None,
    form: Form | None = None,
) -> Manifest:
    """Write the department's entry workbook to `path` atomically and return its manifest.

    `form` is the round's form (default: the shipped 政策評価表). Without `answers` (or the
    seed's `entries`) it is pre-filled from the fields' 初期値; with them (a feedback workbook) it
    carries the department's own data, and `annotations` highlight and comment the cells they
    name and fill a 指摘事項 sheet.
    """
    form = form or default_form()
    annotations = annotations or []
    lps = unit_codes(form, master, dept)
    if not lps:
        what = "担当する事業" if unit_kind(form) is AnswerUnit.PROJECT else "報告する取り組み"
        raise ValueError(f"所属「{dept}」には{what}がありません")
    values = workbook_values(master, dept, entries, form, answers)
    layouts = entry_layouts(master, dept, values, form)
    issued = issued or dt.date.today()
    with atomic_path(path) as tmp:
        book = Book(tmp)
        eb = EntryBook(book, master, dept, form)
        instructions_sheet(eb, layouts)
        for lay in layouts:
            input_sheet(eb, lay, values[lay.lp], annotations)
        instructions_status(eb, layouts)
        evaluations_sheet(eb, layouts)
        if annotations:
            issues_sheet(eb, annotations)
        lists_sheet(eb, lps)
        for lay in layouts:
            for p in lay.placements:
                book.define_name(p.name, p.ref(lay.sheet))
        ms = book.add_sheet(SHEET_MANIFEST)
        structure = book.structure
        given_text = given_json(master, dept, unit_kind(form) is AnswerUnit.PROJECT)
        manifest = Manifest(
            form_id=form.id,
            form_version=form.version,
            round_id=master.settings.round_id,
            department=dept,
            issued=issued,
            fingerprint=fingerprint(structure),
            lps=",".join(lps),
            master_print=given_print(given_text),
            form_digest=form.digest[:16],
        )
        for row, text in enumerate(sheet_rows(structure, manifest, given_text)):
            book.write(ms, row, 0, text)
        ms.very_hidden()
        eb.protect(ms)
        for k, v in manifest.properties().items():
            book.wb.set_custom_property(k, v)
        book.wb.set_properties(outgoing_properties(master.settings, f"{eb.title} 入力ブック {eb.dept.name}"))
        book.close()
    return manifest
