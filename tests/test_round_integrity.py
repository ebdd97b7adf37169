"""A real round keeps its integrity: the right submission counts, the office decides, nothing slips.

Every case is built from real files: workbooks filled by openpyxl as a department's Excel would,
saved at a given time (docProps/core.xml), mailed as .eml, edited master data, an edited book.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.rounds import answer, filled_book, reply_mail, rewrite_part, saved_at, versioned
from xlsheet.cli import main
from xlsheet.entry_writer import STATUS_OK, STATUS_UNTOUCHED
from xlsheet.generate import BookChange, generate_round
from xlsheet.intake.collect import collect_round
from xlsheet.intake.ledger import Ledger
from xlsheet.mail.followup import build_feedback, build_reminders
from xlsheet.mail.send import send_round
from xlsheet.master import load_master, write_master
from xlsheet.merge import merge_round
from xlsheet.merge.book import BookEdited
from xlsheet.models import Assignment, Category, DeptState, FileStatus, Initiative, Submission
from xlsheet.paths import RoundPaths

T0 = dt.datetime(2020, 6, 10, 9, tzinfo=dt.UTC)


def _status(root: Path) -> dict:
    paths = RoundPaths(root)
    with Ledger(paths.ledger) as ledger:
        return {s.department: s for s in ledger.status(load_master(paths.master))}


def _touch(path: Path, when: dt.datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def _headings(root: Path) -> list[str]:
    from xlsheet.merge import round_frames

    return list(round_frames(root)["evaluations"]["見出し"])


@pytest.mark.parametrize("corrected_first", [True, False])
def test_the_workbook_saved_last_counts_in_whichever_order_it_arrives(sample_round, corrected_first):
    paths = RoundPaths(sample_round)
    first = saved_at(answer(sample_round, "D220", "v1.xlsx", versioned("【第1版】")).read_bytes(), T0)
    second = saved_at(
        answer(sample_round, "D220", "v2.xlsx", versioned("【第2版】")).read_bytes(),
        T0 + dt.timedelta(hours=3),
    )
    # Outlook lists the newest mail first: staff save the corrected attachment first, so on the
    # office PC the corrected file is the *older* one.
    order = [("修正版.xlsx", second), ("D220_高齢者支援課.xlsx", first)]
    if not corrected_first:
        order.reverse()
    for n, (name, data) in enumerate(order):
        target = paths.inbox / name
        target.write_bytes(data)
        _touch(target, T0 + dt.timedelta(days=2 - n if corrected_first else 1 + n))
        collect_round(sample_round, workers=1)
    s = _status(sample_round)["D220"]
    assert s.state is DeptState.ACCEPTED and s.current == "inbox/修正版.xlsx"
    assert "ブックの保存日時" in s.why
    headings = [h for h in _headings(sample_round) if "版】" in h]
    assert headings and all(h.startswith("【第2版】") for h in headings)


def test_a_fixed_reply_settles_the_rejected_one(sample_round):
    paths = RoundPaths(sample_round)

    def wrong_code(sub: Submission) -> Submission:
        entry = sub.lps[0]
        bad = entry.projects[0].model_copy(update={"initiative": "1-9-9"})
        return sub.model_copy(
            update={"lps": (entry.model_copy(update={"projects": (bad, *entry.projects[1:])}),)}
        )

    rejected = saved_at(answer(sample_round, "D210", "bad.xlsx", wrong_code).read_bytes(), T0)
    fixed = saved_at(filled_book(sample_round, "D210").read_bytes(), T0 + dt.timedelta(hours=2))
    sender = "chiikifukushi@example.lg.jp"
    (paths.inbox / "1_提出.eml").write_bytes(reply_mail(sender, [("D210.xlsx", rejected)], T0))
    report = collect_round(sample_round, workers=1)
    assert [f.status for f in report.files] == [FileStatus.REJECTED]
    assert paths.feedback_workbook(load_master(paths.master).department("D210")).exists()
    (paths.inbox / "2_再提出.eml").write_bytes(
        reply_mail(sender, [("D210.xlsx", fixed)], T0 + dt.timedelta(hours=2))
    )
    # Someone also saved the first (wrong) attachment again later, as a loose file.
    late = paths.inbox / "D210_地域福祉センター.xlsx"
    late.write_bytes(rejected + b"")  # same bytes as the mailed one: a duplicate
    _touch(late, T0 + dt.timedelta(days=3))
    report = collect_round(sample_round, workers=1)
    statuses = {f.path: f for f in report.files}
    assert statuses["inbox/2_再提出.eml/D210.xlsx"].status is FileStatus.ACCEPTED
    dup = statuses["inbox/D210_地域福祉センター.xlsx"]
    assert dup.status is FileStatus.DUPLICATE and "差し戻し" in dup.status_ja and "受理" not in dup.status_ja
    s = _status(sample_round)["D210"]
    assert s.state is DeptState.ACCEPTED and s.file == "inbox/2_再提出.eml/D210.xlsx"
    mails, _ = build_feedback(sample_round)
    assert "D210" not in {d.code for d, _ in mails}
    assert not paths.feedback_workbook(load_master(paths.master).department("D210")).exists()


def test_an_untouched_return_is_not_an_answer(sample_round):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    dept = master.department("D220")
    shutil.copy(paths.entry_workbook(dept), paths.inbox / "D220.xlsx")
    report = collect_round(sample_round, workers=1)
    [f] = report.files
    assert f.status is FileStatus.UNANSWERED and f.issues[0].code == "untouched"
    assert report.rejected == [f]
    s = _status(sample_round)["D220"]
    assert s.state is DeptState.UNANSWERED and s.status == "未記入" and not s.done
    assert paths.feedback_workbook(dept).exists()
    mails, _ = build_feedback(sample_round)
    body = {d.code: m.get_body(("plain",)).get_content() for d, m in mails}
    assert "何も入力されていません" in body["D220"]
    reminders, _ = build_reminders(sample_round)
    assert "D220" in {d.code for d, _ in reminders}
    # The instructions say so before anyone sends.
    wb = openpyxl.load_workbook(paths.entry_workbook(dept), read_only=True)
    text = " ".join(str(c) for row in wb["はじめに"].iter_rows(values_only=True) for c in row if c)
    assert "未記入" in text
    # The book's own self-check says so too, before anyone recalculates (cached value).
    cached = openpyxl.load_workbook(paths.entry_workbook(dept), data_only=True)
    shown = {c for ws in cached.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert STATUS_UNTOUCHED in shown and STATUS_OK not in shown


def _assign_new_initiative(root: Path, code: str, depts: list[str]) -> None:
    """The office edits master.xlsx mid-round: a new initiative for some departments."""
    paths = RoundPaths(root)
    master = load_master(paths.master)
    lp = master.leading_projects[0].code
    master = master.model_copy(
        update={
            "initiatives": (*master.initiatives, Initiative(code=code, title="新たに位置付けた取り組み")),
            "assignments": (
                *master.assignments,
                *(Assignment(lp=lp, initiative=code, category=Category.RELATED, department=d) for d in depts),
            ),
        }
    )
    write_master(master, paths.master)


def test_master_changed_mid_round(sample_round):
    paths = RoundPaths(sample_round)
    send_round(sample_round)  # drafts of all seven, recorded with the workbook they carried
    (paths.inbox / "D220.xlsx").write_bytes(filled_book(sample_round, "D220").read_bytes())
    old_d410 = filled_book(sample_round, "D410").read_bytes()  # filled in the book sent before the change
    collect_round(sample_round, workers=1)
    assert _status(sample_round)["D220"].state is DeptState.ACCEPTED

    _assign_new_initiative(sample_round, "4-1-4", ["D220", "D410"])
    done = {g.department: g.change for g in generate_round(sample_round)}
    assert {d for d, c in done.items() if c is BookChange.CHANGED} == {"D220", "D410"}
    assert {c for d, c in done.items() if d not in ("D220", "D410")} == {BookChange.UNCHANGED}
    resent = send_round(sample_round)
    assert sorted(m.department for m in resent.mails) == ["D220", "D410"] and len(resent.skipped) == 5

    (paths.inbox / "D410.xlsx").write_bytes(old_d410)
    report = collect_round(sample_round, workers=1)
    [f] = [f for f in report.files if f.path == "inbox/D410.xlsx"]
    assert f.status is FileStatus.REJECTED
    outdated = [i for i in f.issues if i.code == "outdated_workbook"]
    assert outdated and "取り組み 4-1-4 が追加されています" in outdated[0].message
    master = load_master(paths.master)
    wb = openpyxl.load_workbook(paths.feedback_workbook(master.department("D410")))
    values = {c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert "4-1-4" in values  # the feedback book has a row for the new initiative

    s = _status(sample_round)
    assert s["D220"].state is DeptState.NEEDS_FIX_HAS_ACCEPTED and "4-1-4" in s["D220"].why
    assert s["D410"].state is DeptState.NEEDS_FIX
    reminders, _ = build_reminders(sample_round)
    assert {"D220", "D410"} <= {d.code for d, _ in reminders}


def test_a_hand_edited_book_is_never_overwritten_silently(sample_round):
    paths = RoundPaths(sample_round)
    (paths.inbox / "D110.xlsx").write_bytes(filled_book(sample_round, "D110").read_bytes())
    collect_round(sample_round, workers=1)
    first = merge_round(sample_round)
    assert merge_round(sample_round).kept is None  # unchanged: merged again without a word
    wb = openpyxl.load_workbook(first.book)
    wb.worksheets[0]["A1"] = "手で直した見出し"
    wb.save(first.book)
    edited = first.book.read_bytes()
    with pytest.raises(BookEdited):
        merge_round(sample_round)
    assert first.book.read_bytes() == edited
    result = CliRunner().invoke(main, ["merge", str(sample_round)])
    assert result.exit_code == 2 and first.book.name in result.output and "--force" in result.output
    result = CliRunner().invoke(main, ["merge", str(sample_round), "--force"])
    assert result.exit_code == 0, result.output
    [kept] = paths.output.glob("*_編集版_*.xlsx")
    assert kept.read_bytes() == edited and first.book.read_bytes() != edited


def test_the_office_accepts_and_withdraws_and_collect_never_undoes_it(sample_round):
    paths = RoundPaths(sample_round)
    older = saved_at(answer(sample_round, "D220", "v1.xlsx", versioned("【第1版】")).read_bytes(), T0)
    newer = saved_at(
        answer(sample_round, "D220", "v2.xlsx", versioned("【第2版】")).read_bytes(),
        T0 + dt.timedelta(hours=1),
    )
    (paths.inbox / "a.xlsx").write_bytes(older)
    (paths.inbox / "b.xlsx").write_bytes(newer)
    collect_round(sample_round, workers=1)
    assert _status(sample_round)["D220"].current == "inbox/b.xlsx"
    runner = CliRunner()
    with Ledger(paths.ledger) as ledger:
        sha_a = ledger.find("inbox/a.xlsx").sha256
    result = runner.invoke(
        main, ["accept", str(sample_round), sha_a[:8], "--reason", "第2版は誤送信と連絡あり"]
    )
    assert result.exit_code == 0, result.output
    assert "inbox/a.xlsx" in result.output
    collect_round(sample_round, workers=1)  # a later collect: nothing changes
    s = _status(sample_round)["D220"]
    assert s.state is DeptState.PINNED and s.current == "inbox/a.xlsx" and "第2版は誤送信" in s.decision
    assert all(h.startswith("【第1版】") for h in _headings(sample_round) if "版】" in h)
    book = merge_round(sample_round).book
    wb = openpyxl.load_workbook(book, read_only=True)
    rows = list(wb["事業一覧"].iter_rows(values_only=True))
    col = rows[0].index("企画課の判断")
    assert any("第2版は誤送信" in (r[col] or "") for r in rows[1:])

    result = runner.invoke(main, ["withdraw", str(sample_round), "inbox/a.xlsx"])
    assert result.exit_code == 2  # a reason is required
    result = runner.invoke(
        main, ["withdraw", str(sample_round), "inbox/a.xlsx", "--reason", "所属から取り下げ依頼"]
    )
    assert result.exit_code == 0, result.output
    collect_round(sample_round, workers=1)
    status = json.loads(runner.invoke(main, ["status", str(sample_round), "--json"]).output)
    row = next(r for r in status["departments"] if r["department"] == "D220")
    assert row["current"] == "inbox/b.xlsx" and "取り下げ" in row["decision"] and row["done"]
    with Ledger(paths.ledger) as ledger:
        assert ledger.status_of(sha_a) is FileStatus.WITHDRAWN
        assert [d.action.value for d in ledger.decisions(sha_a)] == ["accept", "withdraw"]
    result = runner.invoke(main, ["accept", str(sample_round), "nothing-like-this.xlsx"])
    assert result.exit_code == 2 and "台帳にありません" in result.output


def test_a_changed_department_stamp_is_held_not_current(sample_round):
    paths = RoundPaths(sample_round)
    (paths.inbox / "D220.xlsx").write_bytes(filled_book(sample_round, "D220").read_bytes())
    collect_round(sample_round, workers=1)
    forged = rewrite_part(
        filled_book(sample_round, "D110").read_bytes(),
        "docProps/custom.xml",
        lambda xml: xml.replace(b">D110<", b">D220<"),
    )
    (paths.inbox / "zz.xlsx").write_bytes(saved_at(forged, dt.datetime.now(dt.UTC)))
    report = collect_round(sample_round, workers=1)
    [f] = [f for f in report.files if f.path == "inbox/zz.xlsx"]
    assert f.status is FileStatus.HELD and "identity_conflict" in {i.code for i in f.issues}
    s = _status(sample_round)["D220"]
    assert s.current == "inbox/D220.xlsx" and s.held == 1


def test_a_mail_dated_in_the_future_does_not_stay_newest(sample_round):
    paths = RoundPaths(sample_round)
    sender = "koureisha@example.lg.jp"
    old = answer(sample_round, "D220", "v1.xlsx", versioned("【第1版】")).read_bytes()
    new = answer(sample_round, "D220", "v2.xlsx", versioned("【第2版】")).read_bytes()

    def undated(data: bytes) -> bytes:  # a workbook that does not say when it was saved
        return rewrite_part(data, "docProps/core.xml", lambda x: x.replace(b"dcterms:modified", b"dcterms:x"))

    future = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    (paths.inbox / "a.eml").write_bytes(reply_mail(sender, [("D220.xlsx", undated(old))], future))
    collect_round(sample_round, workers=1)
    with Ledger(paths.ledger) as ledger:
        row = ledger.find("inbox/a.eml/D220.xlsx")
    assert "future_date" in {i.code for i in row.issues} and row.dated < future
    # The department's next mail, sent after the first arrived, counts: 2099 is not "newest forever".
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    (paths.inbox / "b.eml").write_bytes(reply_mail(sender, [("D220.xlsx", undated(new))], later))
    collect_round(sample_round, workers=1)
    assert _status(sample_round)["D220"].current == "inbox/b.eml/D220.xlsx"


def test_messages_a_new_user_meets(tmp_path, sample_round):
    runner = CliRunner()
    typo = sample_round.parent / (sample_round.name + "x")
    result = runner.invoke(main, ["status", str(typo)])
    assert result.exit_code == 2 and "がありません" in result.output and str(sample_round) in result.output
    assert "--sample" not in result.output
    result = runner.invoke(main, ["init", str(tmp_path / "empty")])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "empty" / "master.xlsx")
    assert {"設定", "所属"} <= set(wb.sheetnames)
    result = runner.invoke(main, ["generate", str(tmp_path / "empty")])
    assert result.exit_code == 2 and "空欄" in result.output
    # merge counts what status counts.
    (RoundPaths(sample_round).inbox / "D110.xlsx").write_bytes(filled_book(sample_round, "D110").read_bytes())
    collect_round(sample_round, workers=1)
    merged = runner.invoke(main, ["merge", str(sample_round)]).output
    status = runner.invoke(main, ["status", str(sample_round)]).output
    assert "受理 1 / 7 所属" in merged.replace("\n", "") and "受理 1 / 7 所属" in status
