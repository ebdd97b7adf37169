"""The desktop add-in: ribbon XML (customUI14), the VBA module as text, and the .xlam builder.

xlwings' ribbon add-in template (``xlwings quickstart NAME --addin --ribbon``, shipped inside
the xlwings package as quickstart_addin_ribbon.xlam) carries compiled VBA with one ribbon
callback, ``RibbonMyAddin.RunMain``; it imports the Python module named like the add-in file
and calls its ``main()``. VBA cannot be compiled without Excel, so an add-in built here may
only point its buttons at callbacks its VBA really has:

* from xlwings' template: one 評価 button (RunMain -> ``xlsheet.ribbon.main``), which checks an
  entry workbook or runs the step chosen in the control workbook;
* from an add-in into which ``xlsheet_ribbon.bas`` was imported once in Excel: one button per
  step (``XlsheetRibbon.On*`` -> ``xlsheet.ribbon.run_caller``).

The text files in macros/ are what ``ribbon_xml`` and ``vba_module`` write (a test keeps them
equal), so an installed xlsheet builds the same add-in without the repository.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

import defusedxml.ElementTree as SafeET

from ..errors import XlsheetError
from ..xlsxout import atomic_path
from .buttons import ACTION_LABELS, BUTTONS, Button

CUSTOMUI14_NS = "http://schemas.microsoft.com/office/2009/07/customui"
CUSTOMUI14_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOMUI_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
PACKAGE_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOMUI14_PART = "customUI/customUI14.xml"

VBA_MODULE = "XlsheetRibbon"
VBA_FILE = "xlsheet_ribbon.bas"
TEMPLATE_CALLBACK = "RibbonMyAddin.RunMain"
"""The one callback in xlwings' ribbon template."""
TAB_LABEL = "評価"

SINGLE_XML = "customUI14_single.xml"
FULL_XML = "customUI14.xml"


class AddinError(XlsheetError):
    """The add-in cannot be built as asked; the message (Japanese) says why and what to do."""


def template_path() -> Path:
    """xlwings' ribbon add-in template, as ``xlwings quickstart NAME --addin --ribbon`` copies it."""
    import xlwings

    return Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"


# --------------------------------------------------------------------------- ribbon XML and VBA


def _button(id_: str, label: str, tip: str, action: str, image: str) -> str:
    return (
        f'          <button id={quoteattr(id_)} label={quoteattr(label)} size="large"\n'
        f"                  screentip={quoteattr(label)} supertip={quoteattr(tip)}\n"
        f"                  imageMso={quoteattr(image)} onAction={quoteattr(action)} />\n"
    )


def callback(button: Button) -> str:
    return f"{VBA_MODULE}.{button.vba}"


def ribbon_xml(per_button: bool) -> str:
    """The customUI14 part: one button per step, or the template's single 評価 button."""
    groups: list[tuple[str, str, str]] = []
    if per_button:
        for gid, group in (("xlsheetOffice", "企画課"), ("xlsheetDepartment", "所属")):
            body = "".join(
                _button(f"xlsheet_{b.key}", b.label, b.tip, callback(b), b.image_mso)
                for b in BUTTONS
                if b.group == group
            )
            groups.append((gid, group, body))
    else:
        tip = (
            "入力ブックでは入力チェックをします。操作ブックでは「評価ボタンの処理」で選んだ処理"
            f"（{'、'.join(ACTION_LABELS)}）をします。"
        )
        groups.append(
            (
                "xlsheetGroup",
                "政策評価",
                _button("xlsheet_run", TAB_LABEL, tip, TEMPLATE_CALLBACK, "MacroPlay"),
            )
        )
    body = "".join(
        f"        <group id={quoteattr(gid)} label={quoteattr(label)}>\n{buttons}        </group>\n"
        for gid, label, buttons in groups
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<!-- Written by `xlsheet addin macros` from xlsheet.ribbon.BUTTONS; edit there. -->\n"
        f'<customUI xmlns="{CUSTOMUI14_NS}">\n'
        "  <ribbon>\n"
        "    <tabs>\n"
        f'      <tab id="xlsheetTab" label="{TAB_LABEL}">\n'
        f"{body}"
        "      </tab>\n"
        "    </tabs>\n"
        "  </ribbon>\n"
        "</customUI>\n"
    )


def vba_module() -> str:
    """The VBA module (ASCII, CRLF) with one ribbon callback per button, each calling RunPython."""
    lines = [
        f'Attribute VB_Name = "{VBA_MODULE}"',
        "' xlsheet ribbon callbacks: one per button of macros/customUI14.xml.",
        "' Written by `xlsheet addin macros` from xlsheet.ribbon.BUTTONS; edit there.",
        "' Import once into the add-in in Excel (VBA editor: File > Import, or `xlwings vba import`),",
        "' save, then run `xlsheet addin build OUT.xlam --from THAT.xlam` for one button per step.",
        "Option Explicit",
        "",
    ]
    for b in BUTTONS:
        lines += [
            f"Public Sub {b.vba}(control As IRibbonControl)",
            f"    RunPython \"import xlsheet.ribbon; xlsheet.ribbon.run_caller('{b.key}')\"",
            "End Sub",
            "",
        ]
    text = "\r\n".join(lines)
    text.encode("ascii")  # VBA imports .bas files in the PC's ANSI code page: keep it ASCII
    return text


def write_macros(folder: Path) -> list[Path]:
    """Write macros/: both ribbon XML variants and the VBA module."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, data in (
        (FULL_XML, ribbon_xml(True).encode("utf-8")),
        (SINGLE_XML, ribbon_xml(False).encode("utf-8")),
        (VBA_FILE, vba_module().encode("ascii")),
    ):
        path = folder / name
        path.write_bytes(data)
        out.append(path)
    return out


# --------------------------------------------------------------------------- reading an add-in


_SUB_RE = re.compile(
    r"^[ \t]*(?:Public[ \t]+)?Sub[ \t]+(\w+)[ \t]*\([^)]*\bAs[ \t]+IRibbonControl\b[^)]*\)",
    re.IGNORECASE | re.MULTILINE,
)


def vba_callbacks(vba_code: dict[str, str]) -> set[str]:
    """Ribbon callbacks (``Module.Sub`` and bare ``Sub``) defined in {module name: code}."""
    found: set[str] = set()
    for module, code in vba_code.items():
        for sub in _SUB_RE.findall(code):
            found |= {f"{module}.{sub}", sub}
    return found


def bas_callbacks(text: str) -> set[str]:
    """Callbacks of one exported .bas file (its module name is its VB_Name attribute)."""
    m = re.search(r'^Attribute VB_Name = "(\w+)"', text, re.MULTILINE)
    module = m.group(1) if m else ""
    return vba_callbacks({module: text})


def addin_vba(path: Path) -> dict[str, str]:
    """{module name: VBA source} of an .xlam/.xlsm, read from its vbaProject.bin with oletools."""
    with warnings.catch_warnings():  # olevba's pyparsing grammar warns about deprecated names on import
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        if not parser.detect_vba_macros():
            return {}
        return {
            Path(vba_filename).stem: code
            for _, _, vba_filename, code in parser.extract_macros()
            if isinstance(code, str)
        }
    finally:
        parser.close()


def on_actions(xml: str | bytes) -> list[str]:
    """Every onAction callback named in a customUI document."""
    root = SafeET.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
    return [el.get("onAction") for el in root.iter() if el.get("onAction")]


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class BuiltAddin:
    path: Path
    per_button: bool
    shim: Path
    bas: Path
    callbacks: tuple[str, ...]


def _package_rels(rels: bytes) -> bytes:
    """_rels/.rels with every ribbon relationship replaced by one to customUI/customUI14.xml."""
    root = SafeET.fromstring(rels)
    ns = {"r": PACKAGE_RELS_NS}
    ids = set()
    for rel in list(root.findall("r:Relationship", ns)):
        if rel.get("Type") in (CUSTOMUI_REL, CUSTOMUI14_REL):
            root.remove(rel)
        else:
            ids.add(rel.get("Id"))
    new_id = next(f"rId{i}" for i in range(1, len(ids) + 2) if f"rId{i}" not in ids)
    parts = [
        f'<Relationship Id="{r.get("Id")}" Type="{r.get("Type")}" Target="{r.get("Target")}"/>'
        for r in root.findall("r:Relationship", ns)
    ]
    parts.append(f'<Relationship Id="{new_id}" Type="{CUSTOMUI14_REL}" Target="{CUSTOMUI14_PART}"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PACKAGE_RELS_NS}">{"".join(parts)}</Relationships>'
    ).encode()


_IMAGE_DPI_RE = re.compile(rb'(<x14:workbookPr\b[^>]*?)\s+defaultImageDpi="(?!96"|150"|220"|330")[^"]*"')


def _workbook_xml(data: bytes) -> bytes:
    """xl/workbook.xml without a defaultImageDpi outside the schema's list (96, 150, 220, 330).

    xlwings' template carries ``defaultImageDpi="32767"``, which Microsoft's validator rejects from
    Office 2010 on; without the attribute Excel uses its default resolution.
    """
    return _IMAGE_DPI_RE.sub(rb"\1", data)


def build_addin(out: Path, source: Path | None = None) -> BuiltAddin:
    """Build OUT.xlam from xlwings' ribbon template (or `source`, an add-in saved from Excel).

    The ribbon gets one button per step when the source's VBA has every per-button callback
    (after ``xlsheet_ribbon.bas`` was imported), otherwise the single 評価 button; either way
    every onAction is checked against the VBA read back from the add-in. Beside OUT it writes
    ``<OUT name>.py`` (the module RunMain imports) and ``xlsheet_ribbon.bas``.
    """
    out = Path(out)
    stem = out.stem
    if out.suffix.lower() != ".xlam":
        raise AddinError(
            f"{out.name}: アドインのファイル名は .xlam で終えてください（例: xlsheet_ribbon.xlam）"
        )
    if not stem.isascii() or not stem.isidentifier() or stem in ("xlsheet", "xlwings"):
        raise AddinError(
            f"{out.name}: アドインのファイル名は半角英数字と _ だけにしてください（例: xlsheet_ribbon.xlam）。"
            "評価ボタンはこの名前の Python モジュールを読み込みます"
        )
    source = Path(source) if source else template_path()
    if not source.exists():
        raise AddinError(f"{source} がありません")
    vba = addin_vba(source)
    if not vba:
        raise AddinError(
            f"{source.name} に VBA がありません。xlwings のリボン用テンプレートから作ったアドインを指定してください"
        )
    have = vba_callbacks(vba)
    per_button = all(callback(b) in have for b in BUTTONS)
    xml = ribbon_xml(per_button)
    missing = [a for a in on_actions(xml) if a not in have]
    if missing:
        raise AddinError(
            f"{source.name} の VBA に {', '.join(missing)} がありません。"
            f"{VBA_FILE} をインポートして保存したアドインか、xlwings のテンプレートを使ってください"
        )
    with zipfile.ZipFile(source) as zin:
        entries = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            name = info.filename
            if name.startswith("customUI/"):
                continue  # the template's 2006 ribbon part: replaced by customUI14
            if name == "_rels/.rels":
                data = _package_rels(data)
            elif name == "xl/workbook.xml":
                data = _workbook_xml(data)
            zout.writestr(name, data)
        zout.writestr(CUSTOMUI14_PART, xml.encode("utf-8"))
    shim = out.with_suffix(".py")
    shim.write_text(
        '"""Module the xlsheet add-in\'s 評価 button imports (RunMain calls main())."""\n\n'
        "from xlsheet.ribbon import main\n\n"
        '__all__ = ["main"]\n',
        encoding="utf-8",
    )
    bas = out.parent / VBA_FILE
    bas.write_bytes(vba_module().encode("ascii"))
    return BuiltAddin(out, per_button, shim, bas, tuple(on_actions(xml)))
