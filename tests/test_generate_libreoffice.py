"""The generated workbooks in a second spreadsheet application, LibreOffice:

- converted to PDF (recalculated on load): the form's Japanese headings are in the PDF's text,
  in an embedded Japanese font, and a section's heading is printed on the page of its rows;
- round-tripped xlsx -> xlsx as a department using LibreOffice would save it: defined names,
  validations, sheet protection, custom properties and values survive (intake relies on it);
- typed into through LibreOffice's Python bridge (python3-uno, system Python): the macro-free
  self-check counts go from the fresh state to the expected numbers and back to OK.

All conversions of this module run in three soffice processes made by one module fixture.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from tests import lo_bridge
from tests.conftest import needs_libreoffice
from xlsheet.entry_writer import (
    STATUS_UNTOUCHED,
    default_values,
    entry_layouts,
    entry_values,
    fill_placeholders,
    write_entry_workbook,
)
from xlsheet.era import date_label
from xlsheet.layout import SHEET_INSTRUCTIONS, SHEET_LISTS, SHEET_MANIFEST, SheetLayout, cell_ref
from xlsheet.libreoffice import convert
from xlsheet.manifest import Manifest
from xlsheet.master import load_master
from xlsheet.models import Master
from xlsheet.paths import RoundPaths
from xlsheet.round import default_form
from xlsheet.sample import sample_submissions

FORM = default_form()

pytestmark = [needs_libreoffice, pytest.mark.libreoffice]

LEAD_REQUIRED = sum(1 for s in FORM.sections if s.lead_only and s.required)
"""Sections only the lead department fills, each counted once while empty."""


def _layouts(master: Master, dept: str, values=None) -> list[SheetLayout]:
    return entry_layouts(master, dept, values)


def _ref(lay: SheetLayout, row: int, col: int) -> str:
    return f"{lay.sheet}!{cell_ref(row, col)}"


def _status(lay: SheetLayout) -> list[str]:
    return [_ref(lay, lay.status_row, c) for c in (0, 3, 4)]


def _second_name(master: Master, dept: str, lp: str) -> str:
    """事業名 pre-filled in the department's second project row ("" when there is none)."""
    rows = default_values(master, dept, lp)["projects"]
    return rows[1].get("name", "") if len(rows) > 1 else ""


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class Outputs:
    master: Master
    books: dict[str, Path]
    pdfs: dict[str, Path]
    feedback: Path
    feedback_pdf: Path
    roundtrip: dict[str, Path]
    uno: dict[str, list[dict]]
    uno_saved: Path
    lead: str
    instructions_status: dict[str, str]


def _instructions_status(book: Path) -> str:
    """The instructions sheet's status cell: its only formula."""
    ws = openpyxl.load_workbook(book)[SHEET_INSTRUCTIONS]
    cell = next(c for row in ws.iter_rows() for c in row if c.data_type == "f")
    return f"{SHEET_INSTRUCTIONS}!{cell.coordinate}"


def _self_check_jobs(master: Master, books: dict[str, Path], saved: Path) -> dict[str, dict]:
    """For the lead department and one other: fresh state, one code outside the list, one 事業名
    removed, a code typed into a text cell and into a General cell, then everything put right."""
    jobs = {}
    for dept in (master.leading_projects[0].lead_department, "D220"):
        lay = _layouts(master, dept)[0]
        p = lay.placement("projects")
        first, second = p.first_row, p.first_row + 1
        code, name = p.col("code"), p.col("name")
        prefilled = default_values(master, dept, lay.lp)["projects"]
        original_code = prefilled[0]["code"]
        original_name = _second_name(master, dept, lay.lp)
        spare = p.first_row + len(prefilled)
        title = _ref(lay, first, p.col("title"))
        fix: dict[str, str] = {_ref(lay, first, code): original_code}
        if original_name:
            fix[_ref(lay, second, name)] = original_name
        for key in ("summary", "policy_intro"):
            q = lay.placement(key)
            if q is not None:
                fix[_ref(lay, q.first_row, q.col("body"))] = "総評と前文の入力"
        sdgs = lay.placement("sdgs")  # something of the department's own: no longer untouched
        fix[_ref(lay, sdgs.first_row, sdgs.col("mark"))] = "○"
        steps = [
            {"read": [*_status(lay), title, _instructions_status(books[dept])]},
            {
                "type": {_ref(lay, first, code): "9-9-9"},
                "clear": [_ref(lay, second, name)],
                "read": [*_status(lay), title],
            },
            {
                # A person typing 1-4-2 into the code column (number format @): kept as text.
                "type": {_ref(lay, spare, code): "1-4-2"},
                "read": [_ref(lay, spare, code)],
            },
            {
                "type": fix,
                "clear": [_ref(lay, spare, code)],
                "read": [*_status(lay), title],
                **({"save_as": str(saved)} if dept == "D220" else {}),
            },
        ]
        jobs[dept] = {"path": str(books[dept]), "steps": steps}
    return jobs


@pytest.fixture(scope="module")
def lo(sample_round_template, tmp_path_factory) -> Outputs:
    root = tmp_path_factory.mktemp("lo")
    round_dir = root / "round"
    shutil.copytree(sample_round_template, round_dir)
    paths = RoundPaths(round_dir)
    master = load_master(paths.master)
    books = {d.code: paths.entry_workbook(d) for d in master.participating_departments()}
    lead = master.leading_projects[0].lead_department
    sub = next(s for s in sample_submissions(master) if s.department == lead)
    feedback = root / "feedback" / f"{lead}.xlsx"
    write_entry_workbook(master, lead, feedback, entries={e.lp: e for e in sub.lps})

    pdf_paths = convert([*books.values(), feedback], "pdf", root / "pdf", recalc=True)
    rt_paths = convert(list(books.values()), "xlsx", root / "roundtrip")
    saved = root / "uno" / "D220_saved.xlsx"
    saved.parent.mkdir()
    jobs = _self_check_jobs(master, books, saved)
    if not lo_bridge.available():
        pytest.skip("python3-uno（/usr/bin/python3 の uno モジュール）が入っていません")
    results = lo_bridge.run_steps(list(jobs.values()))
    return Outputs(
        master=master,
        books=books,
        pdfs=dict(zip(books, pdf_paths[:-1], strict=True)),
        feedback=feedback,
        feedback_pdf=pdf_paths[-1],
        roundtrip=dict(zip(books, rt_paths, strict=True)),
        uno=dict(zip(jobs, results, strict=True)),
        uno_saved=saved,
        lead=lead,
        instructions_status={d: _instructions_status(books[d]) for d in jobs},
    )


# --------------------------------------------------------------------------- PDF


def test_pdf_carries_the_japanese_headings(lo):
    s = lo.master.settings
    for dept, pdf in lo.pdfs.items():
        text = _squash(_text(pdf))
        expected = [
            f"{s.evaluation_label}政策評価表",
            f"入力ブック（{s.municipality}）",
            "【リーディングプロジェクトの方向性】（参考）",
            date_label(s.deadline),
            f"{lo.master.department(dept).name}（{dept}）",
            s.office_email,
        ]
        for lay in _layouts(lo.master, dept):
            for p in lay.placements:
                expected += fill_placeholders(p.section.title, lo.master, dept, lay.lp).split("　")
                expected.append(_squash(p.section.note))
            expected.append(_squash(lo.master.leading_project(lay.lp).direction))
            # Looked-up initiative titles are printed whole (their rows are tall enough).
            expected += [i.title for i, _ in lo.master.department_initiatives(dept, lay.lp)]
        for heading in expected:
            assert _squash(heading) in text, (dept, heading)
        assert "令和元年度に実施した事業" in text and "ＳＤＧｓへの貢献" in text


def test_pdf_shows_the_recalculated_self_check(lo):
    for dept, pdf in lo.pdfs.items():
        text = _squash(_text(pdf))
        if dept == lo.lead:
            assert f"入力チェック:未入力{LEAD_REQUIRED}件・誤り0件" in text, dept
        else:
            assert "入力チェック:OK" in text, dept
        assert "開いたときに計算されます" not in text, dept


def test_pdf_embeds_a_japanese_font(lo):
    for pdf in [*lo.pdfs.values(), lo.feedback_pdf]:
        out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        fonts = out.splitlines()[2:]
        assert fonts and all(" yes " in line for line in fonts), out  # every font embedded
        assert any(re.search(r"CJK|Gothic|Mincho|IPA|Takao|VL|JP", line) for line in fonts), out


def test_pdf_keeps_each_section_heading_with_its_rows(lo):
    """In the lead's feedback workbook (every seed text filled in) no section heading is left at
    the foot of a page without its rows, and no text block is split between pages."""
    pages = [_squash(p) for p in _text(lo.feedback_pdf).split("\f")]
    sub = next(s for s in sample_submissions(lo.master) if s.department == lo.lead)
    entry = sub.lps[0]
    values = {entry.lp: entry_values(entry)}
    lay = _layouts(lo.master, lo.lead, values)[0]

    def page_of(fragment: str, start: int = 0) -> int:
        hits = [i for i, p in enumerate(pages) if i >= start and _squash(fragment) in p]
        assert hits, fragment
        return hits[0]

    input_page = page_of("入力シート")
    first_texts = {
        "projects": entry.projects[0].name,
        "evaluations": entry.evaluations[0].heading,
        "summary": entry.summary[:20],
        "policy_intro": entry.policy_intro[:20],
        "policies": entry.policies[0].heading,
        "sdgs": "貧困をなくそう",
    }
    for p in lay.placements:
        # The note under the heading is unique to its section: it anchors the section's page.
        page = page_of(p.section.note, input_page)
        title = fill_placeholders(p.section.title, lo.master, lo.lead, lay.lp)
        assert all(_squash(part) in pages[page] for part in title.split("　")), p.section.key
        assert page_of(first_texts[p.section.key], page) == page, p.section.key
    for text in [entry.summary, entry.policy_intro, *(x.body for x in entry.evaluations + entry.policies)]:
        flat = _squash(text)
        assert page_of(flat[:12], input_page) == page_of(flat[-12:], input_page), flat[:20]


# --------------------------------------------------------------------------- round trip


def _names(wb) -> dict[str, str]:
    out = {}
    for n, d in wb.defined_names.items():
        sheet, ref = d.attr_text.rsplit("!", 1)
        out[n] = sheet.strip("'") + "!" + ref
    return out


def _validations(ws) -> list[tuple]:
    return sorted(
        (str(dv.sqref), dv.type, dv.operator if dv.type != "list" else None, dv.formula1, dv.prompt, dv.error)
        for dv in ws.data_validations.dataValidation
    )


def test_libreoffice_round_trip_keeps_what_intake_reads(lo):
    for dept, src in lo.books.items():
        a = openpyxl.load_workbook(src)
        b = openpyxl.load_workbook(lo.roundtrip[dept])
        assert b.sheetnames == a.sheetnames
        assert _names(b) == _names(a), dept
        assert Manifest.from_properties(
            {p.name: p.value for p in b.custom_doc_props}
        ) == Manifest.from_properties({p.name: p.value for p in a.custom_doc_props})
        assert b[SHEET_MANIFEST]["A2"].value == a[SHEET_MANIFEST]["A2"].value
        for lay in _layouts(lo.master, dept):
            wa, wb_ = a[lay.sheet], b[lay.sheet]
            assert _validations(wb_) == _validations(wa), dept
            for p in lay.placements:
                for r in range(p.first_row + 1, p.last_row + 2):
                    for c in range(1, 6):
                        ca, cb = wa.cell(r, c), wb_.cell(r, c)
                        if ca.data_type != "f":
                            assert (cb.value or None) == (ca.value or None), (dept, ca.coordinate)
                        assert cb.protection.locked == ca.protection.locked, (dept, ca.coordinate)
                        if ca.number_format == "@":
                            assert cb.number_format == "@"
        for ws in b.worksheets:
            assert ws.protection.sheet, (dept, ws.title)
        # What LibreOffice 7.4 drops: very hidden becomes hidden (still hidden); freeze panes of
        # sheets other than the active one; workbook structure protection (we set none).
        for name in (SHEET_LISTS, SHEET_MANIFEST):
            assert b[name].sheet_state in ("hidden", "veryHidden")


# --------------------------------------------------------------------------- self-check


def test_self_check_counts_follow_what_is_typed(lo):
    for dept, steps in lo.uno.items():
        lay = _layouts(lo.master, dept)[0]
        msg, missing, invalid = _status(lay)
        base = LEAD_REQUIRED if dept == lo.lead else 0
        fresh, broken, typed, fixed = steps
        p = lay.placement("projects")
        title = _ref(lay, p.first_row, p.col("title"))

        assert (fresh[missing]["value"], fresh[invalid]["value"]) == (base, 0), dept
        # Nothing typed yet: no count to fix, but the book is not an answer either (未記入).
        expected_fresh = STATUS_UNTOUCHED if base == 0 else f"入力チェック: 未入力 {base} 件・誤り 0 件"
        assert fresh[msg]["string"].startswith(expected_fresh)
        assert fresh[lo.instructions_status[dept]]["string"] == fresh[msg]["string"]
        assert (
            fresh[title]["string"]
            == lo.master.initiative(default_values(lo.master, dept, lay.lp)["projects"][0]["code"]).title
        )

        # One code outside the list, one 事業名 removed from a row in use.
        had_second_name = bool(_second_name(lo.master, dept, lay.lp))
        assert broken[invalid]["value"] == 1, dept
        assert broken[missing]["value"] == base + (1 if had_second_name else 0), dept
        assert broken[msg]["string"] == (
            f"入力チェック: 未入力 {base + had_second_name} 件・誤り 1 件（色の付いたセルを確認）"
        )
        assert broken[title]["string"] == "（一覧にないコード）"

        (code_cell,) = typed.values()
        assert (code_cell["type"], code_cell["string"]) == ("TEXT", "1-4-2")

        assert (fixed[missing]["value"], fixed[invalid]["value"]) == (0, 0), dept
        assert fixed[msg]["string"] == "入力チェック: OK"


def test_workbook_saved_by_libreoffice_after_typing_keeps_the_manifest(lo):
    wb = openpyxl.load_workbook(lo.uno_saved)
    manifest = Manifest.from_properties({p.name: p.value for p in wb.custom_doc_props})
    assert manifest is not None and manifest.department == "D220"
    assert _names(wb) == _names(openpyxl.load_workbook(lo.books["D220"]))
