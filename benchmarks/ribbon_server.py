"""Each ribbon button through a real xlwings Server on 127.0.0.1, for a synthetic round.

    python3 -m benchmarks.ribbon_server            # 100 departments
    python3 -m benchmarks.ribbon_server --size 500

Times are wall-clock per HTTP call (the workbook posted as Office.js JSON, the actions back),
so they include xw.Book(json=...), the library step and the JSON both ways; the request
size is the posted payload. Needs `xlsheet[server]`; sets XLWINGS_LICENSE_KEY=noncommercial
for the child server only (PolyForm Noncommercial, README: リボン).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.synthetic import synthetic_master, synthetic_submissions
from xlsheet.fill import fill_workbook
from xlsheet.master import write_master
from xlsheet.paths import RoundPaths
from xlsheet.ribbon import BUTTONS_BY_KEY
from xlsheet.ribbon.control import write_control_workbook
from xlsheet.ribbon.officejs import book_payload


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rounds = Path(tmp) / "rounds"
        root = rounds / "bench"
        paths = RoundPaths(root)
        master = synthetic_master(args.size)
        write_master(master, paths.master)
        paths.inbox.mkdir(parents=True)
        control = write_control_workbook(root)
        port = _port()
        env = dict(os.environ, XLWINGS_LICENSE_KEY="noncommercial", XLSHEET_ROUNDS_ROOT=str(rounds))
        server = subprocess.Popen(
            [sys.executable, "-m", "xlsheet", "addin", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/manifest.xml", timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)

            def press(key: str, workbook: Path) -> None:
                body = json.dumps(book_payload(workbook)).encode()
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/xlwings/custom-scripts-call/{BUTTONS_BY_KEY[key].script}",
                    data=body,
                    headers={"Content-Type": "application/json"},
                )
                start = time.perf_counter()
                with urllib.request.urlopen(request, timeout=1800) as response:
                    actions = json.load(response)["actions"]
                took = time.perf_counter() - start
                message = next((a["args"][0] for a in actions if a["func"] == "alert"), "").splitlines()[0]
                print(f"{BUTTONS_BY_KEY[key].label:<8} {took:7.2f} s  {len(body) / 1024:7.1f} KiB  {message}")

            press("generate", control)
            subs = {s.department: s for s in synthetic_submissions(master)}
            depts = master.participating_departments()
            for d in depts:
                fill_workbook(paths.entry_workbook(d), paths.inbox / f"{d.code}.xlsx", subs[d.code])
            press("check", paths.inbox / f"{depts[0].code}.xlsx")
            press("collect", control)
            press("status", control)
            press("merge", control)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
