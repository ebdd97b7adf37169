"""Ribbon wrappers in-process on real ``xw.Book(json=...)`` books, the control workbook and the
Office.js payload round trip (the server path itself is tests/test_ribbon_server.py)."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import openpyxl
import pytest
import xlwings as xw

from tests.rounds import answer
from xlsheet import ribbon
from xlsheet.fill import fill_workbook, name_range
from xlsheet.generate import stamped_manifest
from xlsheet.intake.ledger import ACTION_JA, Ledger
from xlsheet.intake.reader import read_workbook
from xlsheet.libreoffice import soffice_path
from xlsheet.master import load_master
from xlsheet.merge.consolidate import consolidate
from xlsheet.merge.source import current_received
from xlsheet.paths import RoundPaths
from xlsheet.ribbon import ACTION_NAME, CHECK_SHEET, DECIDE_HEADER, DECIDE_NAME, DECIDE_SHEET, ROUND_DIR_NAME
from xlsheet.ribbon.control import DECIDE_ROWS, write_control_workbook
from xlsheet.ribbon.officejs import book_payload, manifest_properties, payload_workbook
from xlsheet.sample import sample_submissions


@pytest.fixture(scope="module", autouse=True)
def json_books():
    """xw.Book(json=...) as on the server: needs the licence key (PolyForm Noncommercial, the
    `noncommercial` key) and xlwings' remote engine, which xlwings registers only when the key
    was set before it was first imported."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
        for var in (ribbon.ROUND_DIR_ENV, ribbon.ROUNDS_ROOT_ENV):
            mp.delenv(var, raising=False)
        if "remote" not in [e.name for e in xw.engines]:
            from xlwings.pro import _xlremote

            xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
        yield


def book(path) -> xw.Book:
    return xw.Book(json=book_payload(path))


def alerts(b) -> list[str]:
    return [a["args"][0] for a in b.json()["actions"] if a["func"] == "alert"]


def added_sheets(b) -> list[str]:
    return [a["args"][1] for a in b.json()["actions"] if a["func"] == "addSheet"]


def test_control_workbook_names_the_round_and_the_action(sample_round):
    path = write_control_workbook(sample_round)
    assert path == sample_round / "操作ブック.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet, col, row, *_ = name_range(wb, ROUND_DIR_NAME)
    assert wb[sheet].cell(row, col).value == str(sample_round.resolve())
    sheet, col, row, *_ = name_range(wb, ACTION_NAME)
    assert wb[sheet].cell(row, col).value == "提出状況"
    [dv] = wb[sheet].data_validations.dataValidation
    assert dv.type == "list" and dv.formula1.strip('"').split(",") == list(ribbon.ACTION_LABELS)
    b = book(path)
    assert ribbon.round_dir(b) == sample_round.resolve()


def test_control_workbook_has_the_decision_form(sample_round):
    wb = openpyxl.load_workbook(write_control_workbook(sample_round))
    assert DECIDE_SHEET in wb.sheetnames and wb.active.title == "操作"
    assert DECIDE_NAME in wb.defined_names  # workbook-scoped, like xlsheet_round_dir
    sheet, col, row, last_col, last_row = name_range(wb, DECIDE_NAME)
    ws = wb[sheet]
    assert sheet == DECIDE_SHEET and (last_col - col + 1, last_row) == (len(DECIDE_HEADER), row)
    assert [ws.cell(row - 1, col + i).value for i in range(len(DECIDE_HEADER))] == list(DECIDE_HEADER)
    assert "判断を反映" in ws.cell(2, 1).value  # the explanation names the button
    [dv] = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1.strip('"').split(",") == ["採用", "取り下げ"]
    assert list(ACTION_JA.values()) == ["採用", "取り下げ"]  # the dropdown is what decide() maps
    judge = openpyxl.utils.get_column_letter(col + 1)
    assert str(dv.sqref) == f"{judge}{row}:{judge}{row + DECIDE_ROWS - 1}"
    for r in (row, row + DECIDE_ROWS - 1):
        assert [ws.cell(r, col + i).protection.locked for i in range(4)] == [False, False, False, True]
        assert ws.cell(r, col + 3).fill.fgColor.rgb.endswith("D9D9D9")  # 結果: grey, the button's
    assert ws.cell(row, col).number_format == "@"  # a SHA-256 prefix of digits stays text


def test_decide_refuses_a_form_it_cannot_read(sample_round, tmp_path):
    ctl = write_control_workbook(sample_round)
    wb = openpyxl.load_workbook(ctl)
    sheet, col, row, *_ = name_range(wb, DECIDE_NAME)
    wb[sheet].cell(row, col).value = 123456  # a SHA-256 prefix Excel took for a number
    wb[sheet].cell(row, col + 1).value = "採用"
    wb.save(tmp_path / "ctl.xlsx")
    b = book(tmp_path / "ctl.xlsx")
    message = ribbon.decide(b)
    assert message.startswith("企画課の判断: 0 件を反映しました。\n1 件はエラーです")
    [result] = [a["values"][0][0] for a in b.json()["actions"] if a["func"] == "setValues"]
    assert "「123456」に当たるファイルが台帳にありません" in result
    wb[sheet].cell(row - 1, col + 1).value = "処理"  # header changed: columns can no longer be trusted
    wb.save(tmp_path / "ctl.xlsx")
    b = book(tmp_path / "ctl.xlsx")
    assert "見出しが「ファイル・判断・理由・結果」ではありません" in ribbon.decide(b)
    assert not [a for a in b.json()["actions"] if a["func"] == "setValues"]


def test_round_dir_from_cell_env_or_refused(sample_round, tmp_path, monkeypatch):
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    with pytest.raises(ribbon.RibbonError, match="ラウンドのフォルダがわかりません"):
        ribbon.round_dir(book(plain))
    monkeypatch.setenv(ribbon.ROUND_DIR_ENV, str(sample_round))
    assert ribbon.round_dir(book(plain)) == sample_round
    monkeypatch.setenv(ribbon.ROUND_DIR_ENV, str(tmp_path))
    with pytest.raises(ribbon.RibbonError, match="master.xlsx がありません"):
        ribbon.round_dir(book(plain))
    monkeypatch.delenv(ribbon.ROUND_DIR_ENV)
    monkeypatch.setenv(ribbon.ROUNDS_ROOT_ENV, str(sample_round.parent))
    ctl = write_control_workbook(sample_round, tmp_path / "c.xlsx", round_value=sample_round.name)
    assert ribbon.round_dir(book(ctl)) == sample_round.resolve()
    ctl = write_control_workbook(sample_round, tmp_path / "d.xlsx", round_value="../../etc")
    with pytest.raises(ribbon.RibbonError, match="サーバーで使えるフォルダ"):
        ribbon.round_dir(book(ctl))


def test_single_button_dispatches_on_the_workbook_in_front(sample_round, tmp_path, monkeypatch):
    paths = RoundPaths(sample_round)
    shutil.rmtree(paths.outbox)
    master = load_master(paths.master)
    ctl = write_control_workbook(sample_round)
    wb = openpyxl.load_workbook(ctl)
    sheet, col, row, *_ = name_range(wb, ACTION_NAME)
    for label, sheet_name in (("配布ブック作成", "配布ブック"), ("", "提出状況"), ("提出状況", "提出状況")):
        wb[sheet].cell(row, col).value = label or None
        wb.save(tmp_path / "ctl.xlsx")
        b = book(tmp_path / "ctl.xlsx")
        ribbon.dispatch(b)
        assert added_sheets(b) == [sheet_name]
    assert len(list(paths.outbox.glob("*.xlsx"))) == len(master.participating_departments())
    wb[sheet].cell(row, col).value = "全部やる"
    wb.save(tmp_path / "ctl.xlsx")
    b = book(tmp_path / "ctl.xlsx")
    ribbon.dispatch(b)
    [message] = alerts(b)
    assert "「全部やる」は選べる処理ではありません" in message and not added_sheets(b)
    # an entry workbook in front: 入力チェック
    monkeypatch.setenv(ribbon.ROUND_DIR_ENV, str(sample_round))
    b = book(paths.entry_workbook(master.participating_departments()[0]))
    ribbon.dispatch(b)
    assert added_sheets(b) == [CHECK_SHEET]


def test_payload_round_trip_reads_like_the_file(sample_round, tmp_path):
    """An entry workbook rebuilt from its Office.js JSON reads as the file itself does,
    including a code Excel turned into a date (sent by Office.js as an ISO timestamp)."""
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    sub = sample_submissions()[0]
    src = paths.entry_workbook(master.department(sub.department))
    filled = tmp_path / "filled.xlsx"
    fill_workbook(src, filled, sub)
    wb = openpyxl.load_workbook(filled)
    lp = sub.lps[0].lp
    sheet, col, row, *_ = name_range(wb, f"xs_{lp}_projects")
    code = sub.lps[0].projects[0].initiative
    a, b_, c = (int(x) for x in code.split("-"))
    wb[sheet].cell(row, col).value = dt.datetime(2001, b_, c) if a == 1 else dt.datetime(2000 + a, b_, c)
    wb[sheet].cell(row, col).number_format = "yyyy/m/d"
    wb.save(filled)

    payload = book_payload(filled)
    assert payload["sheets"][[s["name"] for s in payload["sheets"]].index(sheet)]["values"][row - 1][
        col - 1
    ].endswith("T00:00:00.000Z")
    rebuilt = payload_workbook(payload, manifest_properties(payload, "_xlsheet"))
    direct = read_workbook(filled, master)
    via_json = read_workbook(rebuilt, master)
    assert via_json.submission == direct.submission
    ignore = ribbon.CHECK_IGNORED
    assert [(i.code, i.cell, i.severity) for i in via_json.issues if i.code not in ignore] == [
        (i.code, i.cell, i.severity) for i in direct.issues if i.code not in ignore
    ]
    assert any(i.cell == f"{openpyxl.utils.get_column_letter(col)}{row}" for i in direct.issues)


def test_check_ignores_its_own_result_sheet_and_needs_the_round(sample_round, tmp_path, monkeypatch):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    sub = sample_submissions()[0]
    filled = tmp_path / "filled.xlsx"
    fill_workbook(paths.entry_workbook(master.department(sub.department)), filled, sub)
    b = book(filled)
    [message] = [ribbon.check(b)]
    assert "企画課に連絡してください" in message and "XLSHEET_ROUNDS_ROOT" in message
    monkeypatch.setenv(ribbon.ROUNDS_ROOT_ENV, str(sample_round.parent))  # found by its round id
    wb = openpyxl.load_workbook(filled)
    wb.create_sheet(CHECK_SHEET)["A1"] = "前回の結果"
    wb.save(filled)
    b = book(filled)
    assert ribbon.check(b) == "問題はありません。保存して企画課に送ってください。"


def test_buttons_on_the_wrong_workbook_say_what_to_do(sample_round, tmp_path):
    b = book(write_control_workbook(sample_round))
    assert "入力ブック（企画課が配布したブック）を開いてから" in ribbon.check(b)
    broken = tmp_path / "r"
    shutil.copytree(sample_round, broken)
    (broken / "master.xlsx").write_bytes(b"broken")
    for press in (ribbon.generate, ribbon.review, ribbon.publish):  # XlsheetError lines, as a message box
        b = book(write_control_workbook(sample_round, tmp_path / "ctl.xlsx", round_value=str(broken)))
        assert press(b).startswith("マスタデータに誤りがあります。何も書き込んでいません。")
        assert alerts(b)[0].startswith("マスタデータに誤りがあります。") and not added_sheets(b)
    assert not (broken / "outbox" / "review").exists() and not (broken / "output" / "opendata").exists()


def test_result_tables_never_write_formulas(tmp_path):
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    b = book(plain)
    ribbon.write_table(b, "結果", "=1+1", ("a", "b"), [('=HYPERLINK("http://x")', "-1"), ("@x", 3)])
    values = [a["values"] for a in b.json()["actions"] if a["func"] == "setValues"]
    assert values == [[["'=1+1"]], [["a", "b"], ['\'=HYPERLINK("http://x")', "'-1"], ["'@x", 3]]]


def test_every_button_key_is_a_public_function_of_the_package():
    """The VBA calls ``xlsheet.ribbon.run_caller(key)``, the server's scripts ``ribbon.<key>(book)``."""
    assert list(ribbon.STEPS) == [b.key for b in ribbon.BUTTONS]
    for key, func in ribbon.STEPS.items():
        assert getattr(ribbon, key) is func and func.__name__ == key
    # the round's office steps in their order, each also a choice of the single 評価 button
    office = [b.key for b in ribbon.BUTTONS if b.group == "企画課"]
    assert office == ["generate", "collect", "decide", "review", "merge", "publish", "status"]
    assert list(ribbon.ACTION_LABELS.values()) == office
    assert ribbon.BUTTONS_BY_KEY["review"].label == "確認ブック作成"
    assert ribbon.BUTTONS_BY_KEY["publish"].label == "公開データ作成"


def test_review_and_publish_buttons_on_a_collected_round(sample_round, tmp_path):
    """確認ブック作成 and 公開データ作成 through the single 評価 button's choice, on a round whose
    every department answered: the review workbooks carry the merged draft, the package is
    written where `xlsheet publish` writes it, and pressing again leaves unchanged books alone."""
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    for sub in sample_submissions(master):
        shutil.copy(answer(sample_round, sub.department, f"{sub.department}.xlsx"), paths.inbox)
    assert ribbon.collect(book(write_control_workbook(sample_round))).startswith("回収・検証")
    ctl = write_control_workbook(sample_round)
    wb = openpyxl.load_workbook(ctl)
    sheet, col, row, *_ = name_range(wb, ACTION_NAME)

    def press(label: str) -> xw.Book:
        wb[sheet].cell(row, col).value = label
        wb.save(tmp_path / "ctl.xlsx")
        b = book(tmp_path / "ctl.xlsx")
        ribbon.dispatch(b)
        return b

    b = press("確認ブック作成")
    assert added_sheets(b) == ["確認ブック"]
    [message] = alerts(b)
    assert message.startswith(f"確認ブックを {len(master.leading_projects)} 冊用意しました（新規・変更あり ")
    assert "まだ受理していない所属" not in message  # every department answered
    with Ledger(paths.ledger) as ledger:
        drafts = consolidate(master, current_received(ledger)).drafts
    for lp in master.leading_projects:
        made = paths.review_workbook(master.department(lp.lead_department), lp.code)
        assert stamped_manifest(made).draft == drafts[lp.code].fingerprint
    again = press("確認ブック作成")
    rows = [a["values"] for a in again.json()["actions"] if a["func"] == "setValues" and a["start_row"] == 2]
    assert [r[5] for r in rows[0][1:]] == ["変更なし"] * len(master.leading_projects)

    b = press("公開データ作成")
    assert added_sheets(b) == ["公開データ"]
    folder = paths.output / "opendata"
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    [message] = alerts(b)
    assert message.splitlines()[1] == str(folder)
    pdfs = [r for r in package["resources"] if r["format"] == "pdf"]
    assert f"PDF {len(pdfs)} 件" in message.splitlines()[0]
    if soffice_path() is not None:
        assert pdfs and "注意" not in message  # nothing missing: every department, every PDF
    # pressed again: the package it wrote itself is replaced without a question
    assert alerts(press("公開データ作成"))[0].startswith("公開用データを作成しました")
