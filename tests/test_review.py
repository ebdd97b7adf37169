"""The review stage: the lead department's review workbook decides what the 政策評価表 prints.

A round where two departments report the same initiative (four 事業 between them) and write ●
paragraphs under the same heading; the lead's review workbook, filled in with openpyxl as Excel
would save it, is collected through the same intake and the merged book and PDF show exactly
its decisions. Wrong reviews (too many ○, another department, an outdated draft) are refused
with the cell named and a returned book.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import needs_libreoffice
from tests.rounds import answer, reply_mail
from xlsheet.generate import generate_round, init_round, stamped_manifest
from xlsheet.intake.collect import collect_round
from xlsheet.intake.ledger import Ledger
from xlsheet.layout import col_letter
from xlsheet.manifest import KIND_REVIEW
from xlsheet.merge.book import merge_round
from xlsheet.merge.consolidate import NOT_CHOSEN, SHOWN
from xlsheet.merge.draft import review_unit
from xlsheet.merge.frames import round_frames
from xlsheet.models import FileStatus, Paragraph, ProjectEntry, Submission
from xlsheet.paths import RoundPaths
from xlsheet.review.layout import (
    FIRST_ROW,
    PARAGRAPH_COLUMNS,
    PROJECT_COLUMNS,
    SDG_COLUMNS,
    SHEET_PARAGRAPHS,
    SHEET_PROJECTS,
    SHEET_SDGS,
    Col,
    col_index,
)
from xlsheet.review.steps import review_round, send_reviews
from xlsheet.sample import LP

WS = re.compile(r"\s+")
HEADING = "地域における子育て支援の充実"
BODY_310 = "ファミリー・サポート・センターの利用会員が増え、地域の支え合いが広がった。"
BODY_320 = "子ども広場の整備を補助し、子どもが安全に遊べる場所を地域に増やした。"
DROPPED_POLICY = "まちづくりセンターのあり方の検討"


def _d310(sub: Submission) -> Submission:
    e = sub.lps[0]
    projects = (
        ProjectEntry(
            initiative="2-1-3",
            category=e.projects[0].category,
            name="ファミリーサポート事業",
            department="こども支援課",
        ),
        ProjectEntry(
            initiative="2-1-3",
            category=e.projects[0].category,
            name="乳幼児健康診査事業",
            department="こども支援課",
        ),
    )
    evaluations = (Paragraph(initiative="2-1-3", heading=HEADING, body=BODY_310),)
    return sub.model_copy(
        update={"lps": (e.model_copy(update={"projects": projects, "evaluations": evaluations}),)}
    )


def _d320(sub: Submission) -> Submission:
    e = sub.lps[0]
    projects = (
        ProjectEntry(
            initiative="2-1-3",
            category=e.projects[0].category,
            name="子ども広場設置・整備費補助金",
            department="青少年課",
        ),
        ProjectEntry(
            initiative="2-1-3",
            category=e.projects[0].category,
            name="放課後児童クラブ運営事業",
            department="青少年課",
        ),
    )
    evaluations = (Paragraph(initiative="2-1-3", heading="●" + HEADING, body=BODY_320),)
    return sub.model_copy(
        update={"lps": (e.model_copy(update={"projects": projects, "evaluations": evaluations}),)}
    )


EDITS = {"D310": _d310, "D320": _d320}


@pytest.fixture(scope="module")
def answered(tmp_path_factory) -> Path:
    """A collected round (every department answered; D310 and D320 share initiative 2-1-3)."""
    root = tmp_path_factory.mktemp("review") / "round"
    init_round(root, sample=True)
    generate_round(root)
    paths = RoundPaths(root)
    for d in ("D110", "D112", "D210", "D220", "D310", "D320", "D410"):
        book = answer(root, d, f"{d}.xlsx", EDITS.get(d))
        shutil.copy(book, paths.inbox / book.name)
    collect_round(root, workers=1)
    return root


def _fresh(answered: Path, tmp_path: Path) -> Path:
    root = tmp_path / "round"
    shutil.copytree(answered, root)
    return root


def _rows(ws, columns, key: Col = Col.KEY) -> dict[str, int]:
    """Item key -> 1-based row of a review sheet."""
    c = col_index(columns, key) + 1
    out = {}
    for r in range(FIRST_ROW + 1, ws.max_row + 1):
        v = ws.cell(r, c).value
        if v not in (None, ""):
            out[str(v)] = r
    return out


def _set(ws, columns, row: int, col: Col, value) -> None:
    ws.cell(row, col_index(columns, col) + 1).value = value


def _get(ws, columns, row: int, col: Col):
    return ws.cell(row, col_index(columns, col) + 1).value


def _by(ws, columns, col: Col, value) -> int:
    return next(r for r in range(FIRST_ROW + 1, ws.max_row + 1) if _get(ws, columns, r, col) == value)


def _fill_decisions(book: Path, target: Path, *, too_many: bool = False) -> None:
    """The lead's decisions, typed into the review workbook and saved (openpyxl keeps what Excel keeps)."""
    wb = openpyxl.load_workbook(book)
    ws = wb[SHEET_PROJECTS]
    P = PROJECT_COLUMNS
    for name, order in (
        ("乳幼児健康診査事業", 1),
        ("子ども広場設置・整備費補助金", 2),
        ("ファミリーサポート事業", 3),
    ):
        r = _by(ws, P, Col.NAME, name)
        _set(ws, P, r, Col.CHOSEN, "○")
        _set(ws, P, r, Col.ORDER, order)
    _set(ws, P, _by(ws, P, Col.NAME, "放課後児童クラブ運営事業"), Col.CHOSEN, "○" if too_many else None)
    ws = wb[SHEET_PARAGRAPHS]
    Q = PARAGRAPH_COLUMNS
    keep = _by(ws, Q, Col.BODY, BODY_310)
    merged = _by(ws, Q, Col.BODY, BODY_320)
    _set(ws, Q, keep, Col.HEADING, "地域の子育て支援")
    _set(ws, Q, merged, Col.ACTION, "統合")
    _set(ws, Q, merged, Col.INTO, _get(ws, Q, keep, Col.KEY))
    _set(ws, Q, _by(ws, Q, Col.ORIGINAL, DROPPED_POLICY), Col.ACTION, "削除")
    ws = wb[SHEET_SDGS]
    S = SDG_COLUMNS
    _set(ws, S, _by(ws, S, Col.GOAL, 4), Col.KEEP, "×")
    _set(ws, S, _by(ws, S, Col.GOAL, 5), Col.KEEP, "○")
    wb.save(target)


def test_review_workbook_lists_every_department_and_the_defaults(answered, tmp_path):
    root = _fresh(answered, tmp_path)
    books = review_round(root)
    assert [(b.lp, b.lead.code) for b in books] == [(LP, "D110")]
    m = stamped_manifest(books[0].path)
    assert m.kind == KIND_REVIEW and m.lps == LP and m.department == "D110" and m.draft == books[0].draft
    wb = openpyxl.load_workbook(books[0].path)
    ws = wb[SHEET_PROJECTS]
    P = PROJECT_COLUMNS
    rows = [r for r in range(FIRST_ROW + 1, ws.max_row + 1) if _get(ws, P, r, Col.INITIATIVE) == "2-1-3"]
    assert [_get(ws, P, r, Col.NAME) for r in rows] == [
        "ファミリーサポート事業",
        "乳幼児健康診査事業",
        "子ども広場設置・整備費補助金",
        "放課後児童クラブ運営事業",
    ]
    assert [_get(ws, P, r, Col.CHOSEN) for r in rows] == ["○", "○", "○", None]  # the merge's default
    assert ws.protection.sheet
    assert not ws.cell(rows[0], col_index(P, Col.CHOSEN) + 1).protection.locked
    assert ws.cell(rows[0], col_index(P, Col.NAME) + 1).protection.locked
    ws = wb[SHEET_PARAGRAPHS]
    Q = PARAGRAPH_COLUMNS
    a, b = _by(ws, Q, Col.BODY, BODY_310), _by(ws, Q, Col.BODY, BODY_320)
    assert "見出しが同じ段落" in _get(ws, Q, a, Col.NOTE) and _get(ws, Q, b, Col.KEY) in _get(
        ws, Q, a, Col.NOTE
    )
    assert _get(ws, Q, a, Col.DEPARTMENT) == "こども支援課" and _get(ws, Q, b, Col.DEPARTMENT) == "青少年課"
    ws = wb[SHEET_SDGS]
    S = SDG_COLUMNS
    assert "こども支援課" in _get(ws, S, _by(ws, S, Col.GOAL, 4), Col.MARKED_BY)
    # mailed like the entry books: one draft to the lead department with the book attached
    result = send_reviews(root, books)
    assert [m.department for m in result.mails] == ["D110"]
    assert books[0].path.name.encode() in result.mails[0].path.read_bytes() or result.mails[0].size > 0
    # a second run with nothing changed leaves the book and sends nothing
    again = review_round(root)
    assert again[0].change.value == "unchanged"
    assert send_reviews(root, again).mails == []


def _pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return WS.sub("", out.stdout)


def _circled_goals(book: Path) -> set[int]:
    """The SDG goals the 政策評価表 sheet circles: the goal number in the cell under each ring
    (the drawing's anchors, read from the package: openpyxl drops images without Pillow)."""
    import unicodedata
    import zipfile

    wb = openpyxl.load_workbook(book)
    ws = wb[next(n for n in wb.sheetnames if n.startswith("政策評価表"))]
    with zipfile.ZipFile(book) as zf:
        sheet = wb.sheetnames.index(ws.title) + 1  # XlsxWriter names parts in sheet order
        rels = zf.read(f"xl/worksheets/_rels/sheet{sheet}.xml.rels").decode()
        (target,) = re.findall(r'Target="../drawings/(drawing\d+\.xml)"', rels)
        xml = zf.read(f"xl/drawings/{target}").decode()
    anchors = re.findall(r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", xml)
    return {
        int(unicodedata.normalize("NFKC", str(ws.cell(int(r) + 1, int(c) + 1).value))) for c, r in anchors
    }


def _book_text(book: Path) -> str:
    wb = openpyxl.load_workbook(book)
    name = next(n for n in wb.sheetnames if n.startswith("政策評価表"))
    return WS.sub("", "".join(str(c.value) for row in wb[name].iter_rows() for c in row if c.value))


@needs_libreoffice
def test_lead_review_decides_what_prints(answered, tmp_path):
    root = _fresh(answered, tmp_path)
    paths = RoundPaths(root)
    assert "merge.review_missing" not in {i.code for i in merge_round(root).consolidated.issues}
    book = review_round(root)[0].path  # the review stage begins: a form without a review says so
    before = merge_round(root, force=True)
    assert {i.code for i in before.consolidated.issues} >= {"merge.review_missing", "merge.too_many_projects"}
    assert _circled_goals(before.book) == {3, 4, 10, 11, 17}  # every department's ○, before the review
    block = next(b for b in before.consolidated.forms[0].blocks if b.initiative.code == "2-1-3")
    assert [p.name for p in block.projects] == [
        "ファミリーサポート事業",
        "乳幼児健康診査事業",
        "子ども広場設置・整備費補助金",
    ]

    _fill_decisions(book, paths.inbox / "review.xlsx")
    report = collect_round(root, workers=1)
    (got,) = [f for f in report.files if f.path.endswith("review.xlsx")]
    assert got.status is FileStatus.ACCEPTED, [i.message for i in got.issues]
    with Ledger(paths.ledger) as ledger:
        assert [r.file for r in ledger.reviews()] == ["inbox/review.xlsx"]
        assert len(ledger.current()) == 7  # the departments' answers are still elected apart

    result = merge_round(root, pdf=True)
    cons = result.consolidated
    codes = {i.code for i in cons.issues}
    assert "merge.review_missing" not in codes and "merge.too_many_projects" not in codes
    assert LP in cons.reviewed
    form = cons.forms[0]
    block = next(b for b in form.blocks if b.initiative.code == "2-1-3")
    assert [p.name for p in block.projects] == [
        "乳幼児健康診査事業",
        "子ども広場設置・整備費補助金",
        "ファミリーサポート事業",
    ]
    merged = [p for p in form.evaluations if p.heading == "地域の子育て支援"]
    assert len(merged) == 1 and merged[0].body == f"{BODY_310}\n{BODY_320}"
    assert not [p for p in form.evaluations if HEADING in p.heading]
    assert DROPPED_POLICY not in [p.heading for p in form.policies]
    assert form.sdgs == frozenset({3, 5, 10, 11, 17})
    shown = {p.name: p.shown for p in cons.projects if p.initiative == "2-1-3"}
    assert shown["放課後児童クラブ運営事業"] == NOT_CHOSEN and shown["乳幼児健康診査事業"] == SHOWN
    frame = round_frames(root)["projects"]  # pandas agrees with the book
    by_name = dict(zip(frame["事業名"], frame["政策評価表"], strict=True))
    assert by_name["放課後児童クラブ運営事業"] == NOT_CHOSEN and by_name["乳幼児健康診査事業"] == SHOWN

    assert _circled_goals(result.book) == {3, 5, 10, 11, 17}  # the lead's ○/×, not every department's
    for text in (_book_text(result.book), _pdf_text(result.pdf)):
        assert "乳幼児健康診査事業" in text
        assert "放課後児童クラブ運営事業" not in text
        assert (
            text.index("乳幼児健康診査事業")
            < text.index("子ども広場設置・整備費補助金")
            < text.index("ファミリーサポート事業")
        )
        assert text.count("地域の子育て支援") == 1
        assert "●" + HEADING not in text and "●地域の子育て支援" in text
        assert WS.sub("", BODY_310) in text and WS.sub("", BODY_320) in text
        assert DROPPED_POLICY not in text


def test_too_many_chosen_is_refused_with_the_cell_and_a_returned_book(answered, tmp_path):
    root = _fresh(answered, tmp_path)
    paths = RoundPaths(root)
    book = review_round(root)[0].path
    _fill_decisions(book, paths.inbox / "review.xlsx", too_many=True)
    report = collect_round(root, workers=1)
    (got,) = [f for f in report.files if f.path.endswith("review.xlsx")]
    assert got.status is FileStatus.REJECTED
    (too_many,) = [i for i in got.issues if i.code == "review.too_many_chosen"]
    chosen_col = col_letter(col_index(PROJECT_COLUMNS, Col.CHOSEN))
    assert too_many.sheet == SHEET_PROJECTS and re.fullmatch(chosen_col + r"\d+", too_many.cell)
    assert "2-1-3" in too_many.message and "4 件" in too_many.message
    returned = paths.review_feedback(paths_dept(root, "D110"), LP)
    assert returned in report.feedback and returned.exists()
    wb = openpyxl.load_workbook(returned)
    assert "指摘事項" in wb.sheetnames
    ws = wb[SHEET_PROJECTS]
    r = _by(ws, PROJECT_COLUMNS, Col.NAME, "放課後児童クラブ運営事業")
    assert _get(ws, PROJECT_COLUMNS, r, Col.CHOSEN) == "○"  # the lead's own marks, carried back
    merged = merge_round(root).consolidated
    assert "merge.review_missing" in {i.code for i in merged.issues}
    from xlsheet.review.status import ReviewState, review_status

    with Ledger(paths.ledger) as ledger:
        assert [v.state for v in review_status(paths, ledger_master(root), ledger)] == [ReviewState.NEEDS_FIX]
    # the reply asking for fixes, with the returned book, like a department's feedback mail
    from xlsheet.review.steps import review_feedback_round

    (mail,) = review_feedback_round(root).mails
    assert mail.department == "D110" and mail.path.parent == paths.mail_outbox / "feedback" / "review"
    import email
    from email import policy

    msg = email.message_from_bytes(mail.path.read_bytes(), policy=policy.default)
    assert [a.get_filename() for a in msg.iter_attachments()] == [returned.name]
    assert "review.too_many_chosen" not in msg.get_body().get_content()  # codes are not for people
    assert "2-1-3" in msg.get_body().get_content()


def paths_dept(root: Path, code: str):
    from xlsheet.master import load_master

    return load_master(RoundPaths(root).master).department(code)


def test_review_from_another_department_is_refused(answered, tmp_path):
    root = _fresh(answered, tmp_path)
    paths = RoundPaths(root)
    book = review_round(root)[0].path
    _fill_decisions(book, root / "review.xlsx")
    import datetime as dt

    mail = reply_mail(
        "kodomo@example.lg.jp",
        [("review.xlsx", (root / "review.xlsx").read_bytes())],
        dt.datetime(2020, 7, 1, 9, 0, tzinfo=dt.UTC),
    )
    (paths.inbox / "from_d310.eml").write_bytes(mail)
    report = collect_round(root, workers=1)
    (got,) = [f for f in report.files if f.path.endswith("review.xlsx")]
    assert got.status is FileStatus.REJECTED
    assert "review.not_lead" in {i.code for i in got.issues}
    msg = next(i for i in got.issues if i.code == "review.not_lead").message
    assert "主管所属（地域づくり推進課）" in msg and "こども支援課" in msg


def test_review_of_an_outdated_draft_is_refused_and_decisions_carried(answered, tmp_path):
    root = _fresh(answered, tmp_path)
    paths = RoundPaths(root)
    book = review_round(root)[0].path
    _fill_decisions(book, root / "review.xlsx")

    def changed(sub: Submission) -> Submission:
        e = sub.lps[0]
        p = e.projects[0].model_copy(update={"name": "健康づくり推進事業（改）"})
        return sub.model_copy(update={"lps": (e.model_copy(update={"projects": (p,)}),)})

    newer = answer(root, "D410", "D410_v2.xlsx", changed)
    shutil.copy(newer, paths.inbox / newer.name)
    collect_round(root, workers=1)
    shutil.copy(root / "review.xlsx", paths.inbox / "review.xlsx")
    report = collect_round(root, workers=1)
    (got,) = [f for f in report.files if f.path.endswith("review.xlsx")]
    assert got.status is FileStatus.REJECTED
    assert "review.outdated" in {i.code for i in got.issues}
    returned = paths.review_feedback(paths_dept(root, "D110"), LP)
    assert stamped_manifest(returned).draft != stamped_manifest(book).draft
    ws = openpyxl.load_workbook(returned)[SHEET_PROJECTS]
    r = _by(ws, PROJECT_COLUMNS, Col.NAME, "乳幼児健康診査事業")
    assert _get(ws, PROJECT_COLUMNS, r, Col.ORDER) == 1  # the lead's decisions carried to the new draft
    # the returned book, sent back as it is, is accepted and decides the merge
    shutil.copy(returned, paths.inbox / "review_again.xlsx")
    report = collect_round(root, workers=1)
    (again,) = [f for f in report.files if f.path.endswith("review_again.xlsx")]
    assert again.status is FileStatus.ACCEPTED, [i.message for i in again.issues]
    with Ledger(paths.ledger) as ledger:
        assert ledger.latest(reviews=True)[review_unit(LP)].origin == "inbox/review_again.xlsx"
    cons = merge_round(root).consolidated
    block = next(b for b in cons.forms[0].blocks if b.initiative.code == "2-1-3")
    assert [p.name for p in block.projects] == [
        "乳幼児健康診査事業",
        "子ども広場設置・整備費補助金",
        "ファミリーサポート事業",
    ]


def test_cli_review_status_and_office_decision(answered, tmp_path):
    from click.testing import CliRunner

    from xlsheet.cli import main
    from xlsheet.intake.decide import withdraw_file
    from xlsheet.review.status import ReviewState, review_status

    root = _fresh(answered, tmp_path)
    paths = RoundPaths(root)
    runner = CliRunner()
    res = runner.invoke(main, ["review", str(root)])
    assert res.exit_code == 0, res.output
    assert (
        "確認ブックを 1 冊作りました" in res.output
        and "確認依頼メールの下書きを 1 通作りました" in res.output
    )
    (mail,) = paths.review_mail_outbox.glob("*.eml")
    assert b"chiiki@example.lg.jp" in mail.read_bytes()
    res = runner.invoke(main, ["status", str(root)])
    assert "主管所属の確認" in res.output and "未提出" in res.output

    book = paths.review_workbook(paths_dept(root, "D110"), LP)
    _fill_decisions(book, paths.inbox / "review.xlsx")
    collect_round(root, workers=1)
    with Ledger(paths.ledger) as ledger:
        (st,) = review_status(paths, ledger_master(root), ledger)
    assert st.state is ReviewState.ACCEPTED and st.file == "inbox/review.xlsx"
    res = runner.invoke(main, ["merge", str(root)])
    assert "主管所属の確認: 1 / 1 件を判断どおりに載せました" in res.output

    decided = withdraw_file(root, "inbox/review.xlsx", "主管所属から取り消しの連絡")
    assert decided.status is FileStatus.WITHDRAWN and decided.current == ""
    with Ledger(paths.ledger) as ledger:
        assert ledger.reviews() == [] and len(ledger.current()) == 7
    res = runner.invoke(main, ["merge", str(root), "--force"])
    assert "0 / 1 件" in res.output and "確認ブックがまだ届いていません" in res.output


def ledger_master(root: Path):
    from xlsheet.master import load_master

    return load_master(RoundPaths(root).master)


def test_review_workbooks_are_valid_ooxml(answered, tmp_path):
    from tests.validator import validate_all, validator_path

    exe = validator_path()
    if exe is None:
        pytest.skip("ooxml-validator がありません（bash scripts/setup.sh）")
    root = _fresh(answered, tmp_path)
    paths = RoundPaths(root)
    book = review_round(root)[0].path
    _fill_decisions(book, paths.inbox / "review.xlsx", too_many=True)
    report = collect_round(root, workers=1)
    (returned,) = [p for p in report.feedback if "確認" in p.name]
    assert validate_all([book, returned], exe) == []


def test_draft_fingerprint_follows_content_not_rows(answered):
    from xlsheet.merge.consolidate import consolidate
    from xlsheet.merge.source import current_received

    with Ledger(RoundPaths(answered).ledger) as ledger:
        received = current_received(ledger)
    draft = consolidate(ledger_master(answered), received).drafts[LP]
    assert draft.bare().fingerprint == draft.fingerprint
    assert [p.key for p in draft.projects][:3] == ["P01", "P02", "P03"]
    assert {p.key[0] for p in draft.paragraphs} == {"E", "H"}
    # another department's edit makes another draft
    edited = [
        r.model_copy(update={"submission": _d320(r.submission)}) if r.department == "D410" else r
        for r in received
    ]
    assert consolidate(ledger_master(answered), edited).drafts[LP].fingerprint != draft.fingerprint
