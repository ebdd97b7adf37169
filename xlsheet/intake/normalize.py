"""Normalize Japanese input where it is safe, and say what was changed (DESIGN §6).

Pure functions: a raw cell value (as python-calamine returns it: str, float, int, bool,
date, datetime) in, the normalized value and a list of `Change`s out. Codes get NFKC and dash
look-alikes; one-line text gets its surrounding spaces and stray line breaks trimmed; free
text is kept as written (only blank lines around it go); a date where a code belongs is
turned back into the code when exactly one reading of it is a code in the list.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field

from ..catalogue import Entry, entry
from ..models import CODE_RE, SDG_MARK, Severity
from ..textsafe import clean, removed_text
from . import read_codes  # noqa: F401  (registers the codes of a value as read)

DASHES = "ー−‐‑‒–—―－ｰ﹣⁃"
"""Dash look-alikes Japanese IMEs and fonts produce; NFKC leaves most of them alone."""
_DASH_TABLE = str.maketrans({c: "-" for c in DASHES})
MARK_LOOKALIKES = {"○", "〇", "◯", "⭕", "o", "O", "ｏ", "Ｏ", "◎", "●"}
FORMULA_PREFIXES = ("=", "+", "-", "@")
_SPACE = re.compile(r"[\s\u3000]+")
BULLETS = "●○・◯･"
"""Bullets typed before a one-line text (a heading the form bullets itself, a listed name)."""
_BULLET = re.compile(f"^[{BULLETS}]+[ \t\u3000]*")
_DATE_TEXT = re.compile(r"\s*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*")
_CODE_DIGITS = re.compile(r"\d+-\d+-\d+")
_EDGE = " \t\n\u3000"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_1904 = dt.date(1904, 1, 1)


@dataclass(frozen=True)
class Change:
    """What reading one value did or could not do: a catalogue code and its parameters."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    @property
    def values(self) -> dict[str, object]:
        return dict(self.params)

    @property
    def entry(self) -> Entry:
        return entry(self.code)

    @property
    def severity(self) -> Severity:
        return self.entry.severity

    @property
    def message(self) -> str:
        return self.entry.message.format(**self.values)

    @property
    def hint(self) -> str:
        return self.entry.hint.format(**self.values)


def _note(code: str, **params: object) -> Change:
    """The change `code` of the catalogue with its parameters (an unknown code fails here)."""
    entry(code)
    return Change(code, tuple(params.items()))


@dataclass
class Normalized:
    value: str = ""
    changes: list[Change] = field(default_factory=list)


def strip_controls(value: object, label: str) -> tuple[object, Change | None]:
    """A raw value without the control characters no book, CSV or message can carry, and the
    fix to log (None when there were none: the common case, one regex search)."""
    if type(value) is not str:
        return value, None
    text, removed = clean(value)
    if not removed:
        return value, None
    return text, _note("control_removed", label=label, removed=removed_text(removed), count=len(removed))


def show(value: object) -> str:
    """A raw value as people would see it in the cell (for messages)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y/%m/%d %H:%M") if value.time() != dt.time() else value.strftime("%Y/%m/%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y/%m/%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def visible(text: str) -> str:
    """Text for a one-line message: line breaks shown as ↵, full-width spaces as □."""
    return text.replace("\n", "↵").replace("\u3000", "□")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").replace("_x000D_", "")
    return show(value)


def serial_to_date(serial: float, date1904: bool = False) -> dt.date | None:
    """An Excel date serial as a date (1900 system unless date1904), None outside Excel's range."""
    if not 1 <= serial <= 2_958_465:
        return None
    base = _EXCEL_1904 if date1904 else _EXCEL_EPOCH
    if not date1904 and serial < 61:  # Excel's phantom 1900-02-29
        base = dt.date(1899, 12, 31)
    return base + dt.timedelta(days=int(serial))


def code_readings(day: dt.date) -> list[str]:
    """Codes Excel could have turned into `day`: 1-4-2 read as Y-M-D (ja-JP), M-D-Y (en-US), D-M-Y."""
    y = day.year % 100
    return list(
        dict.fromkeys(
            [f"{y}-{day.month}-{day.day}", f"{day.month}-{day.day}-{y}", f"{day.day}-{day.month}-{y}"]
        )
    )


def _date_from(value: object, date1904: bool) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        day = serial_to_date(float(value), date1904)
        # Excel turns a typed code into a date of 2000–2099 (two-digit years); other numbers are numbers.
        return day if day and 2000 <= day.year <= 2099 else None
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", value.strip())
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def normalize_code(value: object, valid: Collection[str], date1904: bool = False) -> Normalized:
    """An initiative code: NFKC, dash look-alikes to '-', no spaces, no leading zeros; dates recovered."""
    if value is None or value == "":
        return Normalized()
    if not isinstance(value, str) or (_DATE_TEXT.fullmatch(value) and value.strip() not in valid):
        day = _date_from(value, date1904)
        if day is None:
            text = show(value)
            return Normalized(text, [])
        hits = [c for c in code_readings(day) if c in valid]
        if len(hits) == 1:
            shown = f"{day:%Y/%m/%d}"
            return Normalized(hits[0], [_note("date_code_recovered", day=shown, recovered=hits[0])])
        return Normalized(f"{day:%Y/%m/%d}", [_note("date_code", day=f"{day:%Y/%m/%d}")])
    code, change = _code_text(value)
    return Normalized(code, [change] if change else [])


@functools.lru_cache(maxsize=4096)
def _code_text(value: str) -> tuple[str, Change | None]:
    """A code typed as text, normalized (memoized: the same codes recur in every file)."""
    raw = _text(value)
    code = _SPACE.sub("", unicodedata.normalize("NFKC", raw).translate(_DASH_TABLE))
    if _CODE_DIGITS.fullmatch(code):
        code = "-".join(str(int(p)) for p in code.split("-"))
    if code == raw:
        return code, None
    return code, _note("code_normalized", raw=visible(raw), normalized=code)


def normalize_choice(value: object, items: Collection[str], label: str, mark: bool = False) -> Normalized:
    """A value that must come from a list: trimmed; matched to the list ignoring width and spaces."""
    if type(value) is str and value in items and _SPACE.search(value) is None and "_x000D_" not in value:
        return Normalized(value, [])  # picked from the list: nothing to do
    raw = _text(value)
    text = _SPACE.sub(" ", raw).strip()
    if not text:
        return Normalized("", [])
    if mark and text not in items and text in MARK_LOOKALIKES:
        return Normalized(SDG_MARK, [_note("mark_normalized", raw=text, mark=SDG_MARK)])
    if text not in items:
        key = _SPACE.sub("", unicodedata.normalize("NFKC", text))
        matches = [i for i in items if _SPACE.sub("", unicodedata.normalize("NFKC", i)) == key]
        if len(matches) == 1:
            return Normalized(
                matches[0], [_note("choice_normalized", label=label, raw=visible(raw), item=matches[0])]
            )
    changes = []
    if text != raw:
        changes.append(_note("text_trimmed", label=label))
    return Normalized(text, changes)


def normalize_text(value: object, label: str) -> Normalized:
    """One line of text: surrounding (full-width) spaces and line breaks trimmed, inner breaks
    joined, and a leading bullet (●, ○, ・) typed before it removed: the printed form sets its
    own ● before a heading, and a list's bullet is no part of a name."""
    if type(value) is str and _clean_line(value) and value[0] not in BULLETS:
        return Normalized(value, [])
    raw = _text(value)
    text = raw.strip(" \t\n\u3000")
    text = re.sub(r"[ \t\u3000]*\n[ \t\u3000]*", "", text)
    changes = []
    if text != raw:
        changes.append(_note("line_trimmed", label=label))
    bare = _BULLET.sub("", text)
    if bare and bare != text:
        changes.append(_note("bullet_removed", label=label, mark=text[: len(text) - len(bare)].strip()))
        text = bare
    return Normalized(text, changes) if not isinstance(value, dt.date) else _dated(text, label, changes)


def normalize_longtext(value: object, label: str) -> Normalized:
    """Free text, kept as written: only blank lines around it and trailing spaces go."""
    if type(value) is str and _clean_line(value, breaks=True):
        return Normalized(value, [])
    raw = _text(value)
    text = raw.strip("\n").rstrip(" \t\u3000\n")
    text = re.sub(r"^(?:[ \t\u3000]*\n)+", "", text)
    changes = []
    if text != raw.strip("\r"):
        changes.append(_note("longtext_trimmed", label=label))
    return Normalized(text, changes) if not isinstance(value, dt.date) else _dated(text, label, changes)


def _clean_line(value: str, breaks: bool = False) -> bool:
    """Text the trimming would leave as it is (the common case, checked cheaply): no CR or
    _x000D_, no spaces or line breaks at either end, and no line break inside unless `breaks`."""
    return (
        value != ""
        and value[0] not in _EDGE
        and value[-1] not in _EDGE
        and "\r" not in value
        and "_x000D_" not in value
        and (breaks or "\n" not in value)
    )


def _dated(text: str, label: str, changes: list[Change]) -> Normalized:
    changes.append(_note("date_text", label=label, text=text))
    return Normalized(text, changes)


def formula_like(text: str) -> bool:
    """Text that a spreadsheet would take for a formula if written carelessly."""
    return text.startswith(FORMULA_PREFIXES) and text not in ("-", "－")


def is_code(text: str) -> bool:
    return bool(CODE_RE.match(text))


# --------------------------------------------------------------------------- numbers and dates

_MONEY_UNITS = (("百万円", 1_000_000), ("千円", 1_000), ("万円", 10_000), ("円", 1))
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?", re.I)
_NEGATIVE_MARKS = ("△", "▲", "−", "ー", "－")


def money_unit(label: str) -> int:
    """The unit a 金額 field counts in, from its 見出し or 入力の説明: （千円） → 1,000; else 円."""
    text = unicodedata.normalize("NFKC", label)
    for word, factor in _MONEY_UNITS:
        if word in text:
            return factor
    return 1


def _tidy_number(x: float, integer: bool) -> float | int:
    return int(x) if (integer or float(x).is_integer()) and abs(x) < 1e15 and float(x).is_integer() else x


def normalize_number(value: object, kind: str, label: str, unit: int = 1) -> Normalized:
    """A number typed as text (「1,200」「１２００」「1200千円」「△50」「80%」) read as a number, with a
    FIXED log of what was read; anything else stays as text with an error change `not_a_number`.

    `kind` is the field's 種類 value (integer, number, money, percent); a 金額 counted in `unit`
    (1,000 for 千円) takes 「1200千円」 as 1200 and 「1,200,000円」 as 1200.
    """
    if isinstance(value, bool):
        return _not_a_number(str(value).upper(), label, kind)
    if isinstance(value, int | float):
        v = float(value)
        if kind == "integer" and not v.is_integer():
            return _not_a_number(show(value), label, kind)
        return Normalized(_tidy_number(v, kind == "integer"), [])  # type: ignore[arg-type]
    if isinstance(value, dt.date):
        return _not_a_number(show(value), label, kind)
    raw = _text(value)
    text = _SPACE.sub("", unicodedata.normalize("NFKC", raw))
    if not text:
        return Normalized("", [])
    sign = 1.0
    if text.startswith(_NEGATIVE_MARKS) or (text.startswith("-") and len(text) > 1):
        sign, text = -1.0, text[1:]
    text = text.replace(",", "")
    factor = 1.0
    if kind == "percent" and text.endswith("%"):
        text, factor = text[:-1], 0.01
    elif kind == "money":
        for word, f in _MONEY_UNITS:
            if text.endswith(word):
                text, factor = text[: -len(word)], f / unit
                break
    if not _NUMBER_TEXT.fullmatch(text):
        return _not_a_number(raw, label, kind)
    v = sign * float(text) * factor
    if kind == "integer" and not v.is_integer():
        return _not_a_number(raw, label, kind)
    number = _tidy_number(round(v, 10), kind == "integer")
    shown = f"{number:,}" if kind != "percent" else f"{number:g}（{number * 100:g}%）"
    return Normalized(
        number,  # type: ignore[arg-type]
        [_note("number_normalized", label=label, raw=visible(raw), shown=shown)],
    )


def _not_a_number(raw: str, label: str, kind: str) -> Normalized:
    return Normalized(
        raw, [_note("not_an_integer" if kind == "integer" else "not_a_number", label=label, raw=visible(raw))]
    )


_WAREKI = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988}
_DATE_WAREKI = re.compile(r"(令和|平成|R|H)(\d{1,2}|元)[年.](\d{1,2})[月.](\d{1,2})日?", re.I)


def normalize_date(value: object, label: str, date1904: bool = False) -> Normalized:
    """A date: a date cell as is; 「2025/4/1」「2025年4月1日」「令和7年4月1日」「R7.4.1」 read as the
    date (FIXED log); anything else stays text with an error change `not_a_date`."""
    if isinstance(value, dt.datetime):
        return Normalized(value.date(), [])  # type: ignore[arg-type]
    if isinstance(value, dt.date):
        return Normalized(value, [])  # type: ignore[arg-type]
    if isinstance(value, int | float) and not isinstance(value, bool):
        day = serial_to_date(float(value), date1904)
        if day is not None:
            return Normalized(day, [])  # type: ignore[arg-type]
    raw = _text(value)
    text = _SPACE.sub("", unicodedata.normalize("NFKC", raw))
    if not text:
        return Normalized("", [])
    day = None
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    w = _DATE_WAREKI.fullmatch(text)
    try:
        if m:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        elif w:
            year = 1 if w[2] == "元" else int(w[2])
            day = dt.date(_WAREKI[w[1].upper() if len(w[1]) == 1 else w[1]] + year, int(w[3]), int(w[4]))
    except ValueError:
        day = None
    if day is None:
        return Normalized(raw, [_note("not_a_date", label=label, raw=visible(raw))])
    return Normalized(
        day,  # type: ignore[arg-type]
        [_note("date_normalized", label=label, raw=visible(raw), day=day.isoformat())],
    )
