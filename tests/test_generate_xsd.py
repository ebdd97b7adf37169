"""Every XML part xlsheet writes validates against the ECMA-376 schemas in ../shared/ooxml-xsd.

Skipped parts (listed by tests/ooxml.py and asserted below): VML drawings (the comment boxes
of feedback workbooks), docProps/core.xml (its schema imports Dublin Core schemas that are
not in ../shared) and images. Nothing else is skipped: xlsheet's workbooks carry no parts in
Microsoft's extension namespaces (no x14 lists, no mc:AlternateContent), which the test also
checks. The consolidated book (drawings, a chart, tables, texts with leading spaces) is
checked too. Microsoft's own validator runs in tests/test_ooxml_validator.py without ../shared.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.conftest import shared_dir
from tests.ooxml import validate_package
from tests.test_merge import received
from xlsheet.entry_writer import write_entry_workbook
from xlsheet.master import load_master
from xlsheet.merge import write_book
from xlsheet.models import Issue, Severity
from xlsheet.paths import RoundPaths
from xlsheet.sample import LP, sample_master, sample_submissions


@pytest.fixture(scope="module")
def xsd_dir() -> Path:
    return shared_dir() / "ooxml-xsd"


def _no_extensions(book: Path) -> None:
    with zipfile.ZipFile(book) as zf:
        for name in zf.namelist():
            if name.endswith(".xml"):
                text = zf.read(name).decode()
                assert "<extLst" not in text and "mc:AlternateContent" not in text, (book.name, name)


def _workbooks(root: Path) -> list[Path]:
    paths = RoundPaths(root)
    return [paths.master, *sorted(paths.outbox.glob("*.xlsx"))]


def test_every_generated_part_is_valid(sample_round_template, xsd_dir):
    books = _workbooks(sample_round_template)
    assert len(books) == 1 + len(
        load_master(RoundPaths(sample_round_template).master).participating_departments()
    )
    for book in books:
        report = validate_package(book, xsd_dir)
        assert report.errors == {}, f"{book.name}: {report.errors}"
        assert set(report.skipped) == {"docProps/core.xml"}, book.name
        names = set(report.validated)
        assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml"} <= names
        assert "docProps/custom.xml" in names or book.name == "master.xlsx"
        _no_extensions(book)


def test_consolidated_book_parts_are_valid(xsd_dir, tmp_path):
    """Form sheets with drawings (SDG rings), tables, a chart, and texts kept with xml:space."""
    master = sample_master()
    subs = sample_submissions(master)
    lp0 = subs[0].lps[0]
    spaced = lp0.model_copy(
        update={"projects": (lp0.projects[0].model_copy(update={"name": "  字下げした事業名"}),)}
    )
    subs[0] = subs[0].model_copy(update={"lps": (spaced, *subs[0].lps[1:])})
    book = tmp_path / "book.xlsx"
    write_book(master, received(subs), book)
    with zipfile.ZipFile(book) as zf:
        assert b'xml:space="preserve"' in zf.read("xl/sharedStrings.xml")
    report = validate_package(book, xsd_dir)
    assert report.errors == {}
    names = set(report.validated)
    assert {"xl/sharedStrings.xml", "xl/charts/chart1.xml", "xl/drawings/drawing1.xml"} <= names
    assert any(n.startswith("xl/tables/") for n in names)
    assert {n for n in report.skipped if not n.startswith("xl/media/")} == {"docProps/core.xml"}
    _no_extensions(book)


def test_feedback_workbook_parts_are_valid(sample_round, xsd_dir, tmp_path):
    """A feedback workbook adds comments (validated), their VML boxes (skipped) and an issues sheet."""
    master = load_master(RoundPaths(sample_round).master)
    sub = next(s for s in sample_submissions(master) if s.department == "D220")
    issue = Issue(
        sheet="評価入力",
        cell="A12",
        field="取り組みコード",
        code="code_not_in_list",
        message="取り組みコード「1-9-9」は一覧にありません",
        hint="プルダウンから選んでください",
        severity=Severity.ERROR,
        lp=LP,
        section="projects",
        row=0,
        column="code",
    )
    out = tmp_path / "feedback.xlsx"
    write_entry_workbook(master, "D220", out, entries={e.lp: e for e in sub.lps}, annotations=[issue])
    report = validate_package(out, xsd_dir)
    assert report.errors == {}
    assert any(n.startswith("xl/comments") for n in report.validated)
    vml = [n for n in report.skipped if n.endswith(".vml")]
    assert vml and all("VML" in report.skipped[n] for n in vml)
    assert set(report.skipped) == {"docProps/core.xml", *vml}


def test_validator_reports_a_broken_part(sample_round_template, xsd_dir, tmp_path):
    """The check can fail: an element the schema does not allow is reported with its part."""
    src = RoundPaths(sample_round_template).outbox
    book = sorted(src.glob("*.xlsx"))[0]
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(broken, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"<sheets>", b"<bogus/><sheets>")
            zout.writestr(item, data)
    report = validate_package(broken, xsd_dir)
    assert list(report.errors) == ["xl/workbook.xml"]
    assert "bogus" in report.errors["xl/workbook.xml"][0]
