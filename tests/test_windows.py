"""The planning office's Windows PC, exercised on Linux where it can be.

- No POSIX-only call or module outside a guard (AST scan of every module), and every module
  imports with the POSIX-only modules made unavailable, as on Windows.
- File names Windows accepts: forbidden characters, device names (CON, NUL, COM1 …, also as a
  stem), trailing dots and spaces, length; checked with PureWindowsPath rules.
- Worker pools under the spawn start method (Windows has no fork).
- PDF through Excel (xlwings) when Excel is there, LibreOffice otherwise; LibreOffice found in
  Program Files; its profile URL from a Windows path; a file open in Excel explained in Japanese.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path, PureWindowsPath

import pytest
from click.testing import CliRunner

import xlsheet
from tests.conftest import REPO
from xlsheet import libreoffice, xlsxout
from xlsheet.cli import main as cli
from xlsheet.merge import pdf
from xlsheet.merge.consolidate import consolidate
from xlsheet.merge.form_sheet import EXCEL, LIBREOFFICE
from xlsheet.models import Department
from xlsheet.paths import WINDOWS_RESERVED, RoundPaths, safe_filename
from xlsheet.sample import sample_master

PACKAGE = Path(xlsheet.__file__).parent
POSIX_MODULES = {"fcntl", "resource", "pwd", "grp", "termios", "tty", "pty", "posix", "crypt", "syslog"}
POSIX_CALLS = {
    ("os", "fork"),
    ("os", "forkpty"),
    ("os", "getuid"),
    ("os", "geteuid"),
    ("os", "getgid"),
    ("os", "getegid"),
    ("os", "setsid"),
    ("os", "killpg"),
    ("os", "getpgid"),
    ("os", "setpgrp"),
    ("os", "uname"),
    ("os", "sync"),
    ("os", "chown"),
    ("os", "lchown"),
    ("os", "mkfifo"),
    ("os", "symlink"),
    ("os", "sched_getaffinity"),
    ("os", "WNOHANG"),
    ("signal", "SIGKILL"),
    ("signal", "SIGHUP"),
    ("signal", "SIGALRM"),
    ("signal", "SIGCHLD"),
    ("signal", "SIGUSR1"),
    ("signal", "SIGUSR2"),
    ("signal", "SIGPIPE"),
    ("signal", "SIGQUIT"),
    ("signal", "SIGSTOP"),
    ("signal", "SIGCONT"),
    ("signal", "alarm"),
    ("signal", "setitimer"),
    ("signal", "pthread_kill"),
}
"""Names the os and signal modules lack on Windows (SIGINT and SIGTERM exist there)."""


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside `if sys.platform …`/`if os.name …`, or a try that catches ImportError/AttributeError/OSError."""
    while node in parents:
        parent = parents[node]
        if isinstance(parent, ast.If | ast.IfExp):
            test = ast.unparse(parent.test)
            if "sys.platform" in test or "os.name" in test or "hasattr(" in test:
                return True
        if isinstance(parent, ast.Try) and node in parent.body:
            caught = " ".join(ast.unparse(h.type) for h in parent.handlers if h.type is not None)
            if any(e in caught for e in ("ImportError", "AttributeError", "OSError", "Exception")):
                return True
        node = parent
    return False


def test_no_posix_only_call_outside_a_guard():
    found = []
    words = {m for m in POSIX_MODULES} | {f"{mod}.{attr}" for mod, attr in POSIX_CALLS}
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if not any(w in text for w in words):  # most modules: nothing to look at closely
            continue
        tree = ast.parse(text)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            where = f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                bad = [n for n in names if n.split(".")[0] in POSIX_MODULES]
                if bad and not _guarded(node, parents):
                    found.append(f"{where} import {bad}")
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and (node.value.id, node.attr) in POSIX_CALLS
                and not _guarded(node, parents)
            ):
                found.append(f"{where} {node.value.id}.{node.attr}")
    assert found == []


def test_the_scan_finds_an_unguarded_call():
    tree = ast.parse("import os\nimport fcntl\nif sys.platform != 'win32':\n    os.fork()\nos.getuid()\n")
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    bad = [
        n.lineno
        for n in ast.walk(tree)
        if (isinstance(n, ast.Attribute) and (getattr(n.value, "id", ""), n.attr) in POSIX_CALLS)
        or (isinstance(n, ast.Import) and n.names[0].name in POSIX_MODULES)
        if not _guarded(n, parents)
    ]
    assert sorted(bad) == [2, 5]


# --------------------------------------------------------------------------- file names


def windows_name_problem(name: str) -> str:
    """Why Windows would refuse `name` as a file name ("" when it accepts it)."""
    if not name or PureWindowsPath(name).name != name:
        return "empty or a path"
    if any(c in '<>:"/\\|?*' or ord(c) < 32 for c in name):
        return "forbidden character"
    if name[-1] in " .":
        return "trailing dot or space"
    if name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
        return "device name"
    if len(name) > 255:
        return "too long"
    return ""


@pytest.mark.parametrize(
    "text",
    [
        "CON",
        "con",
        "NUL.",
        "Com1",
        "LPT9 ",
        "aux.xlsx",
        "PRN .txt",
        "COM¹",
        "名前. ",
        "a:b*c?",
        'x<y>"z"|w',
        "tab\there",
        "  ..  ",
        "",
        "あ" * 300,
        "D310_こども支援課",
    ],
)
def test_safe_filename_gives_names_windows_accepts(text):
    name = safe_filename(text)
    assert windows_name_problem(name) == "", (text, name)
    assert windows_name_problem(name + ".xlsx") == "", (text, name)
    assert len(name) <= 100


def test_safe_filename_keeps_ordinary_names():
    assert safe_filename("D310_こども支援課") == "D310_こども支援課"
    assert safe_filename("CONSOLE") == "CONSOLE"  # only the exact device names are reserved
    assert safe_filename("CON") == "_CON"


def test_the_name_check_itself():
    assert windows_name_problem("CON.xlsx") == "device name"
    assert windows_name_problem("a.") == "trailing dot or space"
    assert windows_name_problem("a?b") == "forbidden character"
    assert windows_name_problem("ok.xlsx") == ""


def test_feedback_entry_and_mail_names_are_windows_names(tmp_path):
    from xlsheet.mail.send import mail_filename

    paths = RoundPaths(tmp_path)
    for code, name in [("CON", ""), ("NUL", ""), ("D1", "課."), ("COM1", ""), ("D2", "企画:総務")]:
        dept = Department(code=code, name=name)
        for path in (paths.feedback_workbook(dept), paths.entry_workbook(dept)):
            assert windows_name_problem(path.name) == "", path.name
        assert windows_name_problem(mail_filename(dept)) == ""


# --------------------------------------------------------------------------- processes


def test_every_module_imports_and_collect_runs_as_on_windows(sample_round_template, tmp_path):
    """As on Windows: fcntl, resource, pwd … cannot be imported, yet every xlsheet module imports;
    pool workers start with spawn (no fork), and collect's pool works that way.

    One subprocess for both (each interpreter start costs a second).
    """
    modules = sorted(
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in _sources()
        if p.name != "__main__.py"
    )
    assert len(modules) > 40
    script = textwrap.dedent(
        f"""
        import importlib, multiprocessing as mp, shutil, sys
        from pathlib import Path
        if __name__ == "__main__":
            for name in {sorted(POSIX_MODULES)!r}:
                sys.modules[name] = None  # import raises ImportError, as on Windows
            failed = []
            for module in {modules!r}:
                try:
                    importlib.import_module(module)
                except Exception as exc:
                    failed.append(f"{{module}}: {{type(exc).__name__}}: {{exc}}")
            print("IMPORT FAILURES:", failed)
            mp.set_start_method("spawn", force=True)
            from xlsheet.fill import fill_workbook
            from xlsheet.intake.collect import PARALLEL_MIN_UNITS, collect_round
            from xlsheet.master import load_master
            from xlsheet.paths import RoundPaths
            from xlsheet.sample import sample_submissions
            root = Path({str(tmp_path / "round")!r})
            shutil.copytree({str(sample_round_template)!r}, root)
            paths = RoundPaths(root)
            master = load_master(paths.master)
            subs = sample_submissions(master)
            paths.inbox.mkdir(exist_ok=True)
            for n in range(PARALLEL_MIN_UNITS):
                s = subs[n % len(subs)]
                fill_workbook(paths.entry_workbook(master.department(s.department)), paths.inbox / f"{{n}}.xlsx", s)
            report = collect_round(root, workers=2)
            print("STATUSES:", sorted({{f.status.value for f in report.files}}))
        """
    )
    # xlwings Server's modules need a licence key to import (as in tests/test_ribbon.py)
    env = {**os.environ, "PYTHONPATH": str(REPO), "XLWINGS_LICENSE_KEY": "noncommercial"}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "IMPORT FAILURES: []" in proc.stdout, proc.stdout
    # the 8th file repeats a department's: superseded, or a duplicate when both saves share a second
    statuses = proc.stdout.split("STATUSES: ", 1)[1].strip()
    assert statuses in ("['accepted', 'superseded']", "['accepted', 'duplicate']"), proc.stdout


def test_python_m_xlsheet_is_import_safe():
    """A spawned worker imports the main module again: `python -m xlsheet` must not rerun the CLI."""
    tree = ast.parse((PACKAGE / "__main__.py").read_text(encoding="utf-8"))
    calls = [n for n in tree.body if isinstance(n, ast.Expr) and not isinstance(n.value, ast.Constant)]
    assert calls == []


# --------------------------------------------------------------------------- PDF and LibreOffice


def _cons():
    from tests.test_merge import received

    master = sample_master()
    return master, consolidate(master, received())


def test_pdf_goes_through_excel_when_excel_is_there(tmp_path, monkeypatch):
    seen = {}

    def fake_excel(jobs: list[tuple[Path, Path]]) -> None:
        ((src, out),) = jobs
        seen["src"] = src
        import openpyxl

        wb = openpyxl.load_workbook(src)
        seen["sheets"] = wb.sheetnames
        seen["widths"] = wb.worksheets[0].column_dimensions["C"].width
        out.write_bytes(b"%PDF-1.7 excel")

    monkeypatch.setattr(pdf, "excel_present", lambda: True)
    monkeypatch.setattr(pdf, "excel_to_pdf", fake_excel)
    monkeypatch.setattr(
        pdf, "convert", lambda *a, **k: pytest.fail("LibreOffice used although Excel is there")
    )
    master, cons = _cons()
    target = tmp_path / "out" / "政策評価表.pdf"
    assert pdf.export_pdf(master, cons, target) == (target, "")
    assert target.read_bytes() == b"%PDF-1.7 excel"
    assert all(s.startswith("政策評価表") for s in seen["sheets"])
    assert list(target.parent.iterdir()) == [target]  # the print-only workbook is gone
    assert EXCEL != LIBREOFFICE


def test_pdf_falls_back_to_libreoffice_when_excel_fails(tmp_path, monkeypatch):
    def broken_excel(jobs: list[tuple[Path, Path]]) -> None:
        raise RuntimeError("Excel が応答しません")

    def fake_lo(files, fmt, outdir, **kw):
        outdir.mkdir(parents=True, exist_ok=True)
        out = outdir / (files[0].stem + ".pdf")
        out.write_bytes(b"%PDF-1.7 lo")
        return [out]

    monkeypatch.setattr(pdf, "excel_present", lambda: True)
    monkeypatch.setattr(pdf, "excel_to_pdf", broken_excel)
    monkeypatch.setattr(pdf, "convert", fake_lo)
    master, cons = _cons()
    target = tmp_path / "政策評価表.pdf"
    path, note = pdf.export_pdf(master, cons, target)
    assert path == target and target.read_bytes() == b"%PDF-1.7 lo"
    assert "Excel での PDF 作成に失敗したため LibreOffice を使いました" in note


def test_no_excel_on_linux_and_the_env_choice(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert pdf.excel_present() is False
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv(pdf.PDF_ENV, "libreoffice")
    assert pdf.excel_present() is False


def test_libreoffice_found_in_program_files_and_its_profile_url():
    env = {"ProgramFiles": "C:\\Program Files", "ProgramFiles(x86)": "C:\\Program Files (x86)"}
    assert libreoffice.install_candidates("win32", env) == [
        "C:\\Program Files\\LibreOffice\\program\\soffice.exe",
        "C:\\Program Files (x86)\\LibreOffice\\program\\soffice.exe",
    ]
    assert libreoffice.install_candidates("linux", env) == []
    profile = PureWindowsPath("C:\\Users\\企画課\\AppData\\Local\\Temp\\xlsheet-lo-1")
    assert (
        libreoffice.profile_uri(profile)
        == "file:///C:/Users/%E4%BC%81%E7%94%BB%E8%AA%B2/AppData/Local/Temp/xlsheet-lo-1"
    )


def test_a_workbook_open_in_excel_is_explained_in_japanese(sample_round, monkeypatch):
    """Windows refuses to replace a file Excel has open (PermissionError): retried, then explained."""
    calls = []

    def locked(src, dst):
        calls.append(dst)
        raise PermissionError(
            13, "The process cannot access the file because it is being used by another process"
        )

    monkeypatch.setattr(xlsxout.os, "replace", locked)
    monkeypatch.setattr(xlsxout.time, "sleep", lambda s: None)
    result = CliRunner().invoke(cli, ["generate", "--all", str(sample_round)])
    assert result.exit_code == 2, result.output
    assert "を上書きできません" in result.output and "閉じてから" in result.output
    assert len(calls) == xlsxout.REPLACE_RETRIES
    assert not list(RoundPaths(sample_round).outbox.glob(".*.tmp"))


@pytest.mark.parametrize(
    "name", ["CON.xlsx", "報告.xlsx ", "a.b.", "x.XLSX.", "nul", "y.xl:sx", "z." + "x" * 40]
)
def test_archive_names_are_windows_names(tmp_path, name):
    """Archived originals are named by their SHA-256 and a cleaned suffix, whatever the mail said."""
    from xlsheet.intake.collect import archive_bytes

    path = archive_bytes(tmp_path / "archive", "0" * 64, b"data", name)
    assert windows_name_problem(path.name) == "", path.name
    assert path.read_bytes() == b"data"
