"""Reminders and feedback replies drafted from a real ledger after a real collect."""

from __future__ import annotations

import sqlite3
from email import policy
from email.parser import BytesParser
from pathlib import Path

from click.testing import CliRunner

from tests.mailservers import smtp_server  # noqa: F401 - fixture
from tests.test_mail_fetch import department_reply
from xlsheet.cli import main
from xlsheet.fill import fill_workbook
from xlsheet.intake.collect import collect_round
from xlsheet.mail.compose import attach_file, message_bytes
from xlsheet.mail.followup import feedback_round, remind_round
from xlsheet.mail.send import SmtpConfig
from xlsheet.master import load_master
from xlsheet.paths import RoundPaths
from xlsheet.sample import sample_submissions


def parse(path: Path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def returned_round(root: Path) -> None:
    """D110 answers correctly; D310 answers with an initiative code that is not in the list."""
    paths = RoundPaths(root)
    master = load_master(paths.master)
    subs = {s.department: s for s in sample_submissions(master)}
    good = root / "D110.xlsx"
    fill_workbook(paths.entry_workbook(master.department("D110")), good, subs["D110"])
    s = subs["D310"]
    lp = s.lps[0]
    wrong = lp.projects[0].model_copy(update={"initiative": "1-9-9"})
    bad_sub = s.model_copy(update={"lps": (lp.model_copy(update={"projects": (wrong,)}),)})
    bad = root / "D310.xlsx"
    fill_workbook(paths.entry_workbook(master.department("D310")), bad, bad_sub)
    for code, book in (("D110", good), ("D310", bad)):
        raw = BytesParser(policy=policy.default).parsebytes(department_reply(root, code))
        for part in list(raw.iter_attachments()):
            raw.get_payload().remove(part)
        attach_file(raw, book.read_bytes(), paths.entry_workbook(master.department(code)).name)
        (paths.inbox / f"reply-{code}.eml").write_bytes(message_bytes(raw))
    report = collect_round(root, workers=1)
    assert {f.department: f.status.value for f in report.files} == {"D110": "accepted", "D310": "rejected"}


def test_remind_departments_without_accepted_submission(sample_round):
    returned_round(sample_round)
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    result = remind_round(sample_round)
    expected = [d.code for d in master.participating_departments() if d.code != "D110"]
    assert [m.department for m in result.mails] == expected
    for m in result.mails:
        msg = parse(m.path)
        assert m.path.parent == paths.mail_outbox / "reminders"
        assert msg["X-Unsent"] == "1" and "再度のお願い" in msg["Subject"]
        body = msg.get_body(("plain",)).get_content()
        assert "令和２年６月３０日（火）" in body
        (att,) = list(msg.iter_attachments())
        if m.department == "D310":
            # Rejected: says so and re-attaches the feedback workbook with the marks.
            assert "要修正" in body and "直す点が 1 件" in body and "返却ブックです" in body
            fb = paths.feedback_workbook(master.department("D310"))
            assert att.get_filename() == fb.name and att.get_content() == fb.read_bytes()
        else:
            assert "提出状況: 未提出" in body
            book = paths.entry_workbook(master.department(m.department))
            assert att.get_filename() == book.name and att.get_content() == book.read_bytes()
    with sqlite3.connect(paths.ledger) as db:
        kinds = db.execute("SELECT kind, count(*) FROM sent GROUP BY kind").fetchall()
    assert kinds == [("reminder-draft", len(expected))]


def test_feedback_replies_to_the_departments_mail(sample_round, smtp_server):  # noqa: F811
    returned_round(sample_round)
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    res = CliRunner().invoke(main, ["feedback", str(sample_round)])
    assert res.exit_code == 2 and "--mail" in res.output
    res = CliRunner().invoke(main, ["feedback", str(sample_round), "--mail"])
    assert res.exit_code == 0, res.output
    (eml,) = list((paths.mail_outbox / "feedback").glob("*.eml"))
    msg = parse(eml)
    assert msg["In-Reply-To"] == "<reply-D310@example.lg.jp>"
    assert msg["References"] == "<reply-D310@example.lg.jp>"
    assert msg["Subject"] == "Re: 政策評価表の提出（こども支援課）"
    assert [a.addr_spec for a in msg["To"].addresses] == ["kodomo@example.lg.jp"]
    body = msg.get_body(("plain",)).get_content()
    assert "1. シート「評価入力」セル" in body and "「1-9-9」は一覧にありません" in body
    (att,) = list(msg.iter_attachments())
    fb = paths.feedback_workbook(master.department("D310"))
    assert att.get_filename() == fb.name and att.get_content() == fb.read_bytes()

    # The same replies over SMTP, to the department's address only.
    result = feedback_round(sample_round, SmtpConfig(smtp_server.host, smtp_server.port))
    assert [m.department for m in result.mails] == ["D310"] and result.mails[0].sent
    (captured,) = smtp_server.messages
    assert captured.rcpt_tos == ["kodomo@example.lg.jp"]
    sent = BytesParser(policy=policy.default).parsebytes(captured.data)
    assert sent["In-Reply-To"] == "<reply-D310@example.lg.jp>" and sent["X-Unsent"] is None


def test_nothing_to_remind_when_all_accepted(sample_round):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    for sub in sample_submissions(master):
        fill_workbook(
            paths.entry_workbook(master.department(sub.department)),
            paths.inbox / f"{sub.department}.xlsx",
            sub,
        )
    report = collect_round(sample_round, workers=1)
    assert all(f.status.value == "accepted" for f in report.files)
    res = CliRunner().invoke(main, ["remind", str(sample_round)])
    assert res.exit_code == 0 and "催促が必要な所属はありません" in res.output
    res = CliRunner().invoke(main, ["feedback", str(sample_round), "--mail"])
    assert res.exit_code == 0 and "直す点がある所属はありません" in res.output
