"""Ribbon buttons: one thin wrapper per button over the library, for xlwings (desktop and Office.js).

Each button takes the xlwings ``Book`` it was pressed in, finds the round folder, calls one
library step and writes the result back into that workbook: a result sheet (highlighted
rows), and a message box. The same functions run under xlwings Server (the book arrives as
JSON, ``xw.Book(json=...)``) and on a desktop PC through ``RunPython`` (``xw.Book.caller()``).

``BUTTONS`` (`buttons`) is the single list of buttons. The Office.js manifest and ribbon script
(``xlsheet/server``), the server's custom scripts and the desktop ribbon XML and VBA
(``macros/``) are written from it by hand and tests check that they agree with it.

Modules: `buttons` (the table), `names` (the control workbook's defined names), `workbook`
(names, result sheets, message boxes), `report` (`RibbonError`, the message-box wrapper),
`round_folder`, `steps` (generate, collect, review, merge, publish, status), `decisions` (decide),
`entry_check` (check), `desktop` (run, dispatch, main, run_caller).
"""

from __future__ import annotations

from .buttons import ACTION_LABELS, BUTTONS, BUTTONS_BY_KEY, Button
from .decisions import decide, decide_form
from .desktop import STEPS, dispatch, main, run, run_caller
from .entry_check import CHECK_IGNORED, CHECK_SHEET, SEVERITY_COLORS, check
from .names import (
    ACTION_NAME,
    DECIDE_CHOICES,
    DECIDE_HEADER,
    DECIDE_NAME,
    DECIDE_SHEET,
    ROUND_DIR_ENV,
    ROUND_DIR_NAME,
    ROUNDS_ROOT_ENV,
)
from .report import RibbonError, report_errors
from .round_folder import check_round_dir, round_dir
from .steps import collect, generate, merge, publish, review, status, status_rows, write_status
from .workbook import (
    ALERT_TITLE,
    COLOR_ERROR,
    COLOR_HEADER,
    COLOR_OK,
    COLOR_WARNING,
    FORMULA_STARTS,
    alert,
    as_text,
    is_entry_workbook,
    local_time,
    named_range,
    named_value,
    result_sheet,
    sheet_names,
    write_table,
)

__all__ = [
    "ACTION_LABELS",
    "ACTION_NAME",
    "ALERT_TITLE",
    "BUTTONS",
    "BUTTONS_BY_KEY",
    "CHECK_IGNORED",
    "CHECK_SHEET",
    "COLOR_ERROR",
    "COLOR_HEADER",
    "COLOR_OK",
    "COLOR_WARNING",
    "DECIDE_CHOICES",
    "DECIDE_HEADER",
    "DECIDE_NAME",
    "DECIDE_SHEET",
    "FORMULA_STARTS",
    "ROUNDS_ROOT_ENV",
    "ROUND_DIR_ENV",
    "ROUND_DIR_NAME",
    "SEVERITY_COLORS",
    "STEPS",
    "Button",
    "RibbonError",
    "alert",
    "as_text",
    "check",
    "check_round_dir",
    "collect",
    "decide",
    "decide_form",
    "dispatch",
    "generate",
    "is_entry_workbook",
    "local_time",
    "main",
    "merge",
    "named_range",
    "named_value",
    "publish",
    "report_errors",
    "result_sheet",
    "review",
    "round_dir",
    "run",
    "run_caller",
    "sheet_names",
    "status",
    "status_rows",
    "write_status",
    "write_table",
]
