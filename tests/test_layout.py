"""Where the seed form's sections land (xlsheet.layout): sheet names, header rows, every section's
rows, columns and defined name, and the dropdown lists, for every department of the sample master
and of a master where two departments answer for two leading projects.

tests/data/layout_seed.json holds the expected layouts. They were written out when the seed form
still had a Python twin whose layout was proven equal; a change to the seed workbook or to
layout.py that moves a cell shows up here (regenerate the file only for an intended change).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.formdef_helpers import SEED
from xlsheet import layout
from xlsheet.entry_writer import workbook_values
from xlsheet.formdef import read_form
from xlsheet.formdef.model import norm
from xlsheet.models import Assignment, Category, Master
from xlsheet.sample import sample_master

EXPECTED = json.loads((Path(__file__).parent / "data" / "layout_seed.json").read_text(encoding="utf-8"))


def two_lp_master() -> Master:
    """The sample master plus a second leading project LP_2, led by D220; D220 and D410 answer for both."""
    m = sample_master()
    lp2 = m.leading_projects[0].model_copy(
        update={"code": "LP_2", "name": "第二のプロジェクト", "lead_department": "D220"}
    )
    extra = (
        Assignment(lp="LP_2", initiative="1-4-2", category=Category.MAIN, department="D220"),
        Assignment(lp="LP_2", initiative="3-1-1", category=Category.RELATED, department="D220"),
        Assignment(lp="LP_2", initiative="2-1-3", category=Category.RELATED, department="D410"),
    )
    return m.model_copy(
        update={"leading_projects": (*m.leading_projects, lp2), "assignments": (*m.assignments, *extra)}
    )


MASTERS = {"sample": sample_master, "two_lps": two_lp_master}


@pytest.fixture(scope="module")
def seed():
    return read_form(SEED)


def _departments(master: Master) -> list[str]:
    return sorted(
        {a.department for a in master.assignments} | {lp.lead_department for lp in master.leading_projects}
    )


def _sheet(lay: layout.SheetLayout) -> dict:
    return {
        "sheet": lay.sheet,
        "lp": lay.lp,
        "width": lay.width,
        "header_rows": [
            lay.title_row,
            lay.info_row,
            lay.status_row,
            lay.direction_title_row,
            lay.direction_row,
        ],
        "sections": [
            {
                "key": p.section.key,
                "name": p.name,
                "ref": p.ref(lay.sheet),
                "rows": [p.title_row, p.note_row, p.header_row, p.example_row, p.first_row, p.rows],
                "col_start": list(p.col_start),
                "spans": list(p.spans),
                "columns": {f.key: p.column_range(f.key) for f in p.section.fields},
            }
            for p in lay.placements
        ],
    }


@pytest.mark.parametrize("which", list(MASTERS))
@pytest.mark.parametrize("prefilled", [False, True], ids=["empty", "prefilled"])
def test_seed_form_lays_out_every_department(seed, which, prefilled):
    master = MASTERS[which]()
    expected = EXPECTED[which]["prefilled" if prefilled else "empty"]
    assert sorted(expected) == _departments(master)
    for dept in _departments(master):
        filled = None
        if prefilled:
            values = workbook_values(master, dept)
            filled = {lp: {k: len(v) for k, v in vals.items()} for lp, vals in values.items()}
        got = [_sheet(lay) for lay in layout.workbook_layout(seed, master, dept, filled)]
        assert got == expected[dept], dept


def test_two_leading_projects_get_two_named_sheets(seed):
    """The fixture's multi-sheet case, spelled out: one sheet per leading project, the lead's
    sheet alone has the lead-only sections, the projects table has 3 rows per initiative + 3."""
    master = two_lp_master()
    member = layout.workbook_layout(seed, master, "D410")
    lead = layout.workbook_layout(seed, master, "D220")
    assert [lay.sheet for lay in member] == ["評価入力_KIZUNA", "評価入力_LP_2"]
    lead_only = [s.key for s in seed.sections if s.lead_only]
    assert all(lead[1].placement(k) is not None and member[1].placement(k) is None for k in lead_only)
    projects = seed.sections[0]
    assert lead[1].placement(projects.key).ref(lead[1].sheet) == "'評価入力_LP_2'!$A$12:$E$20"  # 2 × 3 + 3


@pytest.mark.parametrize("which", list(MASTERS))
def test_seed_lists_hold_the_leading_projects_items(seed, which):
    master = MASTERS[which]()
    expected = EXPECTED[which]["lists"]
    assert sorted(expected) == sorted(lp.code for lp in master.leading_projects)
    for lp in master.leading_projects:
        lists = layout.unit_lists(seed, master, lp.code)
        want = expected[lp.code]
        codes = lists[norm("取り組みコード")]
        got = {"name": codes.name, "table_name": codes.table_name, "values": list(codes.values)}
        got["labels"] = list(codes.labels or ())
        assert got == want["取り組みコード"], lp.code
        for name in ("所属", "区分", "貢献"):
            assert list(lists[norm(name)].values) == want[name]["values"], (lp.code, name)


def test_defined_names_split_back_into_unit_and_section(seed):
    assert layout.section_for_name(seed, "xs_LP1_policy_intro") == ("LP1", "policy_intro")
    assert layout.section_for_name(seed, "xs_LP_1_policies") == ("LP_1", "policies")
    assert layout.section_for_name(seed, "xs_list_codes_LP1") is None
    assert layout.section_for_name(seed, "Print_Area") is None
