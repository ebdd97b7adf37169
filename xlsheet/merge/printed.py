"""The 政策評価表 sheets of a book and its document properties: shared by the consolidated book
(`book.py`) and its print twin for the PDF (`pdf.py`)."""

from __future__ import annotations

import datetime as dt

from ..docprops import outgoing_properties
from ..limits import SHEET_NAME_FORBIDDEN, SHEET_NAME_MAX
from ..models import Master, Received
from ..xlsxout import Book
from .consolidate import Consolidated, LpForm, local_time
from .form_sheet import EXCEL, FormSheetWriter, Metrics

FORM_SHEET_PREFIX = "政策評価表_"


def form_sheet_names(forms: list[LpForm]) -> list[str]:
    """政策評価表_<name>, made valid and unique (31 characters, no \\ / ? * [ ] :)."""
    out: list[str] = []
    seen: set[str] = set()
    for f in forms:
        name = "".join("_" if ch in SHEET_NAME_FORBIDDEN else ch for ch in f.lp.name).strip("'")
        base = (FORM_SHEET_PREFIX + name)[:SHEET_NAME_MAX]
        candidate = base
        if candidate.casefold() in seen:
            suffix = f"_{f.lp.code}"
            candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        n = 2
        while candidate.casefold() in seen:
            suffix = f"_{n}"
            candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
            n += 1
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def document_date(master: Master, received: list[Received]) -> dt.datetime:
    """The book's document date: the latest receipt, else the start of the evaluation year."""
    times = [local_time(r.received_at) for r in received]
    return max(times) if times else dt.datetime(master.settings.evaluation_year, 4, 1)


def write_form_sheets(
    book: Book, master: Master, cons: Consolidated, metrics: Metrics = EXCEL, only: int | None = None
) -> list[str]:
    """One 政策評価表 sheet per leading project (or only the `only`-th one, for its own PDF);
    each numbers its pages from 1."""
    writer = FormSheetWriter(book, master.settings, metrics)
    names = form_sheet_names(cons.forms)
    for k, (name, form) in enumerate(zip(names, cons.forms, strict=True)):
        if only is None or k == only:
            writer.write(book.add_sheet(name), form)
    return names


def set_properties(book: Book, master: Master, received: list[Received], title: str) -> None:
    """The book's properties as for every outgoing book (`docprops`), dated by its last receipt."""
    book.wb.set_properties(outgoing_properties(master.settings, title, document_date(master, received)))
