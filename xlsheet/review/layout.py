"""Where the review workbook puts things: its sheets, columns and marks (writer and reader share it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..layout import cell_ref

SHEET_GUIDE = "はじめに"
SHEET_PROJECTS = "事業の選択"
SHEET_PARAGRAPHS = "段落の編集"
SHEET_SDGS = "ＳＤＧｓの判断"
SHEET_ISSUES = "指摘事項"

HEADER_ROW = 3
"""0-based row of each sheet's column headings; the items follow, one a row."""
FIRST_ROW = HEADER_ROW + 1

CHOSEN_MARK = "○"
REJECT_MARK = "×"
MARKS_YES = frozenset({"○", "〇", "◯", "o", "O", "ｏ", "Ｏ"})
"""What a person types for ○ (the dropdown gives ○; IME and keyboards give the others)."""
MARKS_NO = frozenset({"×", "x", "X", "✕", "✖", "ｘ", "Ｘ"})


class Col(StrEnum):
    """Column keys (identifiers, never shown)."""

    KEY = "key"
    CATEGORY = "category"
    INITIATIVE = "initiative"
    INITIATIVE_TITLE = "initiative_title"
    NAME = "name"
    OWNER = "owner"
    DEPARTMENT = "department"
    CHOSEN = "chosen"
    ORDER = "order"
    COUNT = "count"
    KIND = "kind"
    ORIGINAL = "original"
    ACTION = "action"
    INTO = "into"
    HEADING = "heading"
    BODY = "body"
    NOTE = "note"
    GOAL = "goal"
    GOAL_NAME = "goal_name"
    MARKED_BY = "marked_by"
    KEEP = "keep"
    EVALUATION = "evaluation"


@dataclass(frozen=True)
class Column:
    key: Col
    label: str
    width: float
    editable: bool = False


PROJECT_COLUMNS = (
    Column(Col.KEY, "キー", 6),
    Column(Col.CATEGORY, "区分", 12),
    Column(Col.INITIATIVE, "取り組みコード", 10),
    Column(Col.INITIATIVE_TITLE, "取り組み", 28),
    Column(Col.NAME, "事業名", 36),
    Column(Col.OWNER, "所属（表示）", 18),
    Column(Col.DEPARTMENT, "報告した所属", 18),
    Column(Col.EVALUATION, "事務事業評価", 16),
    Column(Col.CHOSEN, "採用（○は3件まで）", 10, True),
    Column(Col.ORDER, "順番", 7, True),
    Column(Col.COUNT, "この取り組みの○", 10),
)
PARAGRAPH_COLUMNS = (
    Column(Col.KEY, "キー", 6),
    Column(Col.KIND, "欄", 12),
    Column(Col.INITIATIVE, "取り組みコード", 10),
    Column(Col.DEPARTMENT, "書いた所属", 16),
    Column(Col.ORIGINAL, "所属が書いた見出し", 26),
    Column(Col.ACTION, "扱い", 8, True),
    Column(Col.INTO, "統合先（キー）", 9, True),
    Column(Col.ORDER, "順番", 7, True),
    Column(Col.HEADING, "見出し（印刷）", 26, True),
    Column(Col.BODY, "本文（印刷）", 70, True),
    Column(Col.NOTE, "気づいた点", 26),
)
SDG_COLUMNS = (
    Column(Col.GOAL, "目標", 6),
    Column(Col.GOAL_NAME, "目標の名前", 34),
    Column(Col.MARKED_BY, "○を付けた所属", 40),
    Column(Col.COUNT, "所属数", 8),
    Column(Col.KEEP, "判断（○ 載せる／× 載せない）", 14, True),
)

COLUMNS = {SHEET_PROJECTS: PROJECT_COLUMNS, SHEET_PARAGRAPHS: PARAGRAPH_COLUMNS, SHEET_SDGS: SDG_COLUMNS}


def col_index(columns: tuple[Column, ...], key: Col) -> int:
    return next(n for n, c in enumerate(columns) if c.key is key)


def label(columns: tuple[Column, ...], key: Col) -> str:
    return columns[col_index(columns, key)].label


def cell(columns: tuple[Column, ...], key: Col, row: int) -> str:
    """A1 reference of a column's cell on a 0-based row."""
    return cell_ref(row, col_index(columns, key))
