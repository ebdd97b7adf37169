"""Ribbon buttons: one thin wrapper per button over the library, for xlwings (desktop and Office.js).

Each button takes the xlwings ``Book`` it was pressed in, finds the round folder, calls one
library step and writes the result back into that workbook: a result sheet (highlighted
rows), and a message box. The same functions run under xlwings Server (the book arrives as
JSON, ``xw.Book(json=...)``) and on a desktop PC through ``RunPython`` (``xw.Book.caller()``).

``BUTTONS`` is the single list of buttons. The Office.js manifest and ribbon script
(``xlsheet/server``), the server's custom scripts and the desktop ribbon XML and VBA
(``macros/``) are written from it by hand and tests check that they agree with it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import XlsheetError
from ..layout import SHEET_CHECK, SHEET_MANIFEST
from ..models import DeptState
from ..paths import RoundPaths

log = logging.getLogger(__name__)

ROUND_DIR_NAME = "xlsheet_round_dir"
"""Workbook-scoped defined name of the control workbook's cell holding the round folder."""
ACTION_NAME = "xlsheet_action"
"""Defined name of the cell choosing what the desktop add-in's single 評価 button does."""
DECIDE_NAME = "xlsheet_decide_first"
"""Defined name of the first data row (ファイル … 結果) of the control workbook's 企画課の判断 form."""
DECIDE_SHEET = "企画課の判断"
DECIDE_HEADER = ("ファイル", "判断", "理由", "結果")
DECIDE_CHOICES = ("採用", "取り下げ")
"""The 判断 dropdown: `xlsheet.intake.ledger.ACTION_JA` of accept and withdraw."""
ROUND_DIR_ENV = "XLSHEET_ROUND_DIR"
"""Fallback round folder (e.g. a server that serves exactly one round)."""
ROUNDS_ROOT_ENV = "XLSHEET_ROUNDS_ROOT"
"""When set, every round folder must lie inside it (relative cell values are taken from it)."""

ALERT_TITLE = "xlsheet 政策評価"

COLOR_HEADER = "#D9E1F2"
COLOR_ERROR = "#F8CBAD"
COLOR_WARNING = "#FFF2CC"
COLOR_OK = "#E2EFDA"


class RibbonError(XlsheetError):
    """A problem the person at the ribbon can fix; the message is Japanese and says how."""


@dataclass(frozen=True)
class Button:
    key: str
    """Python function in this module; also the desktop ``run_caller`` key."""
    label: str
    tip: str
    script: str
    """xlwings Server custom script name."""
    function_name: str
    """Office.js ``FunctionName`` in the manifest (ribbon.js associates it with ``script``)."""
    vba: str
    """Desktop VBA callback (module XlsheetRibbon)."""
    image_mso: str
    """Built-in Office icon for the desktop ribbon."""
    group: str
    """企画課 (planning office) or 所属 (department)."""


BUTTONS: tuple[Button, ...] = (
    Button(
        "generate",
        "配布ブック作成",
        "master.xlsx から所属ごとの入力ブック（outbox フォルダ）を作ります。",
        "xlsheet_generate",
        "xlsheet-generate",
        "OnGenerate",
        "FileNew",
        "企画課",
    ),
    Button(
        "collect",
        "回収・検証",
        "inbox フォルダの返送ファイルを受け付けて検証し、結果を「回収結果」シートに書きます。",
        "xlsheet_collect",
        "xlsheet-collect",
        "OnCollect",
        "ImportExcel",
        "企画課",
    ),
    Button(
        "decide",
        "判断を反映",
        "「企画課の判断」シートに書いた採用・取り下げを台帳に記録し、結果の欄と「提出状況」シートを書きます。",
        "xlsheet_decide",
        "xlsheet-decide",
        "OnDecide",
        "FileMarkAsFinal",
        "企画課",
    ),
    Button(
        "merge",
        "統合ブック作成",
        "受理した入力ブックを 1 冊の統合ブック（output フォルダ）にまとめます。",
        "xlsheet_merge",
        "xlsheet-merge",
        "OnMerge",
        "ConsolidateMenu",
        "企画課",
    ),
    Button(
        "status",
        "提出状況",
        "所属ごとの提出状況を「提出状況」シートに書きます。",
        "xlsheet_status",
        "xlsheet-status",
        "OnStatus",
        "TableSelect",
        "企画課",
    ),
    Button(
        "check",
        "入力チェック",
        "開いている入力ブックを送る前に検査し、直す点を「入力チェック結果」シートに書きます。",
        "xlsheet_check",
        "xlsheet-check",
        "OnCheck",
        "ReviewAcceptChange",
        "所属",
    ),
)

BUTTONS_BY_KEY = {b.key: b for b in BUTTONS}


# --------------------------------------------------------------------------- workbook helpers


def named_range(book: Any, name: str) -> Any:
    """The range behind a defined name, or None when the workbook has no such (usable) name."""
    try:
        names = book.names
        if name not in [n.name.split("!")[-1] for n in names]:
            return None
        target = next(n for n in names if n.name.split("!")[-1] == name)
        return target.refers_to_range
    except Exception:  # a broken name (#REF!) or a constant: treat as absent
        log.debug("defined name %s unreadable", name, exc_info=True)
        return None


def named_value(book: Any, name: str) -> Any:
    """The value of the cell behind a defined name, or None when the workbook has no such name."""
    target = named_range(book, name)
    if target is None:
        return None
    try:
        return target.value
    except Exception:
        log.debug("defined name %s unreadable", name, exc_info=True)
        return None


def sheet_names(book: Any) -> list[str]:
    return [s.name for s in book.sheets]


def result_sheet(book: Any, name: str) -> Any:
    """The result sheet `name`, emptied, or a new one after the last sheet."""
    if name in sheet_names(book):
        sheet = book.sheets[name]
        sheet.clear()
        return sheet
    return book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])


FORMULA_STARTS = ("=", "+", "-", "@")


def as_text(value: Any) -> Any:
    """A value Excel must show as text: a string that looks like a formula gets Excel's text
    prefix (an apostrophe), so a file name or message can never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_table(
    book: Any,
    sheet_name: str,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    colors: Sequence[str | None] = (),
) -> Any:
    """Write a titled table into a fresh result sheet; colour row i with colors[i] when given."""
    sheet = result_sheet(book, sheet_name)
    width = len(header)
    sheet["A1"].value = as_text(title)
    sheet["A1"].font.bold = True
    sheet["A3"].value = [list(header), *[[as_text(v) for v in r] for r in rows]]
    sheet[2, 0].resize(1, width).color = COLOR_HEADER
    sheet[2, 0].resize(1, width).font.bold = True
    for i, color in enumerate(colors):
        if color:
            sheet[3 + i, 0].resize(1, width).color = color
    sheet.activate()
    return sheet


def alert(book: Any, message: str) -> None:
    book.app.alert(message, title=ALERT_TITLE)


# --------------------------------------------------------------------------- round folder


def round_dir(book: Any) -> Path:
    """The round folder for this workbook: its ``xlsheet_round_dir`` cell, else $XLSHEET_ROUND_DIR,
    else (desktop only) the folder the workbook is saved in when it holds master.xlsx."""
    value = named_value(book, ROUND_DIR_NAME)
    where = f"名前付きセル「{ROUND_DIR_NAME}」"
    if value in (None, ""):
        value, where = os.environ.get(ROUND_DIR_ENV, ""), f"環境変数 {ROUND_DIR_ENV}"
    if not value:
        saved = Path(str(getattr(book, "fullname", "") or ""))
        if saved.is_absolute() and RoundPaths(saved.parent).master.exists():
            value, where = str(saved.parent), "ブックの保存先フォルダ"
    if not value:
        raise RibbonError(
            "ラウンドのフォルダがわかりません。操作ブック（`xlsheet addin control ROUND` で作れます）を開いて"
            f"ボタンを押すか、名前付きセル「{ROUND_DIR_NAME}」にフォルダを書いてください"
        )
    path = Path(str(value).strip()).expanduser()
    root = os.environ.get(ROUNDS_ROOT_ENV)
    if root:
        base = Path(root).resolve()
        path = (base / path).resolve()
        if not path.is_relative_to(base):
            raise RibbonError(
                f"{where} のフォルダ「{value}」はサーバーで使えるフォルダ（{base}）の外です。"
                "その中のラウンドのフォルダ名を書いてください"
            )
    if not RoundPaths(path).master.exists():
        raise RibbonError(
            f"{where} のフォルダ「{path}」に master.xlsx がありません。ラウンドのフォルダを指定してください"
        )
    return path


# --------------------------------------------------------------------------- buttons


def _report_errors(func: Callable[[Any], str]) -> Callable[[Any], str]:
    """Show any failure as a Japanese message box instead of losing it in a server log."""

    def wrapper(book: Any) -> str:
        try:
            return func(book)
        except XlsheetError as exc:
            lines = exc.lines()
            message = "\n".join(lines[:21])
        except FileExistsError as exc:
            message = str(exc)
        except Exception as exc:  # the ribbon is the outermost caller: report, never swallow silently
            log.exception("ribbon button %s failed", func.__name__)
            message = f"処理中に予期しないエラーが起きました（{type(exc).__name__}: {exc}）。担当者に連絡してください"
        alert(book, message)
        return message

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@_report_errors
def generate(book: Any) -> str:
    """配布ブック作成: write outbox/*.xlsx for every department and list them."""
    from ..generate import generate_round

    root = round_dir(book)
    done = generate_round(root)
    write_table(
        book,
        "配布ブック",
        f"配布ブック作成: {len(done)} 件（{RoundPaths(root).outbox}）",
        ("所属コード", "所属名", "ファイル"),
        [(g.department, g.name, g.path.name) for g in done],
    )
    message = f"入力ブックを {len(done)} 件作成しました。\n{RoundPaths(root).outbox}"
    alert(book, message)
    return message


SEVERITY_COLORS = {"error": COLOR_ERROR, "warning": COLOR_WARNING, "fixed": None}


def _status_color(state: DeptState) -> str | None:
    if state in (DeptState.NEEDS_FIX, DeptState.NEEDS_FIX_HAS_ACCEPTED, DeptState.UNANSWERED):
        return COLOR_ERROR
    if not state.done or state is DeptState.ACCEPTED_WARNINGS:
        return COLOR_WARNING
    return COLOR_OK


def _local(value: Any) -> str:
    """A timestamp as people read it: local time, minutes."""
    if value is None:
        return ""
    if getattr(value, "tzinfo", None) is not None:
        value = value.astimezone()
    return value.strftime("%Y-%m-%d %H:%M")


@_report_errors
def collect(book: Any) -> str:
    """回収・検証: take in everything in inbox/ and list what happened to each file."""
    from ..intake.collect import collect_round
    from ..models import FILE_STATUS_JA, FileStatus, Severity

    root = round_dir(book)
    report = collect_round(root)
    rows, colors = [], []
    for f in report.files:
        errors = [i for i in f.issues if i.severity is Severity.ERROR]
        warnings = [i for i in f.issues if i.severity is Severity.WARNING]
        fixed = [i for i in f.issues if i.severity is Severity.FIXED]
        first = (errors or warnings or [None])[0]
        rows.append(
            (
                f.path,
                f.department,
                FILE_STATUS_JA[f.status],
                len(errors),
                len(warnings),
                len(fixed),
                first.text() if first else "",
            )
        )
        colors.append(
            COLOR_ERROR
            if f.status is FileStatus.REJECTED
            else COLOR_WARNING
            if warnings
            else COLOR_OK
            if f.status is FileStatus.ACCEPTED
            else None
        )
    counts = report.counts()
    summary = "、".join(f"{FILE_STATUS_JA[s]} {n}" for s, n in counts.items() if n)
    write_table(
        book,
        "回収結果",
        f"回収・検証: {len(report.files)} 件（{summary or 'inbox は空です'}）",
        ("ファイル", "所属", "結果", "エラー", "注意", "自動修正", "主な指摘"),
        rows,
        colors,
    )
    message = f"回収・検証: {len(report.files)} 件を処理しました。" + (f"\n{summary}" if summary else "")
    if report.feedback:
        message += (
            f"\n直してほしい所属への返却ブック: {len(report.feedback)} 件（{RoundPaths(root).feedback}）"
        )
    alert(book, message)
    return message


@_report_errors
def merge(book: Any) -> str:
    """統合ブック作成: write the consolidated book into output/."""
    from ..merge.book import merge_round

    root = round_dir(book)
    result = merge_round(root)
    accepted = sum(s.done for s in result.status)
    write_table(
        book,
        "統合結果",
        f"統合ブック作成: 受理 {accepted} / {len(result.status)} 所属",
        ("種類", "ファイル"),
        [("統合ブック", str(result.book))],
    )
    message = f"統合ブックを作成しました（受理 {accepted} / {len(result.status)} 所属）。\n{result.book}"
    alert(book, message)
    return message


def status_rows(root: Path) -> list[Any]:
    """The ledger's status table for the round (one DepartmentStatus per department)."""
    from ..intake.ledger import Ledger
    from ..master import load_master

    paths = RoundPaths(root)
    master = load_master(paths.master)
    with Ledger(paths.ledger) as ledger:
        return ledger.status(master)


def write_status(book: Any, root: Path) -> tuple[int, int]:
    """Write the 提出状況 sheet for the round; (departments done, departments)."""
    from ..merge.tables import status_table

    rows = status_rows(root)
    t = status_table(rows)  # the same columns as the consolidated book's 提出状況
    table = [tuple(_local(v) if isinstance(v, dt.datetime) else v for v in r) for r in t.rows]
    done = sum(s.done for s in rows)
    write_table(
        book,
        "提出状況",
        f"提出状況: 受理 {done} / {len(rows)} 所属",
        t.headers,
        table,
        [_status_color(s.state) for s in rows],
    )
    return done, len(rows)


@_report_errors
def status(book: Any) -> str:
    """提出状況: one row per department into the 提出状況 sheet."""
    done, total = write_status(book, round_dir(book))
    message = f"提出状況: 受理 {done} / {total} 所属。「提出状況」シートを見てください。"
    alert(book, message)
    return message


def _cell_text(value: Any) -> str:
    """A form cell as text: a whole number Excel stored as a number (a SHA-256 prefix of digits)
    without its ".0", everything else stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def decide_form(book: Any) -> tuple[Any, int, int, list[list[Any]]]:
    """The 企画課の判断 form: its sheet, first data row and column (1-based) and the rows
    (ファイル, 判断, 理由, 結果) from the first data row to the sheet's last used row."""
    start = named_range(book, DECIDE_NAME)
    if start is None:
        raise RibbonError(
            f"このブックには「{DECIDE_SHEET}」の表（名前付き範囲「{DECIDE_NAME}」）がありません。"
            "`xlsheet addin control ROUND` で操作ブックを作り直し、そのブックで押してください"
        )
    sheet, row, col = start.sheet, start.row, start.column
    width = len(DECIDE_HEADER)
    header = sheet.range((row - 1, col), (row - 1, col + width - 1)).value if row > 1 else []
    if [_cell_text(h) for h in header or []] != list(DECIDE_HEADER):
        raise RibbonError(
            f"「{sheet.name}」シートの表の見出しが「{'・'.join(DECIDE_HEADER)}」ではありません"
            f"（名前付き範囲「{DECIDE_NAME}」の上の行）。列を動かさずに書くか、"
            "`xlsheet addin control ROUND` で操作ブックを作り直してください"
        )
    last = max(sheet.used_range.last_cell.row, row)
    rows = sheet.range((row, col), (last, col + width - 1)).options(ndim=2).value
    return sheet, row, col, rows


@_report_errors
def decide(book: Any) -> str:
    """判断を反映: apply each row of the 企画課の判断 form whose 結果 is empty (accept or
    withdraw one file), write its 結果, then refresh the 提出状況 sheet."""
    import datetime as dt

    from ..intake.decide import decide_file
    from ..intake.ledger import ACTION_JA, Action

    root = round_dir(book)
    sheet, first_row, first_col, rows = decide_form(book)
    actions = {label: action for action, label in ACTION_JA.items()}
    applied = failed = skipped = 0
    for i, row in enumerate(rows):
        ref, choice, reason, result = (_cell_text(v) for v in row)
        if not (ref or choice or reason):
            continue
        if result:
            skipped += 1
            continue
        try:
            if not ref:
                raise RibbonError(
                    "ファイルの欄が空です。「回収結果」か「提出状況」シートのファイル（inbox/…）か、"
                    "SHA-256 の先頭 6 文字以上を書いてください"
                )
            if choice not in actions:
                raise RibbonError(
                    f"判断の欄「{choice}」は選べません。プルダウンから「{'」か「'.join(actions)}」を選んでください"
                    if choice
                    else f"判断の欄が空です。プルダウンから「{'」か「'.join(actions)}」を選んでください"
                )
            if actions[choice] is Action.WITHDRAW and not reason:
                raise RibbonError(
                    "取り下げには理由が必要です（台帳と統合ブックに残ります）。理由の欄に書いてください"
                )
            done = decide_file(root, ref, actions[choice], reason)
            text, color = done.text(), COLOR_OK
            applied += 1
        except XlsheetError as exc:
            text, color = "エラー: " + " ".join(exc.lines()), COLOR_ERROR
            failed += 1
        cell = sheet.range((first_row + i, first_col + len(DECIDE_HEADER) - 1))
        cell.value = as_text(f"{_local(dt.datetime.now().astimezone())} {text}")
        cell.color = color
    if not applied and not failed:
        message = (
            f"「{DECIDE_SHEET}」シートに反映する行がありません。ファイル・判断（{'／'.join(actions)}）・理由を"
            "書いてから押してください（結果の欄が空の行だけ反映します）。"
        )
        if skipped:
            message += f"\n結果の欄が埋まっている {skipped} 行は反映済みです。"
        alert(book, message)
        return message
    message = f"企画課の判断: {applied} 件を反映しました。"
    if failed:
        message += (
            f"\n{failed} 件はエラーです。結果の欄を見て直し、その結果の欄を消してからもう一度押してください。"
        )
    if skipped:
        message += f"\n結果の欄が埋まっている {skipped} 行は反映済みとして飛ばしました。"
    if applied:
        done_count, total = write_status(book, root)
        message += f"\n提出状況: 受理 {done_count} / {total} 所属（「提出状況」シート）。"
    sheet.activate()
    alert(book, message)
    return message


CHECK_SHEET = SHEET_CHECK
CHECK_IGNORED = {"validation_removed", "validation_partly_removed"}
"""Issues the Office.js payload cannot decide (it carries no data validations)."""


def _book_round_id(book: Any) -> str:
    """The round id stamped in an entry workbook's manifest sheet (row 3 holds the JSON)."""
    import json

    try:
        return str(json.loads(book.sheets[SHEET_MANIFEST]["A3"].value)["round_id"])
    except Exception:
        return ""


def check_round_dir(book: Any) -> Path:
    """The round an entry workbook belongs to: $XLSHEET_ROUND_DIR, or the folder under
    $XLSHEET_ROUNDS_ROOT whose master data has the workbook's round id."""
    from ..master import MasterDataError, load_master

    if os.environ.get(ROUND_DIR_ENV) or named_value(book, ROUND_DIR_NAME):
        return round_dir(book)
    round_id = _book_round_id(book)
    root = os.environ.get(ROUNDS_ROOT_ENV)
    if root and round_id:
        for master_path in sorted(Path(root).glob("*/master.xlsx")):
            try:
                if load_master(master_path).settings.round_id == round_id:
                    return master_path.parent
            except MasterDataError:
                continue
    raise RibbonError(
        f"この入力ブックの回（{round_id or '不明'}）のマスタデータが見つかりません。"
        "企画課に連絡してください（サーバーの XLSHEET_ROUNDS_ROOT か XLSHEET_ROUND_DIR の設定が必要です）"
    )


def _workbook_bytes(book: Any) -> bytes:
    """The workbook as file bytes: rebuilt from the Office.js JSON, or the saved file (desktop)."""
    from .officejs import manifest_properties, payload_workbook

    api = getattr(book, "api", None)
    if isinstance(api, dict) and "sheets" in api:
        return payload_workbook(api, manifest_properties(api, SHEET_MANIFEST))
    path = Path(str(book.fullname))
    if not path.is_absolute():
        raise RibbonError("入力ブックを一度保存してから「入力チェック」を押してください")
    book.save()
    return path.read_bytes()


@_report_errors
def check(book: Any) -> str:
    """入力チェック: validate the entry workbook in front of the department before it is sent."""
    from ..intake.reader import read_workbook
    from ..master import load_master
    from ..models import SEVERITY_JA, Severity
    from ..round import round_form

    if not is_entry_workbook(book):
        raise RibbonError("入力ブック（企画課が配布したブック）を開いてから「入力チェック」を押してください")
    root = check_round_dir(book)
    paths = RoundPaths(root)
    master = load_master(paths.master)
    result = read_workbook(_workbook_bytes(book), master, file=book.name, form=round_form(paths))
    issues = [
        i
        for i in result.issues
        if i.code not in CHECK_IGNORED and not (i.code == "sheet_added" and i.sheet == CHECK_SHEET)
    ]
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.FIXED: 2}
    issues.sort(key=lambda i: order[i.severity])
    counts = {s: sum(i.severity is s for i in issues) for s in Severity}
    write_table(
        book,
        CHECK_SHEET,
        "入力チェック: " + "、".join(f"{SEVERITY_JA[s]} {n} 件" for s, n in counts.items()),
        ("重さ", "シート", "セル", "項目", "内容", "直し方"),
        [(SEVERITY_JA[i.severity], i.sheet, i.cell, i.field, i.message, i.hint) for i in issues],
        [SEVERITY_COLORS[i.severity.value] for i in issues],
    )
    if counts[Severity.ERROR]:
        message = (
            f"直してほしい点が {counts[Severity.ERROR]} 件あります（注意 {counts[Severity.WARNING]} 件）。"
            f"「{CHECK_SHEET}」シートに書いたセルを直してから、もう一度押してください。"
        )
    elif counts[Severity.WARNING]:
        message = f"エラーはありません。注意が {counts[Severity.WARNING]} 件あります。「{CHECK_SHEET}」シートを確認してください。"
    else:
        message = "問題はありません。保存して企画課に送ってください。"
    alert(book, message)
    return message


# --------------------------------------------------------------------------- desktop entry points


def is_entry_workbook(book: Any) -> bool:
    """An entry workbook carries the very hidden manifest sheet."""
    return SHEET_MANIFEST in sheet_names(book)


def run(book: Any, key: str) -> str:
    """Run the button `key` (generate, collect, decide, merge, status, check) on `book`."""
    if key not in BUTTONS_BY_KEY:
        raise KeyError(key)
    return globals()[key](book)


ACTION_LABELS = {b.label: b.key for b in BUTTONS if b.group == "企画課"}


def dispatch(book: Any) -> str:
    """What the single 評価 button does: check an entry workbook; in the control workbook, run
    the step chosen in its ``xlsheet_action`` cell (提出状況 when it is empty)."""
    if is_entry_workbook(book):
        return run(book, "check")
    chosen = str(named_value(book, ACTION_NAME) or "").strip()
    key = ACTION_LABELS.get(chosen, "status" if not chosen else "")
    if not key:
        message = (
            f"名前付きセル「{ACTION_NAME}」の「{chosen}」は選べる処理ではありません。"
            f"プルダウンから選んでください（{'、'.join(ACTION_LABELS)}）"
        )
        alert(book, message)
        return message
    return run(book, key)


def main() -> None:
    """Desktop add-in built from xlwings' ribbon template: its one button calls this (RunMain)."""
    import xlwings as xw

    dispatch(xw.Book.caller())


def run_caller(key: str) -> None:
    """Desktop add-in with the imported per-button VBA (macros/xlsheet_ribbon.bas) calls this."""
    import xlwings as xw

    run(xw.Book.caller(), key)
