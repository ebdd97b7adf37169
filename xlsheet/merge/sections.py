"""Flat tables straight from the form: one per section, every field, with provenance.

The print layout a form names (設定 公表レイアウト) may write its own tables for the sections it
lays out (the 政策評価表 layout writes 事業一覧, 評価・方針 and ＳＤＧｓ選択 with what it derives);
every other section of the form gets a table here, a CSV and a DataFrame of its own, so a field
added to the form reaches the book without Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..formdef import Form, Section
from ..formdef.model import fill_years
from ..models import DepartmentStatus, Issue, Master, Received
from ..units import unit_of
from .consolidate import Consolidated
from .jimu_tables import DISTRIBUTION_SHEET, JIMU_LAYOUT, jimu_tables
from .tables import (
    PROV_HEADERS,
    PROV_WIDTHS,
    Table,
    issue_table,
    paragraph_table,
    project_table,
    provenance,
    sdg_table,
    status_table,
    unique_sheet_name,
)

SEED_LAYOUT = "政策評価表"
SDG_TABLE = "sdgs"
"""The 政策評価表 layout's SDG table, followed in the book by its matrix and chart."""
RESERVED_SHEETS = ("ＳＤＧｓマトリクス", "提出状況", "指摘事項", "前年度比較")


@dataclass(frozen=True)
class PrintLayout:
    name: str
    covers: frozenset[str]
    """Section keys whose tables the layout writes itself."""
    covers_blocks: bool = False
    """The layout's own table holds every block section of the form (事務事業評価一覧)."""

    def covered(self, form: Form) -> frozenset[str]:
        """Keys of the sections of `form` that get no table of their own."""
        blocks = {s.key for s in form.sections if s.is_block} if self.covers_blocks else set()
        return self.covers | blocks


PRINT_LAYOUTS = {
    SEED_LAYOUT: PrintLayout(
        SEED_LAYOUT, frozenset({"projects", "evaluations", "summary", "policy_intro", "policies", "sdgs"})
    ),
    JIMU_LAYOUT: PrintLayout(JIMU_LAYOUT, frozenset(), covers_blocks=True),
}
"""Print layouts by the name a form gives in 公表レイアウト; a form naming another (or なし) gets
tables only."""


def print_layout(form: Form | None) -> PrintLayout | None:
    """The form's print layout (None for forms whose layout is not built: tables only).
    Without a form (books written without a round) the seed's."""
    if form is None:
        return PRINT_LAYOUTS[SEED_LAYOUT]
    return PRINT_LAYOUTS.get(form.layout)


def _title(section: Section, master: Master) -> str:
    """The section's heading without its brackets and bullets, years filled in."""
    text = fill_years(section.title, master.settings.evaluation_year)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"[【】●○≪≫\s　]+", " ", text).strip()
    return text or section.key


def _unit_name(form: Form, master: Master, unit: str) -> str:
    try:
        return unit_of(form, master, unit).name
    except KeyError:
        return ""


def section_tables(form: Form, master: Master, received: list[Received], taken: set[str]) -> list[Table]:
    """A table for every section of `form` its print layout does not write, rows from each
    department's current submission (`Submission.answers`), in master order of departments."""
    layout = print_layout(form)
    covered = layout.covered(form) if layout else frozenset()
    order = {d.code: i for i, d in enumerate(master.departments)}
    current = sorted(received, key=lambda r: (order.get(r.department, len(order)), r.department))
    out = []
    for section in form.sections:
        if section.key in covered or (section.carried and master.previous is None):
            continue
        fields = section.fields
        rows = []
        for rec in current:
            prov = provenance(rec, master)
            for unit, sections in rec.submission.answers.items():
                for n, row in enumerate(sections.get(section.key, []), start=1):
                    rows.append(
                        (
                            unit,
                            _unit_name(form, master, unit),
                            n,
                            *(row.get(f.key, "") for f in fields),
                            *prov,
                        )
                    )
        title = _title(section, master)
        out.append(
            Table(
                section.key,
                unique_sheet_name(title, taken),
                (
                    "回答単位",
                    "回答単位の名称",
                    "行",
                    *(fill_years(f.label, master.settings.evaluation_year) for f in fields),
                    *PROV_HEADERS,
                ),
                (14.0, 22.0, 6.0, *(min(60.0, 12.0 + 6.0 * f.span) for f in fields), *PROV_WIDTHS),
                rows,
                title=title,
            )
        )
    return out


def book_tables(
    master: Master,
    cons: Consolidated,
    status: list[DepartmentStatus],
    intake_issues: list[Issue],
    form: Form | None = None,
) -> list[Table]:
    """The flat tables of the book in order: the print layout's own (政策評価表: 事業一覧,
    評価・方針, ＳＤＧｓ選択; 事務事業評価シート: 事務事業評価一覧, 件数集計, コスト集計), one per
    other section of the form, then 提出状況 and 指摘事項."""
    taken = {n.casefold() for n in RESERVED_SHEETS}
    out: list[Table] = []
    layout = print_layout(form)
    if layout is PRINT_LAYOUTS[SEED_LAYOUT]:
        out += [project_table(cons), paragraph_table(cons), sdg_table(cons)]
    elif form is not None and layout is PRINT_LAYOUTS[JIMU_LAYOUT]:
        out += jimu_tables(form, master, cons.received)
        taken.add(DISTRIBUTION_SHEET.casefold())
    taken |= {t.sheet.casefold() for t in out}
    if form is not None:
        out += section_tables(form, master, cons.received, taken)
    out += [status_table(status), issue_table(list(intake_issues), cons.issues)]
    return out
