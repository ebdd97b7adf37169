"""The parts of a workbook zip that python-calamine does not give: sheets with their state and
file, workbook-scoped defined names, custom document properties, data validations, macros.

Parsed with defusedxml (DTDs and entities forbidden); data validations are cut out of the
sheet XML's tail with a regular expression instead of parsing the whole sheet a second time.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from html import unescape

from defusedxml import ElementTree as SafeET

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"


@dataclass(frozen=True)
class SheetInfo:
    name: str
    state: str
    """visible, hidden or veryHidden"""
    part: str
    """Path of the sheet XML inside the zip ("" when not found)."""


@dataclass(frozen=True)
class Validation:
    sheet: str
    sqref: str
    type: str
    source: str
    """formula1 without a leading = (a list's defined name), "" for length rules."""


@dataclass
class WorkbookParts:
    sheets: list[SheetInfo] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    """Workbook-scoped defined names -> reference text as stored."""
    props: dict[str, str] = field(default_factory=dict)
    macros: bool = False
    date1904: bool = False
    modified: dt.datetime | None = None
    """When the workbook was last saved (docProps/core.xml dcterms:modified), None if absent."""

    def sheet(self, name: str) -> SheetInfo | None:
        return next((s for s in self.sheets if s.name == name), None)


def _parse(zf: zipfile.ZipFile, member: str):
    return SafeET.fromstring(zf.read(member), forbid_dtd=True)


def _members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Lower-case member name -> real name (zip tools differ in case)."""
    return {i.filename.lower(): i.filename for i in zf.infolist()}


def workbook_part(zf: zipfile.ZipFile) -> str | None:
    members = _members(zf)
    if "[content_types].xml" not in members:
        return None
    if "xl/workbook.xml" in members:  # where every spreadsheet application puts it
        return members["xl/workbook.xml"]
    try:
        rels = _parse(zf, members["_rels/.rels"]) if "_rels/.rels" in members else None
    except SafeET.ParseError:
        rels = None
    if rels is not None:
        for r in rels.iter(NS_PKG_REL + "Relationship"):
            if r.get("Type", "").endswith("/officeDocument"):
                target = r.get("Target", "").lstrip("/")
                if target.lower() in members:
                    return members[target.lower()]
    return members.get("xl/workbook.xml")


def read_parts(zf: zipfile.ZipFile, wb_part: str) -> WorkbookParts:
    members = _members(zf)
    out = WorkbookParts()
    date1904, sheets, names = _workbook_xml(zf.read(wb_part))
    base = posixpath.dirname(wb_part)
    rels_name = posixpath.join(base, "_rels", posixpath.basename(wb_part) + ".rels").lower()
    targets: dict[str, str] = {}
    if rels_name in members:
        for rid, t in _relationships(zf.read(members[rels_name])):
            path = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(base, t))
            targets[rid] = members.get(path.lower(), "")
    out.date1904 = date1904
    out.sheets = [SheetInfo(name, state, targets.get(rid, "")) for name, state, rid in sheets]
    out.names = dict(names)
    out.macros = any(m.endswith("vbaproject.bin") for m in members)
    if "docprops/custom.xml" in members:
        out.props = dict(custom_properties(zf.read(members["docprops/custom.xml"])))
    if "docprops/core.xml" in members:
        out.modified = _modified(zf.read(members["docprops/core.xml"]))
    return out


# Parsed parts are memoized by their bytes: a collect reads many workbooks written from the same
# layouts, so identical workbook.xml/rels/custom.xml bytes recur. Pure functions of the bytes
# (parse errors are not cached: they raise again), results immutable.
PARSE_CACHE = 256


@functools.lru_cache(maxsize=PARSE_CACHE)
def _workbook_xml(data: bytes) -> tuple[bool, tuple[tuple[str, str, str], ...], tuple[tuple[str, str], ...]]:
    """(date1904, sheets as (name, state, r:id), workbook-scoped names as (name, reference))."""
    root = SafeET.fromstring(data, forbid_dtd=True)
    pr = root.find(NS_MAIN + "workbookPr")
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    sheets = tuple(
        (s.get("name", ""), s.get("state", "visible"), s.get(NS_REL + "id", ""))
        for s in root.iter(NS_MAIN + "sheet")
    )
    names = {}
    for n in root.iter(NS_MAIN + "definedName"):
        if n.get("localSheetId") is None and n.get("name"):
            names[n.get("name")] = (n.text or "").strip()
    return date1904, sheets, tuple(names.items())


@functools.lru_cache(maxsize=PARSE_CACHE)
def _relationships(data: bytes) -> tuple[tuple[str, str], ...]:
    root = SafeET.fromstring(data, forbid_dtd=True)
    return tuple((r.get("Id", ""), r.get("Target", "")) for r in root.iter(NS_PKG_REL + "Relationship"))


@functools.lru_cache(maxsize=PARSE_CACHE)
def custom_properties(data: bytes) -> tuple[tuple[str, str], ...]:
    """(name, value) of each custom document property in docProps/custom.xml."""
    props = {}
    for p in SafeET.fromstring(data, forbid_dtd=True).iter(NS_CUSTOM + "property"):
        value = next(iter(p), None)
        if p.get("name") and value is not None:
            props[p.get("name")] = (value.text or "").strip()
    return tuple(props.items())


_DV = re.compile(rb"<(?:\w+:)?dataValidation\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?dataValidation>)", re.S)
"""A validation, self-closing too (Excel writes one without formula for an input message alone)."""
_TYPE = re.compile(rb'\btype="([^"]*)"')
_SQREF = re.compile(rb'\bsqref="([^"]*)"')
_F1 = re.compile(rb"<(?:\w+:)?formula1>(?:<xm:f>)?(.*?)(?:</xm:f>)?</(?:\w+:)?formula1>", re.S)
_XM_SQREF = re.compile(rb"<xm:sqref>(.*?)</xm:sqref>", re.S)


def sheet_validations(zf: zipfile.ZipFile, sheet: SheetInfo) -> list[Validation]:
    """Data validations of one sheet, including Excel's x14 extension list."""
    if not sheet.part:
        return []
    data = zf.read(sheet.part)
    start = data.find(b"</sheetData>")
    tail = data[start:] if start >= 0 else data
    return [Validation(sheet.name, sqref, kind, source) for sqref, kind, source in _validations(tail)]


@functools.lru_cache(maxsize=PARSE_CACHE)
def _validations(tail: bytes) -> tuple[tuple[str, str, str], ...]:
    """(sqref, type, normalized formula1) of each data validation in a sheet XML's tail."""
    out = []
    for m in _DV.finditer(tail):
        head = m.group(1)
        kind = _TYPE.search(head)
        sq = _SQREF.search(head)
        body = m.group(2) or b""
        f1 = _F1.search(body)
        sqref = sq.group(1).decode() if sq else ""
        if not sqref:
            xm = _XM_SQREF.search(body)
            sqref = xm.group(1).decode() if xm else ""
        source = unescape(f1.group(1).decode("utf-8", "replace")).strip() if f1 else ""
        out.append((sqref, kind.group(1).decode() if kind else "", normalize_source(source)))
    return tuple(out)


def normalize_source(source: str) -> str:
    return source.strip().lstrip("=").strip()


NS_DCTERMS = "{http://purl.org/dc/terms/}"


@functools.lru_cache(maxsize=PARSE_CACHE)
def _modified(data: bytes) -> dt.datetime | None:
    """dcterms:modified of core.xml as an aware UTC time (W3CDTF; Excel writes ...Z)."""
    node = SafeET.fromstring(data, forbid_dtd=True).find(NS_DCTERMS + "modified")
    text = (node.text or "").strip() if node is not None else ""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
