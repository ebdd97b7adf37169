"""The Office.js ribbon for real: xlwings Server (uvicorn) on 127.0.0.1 with xlsheet's project.

Each test posts what Excel's add-in posts for a button (the workbook as Office.js JSON, to
/xlwings/custom-scripts-call/<script>), the server builds a real ``xw.Book(json=...)`` and
runs the button, and the test checks the actions that come back and the files written.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from lxml import etree

from tests.rounds import answer, saved_at, versioned
from xlsheet.cli import main as cli
from xlsheet.fill import fill_workbook
from xlsheet.fill import name_range as defined_range
from xlsheet.generate import generate_round, init_round, stamped_manifest
from xlsheet.intake.collect import collect_round
from xlsheet.intake.ledger import Action, Ledger
from xlsheet.intake.reader import read_workbook
from xlsheet.libreoffice import soffice_path
from xlsheet.master import load_master
from xlsheet.merge.consolidate import consolidate
from xlsheet.merge.source import current_received
from xlsheet.paths import RoundPaths
from xlsheet.ribbon import BUTTONS, CHECK_IGNORED, CHECK_SHEET, DECIDE_NAME, DECIDE_SHEET, ROUND_DIR_NAME
from xlsheet.ribbon.control import write_control_workbook
from xlsheet.ribbon.officejs import book_payload
from xlsheet.sample import sample_submissions
from xlsheet.server import PROJECT_DIR

# find_spec, not importorskip: importing xlwings_server here would switch this process's
# xlwings into server mode (XLWINGS_ON_SERVER), which then demands a licence key.
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("xlwings_server") is None,
    reason="xlwings-server が入っていません（xlsheet[server]）",
)

OFFICE_NS = "{http://schemas.microsoft.com/office/taskpaneappversionoverrides}"
BT_NS = "{http://schemas.microsoft.com/office/officeappbasictypes/1.0}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def rounds(tmp_path_factory) -> Path:
    """$XLSHEET_ROUNDS_ROOT of the server: one sample round `r1`, master data only."""
    root = tmp_path_factory.mktemp("rounds")
    init_round(root / "r1", sample=True)
    return root


@pytest.fixture(scope="module")
def server(rounds, tmp_path_factory):
    """`xlsheet addin serve` in its own process on a free port; yields the base URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XLWINGS_", "XLSHEET_"))}
    env.update(XLWINGS_LICENSE_KEY="noncommercial", XLSHEET_ROUNDS_ROOT=str(rounds))
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "xlsheet", "addin", "serve", "--port", str(port)],
            cwd=log.parent,  # nothing may depend on the working directory
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/manifest.xml", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("xlwings Server did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:
        assert r.status == 200
        return r.read()


def press(server: str, button: str, workbook: Path) -> list[dict]:
    """Post the workbook as Excel's add-in does for `button`; return the actions that come back."""
    script = next(b.script for b in BUTTONS if b.key == button)
    req = urllib.request.Request(
        f"{server}/xlwings/custom-scripts-call/{script}",
        data=json.dumps(book_payload(workbook)).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=300) as r:
        assert r.status == 200
        return json.load(r)["actions"]


def alerts(actions: list[dict]) -> list[str]:
    return [a["args"][0] for a in actions if a["func"] == "alert"]


def sheet_table(actions: list[dict], name: str) -> list[list]:
    """Rows written into the result sheet `name` (added by the button), from row 3 down."""
    [add] = [a for a in actions if a["func"] == "addSheet" and a["args"][1] == name]
    pos = add["args"][0]
    writes = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == pos]
    table = next(a for a in writes if a["start_row"] == 2)
    return table["values"]


def colors(actions: list[dict], name: str) -> dict[int, str]:
    """Row (0-based) -> fill colour set on the result sheet."""
    [add] = [a for a in actions if a["func"] == "addSheet" and a["args"][1] == name]
    return {
        a["start_row"]: a["args"][0]
        for a in actions
        if a["func"] == "setRangeColor" and a["sheet_position"] == add["args"][0]
    }


# --------------------------------------------------------------------------- the add-in agrees


def test_manifest_ribbon_script_and_server_scripts_agree(server):
    manifest = etree.fromstring(get(server + "/manifest.xml"))
    strings = {s.get("id"): s.get("DefaultValue") for s in manifest.iter(f"{BT_NS}String")}
    images = {i.get("id"): i.get("DefaultValue") for i in manifest.iter(f"{BT_NS}Image")}
    [tab] = manifest.iter(f"{OFFICE_NS}CustomTab")
    assert strings[tab.find(f"{OFFICE_NS}Label").get("resid")] == "評価"
    functions = {}
    for control in tab.iter(f"{OFFICE_NS}Control"):
        action = control.find(f"{OFFICE_NS}Action")
        if action.get(XSI_TYPE) != "ExecuteFunction":
            continue
        label = strings[control.find(f"{OFFICE_NS}Label").get("resid")]
        functions[action.findtext(f"{OFFICE_NS}FunctionName")] = label
        for image in control.iter(f"{BT_NS}Image"):  # every icon is served, a PNG of its size
            png = get(images[image.get("resid")].replace("https://", "http://"))
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            assert struct.unpack(">II", png[16:24]) == (int(image.get("size")),) * 2
    assert functions == {b.function_name: b.label for b in BUTTONS}

    ribbon_js = get(server + "/static/js/ribbon.js").decode()
    mapping = dict(re.findall(r'"(xlsheet-[a-z]+)":\s*"(xlsheet_[a-z]+)"', ribbon_js))
    assert mapping == {b.function_name: b.script for b in BUTTONS}
    assert "Office.actions.associate(functionName" in ribbon_js

    meta = json.loads(get(server + "/xlwings/custom-scripts-meta.json"))
    assert {m["function_name"] for m in meta} == {b.script for b in BUTTONS}

    taskpane = get(server + "/taskpane.html").decode()
    assert set(re.findall(r'xw-click="(\w+)"', taskpane)) == {b.script for b in BUTTONS}


@pytest.mark.skipif(shutil.which("node") is None, reason="node がありません")
def test_ribbon_js_runs_each_buttons_script(server, tmp_path):
    """The served ribbon.js run by node with stand-ins for Excel's Office and xlwings' client:
    every FunctionName is associated, runs its script, and always completes the event."""
    harness = tmp_path / "harness.js"
    harness.write_text(
        """
const associated = {}, calls = [], completed = [];
globalThis.Office = { actions: { associate: (name, fn) => { associated[name] = fn; } } };
globalThis.xlwings = { runPython: async (opts) => {
  calls.push(opts.scriptName);
  if (opts.scriptName === "xlsheet_merge") throw new Error("server down");
} };
"""
        + get(server + "/static/js/ribbon.js").decode()
        + """
(async () => {
  for (const name of Object.keys(associated)) {
    try { await associated[name]({ completed: () => completed.push(name) }); } catch (e) {}
  }
  console.log(JSON.stringify({ associated: Object.keys(associated), calls, completed }));
})();
""",
        encoding="utf-8",
    )
    done = subprocess.run(["node", str(harness)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert sorted(out["associated"]) == sorted(b.function_name for b in BUTTONS)
    assert sorted(out["calls"]) == sorted(b.script for b in BUTTONS)
    assert sorted(out["completed"]) == sorted(out["associated"])  # even when the call failed


def test_manifest_resources_resolve(server):
    """What Office checks when it loads a manifest: every resid is defined as the right kind of
    resource, string lengths within the limits (ShortString 125, LongString 250), ids unique."""
    manifest = etree.fromstring(get(server + "/manifest.xml"))
    resources = manifest.find(f".//{OFFICE_NS}Resources")
    kinds = {
        "Images": {e.get("id") for e in resources.iter(f"{BT_NS}Image")},
        "Urls": {e.get("id") for e in resources.iter(f"{BT_NS}Url")},
        "ShortStrings": {e.get("id") for e in resources.find(f"{BT_NS}ShortStrings")},
        "LongStrings": {e.get("id") for e in resources.find(f"{BT_NS}LongStrings")},
    }
    for e in resources.find(f"{BT_NS}ShortStrings"):
        assert 0 < len(e.get("DefaultValue")) <= 125
    for e in resources.find(f"{BT_NS}LongStrings"):
        assert 0 < len(e.get("DefaultValue")) <= 250
    hosts = manifest.find(f".//{OFFICE_NS}Hosts")
    for el in hosts.iter():
        resid = el.get("resid")
        if resid is None:
            continue
        tag = el.tag.split("}")[1]
        kind = {
            "Image": "Images",
            "Title": "ShortStrings",
            "Label": "ShortStrings",
            "Description": "LongStrings",
        }.get(tag, "Urls")
        assert resid in kinds[kind], f"{tag} resid={resid} is not a {kind} resource"
    ids = [c.get("id") for c in hosts.iter() if c.tag in (f"{OFFICE_NS}Control", f"{OFFICE_NS}Group")]
    assert len(ids) == len(set(ids))


def test_manifest_is_the_projects_own(server):
    # read, not imported: importing xlwings_server's settings would put this process in server mode
    config = (PROJECT_DIR / "config.py").read_text()
    [prod_id] = re.findall(r'manifest_id_prod: UUID4 = "([0-9a-f-]{36})"', config)
    manifest = etree.fromstring(get(server + "/manifest.xml"))
    ns = "{http://schemas.microsoft.com/office/appforoffice/1.1}"
    assert manifest.findtext(f"{ns}Id") == prod_id
    assert manifest.find(f"{ns}DisplayName").get("DefaultValue") == "xlsheet 政策評価"
    assert manifest.findtext(f"{ns}DefaultLocale") == "ja-JP"
    assert (PROJECT_DIR / "templates" / "manifest.xml").read_text().count("<Control ") == len(BUTTONS) + 1


# --------------------------------------------------------------------------- buttons


def test_a_whole_round_through_the_ribbon(server, rounds, tmp_path):
    root = rounds / "r1"
    paths = RoundPaths(root)
    master = load_master(paths.master)
    control = write_control_workbook(root)
    depts = master.participating_departments()

    # 配布ブック作成
    actions = press(server, "generate", control)
    table = sheet_table(actions, "配布ブック")
    assert table[0] == ["所属コード", "所属名", "ファイル"]
    assert [r[0] for r in table[1:]] == [d.code for d in depts]
    for code, _, name in table[1:]:
        wb = openpyxl.load_workbook(paths.outbox / name)
        assert wb.custom_doc_props["xlsheet_department"].value == code
    assert sorted(p.name for p in paths.outbox.glob("*.xlsx")) == sorted(r[2] for r in table[1:])
    assert alerts(actions) == [f"入力ブックを {len(depts)} 件作成しました。\n{paths.outbox}"]

    # 提出状況 before anything came back
    actions = press(server, "status", control)
    table = sheet_table(actions, "提出状況")
    assert [r[0] for r in table[1:]] == [d.code for d in depts]
    assert {r[2] for r in table[1:]} == {"未送付"}
    assert alerts(actions) == [f"提出状況: 受理 0 / {len(depts)} 所属。「提出状況」シートを見てください。"]

    # 入力チェック by a department: an unfilled lead department's book has errors, a filled one none
    subs = {s.department: s for s in sample_submissions()}
    lead = master.leading_projects[0].lead_department
    blank = paths.entry_workbook(master.department(lead))
    actions = press(server, "check", blank)
    table = sheet_table(actions, CHECK_SHEET)
    expected = [
        i for i in read_workbook(blank, master).issues if i.code not in CHECK_IGNORED
    ]  # the library reading the file itself
    assert expected and sorted((r[1], r[2]) for r in table[1:]) == sorted((i.sheet, i.cell) for i in expected)
    fills = colors(actions, CHECK_SHEET)
    assert fills.pop(2) == "#D9E1F2"  # header
    assert table[1][0] == "エラー" and set(fills.values()) == {"#F8CBAD"} and len(fills) == len(expected)
    assert alerts(actions)[0].startswith(f"直してほしい点が {len(expected)} 件あります")

    filled = []
    for d in depts:
        dst = tmp_path / f"返送_{d.code}.xlsx"
        fill_workbook(paths.entry_workbook(d), dst, subs[d.code])
        filled.append(dst)
    actions = press(server, "check", filled[0])
    assert alerts(actions) == ["問題はありません。保存して企画課に送ってください。"]

    # 回収・検証: all filled books but the last, plus a file that is no workbook
    for f in filled[:-1]:
        shutil.copy(f, paths.inbox / f.name)
    (paths.inbox / "壊れた.xlsx").write_bytes(b"not a workbook")
    actions = press(server, "collect", control)
    table = sheet_table(actions, "回収結果")
    by_file = {r[0].removeprefix("inbox/"): r for r in table[1:]}
    assert {by_file[f.name][2] for f in filled[:-1]} == {"受理"}
    assert by_file["壊れた.xlsx"][2] in ("差し戻し", "対象外") and by_file["壊れた.xlsx"][6]
    assert len(list(paths.archive.rglob("*"))) >= len(filled)
    assert alerts(actions)[0].startswith(f"回収・検証: {len(filled)} 件を処理しました。")

    # 提出状況 now
    actions = press(server, "status", control)
    table = sheet_table(actions, "提出状況")
    status = {r[0]: r[2] for r in table[1:]}
    assert [status[d.code] for d in depts[:-1]] == ["受理"] * (len(depts) - 1)
    assert status[depts[-1].code] != "受理"
    assert colors(actions, "提出状況")[3] == "#E2EFDA"  # first data row: 受理 in green

    # 確認ブック作成: one review workbook per leading project, from the answers accepted so far
    actions = press(server, "review", control)
    table = sheet_table(actions, "確認ブック")
    assert table[0] == [
        "リーディングプロジェクト",
        "主管所属",
        "事業",
        "段落",
        "前の判断",
        "作成",
        "ファイル",
    ]
    with Ledger(paths.ledger) as ledger:
        drafts = consolidate(master, current_received(ledger)).drafts
    assert [r[0] for r in table[1:]] == [lp.name for lp in master.leading_projects]
    for lp, row in zip(master.leading_projects, table[1:], strict=True):
        lead = master.department(lp.lead_department)
        book = paths.review_workbook(lead, lp.code)
        assert row[1] == f"{lead.code} {lead.name}" and row[6] == book.name and row[5] == "新規"
        assert (row[2], row[3]) == (len(drafts[lp.code].projects), len(drafts[lp.code].paragraphs)) != (0, 0)
        assert stamped_manifest(book).draft == drafts[lp.code].fingerprint  # the draft merge would print
    assert sorted(p.name for p in paths.review_outbox.glob("*.xlsx")) == sorted(r[6] for r in table[1:])
    assert set(colors(actions, "確認ブック").values()) == {"#D9E1F2", "#E2EFDA"}
    [message] = alerts(actions)
    assert message.startswith(f"確認ブックを {len(master.leading_projects)} 冊用意しました")
    assert f"まだ受理していない所属が 1 件あります（{depts[-1].name}）" in message
    assert not paths.review_mail_outbox.exists()  # like 配布ブック作成: no mail from the ribbon
    # pressed again with nothing new: the same books, left as they are
    stamp = [paths.review_outbox.joinpath(r[6]).stat().st_mtime_ns for r in table[1:]]
    actions = press(server, "review", control)
    assert {r[5] for r in sheet_table(actions, "確認ブック")[1:]} == {"変更なし"}
    assert [paths.review_outbox.joinpath(r[6]).stat().st_mtime_ns for r in table[1:]] == stamp

    # 統合ブック作成
    actions = press(server, "merge", control)
    [message] = alerts(actions)
    book = Path(message.splitlines()[-1])
    assert book.parent == paths.output and book.exists()
    assert f"受理 {len(depts) - 1} / {len(depts)} 所属" in message
    with zipfile.ZipFile(book) as z:
        assert z.testzip() is None
    sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert [s for s in sheets if s.startswith("政策評価表_")] == [
        f"政策評価表_{lp.name}" for lp in master.leading_projects
    ]
    assert "提出状況" in sheets

    # 公開データ作成: the open-data package in output/opendata, listed file by file
    actions = press(server, "publish", control)
    folder = paths.output / "opendata"
    table = sheet_table(actions, "公開データ")
    assert table[0] == ["種類", "ファイル", "行数"]
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    resources = {r["path"]: r for r in package["resources"]}
    listed = {r[1]: r for r in table[1:] if r[0] != "注意"}
    assert listed.pop("datapackage.json")[0] == "データパッケージ"
    assert set(listed) == set(resources)
    for path, row in listed.items():
        kind = resources[path]["format"]
        assert row[0] == {"csv": "表（CSV）", "json": "表（JSON）", "pdf": "PDF"}[kind]
        data = (folder / path).read_bytes()
        assert len(data) == resources[path]["bytes"]
        if kind == "csv":  # the 行数 is what the CSV holds below its header
            assert row[2] == len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) - 1
        if kind == "pdf":
            assert data[:5] == b"%PDF-"
    csvs = [p for p in listed if p.endswith(".csv")]
    pdfs = [p for p in listed if p.endswith(".pdf")]
    assert csvs and (pdfs or soffice_path() is None)
    [message] = alerts(actions)
    assert message.startswith(
        f"公開用データを作成しました（CSV {len(csvs)} 件・PDF {len(pdfs)} 件）。\n{folder}"
    )
    # the department not collected is named, in the message and on a yellow 注意 row
    assert message.count("\n注意: ") == 1 and depts[-1].name in message.split("\n注意: ")[1]
    assert table[-1][0] == "注意" and depts[-1].name in table[-1][1]
    assert colors(actions, "公開データ")[2 + len(table) - 1] == "#FFF2CC"
    [json_path] = [p for p in listed if p.endswith(".json")]
    records = json.loads((folder / json_path).read_text("utf-8"))["tables"]
    assert listed[json_path][2] == sum(len(t["records"]) for t in records.values())

    # a package changed by hand is never overwritten from the ribbon
    edited = folder / csvs[0]
    edited.write_bytes(edited.read_bytes() + b"\r\n")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in folder.rglob("*"))
    actions = press(server, "publish", control)
    [message] = alerts(actions)
    assert "前回の publish の後に変更されています" in message and csvs[0] in message
    assert "リボンからは作り直しません" in message and "--force" in message
    assert not any(a["func"] == "addSheet" for a in actions)
    assert sorted((p.name, p.stat().st_mtime_ns) for p in folder.rglob("*")) == before


def test_round_folder_outside_the_servers_root_is_refused(server, rounds, tmp_path):
    outside = tmp_path / "outside"
    init_round(outside, sample=True)
    control = write_control_workbook(outside)
    actions = press(server, "generate", control)
    [message] = alerts(actions)
    assert "サーバーで使えるフォルダ" in message and ROUND_DIR_NAME in message
    assert not list((outside / "outbox").glob("*.xlsx"))
    assert not any(a["func"] == "addSheet" for a in actions)


def test_workbook_without_round_folder_gets_a_japanese_message(server, rounds, tmp_path):
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "メモ"
    wb.save(plain)
    [message] = alerts(press(server, "status", plain))
    assert "ラウンドのフォルダがわかりません" in message and "xlsheet addin control" in message
    [message] = alerts(press(server, "check", plain))
    assert "入力ブック（企画課が配布したブック）を開いてから" in message


def test_relative_folder_name_under_the_servers_root(server, rounds, tmp_path):
    control = write_control_workbook(rounds / "r1", tmp_path / "操作.xlsx", round_value="r1")
    actions = press(server, "status", control)
    assert sheet_table(actions, "提出状況")[0][:3] == ["所属コード", "所属名", "状況"]


def test_cli_call_smoke_tests_a_running_server(server, rounds):
    control = write_control_workbook(rounds / "r1")
    result = CliRunner().invoke(cli, ["addin", "call", "status", str(control), "--url", server])
    assert result.exit_code == 0, result.output
    assert "提出状況: 受理" in result.output and "シート追加: 提出状況" in result.output


def test_serve_refuses_to_start_without_a_licence_key():
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"}
    done = subprocess.run(
        [sys.executable, "-m", "xlsheet", "addin", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "XLWINGS_LICENSE_KEY=noncommercial" in done.stderr and "PolyForm Noncommercial" in done.stderr


# --------------------------------------------------------------------------- 企画課の判断


def fill_form(control: Path, rows: dict[int, tuple]) -> None:
    """Write rows (0 = the first data row) into the control workbook's 企画課の判断 form."""
    wb = openpyxl.load_workbook(control)
    sheet, col, first, *_ = defined_range(wb, DECIDE_NAME)
    for i, values in rows.items():
        for j, value in enumerate(values):
            wb[sheet].cell(first + i, col + j).value = value
    wb.save(control)


def apply_values(control: Path, actions: list[dict]) -> None:
    """What Excel does with the setValues actions on the form sheet: write them into the file."""
    wb = openpyxl.load_workbook(control)
    for a in actions:
        if a["func"] == "setValues" and a["sheet_position"] < len(wb.worksheets):
            ws = wb.worksheets[a["sheet_position"]]
            for r, row in enumerate(a["values"]):
                for c, value in enumerate(row):
                    ws.cell(a["start_row"] + 1 + r, a["start_column"] + 1 + c).value = value
    wb.save(control)


def form_results(actions: list[dict], control: Path) -> dict[int, str]:
    """Form row (0 = first data row) -> the 結果 the button wrote there."""
    wb = openpyxl.load_workbook(control)
    sheet, col, first, *_ = defined_range(wb, DECIDE_NAME)
    pos = wb.sheetnames.index(sheet)
    out = {}
    for a in actions:
        if a["func"] == "setValues" and a["sheet_position"] == pos:
            assert a["start_column"] == col - 1 + 3 and a["row_count"] == a["column_count"] == 1
            out[a["start_row"] + 1 - first] = a["values"][0][0]
    return out


def test_office_decisions_through_the_ribbon(server, rounds, tmp_path):
    """Two returns of one department collected (the later one counts); the 企画課の判断 form
    accepts the earlier one and withdraws the later one; a bad row reports its error while the
    good rows apply; a row whose 結果 is filled is never applied; pressing again applies only
    the new row."""
    root = rounds / "decide"
    init_round(root, sample=True)
    generate_round(root)
    paths = RoundPaths(root)
    t0 = dt.datetime(2020, 6, 10, 9, tzinfo=dt.UTC)
    older = saved_at(answer(root, "D220", "v1.xlsx", versioned("【第1版】")).read_bytes(), t0)
    newer = saved_at(
        answer(root, "D220", "v2.xlsx", versioned("【第2版】")).read_bytes(), t0 + dt.timedelta(hours=1)
    )
    (paths.inbox / "a.xlsx").write_bytes(older)
    (paths.inbox / "b.xlsx").write_bytes(newer)
    collect_round(root, workers=1)

    def current() -> str:
        with Ledger(paths.ledger) as ledger:
            return next(r.file for r in ledger.current() if r.department == "D220")

    with Ledger(paths.ledger) as ledger:
        sha_a, sha_b = (ledger.find(f"inbox/{n}").sha256 for n in ("a.xlsx", "b.xlsx"))
    assert current() == "inbox/b.xlsx"

    control = write_control_workbook(root, tmp_path / "操作.xlsx", round_value="decide")
    fill_form(
        control,
        {
            0: ("inbox/a.xlsx", "採用", "第2版は誤送信と連絡あり"),
            1: ("inbox/nothing.xlsx", "採用", None),  # no such file
            2: ("inbox/b.xlsx", "取り下げ", None),  # a withdrawal needs a reason
            3: (sha_b[:8], "取り下げ", "重複送信"),
            # row 4 left empty
            5: ("inbox/b.xlsx", "採用", "前回の判断", "2020-06-10 10:00 反映済み"),  # 結果 filled: skipped
        },
    )
    actions = press(server, "decide", control)
    results = form_results(actions, control)
    assert sorted(results) == [0, 1, 2, 3]
    assert "inbox/a.xlsx（D220）を採用しました" in results[0] and "現在の提出: inbox/a.xlsx" in results[0]
    assert (
        "エラー: " in results[1] and "「inbox/nothing.xlsx」に当たるファイルが台帳にありません" in results[1]
    )
    assert "エラー: 取り下げには理由が必要です" in results[2]
    assert "inbox/b.xlsx（D220）を取り下げました" in results[3]
    assert all(re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} ", r) for r in results.values())
    form_pos = openpyxl.load_workbook(control).sheetnames.index(DECIDE_SHEET)
    fills = {
        a["start_row"]: a["args"][0]
        for a in actions
        if a["func"] == "setRangeColor" and a["sheet_position"] == form_pos
    }
    first = 8  # 0-based first data row of the form as written
    assert fills == {first: "#E2EFDA", first + 1: "#F8CBAD", first + 2: "#F8CBAD", first + 3: "#E2EFDA"}
    [message] = alerts(actions)
    assert message.startswith("企画課の判断: 2 件を反映しました。")
    assert "2 件はエラーです" in message and "1 行は反映済み" in message and "提出状況: 受理" in message
    table = sheet_table(actions, "提出状況")  # refreshed as the 提出状況 button does
    header, rows = table[0], {r[0]: r for r in table[1:]}
    assert rows["D220"][header.index("ファイル")] == "inbox/a.xlsx"
    assert "重複送信" in rows["D220"][header.index("企画課の判断")]  # the department's latest decision
    assert actions[-2]["func"] == "activateSheet" and actions[-2]["args"] == [form_pos]

    assert current() == "inbox/a.xlsx"
    with Ledger(paths.ledger) as ledger:
        decided = {d.sha256: (d.action, d.reason) for d in ledger.decisions()}
        assert len(ledger.decisions()) == 2
    assert decided == {
        sha_a: (Action.ACCEPT, "第2版は誤送信と連絡あり"),
        sha_b: (Action.WITHDRAW, "重複送信"),
    }

    # Excel wrote the 結果 cells; pressing again applies nothing until a new row is written
    apply_values(control, actions)
    actions = press(server, "decide", control)
    assert form_results(actions, control) == {}
    [message] = alerts(actions)
    assert "反映する行がありません" in message and "5 行は反映済み" in message
    fill_form(control, {6: ("inbox/b.xlsx", "採用", "所属から再送の連絡")})
    actions = press(server, "decide", control)
    results = form_results(actions, control)
    assert list(results) == [6] and "inbox/b.xlsx（D220）を採用しました" in results[6]
    assert alerts(actions)[0].startswith("企画課の判断: 1 件を反映しました。")
    with Ledger(paths.ledger) as ledger:
        assert [(d.sha256, d.action) for d in ledger.decisions()][2:] == [(sha_b, Action.ACCEPT)]
    assert current() == "inbox/b.xlsx"


def test_decide_on_a_workbook_without_the_form(server, rounds, tmp_path):
    """An old control workbook (no 企画課の判断 sheet) gets a message saying how to get one."""
    control = write_control_workbook(rounds / "r1", tmp_path / "古い操作.xlsx", round_value="r1")
    wb = openpyxl.load_workbook(control)
    del wb[DECIDE_SHEET]
    del wb.defined_names[DECIDE_NAME]
    wb.save(control)
    actions = press(server, "decide", control)
    [message] = alerts(actions)
    assert f"「{DECIDE_SHEET}」の表" in message and "xlsheet addin control ROUND" in message
    assert not any(a["func"] in ("setValues", "addSheet") for a in actions)
