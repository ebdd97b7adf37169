"""The 判断を反映 button: the 企画課の判断 form of the control workbook, read row by row and
applied to the ledger (accept or withdraw one file), with each row's 結果 written back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import XlsheetError
from .names import DECIDE_HEADER, DECIDE_NAME, DECIDE_SHEET
from .report import RibbonError, report_errors
from .round_folder import round_dir
from .steps import write_status
from .workbook import COLOR_ERROR, COLOR_OK, alert, as_text, local_time, named_range


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


@report_errors
def decide(book: Any) -> str:
    """判断を反映: apply each row of the 企画課の判断 form whose 結果 is empty (accept or
    withdraw one file), write its 結果, then refresh the 提出状況 sheet."""
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
        cell.value = as_text(f"{local_time(dt.datetime.now().astimezone())} {text}")
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
