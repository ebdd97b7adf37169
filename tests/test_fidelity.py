"""Defects Microsoft's validator cannot see, each pinned by a fast test (no LibreOffice needed).

tests/test_ooxml_validator.py checks the same on every kind of workbook, with LibreOffice's
recalculation as the judge of cached values.
"""

from __future__ import annotations

import zipfile

from tests.test_ooxml_validator import LONG_BODY, feedback_book
from tests.validator import cached_values, header_footer_problems, headers_footers, tall_rows
from xlsheet.entry_writer import MAX_ROW_PT, _text_height, status_message
from xlsheet.master import load_master
from xlsheet.paths import RoundPaths
from xlsheet.xlsxout import header_footer_text


def test_row_height_is_capped_at_excels_limit():
    assert _text_height("あ" * 5000, 0, 90) == MAX_ROW_PT == 409
    assert _text_height("あ" * 10, 15, 90) < 409


def test_feedback_book_with_long_text_has_no_row_over_409(sample_round, tmp_path):
    master = load_master(RoundPaths(sample_round).master)
    path = feedback_book(master, tmp_path / "fb.xlsx")
    assert tall_rows(path) == []
    with zipfile.ZipFile(path) as zf:
        assert LONG_BODY[-20:].encode() in zf.read("xl/sharedStrings.xml")  # the text is whole


def test_untouched_entry_book_shows_its_true_self_check(sample_round_template):
    """D110's book pre-fills an initiative without a project: 2 cells are missing before any input."""
    paths = RoundPaths(sample_round_template)
    book = next(paths.outbox.glob("D110_*.xlsx"))
    cached = cached_values(book)
    assert cached[("評価入力", "D3")] == "2"
    assert cached[("評価入力", "E3")] == "0"
    assert (
        cached[("評価入力", "A3")]
        == status_message(2, 0)
        == "入力チェック: 未入力 2 件・誤り 0 件（色の付いたセルを確認）"
    )
    assert cached[("はじめに", "B9")] == status_message(2, 0)


def test_feedback_book_shows_its_true_error_count(sample_round, tmp_path):
    master = load_master(RoundPaths(sample_round).master)
    cached = cached_values(feedback_book(master, tmp_path / "fb.xlsx"))
    assert int(cached[("評価入力", "E3")]) >= 1
    assert "（一覧にないコード）" in cached.values()  # the lookup beside BAD_CODE


def test_footer_escapes_ampersand_and_a_leading_digit():
    assert header_footer_text("R&D") == "R&&D"
    assert header_footer_text("2030年", after_size_code=True) == " 2030年"
    assert header_footer_text("まち2030", after_size_code=True) == "まち2030"
    assert header_footer_problems("&C&9" + header_footer_text("2030年 R&D", True) + "　&P / &N") == []


def test_consolidated_footer_names_the_leading_project(tmp_path):
    from tests.test_merge import received
    from tests.test_ooxml_validator import ODD_LP_NAME, odd_master
    from xlsheet.merge import write_book

    path = tmp_path / "book.xlsx"
    write_book(odd_master(), received(), path)
    sheet = f"政策評価表_{ODD_LP_NAME}"
    (footer,) = headers_footers(path)[sheet]
    assert header_footer_problems(footer) == []
    assert footer.startswith("&C&9 2030年 R&&D のまち")


def test_a_long_leading_project_name_still_gets_a_footer():
    from xlsheet.merge.form_sheet import FOOTER_MAX, lp_footer

    footer = lp_footer("R&D" * 120)
    assert len(footer) <= FOOTER_MAX and header_footer_problems(footer) == []
    assert footer.startswith("&C&9R&&DR&&D") and footer.endswith("　&P / &N")
    assert lp_footer("まち") == "&C&9まち　&P / &N"


def test_consolidated_rows_stay_within_excel_even_for_long_master_texts(tmp_path):
    """Titles and names come from the master without a length limit: no row passes 409 pt."""
    from tests.test_merge import received
    from xlsheet.merge import write_book
    from xlsheet.sample import sample_master

    m = sample_master()
    first = m.initiatives[0].model_copy(update={"title": "とても長い取り組みの名称" * 150})
    m = m.model_copy(update={"initiatives": (first, *m.initiatives[1:])})
    path = tmp_path / "book.xlsx"
    write_book(m, received(), path)
    assert tall_rows(path) == []


def test_self_check_counts_as_countif_does():
    from xlsheet.entry_writer import countif_matches

    items = ["1-4-2", "1-4-3", "主な取り組み"]
    matching = ["1-4-2", "1-4-2".upper(), "1-*", "?-?-?", "*", "主な*", "=1-4-2", "<>1-4-2", "<>"]
    assert [c for c in matching if not countif_matches(items, c)] == []
    assert [c for c in ["1-9-9", "1-4-2 ", "1~*", "<5", ">0", "=1-9"] if countif_matches(items, c)] == []
