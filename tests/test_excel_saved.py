"""Workbooks as Excel writes them: ../shared/excel-saved (993 files saved by Microsoft Excel) through
intake's triage and reader, what intake.parts sees in chosen ones, and a return whose shared
strings carry the phonetic runs (furigana) Japanese Excel writes when text is typed through the IME.
"""

from __future__ import annotations

import html
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.conftest import shared_dir
from xlsheet.fill import fill_workbook
from xlsheet.intake.collect import collect_round
from xlsheet.intake.ledger import Ledger
from xlsheet.intake.parts import Validation, read_parts, sheet_validations, workbook_part
from xlsheet.intake.reader import _Reader, read_workbook
from xlsheet.intake.sources import Context, expand_bytes
from xlsheet.master import load_master
from xlsheet.models import FileStatus
from xlsheet.paths import RoundPaths
from xlsheet.round import default_form
from xlsheet.sample import sample_master, sample_submissions

FURIGANA = "フリガナ"


@pytest.fixture(scope="module")
def saved() -> Path:
    return shared_dir() / "excel-saved"


def _parts(path: Path):
    zf = zipfile.ZipFile(path)
    return zf, read_parts(zf, workbook_part(zf))


def test_every_excel_saved_file_is_refused_as_not_an_entry_workbook(saved):
    """Triage (expand_bytes) then the reader, on every file: no traceback, never 'unreadable'."""
    master = sample_master()
    files = sorted(p for p in saved.iterdir() if p.suffix in (".xlsx", ".xlsm"))
    assert len(files) == 993
    seen = {}
    for path in files:
        (candidate,) = list(expand_bytes(path.read_bytes(), Context(path.name)))
        assert candidate.status is None, (path.name, candidate.notes)
        result = read_workbook(candidate.data, master, file=path.name)
        codes = [i.code for i in result.issues]
        seen[path.name] = (result.status, codes)
    wrong = {
        name: got
        for name, got in seen.items()
        if got[0] is not FileStatus.REJECTED or got[1][-1:] != ["not_xlsheet"] or "unreadable" in got[1]
    }
    assert wrong == {}
    macros = {name for name, (_, codes) in seen.items() if "macro_project" in codes}
    assert macros and all(zipfile.ZipFile(saved / n).namelist().count("xl/vbaProject.bin") for n in macros)


def test_data_validations_as_excel_writes_them(saved):
    zf, parts = _parts(saved / "data_validation01.xlsx")
    assert sheet_validations(zf, parts.sheets[0]) == [Validation("Sheet1", "C2", "list", '"Foo,Bar,Baz"')]
    zf, parts = _parts(saved / "data_validation07.xlsx")
    assert sheet_validations(zf, parts.sheets[0])[0].source == '"coffee,café"'
    zf, parts = _parts(saved / "data_validation03.xlsx")
    assert [v.sqref for v in sheet_validations(zf, parts.sheets[0])] == ["C2", "D6"]
    # An input message alone: Excel writes a self-closing element without a type.
    zf, parts = _parts(saved / "data_validation08.xlsx")
    assert sheet_validations(zf, parts.sheets[0]) == [Validation("Sheet1", "C2", "", "")]


def test_self_closing_validation_does_not_swallow_the_next():
    from xlsheet.intake.parts import _validations

    tail = (
        b'<dataValidations count="2"><dataValidation allowBlank="1" prompt="x" sqref="A1"/>'
        b'<dataValidation type="list" sqref="B2:B9"><formula1>xs_list_mark</formula1></dataValidation>'
        b"</dataValidations>"
    )
    assert _validations(tail) == (("A1", "", ""), ("B2:B9", "list", "xs_list_mark"))


def test_defined_names_as_excel_writes_them(saved):
    """Workbook-scoped names only; sheet-scoped ones (localSheetId) and _xlnm names stay out."""
    _, parts = _parts(saved / "defined_name01.xlsx")
    assert parts.names == {"_Egg": "Sheet1!$A$1", "_Fog": "Sheet1!$A$1", "Abc": "Sheet1!$A$1", "Baz": "0.98"}
    assert [s.name for s in parts.sheets] == ["Sheet1", "Sheet2", "Sheet 3"]


def test_escaped_sheet_names_and_extension_parts(saved):
    _, parts = _parts(saved / "escapes01.xlsx")
    assert [s.name for s in parts.sheets] == ["5&4"]
    for name in ("table38.xlsx", "checkbox01.xlsx", "dynamic_array01.xlsx", "embed_image01.xlsx"):
        zf, parts = _parts(saved / name)  # x14 tables, x14/xfpb styles, dynamic arrays, rich data
        assert [s.part for s in parts.sheets] == ["xl/worksheets/sheet1.xml"], name
        assert not parts.macros and parts.props == {} and sheet_validations(zf, parts.sheets[0]) == []


def _cells(path: Path) -> list[list]:
    """The first sheet's values as intake's reader reads them (python-calamine behind its checks)."""
    reader = _Reader(path.read_bytes(), sample_master(), default_form())
    parts = reader.open()
    reader.open_values()
    return reader.sheet(parts.sheets[0].name)


def test_rich_and_shared_strings_as_excel_writes_them(saved):
    """Rich text runs are joined, _xHHHH_ escapes decoded, markup characters kept as text."""
    assert _cells(saved / "rich_string01.xlsx") == [["Foo"], ["Bar"], ["abcdefg"]]  # a + bold bc + defg
    assert _cells(saved / "shared_strings01.xlsx")[:3] == [["\x00"], ["\x01"], ["\x02"]]  # _x0000_ …
    assert _cells(saved / "escapes01.xlsx")[1] == ["'<>&"]
    assert _cells(saved / "utf8_01.xlsx") == [["Это фраза на русском!"]]
    assert _cells(saved / "table38.xlsx")[:2] == [["Column1", "Column2"], [1.0, 10.0]]  # x14 table


_INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is>(.*?)</is></c>', re.S)
_JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _save_as_japanese_excel(path: Path) -> int:
    """Rewrite the workbook's text cells the way Japanese Excel saves text typed through the IME.

    openpyxl writes inline strings; Excel keeps text in xl/sharedStrings.xml and adds a phonetic
    run (<rPh>, the furigana) and <phoneticPr> to each Japanese string. Returns how many got one.
    """
    strings: list[bytes] = []
    index: dict[bytes, int] = {}

    def shared(m: re.Match) -> bytes:
        body = m.group(3)
        if body not in index:
            index[body] = len(strings)
            strings.append(body)
        return b"<c " + m.group(1) + b't="s"' + m.group(2) + b"><v>" + str(index[body]).encode() + b"</v></c>"

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    sheets = {i.filename: _INLINE.sub(shared, d) for i, d in items if i.filename.startswith("xl/worksheets/")}
    ruby = f'<rPh sb="0" eb="2"><t>{FURIGANA}</t></rPh><phoneticPr fontId="1"/>'.encode()
    sis = [
        b"<si>" + body + (ruby if _JAPANESE.search(html.unescape(body.decode())) else b"") + b"</si>"
        for body in strings
    ]
    sst = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
        % (len(sis), len(sis))
        + b"".join(sis)
        + b"</sst>"
    )
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename in sheets:
                data = sheets[info.filename]
            elif info.filename == "[Content_Types].xml":
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
                data = data.replace(b"</Types>", override.encode() + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                rel = f'<Relationship Id="rIdSst" Type="{SST_REL}" Target="sharedStrings.xml"/>'
                data = data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            zout.writestr(info, data)
        zout.writestr("xl/sharedStrings.xml", sst)
    tmp.replace(path)
    return sum(ruby in si for si in sis)


def test_phonetic_runs_are_not_read_as_text(sample_round, tmp_path):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    sub = next(s for s in sample_submissions(master) if s.department == "D220")
    plain = tmp_path / "plain.xlsx"
    fill_workbook(paths.entry_workbook(master.department("D220")), plain, sub)
    ruby = paths.inbox / "D220_ふりがな付き.xlsx"
    shutil.copy(plain, ruby)
    assert _save_as_japanese_excel(ruby) > 10
    with zipfile.ZipFile(ruby) as zf:
        assert zf.read("xl/sharedStrings.xml").count(FURIGANA.encode()) > 10
        assert not any(b"inlineStr" in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))

    res = read_workbook(ruby, master)
    assert res.status is FileStatus.ACCEPTED, res.issues
    assert res.submission == read_workbook(plain, master).submission
    assert res.submission.lps == sub.lps
    assert FURIGANA not in res.submission.model_dump_json()

    report = collect_round(sample_round, workers=1)
    assert [f.status for f in report.files] == [FileStatus.ACCEPTED]
    with Ledger(paths.ledger) as ledger:
        assert [r.submission.lps for r in ledger.current()] == [sub.lps]
