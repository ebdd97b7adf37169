"""`xlsheet generate` on the sample round: every workbook opened with openpyxl and checked
against the form definition (names, validations, protection, manifest, print setup, pre-fill)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils.cell import range_boundaries

from tests.conftest import ISSUED
from xlsheet.cli import main
from xlsheet.entry_writer import entry_layouts, write_entry_workbook
from xlsheet.era import date_label
from xlsheet.formdef import FieldKind
from xlsheet.generate import generate_round, init_round
from xlsheet.layout import (
    SHEET_INSTRUCTIONS,
    SHEET_LISTS,
    SHEET_MANIFEST,
    SheetLayout,
    field_list,
    unit_lists,
)
from xlsheet.limits import ERROR_TEXT_MAX, INLINE_LIST_MAX, PROMPT_MAX, TITLE_MAX
from xlsheet.manifest import Manifest, fingerprint
from xlsheet.master import load_master
from xlsheet.models import Master
from xlsheet.paths import RoundPaths
from xlsheet.round import default_form

FORM = default_form()


def _unquote(ref: str) -> str:
    sheet, cells = ref.rsplit("!", 1)
    return sheet.strip("'").replace("''", "'") + "!" + cells


def _layouts(master: Master, dept: str) -> list[SheetLayout]:
    """The layout the writer used: the form's layout for the department's pre-filled rows."""
    return entry_layouts(master, dept)


@pytest.fixture(scope="module")
def generated(sample_round_template):
    """(master, [(department code, path, openpyxl workbook)]) for the whole sample round."""
    paths = RoundPaths(sample_round_template)
    master = load_master(paths.master)
    books = []
    for d in master.participating_departments():
        path = paths.entry_workbook(d)
        books.append((d.code, path, openpyxl.load_workbook(path)))
    return master, books


def test_one_workbook_per_participating_department(generated, sample_round_template):
    master, books = generated
    assert sorted(p.name for _, p, _ in books) == sorted(
        p.name for p in RoundPaths(sample_round_template).outbox.glob("*.xlsx")
    )
    assert [c for c, _, _ in books] == [d.code for d in master.participating_departments()]
    assert len(books) == 7


def test_defined_names_follow_the_layout(generated):
    master, books = generated
    for dept, _, wb in books:
        names = {n: _unquote(d.attr_text) for n, d in wb.defined_names.items()}
        expected = {}
        for lay in _layouts(master, dept):
            for p in lay.placements:
                expected[p.name] = _unquote(p.ref(lay.sheet))
            for src in unit_lists(FORM, master, lay.lp).values():
                assert src.name in names
        section_names = {n: r for n, r in names.items() if not n.startswith("xs_list_")}
        assert section_names == expected, dept
        for n, ref in names.items():
            if n.startswith("xs_list_"):
                assert ref.startswith(SHEET_LISTS + "!"), (dept, n, ref)


def test_validations_follow_the_form(generated):
    master, books = generated
    for dept, _, wb in books:
        for lay in _layouts(master, dept):
            ws = wb[lay.sheet]
            dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
            seen = set()
            for p in lay.placements:
                for col in p.section.fields:
                    if not col.is_input:
                        continue
                    rng = p.column_range(col.key, absolute=False)
                    if p.rows == 1:
                        rng = rng.split(":")[0]
                    dv = dvs.get(rng)
                    assert dv is not None, (dept, p.name, col.key, rng)
                    seen.add(rng)
                    assert dv.showErrorMessage and dv.errorStyle in (None, "stop")
                    assert len(dv.promptTitle or "") <= TITLE_MAX and len(dv.errorTitle or "") <= TITLE_MAX
                    assert len(dv.prompt or "") <= PROMPT_MAX and len(dv.error or "") <= ERROR_TEXT_MAX
                    assert dv.prompt, (dept, p.name, col.key)
                    if col.list:
                        assert dv.type == "list"
                        # A defined name, never a direct cross-sheet reference or an inline list.
                        assert dv.formula1 == field_list(FORM, master, col, p.lp).name
                        assert "!" not in dv.formula1 and '"' not in dv.formula1
                    else:
                        assert col.kind in (FieldKind.TEXT, FieldKind.LONGTEXT) and col.max_len
                        assert (dv.type, dv.operator, dv.formula1) == (
                            "textLength",
                            "lessThanOrEqual",
                            str(col.max_len),
                        )
            assert set(dvs) == seen, dept
            for dv in ws.data_validations.dataValidation:
                assert len(dv.formula1 or "") <= INLINE_LIST_MAX


def _input_cells(lay: SheetLayout) -> set[tuple[int, int]]:
    cells = set()
    for p in lay.placements:
        for col, start, span in p.fields:
            if col.is_input:
                for r in range(p.first_row, p.last_row + 1):
                    for c in range(start, start + span):
                        cells.add((r + 1, c + 1))
    return cells


def test_only_input_cells_are_unlocked_and_every_sheet_is_protected(generated):
    master, books = generated
    for dept, _, wb in books:
        for ws in wb.worksheets:
            assert ws.protection.sheet, (dept, ws.title)
        assert wb[SHEET_LISTS].sheet_state == "veryHidden"
        assert wb[SHEET_MANIFEST].sheet_state == "veryHidden"
        assert wb[SHEET_INSTRUCTIONS].sheet_state == "visible"
        for lay in _layouts(master, dept):
            ws = wb[lay.sheet]
            inputs = _input_cells(lay)
            code_cols = {
                (r + 1, p.col("code") + 1)
                for p in lay.placements
                if any(c.key == "code" and c.kind is FieldKind.CODE for c in p.section.fields)
                for r in range(p.first_row, p.last_row + 1)
            }
            for row in range(1, max(ws.max_row, lay.placements[-1].last_row + 1) + 3):
                for col in range(1, lay.width + 2):
                    cell = ws.cell(row, col)
                    assert cell.protection.locked == ((row, col) not in inputs), (dept, cell.coordinate)
                    if (row, col) in code_cols:
                        assert cell.number_format == "@", (dept, cell.coordinate)
        for cell in (c for row in wb[SHEET_INSTRUCTIONS].iter_rows() for c in row):
            assert cell.protection.locked, (dept, cell.coordinate)


def test_manifest_properties_and_structure(generated):
    master, books = generated
    for dept, path, wb in books:
        props = {p.name: p.value for p in wb.custom_doc_props}
        manifest = Manifest.from_properties(props)
        assert manifest is not None
        assert (manifest.form_id, manifest.form_version) == (FORM.id, FORM.version)
        assert (manifest.round_id, manifest.department, manifest.issued) == (
            master.settings.round_id,
            dept,
            ISSUED,
        )
        assert manifest.lps == ",".join(lp.code for lp in master.department_lps(dept))
        ms = wb[SHEET_MANIFEST]
        structure = json.loads(ms["A2"].value)
        assert manifest.fingerprint == fingerprint(structure)
        assert json.loads(ms["A3"].value) == manifest.model_dump(mode="json")
        assert structure["sheets"] == wb.sheetnames
        assert {n: _unquote(r) for n, r in structure["names"].items()} == {
            n: _unquote(d.attr_text) for n, d in wb.defined_names.items()
        }
        assert len(structure["validations"]) == sum(
            len(wb[s].data_validations.dataValidation) for s in wb.sheetnames
        )
        with zipfile.ZipFile(path) as zf:
            assert not [n for n in zf.namelist() if "vbaProject" in n or n.endswith(".bin")]


def test_print_setup_and_instructions(generated):
    master, books = generated
    s = master.settings
    deadline = date_label(s.deadline)
    assert deadline == "令和２年６月３０日（火）"
    for dept, _, wb in books:
        ins = wb[SHEET_INSTRUCTIONS]
        text = "\n".join(str(c.value) for row in ins.iter_rows() for c in row if c.value is not None)
        assert deadline in text
        assert s.office_name in text and s.office_contact in text and s.office_email in text
        assert s.office_phone in text and master.department(dept).name in text
        assert ins.page_setup.paperSize == 9
        for lay in _layouts(master, dept):
            ws = wb[lay.sheet]
            assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
            assert ws.print_title_rows == f"${lay.title_row + 1}:${lay.info_row + 1}"
            assert ws.freeze_panes == f"A{lay.status_row + 2}"
            assert deadline in ws.cell(lay.info_row + 1, 1).value
            # Manual page breaks only at a section's title row, never inside a section.
            titles = {p.title_row for p in lay.placements}
            assert all(b.id in titles for b in ws.row_breaks.brk), dept
            heading = ws.cell(lay.placements[0].title_row + 1, 1).value
            assert heading == "【令和元年度に実施した事業】"
            assert ws.cell(lay.direction_row + 1, 1).value == master.leading_project(lay.lp).direction
            for cell in (c for row in ws.iter_rows() for c in row):
                if cell.has_style and cell.font is not None and cell.value is not None:
                    assert cell.font.name == "游ゴシック", (dept, cell.coordinate)


def _rows(ws, ref: str) -> list[list]:
    c1, r1, c2, r2 = range_boundaries(ref.split("!")[1].replace("$", ""))
    return [[ws.cell(r, c).value for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]


def test_department_rows_are_prefilled(generated):
    master, books = generated
    for dept, _, wb in books:
        dname = master.department(dept).name
        for lay in _layouts(master, dept):
            ws = wb[lay.sheet]
            p = lay.placement("projects")
            rows = _rows(ws, p.ref(lay.sheet))
            code, cat, name, owner = p.col("code"), p.col("category"), p.col("name"), p.col("owner")
            used = [r for r in rows if r[code]]
            initiatives = master.department_initiatives(dept, lay.lp)
            assert [r[code] for r in used[: len(used)]] == sorted(
                (r[code] for r in used), key=[i.code for i, _ in initiatives].index
            )
            assert {r[code] for r in used} == {i.code for i, _ in initiatives}
            for i, category in initiatives:
                known = [k for k in master.known_projects if k.initiative == i.code and k.department == dept]
                mine = [r for r in used if r[code] == i.code]
                assert len(mine) == max(1, len(known))
                assert all(r[cat] == category.value for r in mine)
                assert [r[name] for r in mine if r[name]] == [k.name for k in known]
                assert [r[owner] for r in mine] == [k.owner or dname for k in known] or not known
            # Rows not pre-filled are empty input rows (apart from the title lookup formula).
            for r in rows[len(used) :]:
                assert r[code] is None and r[name] is None and r[owner] is None
            sdgs = _rows(ws, lay.placement("sdgs").ref(lay.sheet))
            assert [r[0] for r in sdgs] == list(range(1, 18))


def test_lead_department_gets_the_lead_only_sections(generated):
    master, books = generated
    lead = master.leading_projects[0].lead_department
    for dept, _, wb in books:
        names = set(wb.defined_names)
        lead_only = {s.key for s in FORM.sections if s.lead_only}
        for lp in master.department_lps(dept):
            has = {k for k in lead_only if f"xs_{lp.code}_{k}" in names}
            assert has == (lead_only if dept == lead else set()), dept


def test_cli_init_and_generate(tmp_path):
    runner = CliRunner()
    root = tmp_path / "r"
    res = runner.invoke(main, ["init", str(root), "--sample"])
    assert res.exit_code == 0, res.output
    assert "マスタデータを作成しました" in res.output
    res = runner.invoke(main, ["init", str(root), "--sample"])
    assert res.exit_code == 2 and "すでにあります" in res.output
    res = runner.invoke(main, ["generate", str(root)])
    assert res.exit_code == 0, res.output
    outbox = sorted(RoundPaths(root).outbox.glob("*.xlsx"))
    assert len(outbox) == 7 and f"入力ブックを {len(outbox)} 件作成しました" in res.output
    # Regenerating replaces the books in place, nothing half-written is left behind.
    generate_round(root, issued=ISSUED)
    assert sorted(RoundPaths(root).outbox.iterdir()) == outbox


def test_init_refuses_to_overwrite_without_force(tmp_path):
    init_round(tmp_path, sample=True)
    before = (tmp_path / "master.xlsx").read_bytes()
    with pytest.raises(FileExistsError):
        init_round(tmp_path, sample=True)
    assert (tmp_path / "master.xlsx").read_bytes() == before
    init_round(tmp_path, sample=True, force=True)
    assert Path(tmp_path / "master.xlsx").exists()


def test_writer_choice_benchmark_compares_the_same_workbook(tmp_path):
    """benchmarks/writer_choice.py times openpyxl on the very workbook XlsxWriter writes."""
    from benchmarks.replay import recording, replay
    from benchmarks.writer_choice import compare, replay_openpyxl
    from xlsheet.entry_writer import write_entry_workbook
    from xlsheet.sample import sample_master

    master = sample_master()
    with recording() as rec:
        write_entry_workbook(master, "D110", tmp_path / "xlsheet.xlsx", issued=ISSUED)
    ops = rec.books[0]
    replay(ops, tmp_path / "xw.xlsx")
    replay_openpyxl(ops, tmp_path / "op.xlsx")
    assert compare(tmp_path / "xlsheet.xlsx", tmp_path / "xw.xlsx") == []
    assert compare(tmp_path / "xw.xlsx", tmp_path / "op.xlsx") == []
    # The comparison sees a difference: one merged range fewer.
    i = next(i for i, op in enumerate(ops) if op[2] == "merge_range")
    replay_openpyxl(ops[:i] + ops[i + 1 :], tmp_path / "op2.xlsx")
    assert compare(tmp_path / "xw.xlsx", tmp_path / "op2.xlsx")


def test_department_dropdown_lists_the_leading_projects_neighbourhood(tmp_path):
    """所属 lists the departments around the leading project, not the whole city: a round with many
    departments keeps each workbook (and its dropdown) small, and intake checks the same list."""
    from benchmarks.synthetic import synthetic_master
    from xlsheet.intake.validate import Lists
    from xlsheet.layout import department_names, list_source

    master = synthetic_master(60)  # three leading projects of 20 departments, two 部 each
    names = department_names(master, "LP000")
    assert names == tuple(f"第{i}課" for i in range(20))
    assert Lists.for_lp(master, "LP001").departments == tuple(f"第{i}課" for i in range(20, 40))
    path = tmp_path / "d.xlsx"
    write_entry_workbook(master, "D00005", path)
    wb = openpyxl.load_workbook(path)
    dn = wb.defined_names[list_source(FORM, master, "所属", "LP000").name]
    sheet, ref = next(iter(dn.destinations))
    assert [c.value for row in wb[sheet][ref] for c in row] == list(names)
