"""Hostile text from returns: control characters, rich markup, escape sequences, formula injection.

Returns are real workbooks: filled by defined name with openpyxl, then the bytes of the saved
package patched the way a hostile or broken writer leaves them (a raw U+0001 in the XML, the
OOXML escape `_x0001_`, an ESC sequence). Each goes through `collect`, `status` and `merge`
(CLI, as the office runs them); the ledger, the book and the CSV files are then read back.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import REPO
from xlsheet.cli import main
from xlsheet.fill import fill_workbook, name_range
from xlsheet.intake.ledger import Entry, Ledger
from xlsheet.master import load_master
from xlsheet.merge.frames import write_csv
from xlsheet.models import FileStatus, Issue, Paragraph, Severity
from xlsheet.paths import RoundPaths
from xlsheet.sample import LP, sample_submissions
from xlsheet.textsafe import clean, clean_text, csv_cell, for_terminal, visible

ILLEGAL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF, 0xD800)]
# Placeholders typed with openpyxl, then replaced in the saved XML by what openpyxl refuses to write.
RAW, ESCAPED, ESC = "QQRAWQQ", "QQESCAPEDQQ", "QQESCQQ"
PATCHES = {RAW.encode(): b"\x01", ESCAPED.encode(): b"_x0001_", ESC.encode(): b"\x1b[2J\x1b[31m"}


# --------------------------------------------------------------------------- the rules


def test_clean_removes_what_xml_cannot_carry_and_keeps_the_rest():
    for ch in ILLEGAL:
        assert clean(f"a{ch}b") == ("ab", [f"U+{ord(ch):04X}"])
    assert clean("a_x0001_b_x001b_c_xFFFE_d") == ("abcd", ["U+0001", "U+001B", "U+FFFE"])
    kept = "tab\tLF\nCR\r _x000D_ _x0041_ 全角　スペース \u202e \u200b 😀"
    assert clean(kept) == (kept, [])
    assert clean_text("見出し\x01生_x0001_終") == "見出し生終"


def test_csv_cell_follows_owasp():
    for text in ("=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","click")', "+1", "@SUM(A1)", "-1+2"):
        assert csv_cell(text) == "'" + text
    assert csv_cell("\t=1") == "'\t=1" and csv_cell("\r=1") == "'\r=1"
    assert csv_cell(-1) == -1 and csv_cell(-2.5) == -2.5 and csv_cell(0) == 0
    assert csv_cell("普通の文字") == "普通の文字" and csv_cell("") == "" and csv_cell(None) is None
    assert csv_cell("a=1") == "a=1" and csv_cell("\x01=1") == "'=1"  # cleaned first, then judged


def test_terminal_text_shows_what_hides():
    assert for_terminal("[/]x[bold]y") == "\\[/]x\\[bold]y"
    assert visible("\x1b[31mred\x07\x7f\x9b") == "<U+001B>[31mred<U+0007><U+007F><U+009B>"
    for ch in (
        "\u200b",
        "\u200c",
        "\u200d",
        "\u200e",
        "\u200f",
        "\ufeff",
        "\u202e",
        "\u202d",
        "\u2066",
        "\u2069",
    ):
        assert visible(f"a{ch}b") == f"a<U+{ord(ch):04X}>b"
    assert visible("line\nbreak") == "line<U+000A>break"
    japanese = "政策評価表　ＳＤＧｓ（令和２年度）ー①"
    assert visible(japanese) == japanese


# --------------------------------------------------------------------------- real returns


def _patched(src: Path, dst: Path, edits: dict[tuple[str, int, int], str]) -> Path:
    """`src` with values typed by defined name, then placeholders replaced in the package's XML."""
    wb = openpyxl.load_workbook(src)
    for (name, row, col), value in edits.items():
        sheet, c1, r1, _c2, _r2 = name_range(wb, name)
        cell = wb[sheet].cell(r1 + row, c1 + col)
        cell.value = value
        cell.data_type = "s"
    tmp = src.with_suffix(".patched.xlsx")
    wb.save(tmp)
    buf = io.BytesIO()
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            for old, new in PATCHES.items():
                data = data.replace(old, new)
            zout.writestr(info, data)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(buf.getvalue())
    return dst


def _filled(root: Path, dept: str, name: str, sub=None) -> Path:
    paths = RoundPaths(root)
    master = load_master(paths.master)
    sub = sub or next(s for s in sample_submissions(master) if s.department == dept)
    out = root / name
    fill_workbook(paths.entry_workbook(master.department(dept)), out, sub)
    return out


EVAL, PROJ = f"xs_{LP}_evaluations", f"xs_{LP}_projects"


@pytest.fixture
def hostile_round(sample_round) -> Path:
    """D110 accepted with control characters in two values; D210 and D220 rejected with them in
    the code that the error message quotes; file names with [/], ESC and an RTL override."""
    inbox = RoundPaths(sample_round).inbox
    _patched(
        _filled(sample_round, "D110", "d110.xlsx"),
        inbox / "D110_地域づくり推進課.xlsx",
        {(EVAL, 0, 1): f"見出し{RAW}生{ESCAPED}終", (EVAL, 0, 3): f"本文{ESC}[/]です"},
    )
    _patched(
        _filled(sample_round, "D210", "d210.xlsx"),
        inbox / "[" / "]D210_地域福祉センター.xlsx",  # shown as inbox/[/]D210_…
        {(PROJ, 0, 0): f"1-9-9{RAW}[/]"},
    )
    _patched(
        _filled(sample_round, "D220", "d220.xlsx"),
        inbox / "D220_\x1b[31m高齢者\u202e支援課.xlsx",
        {(PROJ, 0, 0): f"[bold]1-9-9{ESCAPED}{ESC}"},
    )
    return sample_round


def _no_control(text: str) -> bool:
    return clean(text)[1] == [] and "\x1b" not in text


def _ledger_texts(root: Path) -> list[str]:
    con = sqlite3.connect(RoundPaths(root).ledger)
    try:
        rows = con.execute("SELECT * FROM files").fetchall()
    finally:
        con.close()
    return [v for row in rows for v in row if isinstance(v, str)]


def _run(args: list[str]):
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_control_characters_are_removed_logged_and_merge_writes_everything(hostile_round):
    root = hostile_round
    paths = RoundPaths(root)
    result = _run(["collect", str(root), "--json", "--workers", "1"])
    assert result.exit_code == 1, result.output
    report = {f["path"]: f for f in json.loads(result.output)["files"]}
    ok = report["inbox/D110_地域づくり推進課.xlsx"]
    assert ok["status"] == "accepted"
    fixes = [i for i in ok["issues"] if i["code"] == "control_removed"]
    assert len(fixes) == 2 and all(i["severity"] == Severity.FIXED.value for i in fixes)
    assert {i["cell"] for i in fixes} and all(i["cell"] and i["sheet"] and i["field"] for i in fixes)
    assert any("U+0001" in i["message"] for i in fixes)
    assert any("U+001B" in i["message"] for i in fixes)
    assert all(i["hint"] for i in fixes)
    bad = report["inbox/[/]D210_地域福祉センター.xlsx"]
    assert bad["status"] == "rejected"
    assert any(i["code"] == "not_in_list" and "1-9-9[/]" in i["message"] for i in bad["issues"])
    esc = next(f for p, f in report.items() if p.startswith("inbox/D220_"))
    assert esc["status"] == "rejected" and "\x1b" not in esc["path"]

    # Nothing XML-illegal in the ledger: values, messages, file names.
    texts = _ledger_texts(root)
    assert texts and all(_no_control(t) for t in texts)
    with Ledger(paths.ledger) as ledger:
        heading = next(r for r in ledger.current() if r.department == "D110").submission.lps[0].evaluations[0]
    assert (heading.heading, heading.body) == ("見出し生終", "本文[2J[31m[/]です")

    # merge writes the book and every CSV; nothing illegal in them.
    result = _run(["merge", str(root), "--csv"])
    assert result.exit_code == 0, result.output
    book = next(paths.output.glob("政策評価表_*.xlsx"))
    wb = openpyxl.load_workbook(book)
    values = [
        c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert "見出し生終" in values and all(_no_control(v) for v in values)
    with zipfile.ZipFile(book) as z:
        assert all(b"_x0001_" not in z.read(n) for n in z.namelist())
    csvs = sorted((paths.output / "csv").glob("*.csv"))
    assert len(csvs) == 5
    assert all(_no_control(p.read_text("utf-8-sig")) for p in csvs)
    assert "見出し生終" in (paths.output / "csv" / "評価・方針.csv").read_text("utf-8-sig")


def test_merge_writes_the_book_whatever_text_the_ledger_holds(sample_round):
    """A ledger written before intake cleaned text (or by hand): merge still writes book and CSV."""
    root = sample_round
    paths = RoundPaths(root)
    _filled(root, "D110", "D110_ok.xlsx").rename(paths.inbox / "D110_ok.xlsx")
    assert _run(["collect", str(root), "--workers", "1"]).exit_code == 0
    hostile = "\x01\x1b[31m[/]_x0001_\uffff" + "長" * 40_000
    with Ledger(paths.ledger) as ledger:
        ledger.record(
            Entry(
                sha256="0" * 64,
                origin="inbox/bad\x1b]0;title\x07[red]x\x01.xlsx",
                size=1,
                saved=ledger.current()[0].received_at,
                status=FileStatus.REJECTED,
                issues=[Issue(code="x", message=hostile, hint="[/]\x1b[0m", file="inbox/\x01[/]")],
                department="D210",
                sender="a\x01@example.jp",
            ),
            ledger.current()[0].received_at,
        )
    result = _run(["merge", str(root), "--csv"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    book = next(paths.output.glob("政策評価表_*.xlsx"))
    wb = openpyxl.load_workbook(book)
    issues = [str(c.value) for row in wb["指摘事項"].iter_rows() for c in row if c.value]
    assert any(v.startswith("[31m[/]") for v in issues) and all(_no_control(v) for v in issues)
    assert all(len(v) <= 32_767 for v in issues)
    assert len(list((paths.output / "csv").glob("*.csv"))) == 5
    status = _run(["status", str(root)])
    assert status.exit_code == 0 and "\x1b" not in status.output and "<U+001B>" in status.output


def test_markup_and_escape_sequences_never_reach_the_terminal(hostile_round):
    root = hostile_round
    collect = _run(["collect", str(root), "--workers", "1"])
    assert collect.exit_code == 1 and "Traceback" not in collect.output
    out = collect.output
    assert "\x1b" not in out
    assert "inbox/[/]D210_地域福祉センター.xlsx" in out  # the name as it is, not eaten as markup
    assert "1-9-9[/]" in out and "[bold]1-9-9" in out
    assert "<U+202E>" in out  # the right-to-left override in a file name, shown
    status = _run(["status", str(root)])
    assert (
        status.exit_code == 0
        and "\x1b" not in status.output
        and "]D210_地域福祉センター.xlsx" in status.output
    )
    merge = _run(["merge", str(root), "--csv"])
    assert merge.exit_code == 0 and "\x1b" not in merge.output, merge.output
    # The wide table of `status` (a terminal of 200 columns), in a process of its own.
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "xlsheet", "status", str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "Traceback" not in proc.stderr
    assert "┃" in proc.stdout and "<U+202E>" in proc.stdout and "[/]D210" in proc.stdout


def test_cli_modules_print_untrusted_text_only_through_termout():
    """The choke point holds: no CLI module prints with a console of its own."""
    for module in ("cli.py", "intake/cli.py", "merge/cli.py", "mail/cli.py", "ribbon/cli.py"):
        text = (REPO / "xlsheet" / module).read_text("utf-8")
        assert "Console(" not in text and ".print(f" not in text and "print(f" not in text, module


# --------------------------------------------------------------------------- formula injection


def test_csv_cells_are_neutralised_and_numbers_stay_numbers(tmp_path):
    frame = pd.DataFrame(
        {
            "text": [
                "=cmd|' /C calc'!A0",
                '=HYPERLINK("http://evil.example","x")',
                "+1",
                "@SUM(A1)",
                "-1+2",
                "普通",
            ],
            "number": [-1, -2, 0, 3, -5, 7],
            "real": [-1.5, 2.0, -0.25, 1.0, 0.0, -3.0],
        }
    )
    (path,) = write_csv({"projects": frame}, tmp_path)
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
    assert rows[1:] == [
        ["'=cmd|' /C calc'!A0", "-1", "-1.5"],
        ['\'=HYPERLINK("http://evil.example","x")', "-2", "2.0"],
        ["'+1", "0", "-0.25"],
        ["'@SUM(A1)", "3", "1.0"],
        ["'-1+2", "-5", "0.0"],
        ["普通", "7", "-3.0"],
    ]


FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","click")', "+1", "@SUM(A1)", "-1+2"]


def test_formula_text_from_a_return_is_text_in_book_feedback_and_csv(sample_round):
    root = sample_round
    paths = RoundPaths(root)
    master = load_master(paths.master)
    subs = {s.department: s for s in sample_submissions(master)}
    e = subs["D110"].lps[0]
    paras = tuple(Paragraph(initiative=e.evaluations[0].initiative, heading=f, body=f) for f in FORMULAS)
    sub = subs["D110"].model_copy(update={"lps": (e.model_copy(update={"evaluations": paras}),)})
    _filled(root, "D110", "x.xlsx", sub).rename(paths.inbox / "D110_数式.xlsx")
    # A rejected return with formula text: its feedback book carries the values back.
    e2 = subs["D210"].lps[0]
    bad = subs["D210"].model_copy(
        update={
            "lps": (
                e2.model_copy(
                    update={
                        "projects": (
                            e2.projects[0].model_copy(update={"initiative": "1-9-9", "name": FORMULAS[1]}),
                        ),
                        "evaluations": (e2.evaluations[0].model_copy(update={"heading": FORMULAS[0]}),),
                    }
                ),
            )
        }
    )
    _filled(root, "D210", "y.xlsx", bad).rename(paths.inbox / "D210_数式.xlsx")
    assert _run(["collect", str(root), "--workers", "1"]).exit_code == 1
    assert _run(["merge", str(root), "--csv"]).exit_code == 0

    def formula_cells(path: Path) -> tuple[set[str], list[str]]:
        wb = openpyxl.load_workbook(path)
        text, formulas = set(), []
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.value.startswith(tuple("=+-@")):
                        (text.add(c.value) if c.data_type == "s" else formulas.append(c.value))
        return text, formulas

    book = next(paths.output.glob("政策評価表_*.xlsx"))
    text, formulas = formula_cells(book)
    assert set(FORMULAS) <= text
    assert not [f for f in formulas if "cmd" in f or "HYPERLINK" in f or "SUM(A1)" in f]
    feedback = next(paths.feedback.glob("D210_*.xlsx"))
    text, formulas = formula_cells(feedback)
    assert {FORMULAS[0], FORMULAS[1]} <= text
    assert not [f for f in formulas if "cmd" in f or "HYPERLINK" in f]
    cells = [
        c
        for p in (paths.output / "csv").glob("*.csv")
        for row in csv.reader(io.StringIO(p.read_text("utf-8-sig")))
        for c in row
    ]
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert {"'" + f for f in FORMULAS} <= set(cells)
