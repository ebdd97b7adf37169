"""Japanese era (和暦) labels for fiscal years and dates.

Era boundaries come from japanera; only the formatting conventions (元 for year 1,
full-width digits, weekday in parentheses) are ours.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from japanera import EraDate

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_WEEKDAYS = "月火水木金土日"


def to_fullwidth(text: str) -> str:
    """Turn ASCII digits into full-width ones (２, １０)."""
    return text.translate(_FULLWIDTH)


def _era_year(era, year: int, fullwidth: bool) -> str:
    n = era.absolute_year_to_relative_year(year)
    num = "元" if n == 1 else str(n)
    return f"{era.kanji}{to_fullwidth(num) if fullwidth else num}"


@lru_cache(maxsize=64)
def fiscal_year_label(fiscal_year: int, fullwidth: bool = True) -> str:
    """令和元年度 for 2019: the era in force at the fiscal year's end names the whole year,
    unless it began only after the calendar year `fiscal_year` (FY1988 is 昭和63年度, not 平成0年度)."""
    era = EraDate.from_date(dt.date(fiscal_year + 1, 3, 31)).era
    if era.absolute_year_to_relative_year(fiscal_year) < 1:
        era = EraDate.from_date(dt.date(fiscal_year, 4, 1)).era
    return _era_year(era, fiscal_year, fullwidth) + "年度"


def date_label(day: dt.date, fullwidth: bool = True, weekday: bool = True) -> str:
    """令和２年６月３０日（火） for 2020-06-30."""
    era = EraDate.from_date(day).era
    text = _era_year(era, day.year, fullwidth) + f"年{day.month}月{day.day}日"
    if fullwidth:
        text = to_fullwidth(text)
    if weekday:
        text += f"（{_WEEKDAYS[day.weekday()]}）"
    return text
