"""The 入力チェック button: the department's open entry workbook validated as intake would,
before it is sent, with what to fix listed in a result sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..layout import SHEET_CHECK, SHEET_MANIFEST
from ..round import Round
from .report import RibbonError, report_errors
from .round_folder import check_round_dir
from .workbook import COLOR_ERROR, COLOR_WARNING, alert, is_entry_workbook, write_table

SEVERITY_COLORS = {"error": COLOR_ERROR, "warning": COLOR_WARNING, "fixed": None}

CHECK_SHEET = SHEET_CHECK
CHECK_IGNORED = {"validation_removed", "validation_partly_removed"}
"""Issues the Office.js payload cannot decide (it carries no data validations)."""


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


@report_errors
def check(book: Any) -> str:
    """入力チェック: validate the entry workbook in front of the department before it is sent."""
    from ..intake.reader import read_workbook
    from ..models import SEVERITY_JA, Severity

    if not is_entry_workbook(book):
        raise RibbonError("入力ブック（企画課が配布したブック）を開いてから「入力チェック」を押してください")
    root = check_round_dir(book)
    rnd = Round(Path(root))
    result = read_workbook(_workbook_bytes(book), rnd.master, file=book.name, form=rnd.form)
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
