"""Edit workbooks in LibreOffice as a person would (run with /usr/bin/python3 and python3-uno).

Usage: /usr/bin/python3 tests/lo_edit.py JOBS.json
Each job: {"src", "dst", "filter" ("Calc MS Excel 2007 XML" or "MS Excel 97"),
"rename": {"old": "new"}, "insert_rows": [[sheet, row0, count]],
"type_general": [[sheet, cell, text]]}. One soffice for all jobs.
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(jobs_path):
    with open(jobs_path, encoding="utf-8") as fh:
        jobs = json.load(fh)
    profile = tempfile.mkdtemp(prefix="lo-uno-")
    pipe = f"xlsheet{os.getpid()}"
    proc = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": profile},
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    ctx = None
    for _ in range(300):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.1)
    if ctx is None:
        proc.kill()
        sys.exit("soffice did not start")
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    try:
        for job in jobs:
            doc = desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(job["src"]), "_blank", 0, (prop("Hidden", True),)
            )
            sheets = doc.Sheets
            for sheet, row0, count in job.get("insert_rows", []):
                ws = sheets.getByName(sheet)
                ws.unprotect("")
                ws.Rows.insertByIndex(row0, count)
                ws.protect("")
            for sheet, cell, text in job.get("type_general", []):
                # Type into a cell whose text format was lost (as after pasting formats): the
                # application parses the input, so 1-4-2 may become a date.
                ws = sheets.getByName(sheet)
                ws.unprotect("")
                target = ws.getCellRangeByName(cell)
                target.NumberFormat = 0
                target.setFormula(text)
                ws.protect("")
            for old, new in job.get("rename", {}).items():
                sheets.getByName(old).setName(new)
            doc.storeToURL(
                uno.systemPathToFileUrl(job["dst"]),
                (prop("FilterName", job.get("filter", "Calc MS Excel 2007 XML")),),
            )
            doc.close(True)
    finally:
        with contextlib.suppress(Exception):
            desktop.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1])
