"""The 計算式 language: parsed to a tree (never eval), written as a live Excel formula, and
computed in Python the way Excel computes it."""

from __future__ import annotations

import pytest

from xlsheet.formdef.formula import DIV0, NA, FormulaError, evaluate, parse, to_excel


def calc(text, **values):
    return evaluate(parse(text), lambda ref, agg: values.get(ref.name), {"評価": {"A": "110% 以上"}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1+2*3", 7),
        ("(1+2)*3", 9),
        ("10/4", 2.5),
        ("-2*3", -6),
        ("2-3-4", -5),
        ("12/3/2", 2),
        ('"達成率" & 80 & "%"', "達成率80%"),
        ("ROUND(2.5)", 3),
        ("ROUND(-2.5)", -3),
        ("ROUND(0.8235, 3)", 0.824),
        ("ROUND(1234, -2)", 1200),
        ("ROUNDUP(1.21, 1)", 1.3),
        ("ROUNDDOWN(1.29, 1)", 1.2),
        ("ABS(-3)", 3),
        ('IF(1>2, "a", "b")', "b"),
        ('IF(1<2, "a")', "a"),
        ('IF(1>2, "a")', False),
        ("AND(1, 2>1)", True),
        ("OR(0, 1=2)", False),
        ("NOT(0)", True),
        ("MAX(1, 5, 3)", 5),
        ("MIN(4, 2)", 2),
        ("AVERAGE(2, 4)", 3),
        ("COUNT(1, 2, 3)", 3),
        ('LEN("政策評価")', 4),
        ("1/0", DIV0),
        ("IFERROR(1/0, 0)", 0),
        ("１＋２×３", 7),
        ("TRUE", True),
        ('"a"="A"', True),
        ("1<>1", False),
    ],
)
def test_values(text, expected):
    assert calc(text) == expected


def test_references_blank_and_text():
    assert calc("[目標値]+[実績値]", 目標値=100) == 100  # blank is 0
    assert calc('[目標値]=""') is True  # blank equals ""
    assert calc("[目標値]=0") is True
    assert calc("${a}*2", a=4) == 8  # XLSForm style
    assert calc("[a]*2", a="1,200") == 2400  # text that is a number
    assert calc("[a]*2", a="たくさん") == "#VALUE!"
    assert calc('LABEL([g], "評価")', g="A") == "110% 以上"
    assert calc('LABEL([g], "評価")', g="Z") == NA
    assert calc('LABEL([g], "評価")') == ""


def test_aggregates_take_a_column():
    f = parse("SUM([指標.実績値]) / COUNT([指標.実績値])")
    refs = f.refs()
    assert [(r.section, r.name, agg) for r, agg in refs] == [
        ("指標", "実績値", True),
        ("指標", "実績値", True),
    ]
    assert evaluate(f, lambda ref, agg: [10, None, "", 20]) == 15
    assert to_excel(f, lambda ref, agg: "$E$10:$E$12") == "=SUM($E$10:$E$12)/COUNT($E$10:$E$12)"


def test_excel_keeps_precedence_and_quotes():
    cells = {"a": "B5", "b": "C5", "c": "D5"}
    f = parse('=([a]+[b])*[c] & "he said ""x"""')
    assert to_excel(f, lambda ref, agg: cells[ref.name]) == '=(B5+C5)*D5&"he said ""x"""'
    assert to_excel(parse("[a]-([b]-[c])"), lambda r, a: cells[r.name]) == "=B5-(C5-D5)"
    assert to_excel(parse("0.125*[a]"), lambda r, a: cells[r.name]) == "=0.125*B5"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1+", "syntax"),
        ("(1+2", "syntax"),
        ("[a", "syntax"),
        ("[]", "syntax"),
        ('"abc', "syntax"),
        ("a+1", "syntax"),
        ("1 2", "syntax"),
        ("ROUND()", "syntax"),
        ("IF(1,2,3,4)", "syntax"),
        ('__import__("os")', "function"),
        ("VLOOKUP(1,2,3)", "function"),
        ("1;2", "syntax"),
        ("", "syntax"),
    ],
)
def test_what_is_not_a_formula(text, kind):
    with pytest.raises(FormulaError) as exc:
        parse(text)
    assert exc.value.kind == kind
