"""What leaves the office carries nothing of the office PC (DESIGN §16): every entry, feedback and
consolidated workbook, PDF and published file of a real round is read back, properties part by part.

The round runs as a person would run it: under their home folder, with their user name in the
environment, a 担当者 with a personal name and a sheet-protection password in master data."""

from __future__ import annotations

import getpass
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from tests.rounds import answer
from xlsheet.generate import generate_round, init_round
from xlsheet.intake.collect import collect_round
from xlsheet.layout import SHEET_LISTS, SHEET_MANIFEST
from xlsheet.libreoffice import soffice_path
from xlsheet.master import load_master
from xlsheet.merge import merge_round
from xlsheet.paths import RoundPaths
from xlsheet.publish import publish_round
from xlsheet.review.steps import review_round
from xlsheet.sample import sample_submissions

USER = "yamada.taro"
PERSON = "山田 太郎"
PASSWORD = "kikaku-secret-2020"
REJECTED = "D320"
OFFICE_ONLY_HIDDEN = {SHEET_MANIFEST, SHEET_LISTS}
"""The very hidden sheets an entry or feedback book carries for intake: its own structure and
master data, and the dropdown lists. Nothing else may be hidden in an outgoing book."""

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}


def _set_settings(master: Path, values: dict[str, str]) -> None:
    wb = openpyxl.load_workbook(master)
    ws = wb["設定"]
    for row in ws.iter_rows(min_row=3):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    wb.save(master)


@pytest.fixture(scope="module")
def office_round(tmp_path_factory):
    """The round, made once for this module (read only by the tests), with the person's
    environment in place while the tests run."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        home = tmp_path_factory.mktemp("office") / "Users" / USER
        for var in ("USER", "USERNAME", "LOGNAME", "LNAME"):
            monkeypatch.setenv(var, USER)
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("USERPROFILE", str(home))
        yield _run_round(home / "Documents" / "政策評価" / "R02")


def _run_round(root: Path) -> Path:
    init_round(root, sample=True)
    _set_settings(RoundPaths(root).master, {"担当者": PERSON, "シート保護パスワード": PASSWORD})
    generate_round(root)
    paths = RoundPaths(root)
    master = load_master(paths.master)
    paths.inbox.mkdir(exist_ok=True)
    for sub in sample_submissions(master):
        edit = None
        if sub.department == REJECTED:  # a code not in the list: rejected, a feedback book goes back

            def edit(s):
                e = s.lps[0]
                pr = (e.projects[0].model_copy(update={"initiative": "2-1-9"}), *e.projects[1:])
                return s.model_copy(update={"lps": (e.model_copy(update={"projects": pr}),)})

        name = f"{sub.department}.xlsx"
        shutil.copy(answer(root, sub.department, name, edit), paths.inbox / name)
    collect_round(root)
    assert list(paths.feedback.glob(f"{REJECTED}_*.xlsx"))
    assert review_round(root)  # the lead department's review workbook leaves the office too
    pdf = soffice_path() is not None
    merge_round(root, pdf=pdf, csv=True)
    publish_round(root, paths.output / "opendata", pdf=pdf)
    return root


def _outgoing(root: Path) -> dict[str, list[Path]]:
    paths = RoundPaths(root)
    out = {
        "entry": sorted(paths.outbox.glob("*.xlsx")),
        "feedback": sorted(paths.feedback.glob("*.xlsx")),
        "book": sorted(paths.output.glob("*.xlsx")),
        "pdf": sorted(p for p in paths.output.rglob("*.pdf")),
        "published": sorted(p for p in (paths.output / "opendata").rglob("*") if p.is_file()),
    }
    # Any other workbook a step writes into the round (a review book, say) is outgoing too;
    # what came in, the office's own master data and form, and test answers are not.
    incoming = {paths.inbox, paths.archive, root / "answers"}
    known = {p for files in out.values() for p in files}
    out["other"] = sorted(
        p
        for p in root.rglob("*.xlsx")
        if p not in known
        and p not in (paths.master, paths.form)
        and not any(p.is_relative_to(d) for d in incoming)
    )
    needed = [k for k in out if k != "other" and (k != "pdf" or soffice_path() is not None)]
    assert all(out[k] for k in needed), out
    return out


def _texts(xml: bytes) -> list[str]:
    """Every element text and attribute value of a properties part."""
    root = ET.fromstring(xml)
    return [t for el in root.iter() for t in (el.text, *el.attrib.values()) if t and t.strip()]


def _properties(path: Path) -> dict[str, dict[str, str]]:
    """core / app / custom properties: {part: {local name or custom name: value}}."""
    out: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for part in ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"):
            if part not in names:
                continue
            root = ET.fromstring(zf.read(part))
            values = {}
            for el in root:
                tag = el.tag.rsplit("}", 1)[-1]
                if tag == "property":
                    values[el.attrib["name"]] = "".join(el.itertext())
                else:
                    values[tag] = "".join(el.itertext())
            out[part] = values
    return out


def _forbidden(root: Path) -> list[str]:
    home = root.parents[2]
    return [USER, getpass.getuser(), str(root), str(root.resolve()), str(home), "Documents", PASSWORD]


def test_workbook_properties_name_the_office_never_a_person_or_a_path(office_round):
    root = office_round
    master = load_master(RoundPaths(root).master)
    s = master.settings
    assert getpass.getuser() == USER  # the environment a leak would come from
    books = [p for kind in ("entry", "feedback", "book", "other") for p in _outgoing(root)[kind]]
    for book in books:
        props = _properties(book)
        core = props["docProps/core.xml"]
        assert core["creator"] == s.office_name and core["lastModifiedBy"] == s.office_name, book.name
        assert props["docProps/app.xml"].get("Company") == s.municipality
        assert "Manager" not in props["docProps/app.xml"]
        values = [v for part in props.values() for v in part.values()]
        with zipfile.ZipFile(book) as zf:
            for part in ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"):
                if part in zf.namelist():
                    values += _texts(zf.read(part))
        for value in values:
            assert PERSON not in value and "山田" not in value, (book.name, value)
            for bad in _forbidden(root):
                assert bad not in value, (book.name, value)
            assert not re.search(r"[A-Za-z]:\\|\\\\|/(home|Users|tmp)/", value), (book.name, value)
        custom = props.get("docProps/custom.xml", {})
        assert all(k.startswith("xlsheet_") for k in custom), book.name


def test_no_part_of_an_outgoing_file_holds_a_local_path_user_or_password(office_round):
    """Not only the properties: no sheet, hidden sheet, name or comment of any outgoing workbook,
    no PDF and no published file carries the round's folder, the user name or the password."""
    root = office_round
    for kind, files in _outgoing(root).items():
        for path in files:
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as zf:
                    parts = {n: zf.read(n) for n in zf.namelist()}
            else:
                parts = {path.name: path.read_bytes()}
            for name, data in parts.items():
                for bad in _forbidden(root):
                    for enc in ("utf-8", "utf-16-be"):
                        assert bad.encode(enc) not in data, (kind, path.name, name, bad)
    # The published data carries no setting of the office at all (contact, e-mail, phone).
    s = load_master(RoundPaths(root).master).settings
    for path in _outgoing(root)["published"]:
        if path.suffix in (".csv", ".json"):
            text = path.read_text("utf-8-sig")
            for secret in (PERSON, s.office_email, s.office_phone, PASSWORD):
                assert secret not in text, (path.name, secret)


def _sheet_states(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
    return {s.attrib["name"]: s.attrib.get("state", "visible") for s in wb.find("m:sheets", NS)}


def _comment_parts(path: Path) -> dict[str, list[str]]:
    """Comment parts and their authors (threaded comments and persons parts included)."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if re.search(r"comments|threadedComment|persons/", name, re.I) and name.endswith(".xml"):
                root = ET.fromstring(zf.read(name))
                out[name] = [a.text or "" for a in root.iter(f"{{{NS['m']}}}author")]
    return out


def test_hidden_sheets_and_comments_are_only_the_ones_meant_for_the_department(office_round):
    root = office_round
    files = _outgoing(root)
    for book in files["entry"] + files["feedback"]:
        states = _sheet_states(book)
        hidden = {n: st for n, st in states.items() if st != "visible"}
        assert hidden == dict.fromkeys(OFFICE_ONLY_HIDDEN, "veryHidden"), (book.name, hidden)
    for book in files["entry"] + files["book"]:
        assert _comment_parts(book) == {}, book.name
    (feedback,) = files["feedback"]
    comments = _comment_parts(feedback)
    assert comments and all(authors == ["xlsheet"] for authors in comments.values())
    for book in files["book"]:
        assert set(_sheet_states(book).values()) == {"visible"}, book.name
    # The very hidden sheets hold what the department was given: its own code, never another's.
    for book in files["entry"] + files["feedback"]:
        dept = book.name.split("_")[0]
        wb = openpyxl.load_workbook(book, read_only=True)
        manifest = [r[0] for r in wb[SHEET_MANIFEST].iter_rows(values_only=True) if r and r[0]]
        data = json.loads(manifest[2])
        assert data["department"] == dept
        wb.close()


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo (poppler-utils) が入っていません")
def test_pdf_metadata_names_the_office(office_round):
    root = office_round
    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) が入っていません")
    s = load_master(RoundPaths(root).master).settings
    for pdf in _outgoing(root)["pdf"]:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
        assert fields["Author"].strip() == s.office_name, pdf.name
        assert USER not in info and str(root) not in info
