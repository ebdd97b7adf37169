"""Validate every XML part of an .xlsx against the ECMA-376 schemas in ../shared/ooxml-xsd.

Each part's content type (from ``[Content_Types].xml``) picks its schema; the schemas import
each other by relative file name, so lxml resolves everything locally and never goes online.

Skipped, and returned as such, are the parts that have no schema there:

- VML drawings (``application/vnd.openxmlformats-officedocument.vmlDrawing``, the comment
  boxes of feedback workbooks): VML is a legacy format whose schemas in ooxml-xsd describe
  Office's markup only loosely; Excel itself writes VML that does not validate against them.
- ``docProps/core.xml``: its schema (opc-coreProperties.xsd) imports the Dublin Core schemas
  from dublincore.org, which are not in ../shared/ooxml-xsd.
- Any content type not listed in ``SCHEMAS`` (e.g. a part in Microsoft's extension
  namespaces, outside ECMA-376) and binary parts (images).

One normalization before validating: ``xml:space="preserve"`` is removed from SpreadsheetML's
``<t>`` elements. Excel and XlsxWriter write it on every text with leading or trailing spaces
(and Microsoft's Open XML SDK validator accepts it), but the shipped sml.xsd types ``<t>`` as the
simple ST_Xstring, which allows no attribute at all.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
SCHEMAS: dict[str, str] = {
    "application/vnd.openxmlformats-package.relationships+xml": "opc-xsd/opc-relationships.xsd",
    "application/vnd.openxmlformats-officedocument.extended-properties+xml": "shared-documentPropertiesExtended.xsd",
    "application/vnd.openxmlformats-officedocument.custom-properties+xml": "shared-documentPropertiesCustom.xsd",
    "application/vnd.openxmlformats-officedocument.theme+xml": "dml-main.xsd",
    _SML + "sheet.main+xml": "sml.xsd",
    _SML + "worksheet+xml": "sml.xsd",
    _SML + "styles+xml": "sml.xsd",
    _SML + "sharedStrings+xml": "sml.xsd",
    _SML + "comments+xml": "sml.xsd",
    _SML + "table+xml": "sml.xsd",
    _SML + "calcChain+xml": "sml.xsd",
    "application/vnd.openxmlformats-officedocument.drawing+xml": "dml-spreadsheetDrawing.xsd",
    "application/vnd.openxmlformats-officedocument.drawingml.chart+xml": "dml-chart.xsd",
}
CONTENT_TYPES_XSD = "opc-xsd/opc-contentTypes.xsd"
SKIP_REASONS = {
    "application/vnd.openxmlformats-officedocument.vmlDrawing": "VML（旧形式の描画。ooxml-xsd の VML スキーマは検証に使えない）",
    "application/vnd.openxmlformats-package.core-properties+xml": "コアプロパティ（スキーマが dublincore.org の Dublin Core スキーマを参照し、手元にない）",
}
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_SML_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


@dataclass
class PartReport:
    """What happened to each part: validated (with its schema), skipped (with why), errors."""

    validated: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


@cache
def schema(xsd_dir: Path, name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(xsd_dir / name)))


def content_types(zf: zipfile.ZipFile) -> dict[str, str]:
    """Part name (without leading /) -> content type, overrides over extension defaults."""
    root = etree.fromstring(zf.read("[Content_Types].xml"))
    defaults = {e.get("Extension").lower(): e.get("ContentType") for e in root.iter(_CT_NS + "Default")}
    overrides = {e.get("PartName").lstrip("/"): e.get("ContentType") for e in root.iter(_CT_NS + "Override")}
    out = {}
    for name in zf.namelist():
        if name.endswith("/") or name == "[Content_Types].xml":
            continue
        out[name] = overrides.get(name) or defaults.get(name.rsplit(".", 1)[-1].lower(), "")
    return out


def validate_package(path: Path, xsd_dir: Path) -> PartReport:
    """Validate every XML part of the package at `path`; errors are listed per part."""
    report = PartReport()
    with zipfile.ZipFile(path) as zf:
        parts = {"[Content_Types].xml": "content-types", **content_types(zf)}
        for name, ctype in parts.items():
            xsd = CONTENT_TYPES_XSD if ctype == "content-types" else SCHEMAS.get(ctype)
            if xsd is None:
                reason = (
                    "画像（XML ではない）"
                    if ctype.startswith("image/")
                    else f"ECMA-376 のスキーマがない形式: {ctype}"
                )
                report.skipped[name] = SKIP_REASONS.get(ctype, reason)
                continue
            s = schema(xsd_dir, xsd)
            doc = etree.fromstring(zf.read(name))
            if ctype.startswith(_SML):
                for t in doc.iter(_SML_NS + "t"):
                    t.attrib.pop(_XML_SPACE, None)
            report.validated[name] = xsd
            if not s.validate(doc):
                report.errors[name] = [f"{e.line}: {e.message}" for e in s.error_log]
    return report
