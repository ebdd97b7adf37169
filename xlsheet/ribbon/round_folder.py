"""Which round folder a button works on: the control workbook's cell, the environment, or (for
an entry workbook) the round whose master data has the workbook's round id."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..layout import SHEET_MANIFEST
from ..paths import RoundPaths
from .names import ROUND_DIR_ENV, ROUND_DIR_NAME, ROUNDS_ROOT_ENV
from .report import RibbonError
from .workbook import named_value


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


def _book_round_id(book: Any) -> str:
    """The round id stamped in an entry workbook's manifest sheet (row 3 holds the JSON)."""
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
