"""Normalization rules (DESIGN §6): what is changed, what is kept, what is only flagged."""

from __future__ import annotations

import datetime as dt

import pytest

from xlsheet.intake.normalize import (
    code_readings,
    normalize_choice,
    normalize_code,
    normalize_longtext,
    normalize_text,
    serial_to_date,
)
from xlsheet.intake.reader import parse_ref
from xlsheet.models import Severity

CODES = {"1-1-1", "1-2-2", "1-4-2", "1-4-3", "2-1-3", "3-1-1"}


@pytest.mark.parametrize(
    "raw",
    [
        "１－４－２",
        "1ー4ー2",
        "1−4−2",
        "1‐4‐2",
        "1―4―2",
        "1–4–2",
        "1—4—2",
        "１ー４ー２",
        "　1-4-2\n",
        "01-04-02",
        "1 - 4 - 2",
    ],
)
def test_code_lookalikes_become_the_code_and_are_logged(raw):
    n = normalize_code(raw, CODES)
    assert n.value == "1-4-2"
    assert [c.severity for c in n.changes] == [Severity.FIXED]
    assert "1-4-2" in n.changes[0].message


def test_clean_code_is_not_logged():
    assert normalize_code("1-4-2", CODES).changes == []
    assert normalize_code("", CODES).value == ""


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2001, 4, 2),  # ja-JP Excel: 1-4-2 read as 2001/4/2
        dt.date(2002, 1, 4),  # en-US: month-day-year
        dt.date(2002, 4, 1),  # en-GB: 1-Apr-02
        36983.0,  # the serial of 2001-04-02 in a cell without a date format
        "2001/4/2",  # the date as text after a copy of what was shown
    ],
)
def test_date_where_a_code_belongs_is_recovered(value):
    n = normalize_code(value, CODES)
    assert n.value == "1-4-2"
    assert [c.code for c in n.changes] == ["date_code_recovered"]


def test_ambiguous_or_unknown_date_is_flagged_not_guessed():
    # 2001-02-02 reads as 1-2-2 (Y-M-D) only; 2003-01-01 as 3-1-1 and 1-1-3 -> only 3-1-1 is a code.
    assert normalize_code(dt.date(2003, 1, 1), CODES).value == "3-1-1"
    n = normalize_code(dt.date(2009, 9, 9), CODES)
    assert n.changes[0].severity is Severity.ERROR and n.changes[0].code == "date_code"
    both = normalize_code(dt.date(2001, 1, 1), {"1-1-1", "1-1-2"})
    assert both.value == "1-1-1"


def test_date_readings_and_serials():
    assert set(code_readings(dt.date(2002, 1, 3))) == {"2-1-3", "1-3-2", "3-1-2"}
    assert serial_to_date(36983) == dt.date(2001, 4, 2)
    assert serial_to_date(35521, date1904=True) == dt.date(2001, 4, 2)
    assert serial_to_date(0) is None
    plain = normalize_code(142.0, CODES)  # a number typed where a code belongs is not a date
    assert plain.value == "142" and plain.changes == []


def test_free_text_is_kept_as_written():
    body = "　令和元年度より引き続き、\n取組を進める。"
    assert normalize_longtext(body, "本文").value == body
    assert normalize_longtext(body, "本文").changes == []
    n = normalize_longtext("\n\n" + body + "\n　", "本文")
    assert n.value == body and n.changes[0].severity is Severity.FIXED
    assert [c.code for c in n.changes] == ["longtext_trimmed"]


def test_one_line_text_is_trimmed():
    n = normalize_text("　認知症施策推進事業\n", "事業名")
    assert n.value == "認知症施策推進事業" and [c.code for c in n.changes] == ["line_trimmed"]
    assert normalize_text("=SUM(A1)", "事業名").value == "=SUM(A1)"
    assert normalize_text(2020.0, "事業名").value == "2020"


def test_choices_match_the_list_ignoring_width_and_spaces():
    assert normalize_choice("〇", {"○"}, "貢献", mark=True).value == "○"
    assert normalize_choice("高齢者支援課　", {"高齢者支援課"}, "所属").value == "高齢者支援課"
    n = normalize_choice("主な取り組み ", {"主な取り組み", "関連する取り組み"}, "区分")
    assert n.value == "主な取り組み"
    assert normalize_choice("×", {"○"}, "貢献", mark=True).value == "×"


def test_references_as_excel_and_libreoffice_write_them():
    r = parse_ref("'評価入力'!$A$12:$E$20")
    assert (r.sheet, r.r1, r.c1, r.r2, r.c2) == ("評価入力", 11, 0, 19, 4)
    assert parse_ref("評価入力!$A$12:$E$20").sheet == "評価入力"
    assert parse_ref("'It''s'!A1").sheet == "It's"
    assert parse_ref("#REF!") is None and parse_ref("'評価入力'!#REF!") is None


def test_each_change_is_a_catalogue_code_with_its_values():
    """A change names its code and parameters; its severity and texts come from the catalogue."""
    from xlsheet.catalogue import entry
    from xlsheet.intake.normalize import normalize_date, normalize_number, strip_controls

    changes = [
        *normalize_choice(" 主な取り組み ", ("主な取り組み",), "区分").changes,
        *normalize_text(dt.date(2025, 4, 1), "事業名").changes,
        *normalize_number("12.5", "integer", "人数").changes,
        *normalize_date("来年", "完了日").changes,
        strip_controls("a\x01b", "本文")[1],
    ]
    assert [c.code for c in changes] == [
        "text_trimmed",
        "date_text",
        "not_an_integer",
        "not_a_date",
        "control_removed",
    ]
    for c in changes:
        assert c.severity is entry(c.code).severity and c.message == entry(c.code).message.format(**c.values)
    assert "12.5" in changes[2].message and "U+0001" in changes[4].message
