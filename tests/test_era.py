"""和暦 labels: era boundaries (from japanera), 元 for year 1, full-width digits, weekday."""

from __future__ import annotations

import datetime as dt

import pytest

from xlsheet.era import date_label, fiscal_year_label, to_fullwidth
from xlsheet.sample import sample_master


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (dt.date(2020, 6, 30), "令和２年６月３０日（火）"),
        (dt.date(2019, 4, 30), "平成３１年４月３０日（火）"),
        (dt.date(2019, 5, 1), "令和元年５月１日（水）"),
        (dt.date(1989, 1, 7), "昭和６４年１月７日（土）"),
        (dt.date(1989, 1, 8), "平成元年１月８日（日）"),
        (dt.date(2030, 12, 31), "令和１２年１２月３１日（火）"),
    ],
)
def test_date_label(day, label):
    assert date_label(day) == label


def test_date_label_plain():
    assert date_label(dt.date(2020, 6, 30), fullwidth=False, weekday=False) == "令和2年6月30日"
    assert date_label(dt.date(2019, 5, 1), fullwidth=False) == "令和元年5月1日（水）"


@pytest.mark.parametrize(
    ("year", "label"),
    [
        (2020, "令和２年度"),
        (2019, "令和元年度"),  # began in 平成31年4月; the new era names the whole fiscal year
        (2018, "平成３０年度"),
        (1989, "平成元年度"),
        (1988, "昭和６３年度"),  # 平成 began in January 1989, still within FY1988: not 平成0年度
        (2029, "令和１１年度"),
    ],
)
def test_fiscal_year_label(year, label):
    assert fiscal_year_label(year) == label


def test_fiscal_year_label_plain():
    assert fiscal_year_label(2029, fullwidth=False) == "令和11年度"


def test_fullwidth_digits_only():
    assert to_fullwidth("R2-1-4-2 令和2") == "R２-１-４-２ 令和２"


def test_sample_round_labels_match_the_seed():
    s = sample_master().settings
    assert (s.evaluation_label, s.evaluated_label) == ("令和２年度", "令和元年度")
    assert date_label(s.deadline) == "令和２年６月３０日（火）"
