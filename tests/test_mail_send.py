"""`xlsheet send` through a real SMTP server on 127.0.0.1, and the sent mails collected back."""

from __future__ import annotations

import re
import sqlite3
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser

import pytest
from click.testing import CliRunner

from tests.mailservers import SMTP_PASSWORD, SMTP_USER, smtp_server, smtp_starttls_server  # noqa: F401 - fixtures
from xlsheet.cli import main
from xlsheet.era import date_label
from xlsheet.intake.collect import collect_round
from xlsheet.intake.ledger import Ledger
from xlsheet.mail.send import MailError, SmtpConfig, send_round
from xlsheet.master import load_master
from xlsheet.paths import RoundPaths


def smtp_config(server, **kw) -> SmtpConfig:
    return SmtpConfig(server.host, server.port, user=SMTP_USER, password=SMTP_PASSWORD, **kw)


def test_send_whole_round_over_smtp_then_collect_it_back(sample_round, smtp_server):  # noqa: F811
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    depts = master.participating_departments()
    result = send_round(sample_round, smtp_config(smtp_server))
    assert result.problems == [] and not result.failed
    assert [m.department for m in result.mails] == [d.code for d in depts]
    assert all(m.sent for m in result.mails)

    captured = smtp_server.messages
    assert len(captured) == len(depts)
    by_rcpt = {tuple(c.rcpt_tos): c for c in captured}
    deadline = date_label(master.settings.deadline)
    for dept in depts:
        c = by_rcpt[dept.emails]
        assert c.mail_from == master.settings.office_email
        msg = BytesParser(policy=policy.default).parsebytes(c.data)
        assert msg["X-Unsent"] is None  # sent mails are not drafts
        assert (
            msg["Subject"]
            == f"【令和２年度政策評価】政策評価表の作成依頼（{dept.name}・提出期限 {deadline}）"
        )
        # The raw Subject is RFC 2047 and decodes the same with the legacy API.
        folded = re.search(rb"^Subject: (.*?)\r\n(?=\S)", c.data, re.M | re.S).group(1).decode("ascii")
        assert folded.startswith("=?utf-8?b?")
        assert str(make_header(decode_header(re.sub(r"\r\n[ \t]", " ", folded)))) == msg["Subject"]
        assert [a.addr_spec for a in msg["To"].addresses] == list(dept.emails)
        assert msg["To"].addresses[0].display_name == dept.name
        assert msg["From"].addresses[0].display_name == "所沢市企画課"
        (att,) = list(msg.iter_attachments())
        book = paths.entry_workbook(dept)
        assert att.get_filename() == book.name
        assert att.get_content() == book.read_bytes()
        assert deadline in msg.get_body(("plain",)).get_content()
        # The copy of what went out is in outbox/mail/ and equals the message sent.
        copy = next(m.path for m in result.mails if m.department == dept.code)
        assert copy.parent == paths.mail_outbox and copy.read_bytes() == c.data

    with Ledger(paths.ledger) as ledger:
        status = {s.department: s for s in ledger.status(master)}
        assert all(status[d.code].sent_at is not None and status[d.code].status == "未提出" for d in depts)
    with sqlite3.connect(paths.ledger) as db:
        kinds = db.execute("SELECT DISTINCT kind FROM sent").fetchall()
    assert kinds == [("round",)]

    # The captured mails, dropped into the inbox, are identified as the right departments.
    for i, c in enumerate(captured):
        (paths.inbox / f"captured-{i:02d}.eml").write_bytes(c.data)
    report = collect_round(sample_round, workers=1)
    found = {}
    for f in report.files:
        msg = BytesParser(policy=policy.default).parsebytes((paths.inbox / f.container).read_bytes())
        found[msg["X-Xlsheet-Department"]] = f.department
        assert f.path.endswith(".xlsx")
    assert found == {d.code: d.code for d in depts}


def test_send_drafts_with_cli_and_size_warning(sample_round):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    res = CliRunner().invoke(main, ["send", str(sample_round), "--max-size", "0.001"])
    assert res.exit_code == 0, res.output
    depts = master.participating_departments()
    emls = sorted(paths.mail_outbox.glob("*.eml"))
    assert len(emls) == len(depts)
    assert f"下書きを {len(depts)} 通作りました" in res.output
    assert res.output.count("上限 1 KB を超えています") == len(depts)  # every mail is over 1 KB
    for eml in emls:
        msg = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
        assert msg["X-Unsent"] == "1"
        assert (
            eml.name
            == f"{msg['X-Xlsheet-Department']}_{master.department(msg['X-Xlsheet-Department']).name}.eml"
        )
    with sqlite3.connect(paths.ledger) as db:
        rows = db.execute("SELECT department, kind, path FROM sent ORDER BY department").fetchall()
    assert [r[0] for r in rows] == sorted(d.code for d in depts)
    assert {r[1] for r in rows} == {"round-draft"}
    assert all(r[2].endswith(".eml") for r in rows)


def test_refused_recipient_others_still_sent(sample_round, smtp_server, monkeypatch):  # noqa: F811
    smtp_server.recorder.refuse = {"kodomo@example.lg.jp"}
    monkeypatch.setenv("XS_SMTP_PW", SMTP_PASSWORD)
    args = ["send", str(sample_round), "--smtp", f"{smtp_server.host}:{smtp_server.port}"]
    res = CliRunner().invoke(main, [*args, "--user", SMTP_USER, "--password-env", "XS_SMTP_PW"])
    assert res.exit_code == 1, res.output
    assert "kodomo@example.lg.jp" in res.output and "拒否" in res.output
    participating = load_master(RoundPaths(sample_round).master).participating_departments()
    assert len(smtp_server.messages) == len(participating) - 1
    with sqlite3.connect(RoundPaths(sample_round).ledger) as db:
        sent = {r[0] for r in db.execute("SELECT department FROM sent")}
    assert sent == {d.code for d in participating} - {"D310"}


def test_bad_login_and_bad_options_are_clear(sample_round, smtp_server):  # noqa: F811
    bad = SmtpConfig(smtp_server.host, smtp_server.port, user=SMTP_USER, password="wrong")
    with pytest.raises(MailError, match="ログインできません"):
        send_round(sample_round, bad)
    assert smtp_server.messages == []
    res = CliRunner().invoke(main, ["send", str(sample_round), "--starttls"])
    assert res.exit_code == 2 and "--smtp" in res.output
    res = CliRunner().invoke(main, ["send", str(sample_round), "--smtp", "127.0.0.1:99999"])
    assert res.exit_code == 2 and "ポート番号" in res.output
    res = CliRunner().invoke(main, ["send", str(sample_round), "--only", "D999"])
    assert res.exit_code == 2 and "D999" in res.output


def test_send_with_starttls_and_login(sample_round, smtp_starttls_server):  # noqa: F811
    server = smtp_starttls_server
    # Without STARTTLS the server refuses: a clear error, nothing sent, nothing recorded.
    with pytest.raises(MailError, match="認証（AUTH）や STARTTLS を受け付けません"):
        send_round(sample_round, smtp_config(server))
    assert server.messages == []
    result = send_round(sample_round, smtp_config(server, starttls=True), only=["D220"])
    assert [m.department for m in result.mails] == ["D220"] and result.mails[0].sent
    (c,) = server.messages
    assert c.rcpt_tos == ["koureisha@example.lg.jp"]
    msg = BytesParser(policy=policy.default).parsebytes(c.data)
    (att,) = list(msg.iter_attachments())
    assert (
        att.get_content()
        == RoundPaths(sample_round)
        .entry_workbook(load_master(RoundPaths(sample_round).master).department("D220"))
        .read_bytes()
    )
