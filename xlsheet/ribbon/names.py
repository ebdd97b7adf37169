"""Defined names and sheets of the control workbook that the buttons read, and the round-folder
settings of the environment."""

from __future__ import annotations

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
