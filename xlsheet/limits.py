"""Excel's limits, checked before Excel "repairs" or truncates what we write.

openpyxl accepts all of these silently and XlsxWriter refuses some with English warnings;
every writer in xlsheet goes through these checks so the user gets one clear Japanese error.
"""

from __future__ import annotations

import re

from .errors import XlsheetError

CELL_TEXT_MAX = 32_767
INLINE_LIST_MAX = 255
PROMPT_MAX = 255
TITLE_MAX = 32
ERROR_TEXT_MAX = 224
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = set("\\/?*[]:")
DEFINED_NAME_MAX = 255
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry (tab, LF and CR can); lone surrogates cannot be encoded."""
_NAME_RE = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.\\]*$")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[RrCc])$")


class ExcelLimitError(XlsheetError, ValueError):
    """Content that Excel would repair, truncate or refuse."""


def _where(where: str) -> str:
    return f"{where}: " if where else ""


def check_text(text: str, where: str = "", limit: int = CELL_TEXT_MAX, what: str = "セルの文字数") -> str:
    """Refuse text over `limit` characters or with XML control characters; return it unchanged."""
    if _CONTROL.search(text):
        ch = _CONTROL.search(text).group()
        raise ExcelLimitError(
            f"{_where(where)}制御文字（U+{ord(ch):04X}）が含まれています。Excel はこの文字を保存できません。"
            "文字を削除してください"
        )
    if len(text) > limit:
        raise ExcelLimitError(
            f"{_where(where)}{what}が {len(text):,} 文字あり、Excel の上限 {limit:,} 文字を超えています。"
            f"{limit:,} 文字以内にしてください"
        )
    return text


def check_sheet_names(names: list[str]) -> None:
    """Sheet names: 1–31 characters, none of \\ / ? * [ ] :, unique ignoring case."""
    seen: dict[str, str] = {}
    for name in names:
        check_sheet_name(name, seen)


def check_sheet_name(name: str, seen: dict[str, str]) -> None:
    """One more sheet name for a book whose names so far are `seen` (casefolded → name); adds it.
    Checking each new name against the set keeps a book of 641 事業 sheets linear."""
    if not name or len(name) > SHEET_NAME_MAX:
        raise ExcelLimitError(
            f"シート名「{name}」は {len(name)} 文字です。1〜{SHEET_NAME_MAX} 文字にしてください"
        )
    bad = sorted(SHEET_NAME_FORBIDDEN & set(name))
    if bad:
        raise ExcelLimitError(f"シート名「{name}」に使えない文字（{' '.join(bad)}）が含まれています")
    if name.startswith("'") or name.endswith("'"):
        raise ExcelLimitError(f"シート名「{name}」の先頭と末尾にアポストロフィは使えません")
    check_text(name, f"シート名「{name}」")
    key = name.casefold()
    if key in seen:
        raise ExcelLimitError(
            f"シート名「{name}」は「{seen[key]}」と重複しています（大文字・小文字は区別されません）"
        )
    seen[key] = name


def check_defined_name(name: str) -> None:
    """Defined names: letters, digits, _ and ., not a cell reference, at most 255 characters."""
    if not _NAME_RE.match(name) or _CELL_LIKE.match(name) or len(name) > DEFINED_NAME_MAX:
        raise ExcelLimitError(f"名前「{name}」は Excel の名前の規則に合いません")


def check_validation(
    *,
    where: str,
    inline_list: list[str] | None = None,
    input_title: str = "",
    input_message: str = "",
    error_title: str = "",
    error_message: str = "",
) -> None:
    """Data-validation texts: inline list ≤ 255, prompt ≤ 255, titles ≤ 32, error text ≤ 224."""
    if inline_list is not None:
        joined = ",".join(inline_list)
        if len(joined) > INLINE_LIST_MAX:
            raise ExcelLimitError(
                f"{_where(where)}入力規則のリストが {len(joined)} 文字あり、上限 {INLINE_LIST_MAX} 文字を"
                "超えています。リストは一覧シートの名前付き範囲で参照してください"
            )
        for item in inline_list:
            if "," in item:
                raise ExcelLimitError(f"{_where(where)}入力規則のリスト項目「{item}」にカンマは使えません")
    check_text(input_title, where, TITLE_MAX, "入力時メッセージのタイトル")
    check_text(error_title, where, TITLE_MAX, "エラーメッセージのタイトル")
    check_text(input_message, where, PROMPT_MAX, "入力時メッセージ")
    check_text(error_message, where, ERROR_TEXT_MAX, "エラーメッセージ")
