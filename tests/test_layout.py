"""The layout from the round's `Form` (xlsheet.layout) is today's layout for the seed form: the
same sheets, rows, columns, defined names and list items for every sample department."""

from __future__ import annotations

import pytest

from tests.formdef_helpers import SEED
from xlsheet import form as legacy
from xlsheet import layout
from xlsheet.entry_writer import workbook_values
from xlsheet.formdef import read_form
from xlsheet.formdef.model import norm
from xlsheet.sample import sample_master


@pytest.fixture(scope="module")
def seed():
    return read_form(SEED)


def _departments(master):
    return sorted(
        {a.department for a in master.assignments} | {lp.lead_department for lp in master.leading_projects}
    )


@pytest.mark.parametrize("prefilled", [False, True], ids=["empty", "prefilled"])
def test_seed_form_lays_out_every_sample_department_as_today(seed, prefilled):
    master = sample_master()
    checked = 0
    for dept in _departments(master):
        filled = None
        if prefilled:
            values = workbook_values(master, dept)
            filled = {lp: {k: len(v) for k, v in vals.items()} for lp, vals in values.items()}
        old = legacy.workbook_layout(legacy.FORM, master, dept, filled)
        new = layout.workbook_layout(seed, master, dept, filled)
        assert len(old) == len(new)
        for o, n in zip(old, new, strict=True):
            assert (n.sheet, n.lp, n.width) == (o.sheet, o.lp, legacy.SHEET_COLUMNS)
            assert (n.title_row, n.info_row, n.status_row, n.direction_title_row, n.direction_row) == (
                o.title_row,
                o.info_row,
                o.status_row,
                o.direction_title_row,
                o.direction_row,
            )
            assert [p.section.key for p in n.placements] == [p.section.key for p in o.placements]
            for op, np_ in zip(o.placements, n.placements, strict=True):
                assert np_.name == op.name
                assert np_.ref(n.sheet) == op.ref(o.sheet)
                assert (np_.first_row, np_.rows, np_.title_row, np_.note_row) == (
                    op.first_row,
                    op.rows,
                    op.title_row,
                    op.note_row,
                )
                assert (np_.header_row, np_.example_row, np_.col_start) == (
                    op.header_row,
                    op.example_row,
                    op.col_start,
                )
                assert np_.spans == tuple(c.span for c in op.section.columns)
                for c in op.section.columns:
                    assert np_.column_range(c.key) == op.column_range(c.key)
            checked += 1
    assert checked > 5


def test_seed_lists_hold_todays_items(seed):
    master = sample_master()
    for lp in master.leading_projects:
        lists = layout.unit_lists(seed, master, lp.code)
        codes = lists[norm("取り組みコード")]
        assert codes.values == legacy.list_values(master, legacy.ListKey.CODES, lp.code)
        assert codes.labels == legacy.list_values(master, legacy.ListKey.INITIATIVES, lp.code)
        assert codes.name == legacy.list_name(legacy.ListKey.CODES, lp.code)
        assert codes.table_name == legacy.list_name(legacy.ListKey.INITIATIVES, lp.code)
        depts = lists[norm("所属")]
        assert depts.values == legacy.list_values(master, legacy.ListKey.DEPARTMENTS, lp.code)
        assert lists[norm("区分")].values == legacy.list_values(master, legacy.ListKey.CATEGORY, lp.code)
        assert lists[norm("貢献")].values == legacy.list_values(master, legacy.ListKey.MARK, lp.code)


def test_defined_names_split_back_into_unit_and_section(seed):
    assert layout.section_for_name(seed, "xs_LP1_policy_intro") == ("LP1", "policy_intro")
    assert layout.section_for_name(seed, "xs_LP_1_policies") == ("LP_1", "policies")
    assert layout.section_for_name(seed, "xs_list_codes_LP1") is None
    assert layout.section_for_name(seed, "Print_Area") is None
