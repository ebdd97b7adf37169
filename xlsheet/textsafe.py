"""What text from outside may carry into our books, CSV files, ledger and terminal (DESIGN §6, §16).

One module owns the rules:

- `clean`: characters XML 1.0 cannot carry (C0 controls except tab, LF and CR; U+FFFE/FFFF;
  lone surrogates) are removed, and so is their OOXML escape form `_x0001_`, which Excel,
  python-calamine and openpyxl turn back into the control character on reading. Intake calls it
  on every value (and logs the fix); the output edges (ledger text, merge, CSV) call it again.
- `csv_cell`: the OWASP rule against CSV formula injection: text starting with = + - @, tab or
  CR gets a leading single quote; numbers stay numbers.
- `for_terminal`: text from a file (names, values, messages) made safe to print with rich:
  markup escaped, control characters (ESC too) and invisible characters (zero-width, BOM,
  bidirectional overrides and isolates) shown as `<U+202E>`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rich.markup import escape

from .limits import CELL_TEXT_MAX

_ILLEGAL = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_ILLEGAL_RE = re.compile(f"[{_ILLEGAL}]")
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _is_illegal(code: int) -> bool:
    return bool(_ILLEGAL_RE.match(chr(code)))


def unsafe(text: str) -> bool:
    """The cheap first test (one character-class scan): clean text, nearly all of it, stops here."""
    return _ILLEGAL_RE.search(text) is not None or ("_x" in text and _ESCAPE_RE.search(text) is not None)


def clean(text: str) -> tuple[str, list[str]]:
    """Text without XML-illegal characters (raw or as `_xHHHH_`) and the code points removed ("U+0001")."""
    if not unsafe(text):
        return text, []
    removed: list[str] = []

    def escaped(m: re.Match) -> str:
        code = int(m[1], 16)
        if _is_illegal(code):
            removed.append(f"U+{code:04X}")
            return ""
        return m[0]  # an escape of a legal character (_x000D_, _x0041_): not ours to change

    def raw(m: re.Match) -> str:
        removed.append(f"U+{ord(m[0]):04X}")
        return ""

    text = _ESCAPE_RE.sub(escaped, text)
    text = _ILLEGAL_RE.sub(raw, text)
    return text, removed


def clean_text(text: str) -> str:
    return clean(text)[0] if unsafe(text) else text


def clean_data(value: Any, limit: int | None = None) -> Any:
    """Strings anywhere in lists, tuples and dicts cleaned (and cut to `limit`); the same object
    when nothing changed."""
    if isinstance(value, str):
        out = clean_text(value)
        if limit is not None and len(out) > limit:
            out = out[: limit - 1] + "…"
        return out
    if isinstance(value, list | tuple):
        items = [clean_data(v, limit) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        changed = {k: clean_data(v, limit) for k, v in value.items()}
        if all(changed[k] is value[k] for k in value):
            return value
        return changed
    return value


def clean_model(model: Any, limit: int | None = CELL_TEXT_MAX) -> Any:
    """A pydantic model with every string cleaned (the same model when nothing changed)."""
    data = model.model_dump()
    cleaned = clean_data(data, limit)
    return model if cleaned is data else type(model).model_validate(cleaned)


def removed_text(removed: list[str]) -> str:
    """「U+0001、U+001B」 for messages, at most three named."""
    names = list(dict.fromkeys(removed))
    more = f" ほか {len(names) - 3} 種類" if len(names) > 3 else ""
    return "、".join(names[:3]) + more


# --------------------------------------------------------------------------- CSV

CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """One CSV cell: text cleaned, and quoted with ' when a spreadsheet would take it for a
    formula (OWASP); numbers, dates and empty cells as they are."""
    if isinstance(value, str):
        value = clean_text(value)
        return "'" + value if value.startswith(CSV_FORMULA_START) else value
    return value


# --------------------------------------------------------------------------- terminal

_INVISIBLE = {0x115F, 0x1160, 0x3164, 0xFFA0}
"""Hangul fillers: letters (category Lo) that show nothing."""
_SUSPECT = re.compile(r"[^\x20-\x7e\u3001-\u30ff\u4e00-\u9fff\uff01-\uff9f]")
"""Everything but printable ASCII and common Japanese: looked at one by one."""
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _shown(m: re.Match) -> str:
    ch = m[0]
    if unicodedata.category(ch) in _HIDDEN_CATEGORIES or ord(ch) in _INVISIBLE:
        return f"<U+{ord(ch):04X}>"
    return ch


def visible(text: str) -> str:
    """Control characters (ESC, line breaks too) and invisible ones shown as <U+XXXX>."""
    return _SUSPECT.sub(_shown, text)


def for_terminal(value: Any) -> str:
    """Untrusted text ready for rich: invisible characters shown, markup escaped."""
    return escape(visible(str(value)))


__all__ = [
    "CSV_FORMULA_START",
    "clean",
    "clean_data",
    "clean_model",
    "clean_text",
    "csv_cell",
    "for_terminal",
    "removed_text",
    "unsafe",
    "visible",
]
