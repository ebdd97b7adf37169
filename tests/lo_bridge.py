"""Type into workbooks with LibreOffice through its Python bridge, recalculate, read cells back.

Runs under the system Python that has python3-uno (/usr/bin/python3), not the project's Python:
tests start it with `run_steps()`, which passes the jobs as JSON on stdin and reads JSON back.
One soffice process serves every job (a private profile, a private pipe).

A job: {"path": ..., "steps": [{"insert_rows": [["Sheet", row0, count]],
"type_general": [["Sheet", "A1", "2/1/3"]], "type": {"Sheet!A1": "text"}, "clear": ["Sheet!B2"],
"rename": {"old": "new"}, "read": ["Sheet!A3"], "save_as": "/tmp/x.xlsx", "filter": "MS Excel 97"}]},
applied in that order. `type` enters text as a person typing it (the cell's number format decides
how it is read: a `@` cell keeps 1-4-2 as text); `type_general` first drops the cell's text format,
as pasting formats does, so 1-4-2 may become a date; `insert_rows` works on the protected sheet as
a person who unprotects it would. After the edits every formula is recalculated; `read` returns each
cell's type, string and number; `save_as` stores with `filter` (default: Excel 2007 XML).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"


def available() -> bool:
    """True when the system Python has the uno module and soffice is installed."""
    if not (Path(SYSTEM_PYTHON).exists() and shutil.which("soffice")):
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    return probe.returncode == 0


def run_steps(jobs: list[dict], timeout: float = 180) -> list[list[dict]]:
    """Run the jobs in one LibreOffice; for each job, one dict of read cells per step."""
    proc = subprocess.run(
        [SYSTEM_PYTHON, __file__],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"LibreOffice bridge failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------- system-Python side


def _connect(pipe: str, deadline: float):
    import uno  # noqa: PLC0415 - only in the system Python

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _prop(name: str, value):
    from com.sun.star.beans import PropertyValue  # noqa: PLC0415

    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _cell(doc, ref: str):
    sheet, addr = ref.rsplit("!", 1)
    return doc.Sheets.getByName(sheet.strip("'")).getCellRangeByName(addr)


def _main() -> None:
    import uno  # noqa: PLC0415

    jobs = json.load(sys.stdin)
    profile = tempfile.mkdtemp(prefix="xlsheet-uno-")
    pipe = f"xlsheet_{os.getpid()}"
    soffice = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": profile},
    )
    results = []
    try:
        ctx = _connect(pipe, time.monotonic() + 60)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        for job in jobs:
            url = uno.systemPathToFileUrl(str(Path(job["path"]).resolve()))
            doc = desktop.loadComponentFromURL(url, "_blank", 0, (_prop("Hidden", True),))
            out = []
            try:
                for step in job["steps"]:
                    sheets = doc.Sheets
                    for sheet, row0, count in step.get("insert_rows", []):
                        ws = sheets.getByName(sheet)
                        ws.unprotect("")
                        ws.Rows.insertByIndex(row0, count)
                        ws.protect("")
                    for sheet, ref, text in step.get("type_general", []):
                        ws = sheets.getByName(sheet)
                        ws.unprotect("")
                        target = ws.getCellRangeByName(ref)
                        target.NumberFormat = 0
                        target.setFormula(text)
                        ws.protect("")
                    for ref in step.get("clear", []):
                        _cell(doc, ref).setString("")
                    for ref, text in step.get("type", {}).items():
                        _cell(doc, ref).setFormula(text)  # as typed: input is interpreted
                    for old, new in step.get("rename", {}).items():
                        sheets.getByName(old).setName(new)
                    doc.calculateAll()
                    read = {}
                    for ref in step.get("read", []):
                        c = _cell(doc, ref)
                        read[ref] = {"type": c.Type.value, "string": c.getString(), "value": c.getValue()}
                    out.append(read)
                    if step.get("save_as"):
                        target = uno.systemPathToFileUrl(str(Path(step["save_as"]).resolve()))
                        doc.storeToURL(
                            target, (_prop("FilterName", step.get("filter", "Calc MS Excel 2007 XML")),)
                        )
            finally:
                doc.close(True)
            results.append(out)
        with contextlib.suppress(Exception):  # the bridge drops as soffice exits
            desktop.terminate()
    finally:
        try:
            soffice.wait(timeout=20)
        except subprocess.TimeoutExpired:
            soffice.kill()
            soffice.wait()
        shutil.rmtree(profile, ignore_errors=True)
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    _main()
