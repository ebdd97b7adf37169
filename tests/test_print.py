"""Print like print (DESIGN §16): Japanese line breaking, bullets, page numbers per leading project.

A round with three leading projects goes the whole way (master, entry workbooks filled in,
collect, merge --pdf) with long paragraphs made to put 、。」ー and small kana where a line
ends; every PDF it writes is read back with pdftotext.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ISSUED, needs_libreoffice
from tests.test_merge import WS, received, seed_lines
from xlsheet.fill import fill_workbook
from xlsheet.generate import generate_round, init_round
from xlsheet.intake.collect import collect_round
from xlsheet.intake.ledger import Ledger
from xlsheet.master import load_master, write_master
from xlsheet.merge import merge_round, write_book
from xlsheet.merge.form_sheet import LAST_COL, bare_heading, per_line, printed_lines
from xlsheet.merge.linebreak import NO_LINE_END, NO_LINE_START, violations, wrap
from xlsheet.merge.printed import form_sheet_names
from xlsheet.models import Assignment, Category, LpEntry, Master, Paragraph, ProjectEntry, Submission
from xlsheet.paths import RoundPaths
from xlsheet.sample import sample_master, sample_submissions

FORBIDDEN_START = "、。，．）」』】〕！？ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
"""DESIGN §16: no line starts with these (and small kana)."""
FORBIDDEN_END = "（「『【〔"
FOOTER = re.compile(r"(\d+) / (\d+)\s*$")

BASE = (
    "地域包括ケアシステムの「深化・推進」にあたって、各地域包括支援センターに認知症地域支援推進員を配置した。"
    "また、生活支援コーディネーター（第１層・第２層）を引き続き配置し、「サポーター養成講座」を開催した。"
    "ボランティアのマッチングやショートステイ、チェックリストによる「フレイル予防」を進め、成果が出ている。"
)


def engineered(k: int) -> str:
    """A paragraph whose line ends fall on different characters as `k` grows."""
    return "令和元年度は" + "地域" * (k // 2) + ("の" if k % 2 else "") + BASE


def three_lp_master() -> Master:
    """The sample master plus two leading projects, led by D220 and D410; both also answer KIZUNA."""
    m = sample_master()
    base = m.leading_projects[0]
    lp2 = base.model_copy(
        update={
            "code": "KENKO",
            "name": "主体的な健康づくりの推進",
            "lead_department": "D220",
            "direction": BASE,
        }
    )
    lp3 = base.model_copy(
        update={
            "code": "KATSUYAKU",
            "name": "誰もが活躍できるまち",
            "lead_department": "D410",
            "direction": BASE * 2,
        }
    )
    extra = (
        Assignment(lp="KENKO", initiative="3-1-1", category=Category.MAIN, department="D220"),
        Assignment(lp="KENKO", initiative="1-4-2", category=Category.RELATED, department="D410"),
        Assignment(lp="KATSUYAKU", initiative="2-1-3", category=Category.MAIN, department="D410"),
        Assignment(lp="KATSUYAKU", initiative="1-4-3", category=Category.RELATED, department="D220"),
    )
    return m.model_copy(
        update={"leading_projects": (*m.leading_projects, lp2, lp3), "assignments": (*m.assignments, *extra)}
    )


def three_lp_submissions(master: Master) -> list[Submission]:
    """The sample's answers plus long engineered paragraphs for LP_2 and LP_3; one heading typed
    with a ● in front, as a new user would."""
    subs = sample_submissions(sample_master())
    out = []
    for s in subs:
        entries = list(s.lps)
        for n, (lp, code) in enumerate((("KENKO", "3-1-1"), ("KATSUYAKU", "2-1-3"))):
            mine = master.department_initiatives(s.department, lp)
            if not mine:
                continue
            lead = master.leading_project(lp).lead_department == s.department
            first = mine[0][0].code
            start = 8 * n + (4 if s.department == "D410" else 0)
            entries.append(
                LpEntry(
                    lp=lp,
                    projects=tuple(
                        ProjectEntry(
                            initiative=i.code, category=c, name=f"{i.title}事業", department="高齢者支援課"
                        )
                        for i, c in mine
                    ),
                    evaluations=tuple(
                        Paragraph(
                            initiative=first,
                            heading=("●主体的な健康づくりの推進" if k == 0 else f"評価{k + 1}"),
                            body=engineered(start + k) + engineered(start + k + 17),
                        )
                        for k in range(4)
                    ),
                    policies=tuple(
                        Paragraph(initiative=first, heading=f"方針{k + 1}", body=engineered(start + k + 31))
                        for k in range(3)
                    ),
                    summary=engineered(start + 40) if lead else "",
                    policy_intro=engineered(start + 43) if lead else "",
                    sdgs=(3, 11, 17) if code == "3-1-1" else (10, 16),
                )
            )
        out.append(s.model_copy(update={"lps": tuple(entries)}))
    return out


# -- the line breaker itself --------------------------------------------------------------------------


def test_engineered_paragraphs_do_hit_the_rules_when_cut_blindly():
    """Cut every per_line characters, the test texts would break the rules many times."""
    width = int(per_line(1, LAST_COL))
    blind = [t[i : i + width] for k in range(48) for t in [engineered(k)] for i in range(0, len(t), width)]
    assert len(violations(blind)) >= 10


@pytest.mark.parametrize("width", [8.0, 12.5, 20.0, per_line(1, LAST_COL), per_line(2, 4)])
def test_wrap_keeps_the_rules_and_every_character(width):
    for k in range(48):
        text = engineered(k)
        lines = wrap(text, width)
        assert "".join(lines) == text
        assert violations(lines) == [], (k, width)
        assert all(len(x) <= width for x in lines)


def test_wrap_edge_cases():
    assert wrap("", 10) == [""]
    assert wrap("一行目\n\n三行目", 10) == ["一行目", "", "三行目"]
    # a run of closing marks moves to the next line together with the character before it
    assert wrap("ああああ「い」。う", 6) == ["ああああ", "「い」。う"]
    # an opening bracket never ends a line
    lines = wrap("あああああ「いいい」", 6)
    assert not lines[0].endswith("「") and "".join(lines) == "あああああ「いいい」"
    # an ASCII word is not cut when it fits on the next line; a too-long one is
    assert wrap("ああああ SDGs をめざす", 5) == ["ああああ", "SDGs をめ", "ざす"]
    assert "".join(wrap("x" * 40, 5)) == "x" * 40
    assert set(FORBIDDEN_START) <= NO_LINE_START and set(FORBIDDEN_END) <= NO_LINE_END


def test_a_heading_typed_with_a_bullet_prints_one():
    assert bare_heading("●主体的な健康づくりの推進") == "主体的な健康づくりの推進"
    assert bare_heading("・　見出し") == "見出し"
    assert bare_heading("●") == "●"  # nothing but the mark: kept, so nothing silently vanishes
    subs = sample_submissions()
    s = subs[4]
    (e,) = s.lps
    para = e.evaluations[0].model_copy(update={"heading": "●" + e.evaluations[0].heading})
    subs[4] = s.model_copy(
        update={"lps": (e.model_copy(update={"evaluations": (para, *e.evaluations[1:])}),)}
    )
    from tests.test_merge import sheet_text

    path = Path(__import__("tempfile").mkdtemp()) / "book.xlsx"
    try:
        cons = write_book(sample_master(), received(subs), path)
        text = sheet_text(path, form_sheet_names(cons.forms)[0])
        assert "●●" not in text and "●" + bare_heading(para.heading) in text
    finally:
        shutil.rmtree(path.parent)


def test_the_book_carries_the_printed_lines_and_the_seed():
    """The form sheet's cells hold the lines the PDF prints (explicit breaks); with them taken
    out, the seed reads as before. The row heights count those lines."""
    from tests.test_merge import assert_lines_in_order, sheet_text

    path = Path(__import__("tempfile").mkdtemp()) / "book.xlsx"
    try:
        cons = write_book(sample_master(), received(), path)
        (name,) = form_sheet_names(cons.forms)
        assert_lines_in_order(seed_lines(), sheet_text(path, name))
        direction = cons.forms[0].lp.direction.split("\n")[0]
        wb = openpyxl.load_workbook(path)
        ws = wb[name]
        cell = next(
            c
            for row in ws.iter_rows()
            for c in row
            if c.value and WS.sub("", str(c.value)) == WS.sub("", direction)
        )
        assert cell.value == "\n".join(printed_lines(direction, 1, LAST_COL))
        assert cell.value.count("\n") >= 1 and violations(cell.value.split("\n")) == []
        pages = len(ws.row_breaks.brk) + 1
        assert ws.oddFooter.center.text.endswith(f"&P / {pages}")  # this project's own page count
        assert ws.page_setup.useFirstPageNumber and ws.page_setup.firstPageNumber in (None, 1)
        # the tables (and so the CSV) keep the text as submitted: the breaks are the print's only
        table = wb["評価・方針"]
        header = [c.value for c in table[1]]
        bodies = [row[header.index("本文")] for row in table.iter_rows(min_row=2, values_only=True)]
        assert bodies == [p.body for p in cons.paragraphs]
    finally:
        shutil.rmtree(path.parent)


# -- the three-project round, all the way --------------------------------------------------------------


@pytest.fixture(scope="module")
def three_lp_round(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("three-lp-round")
    init_round(root, sample=True)
    paths = RoundPaths(root)
    write_master(three_lp_master(), paths.master)
    generate_round(root, issued=ISSUED)
    master = load_master(paths.master)
    for sub in three_lp_submissions(master):
        dept = master.department(sub.department)
        fill_workbook(paths.entry_workbook(dept), paths.inbox / paths.entry_workbook(dept).name, sub)
    collect_round(root)
    return root


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def assert_printed_like_print(pdf: Path) -> None:
    bad = []
    for line in pdf_text(pdf).splitlines():
        s = line.strip()
        if s and (s[0] in FORBIDDEN_START or s[-1] in FORBIDDEN_END):
            bad.append(s)
    assert bad == [], f"{pdf.name}: {bad[:5]}"


def footers(pdf: Path) -> list[tuple[int, int]]:
    """(page, of) from each page's last line."""
    out = []
    for page in pdf_text(pdf).split("\f"):
        lines = [x for x in page.splitlines() if x.strip()]
        if lines:
            m = FOOTER.search(lines[-1])
            assert m, lines[-1]
            out.append((int(m.group(1)), int(m.group(2))))
    return out


@needs_libreoffice
def test_three_leading_projects_print_like_print(three_lp_round):
    root = three_lp_round
    result = merge_round(root, pdf=True)
    assert result.pdf is not None, result.pdf_message
    master = result.consolidated.master
    assert [p.name for p in result.lp_pdfs] == [
        f"{result.book.stem}_{lp.name}.pdf" for lp in master.leading_projects
    ]
    assert all(p.parent == result.book.parent for p in result.lp_pdfs)

    # 禁則 in every PDF the round wrote
    for pdf in (result.pdf, *result.lp_pdfs):
        assert_printed_like_print(pdf)

    # each leading project's PDF numbers its own pages 1 / N … N / N
    counts = []
    for pdf in result.lp_pdfs:
        pages = footers(pdf)
        n = len(pages)
        assert pages == [(k + 1, n) for k in range(n)], (pdf.name, pages)
        counts.append(n)
    assert max(counts) >= 2, "the engineered projects run over a page"
    # the whole book: the same pages, numbered per leading project
    assert footers(result.pdf) == [(k + 1, n) for n in counts for k in range(n)]
    whole = pdf_text(result.pdf)
    assert all(lp.name in whole for lp in master.leading_projects)
    assert WS.sub("", pdf_text(result.lp_pdfs[0])) in WS.sub("", whole)

    # the heading typed with ● is clean in the ledger, printed with one ●, and the fix is logged
    assert "●●" not in whole and "●主体的な健康づくりの推進" in WS.sub("", whole)
    with Ledger(RoundPaths(root).ledger) as ledger:
        headings = [
            p.heading for r in ledger.rows() if r.submission for e in r.submission.lps for p in e.evaluations
        ]
        assert "主体的な健康づくりの推進" in headings and not any(h.startswith("●") for h in headings)
        recorded = {Path(p).name for (p,) in ledger.db.execute("SELECT path FROM outputs")}
    assert {p.name for p in (result.book, result.pdf, *result.lp_pdfs)} <= recorded
    issues = [i.text() for i in result.intake_issues]
    assert any("先頭の「●」" in t for t in issues), issues[:10]


@needs_libreoffice
def test_sample_pdf_keeps_the_seed_and_the_rules(tmp_path):
    from xlsheet.merge.consolidate import consolidate
    from xlsheet.merge.pdf import export_pdfs

    master = sample_master()
    out = export_pdfs(master, consolidate(master, received()), tmp_path / "book.pdf")
    assert out.book is not None and len(out.projects) == 1, out.message
    for pdf in (out.book, *out.projects):
        assert_printed_like_print(pdf)
        text = WS.sub("", pdf_text(pdf))
        pos = 0
        for line in seed_lines():
            pos = text.find(line, pos)
            assert pos >= 0, line
    n = len(footers(out.book))
    assert footers(out.projects[0]) == footers(out.book) == [(k + 1, n) for k in range(n)]


def test_every_table_header_is_readable(tmp_path):
    """Each table header fits its column on at most two lines beside the filter button, and the
    header row is high enough for them (「リーディングプロジェクト」 is not cut)."""
    from openpyxl.utils import get_column_letter

    from xlsheet.merge.tables import FILTER_BUTTON_UNITS, HEADER_LINE_PT, HEADER_LINES, UNITS_PER_CHAR

    path = tmp_path / "book.xlsx"
    write_book(sample_master(), received(), path)
    wb = openpyxl.load_workbook(path)
    checked = 0
    for ws in wb.worksheets:
        for table in ws.tables.values():
            rows = 1
            for k, col in enumerate(table.tableColumns):
                width = ws.column_dimensions[get_column_letter(k + 1)].width
                n = len(wrap(col.name, (width - FILTER_BUTTON_UNITS) / UNITS_PER_CHAR))
                assert n <= HEADER_LINES, (ws.title, col.name, width)
                rows = max(rows, n)
                checked += 1
            assert ws.row_dimensions[1].height >= rows * HEADER_LINE_PT, ws.title
    assert checked > 20


def test_book_and_pdf_twin_print_the_same_lines_on_the_same_pages(tmp_path):
    """The consolidated book (laid out for Excel) and the workbook behind the PDF (for
    LibreOffice) hold the same cell texts, page breaks and footers; only column units and row
    heights differ, and the columns print equally wide in each application."""
    from xlsheet.merge.consolidate import consolidate
    from xlsheet.merge.form_sheet import COLUMN_PT, EXCEL, LIBREOFFICE
    from xlsheet.merge.pdf import _print_book

    master = three_lp_master()
    subs = three_lp_submissions(master)
    book = tmp_path / "book.xlsx"
    cons = write_book(master, received(subs), book)
    twin = tmp_path / "twin.xlsx"
    _print_book(master, consolidate(master, received(subs)), twin, LIBREOFFICE, None)
    a, b = openpyxl.load_workbook(book), openpyxl.load_workbook(twin)
    names = form_sheet_names(cons.forms)
    assert b.sheetnames == names and len(names) == 3
    for name in names:
        x, y = a[name], b[name]
        assert [[c.value for c in row] for row in x.iter_rows()] == [
            [c.value for c in row] for row in y.iter_rows()
        ]
        assert [r.id for r in x.row_breaks.brk] == [r.id for r in y.row_breaks.brk]
        assert x.oddFooter.center.text == y.oddFooter.center.text
        for k, pt in enumerate(COLUMN_PT):
            letter = "ABCDEF"[k]
            assert x.column_dimensions[letter].width * EXCEL.pt_per_unit == pytest.approx(pt, abs=1.0)
            assert y.column_dimensions[letter].width * LIBREOFFICE.pt_per_unit == pytest.approx(pt, abs=1.0)


def test_intake_removes_a_typed_bullet_and_says_so():
    from xlsheet.intake.normalize import normalize_text

    for typed, clean in (
        ("●主体的な健康づくりの推進", "主体的な健康づくりの推進"),
        ("・　見出し", "見出し"),
        ("○○", "○○"),
    ):
        n = normalize_text(typed, "見出し（●の後）")
        assert n.value == clean
        assert [c.code for c in n.changes] == (["bullet_removed"] if clean != typed else [])
    (change,) = normalize_text("● 見出し", "見出し").changes
    assert "先頭の「●」" in change.message and change.severity.name == "FIXED"


def test_excel_prints_the_book_and_each_project_with_one_excel(tmp_path, monkeypatch):
    """With Excel present: one Excel run for all PDFs; the whole book holds every project's
    sheet, each project's workbook only its own."""
    from xlsheet.merge import pdf
    from xlsheet.merge.consolidate import consolidate

    calls = []

    def fake_excel(jobs):
        calls.append([(openpyxl.load_workbook(src).sheetnames, out.name) for src, out in jobs])
        for _src, out in jobs:
            out.write_bytes(b"%PDF-1.7 excel")

    monkeypatch.setattr(pdf, "excel_present", lambda: True)
    monkeypatch.setattr(pdf, "excel_to_pdf", fake_excel)
    monkeypatch.setattr(
        pdf, "convert", lambda *a, **k: pytest.fail("LibreOffice used although Excel is there")
    )
    master = three_lp_master()
    cons = consolidate(master, received(three_lp_submissions(master)))
    out = pdf.export_pdfs(master, cons, tmp_path / "政策評価表_R.pdf")
    names = form_sheet_names(cons.forms)
    assert len(calls) == 1 and [sheets for sheets, _ in calls[0]] == [names, *[[n] for n in names]]
    assert out.message == "" and out.book == tmp_path / "政策評価表_R.pdf"
    assert [p.name for p in out.projects] == [f"政策評価表_R_{f.lp.name}.pdf" for f in cons.forms]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (out.book, *out.projects))


@needs_libreoffice
def test_a_renamed_projects_old_pdf_is_removed(three_lp_round):
    """A project PDF an earlier merge wrote, that no project prints now, goes; a file merge did
    not write (or one changed since) stays."""
    import hashlib

    root = three_lp_round
    output = RoundPaths(root).output
    stem = "政策評価表_R02-seisaku-hyoka"
    stale, mine = output / f"{stem}_旧名称のプロジェクト.pdf", output / f"{stem}_手作業.pdf"
    stale.write_bytes(b"%PDF-1.7 old")
    mine.write_bytes(b"%PDF-1.7 by hand")
    with Ledger(RoundPaths(root).ledger) as ledger:
        ledger.record_output(stale.resolve(), hashlib.sha256(stale.read_bytes()).hexdigest())
    result = merge_round(root, pdf=True)
    assert result.removed == [stale] and not stale.exists()
    assert mine.exists() and all(p.exists() for p in result.lp_pdfs)
