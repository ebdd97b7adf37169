"""`xlsheet fetch` against a real dovecot IMAP server on 127.0.0.1: APPEND, fetch, fetch again."""

from __future__ import annotations

import imaplib
import sqlite3
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.mailservers import imap_server, imap_tls_server  # noqa: F401 - fixtures
from tests.rounds import filled_book
from xlsheet.cli import main
from xlsheet.intake.collect import collect_round
from xlsheet.mail.compose import attach_file, message_bytes
from xlsheet.mail.fetch import ImapConfig, _utf7_imap, fetch_imap
from xlsheet.mail.send import MailError
from xlsheet.master import load_master
from xlsheet.paths import RoundPaths


def department_reply(root: Path, code: str) -> bytes:
    """A department's answer: its workbook attached to a reply, as its mailer would send it."""
    paths = RoundPaths(root)
    master = load_master(paths.master)
    dept = master.department(code)
    book = filled_book(root, code)
    msg = EmailMessage(policy=policy.default)
    msg["Subject"] = f"Re: 政策評価表の提出（{dept.name}）"
    msg["From"] = Address(dept.name, addr_spec=dept.emails[0])
    msg["To"] = master.settings.office_email
    msg["Message-ID"] = f"<reply-{code}@example.lg.jp>"
    msg.set_content(f"{dept.name}です。政策評価表を送ります。")
    attach_file(msg, book.read_bytes(), book.name)
    return message_bytes(msg)


def append(server, folder: str, raw: bytes) -> None:
    conn = imaplib.IMAP4(server.host, server.port)
    try:
        conn.login(server.user, server.password)
        typ, data = conn.append(folder, None, None, raw)
        assert typ == "OK", data
    finally:
        conn.logout()


def config(server, **kw) -> ImapConfig:
    return ImapConfig(server.host, server.port, server.user, server.password, **kw)


def test_fetch_twice_gets_only_new_messages(sample_round, imap_server):  # noqa: F811
    replies = {code: department_reply(sample_round, code) for code in ("D110", "D220")}
    for raw in replies.values():
        append(imap_server, "INBOX", raw)

    first = fetch_imap(sample_round, config(imap_server))
    assert len(first.fetched) == 2 and first.already == 0
    inbox = RoundPaths(sample_round).inbox
    got = sorted(p.name for p in inbox.glob("*.eml"))
    assert len(got) == 2 and all(n.startswith(f"imap-INBOX-{first.uidvalidity}-") for n in got)
    # The copies are the messages as appended, byte for byte, attachments included.
    assert sorted(f.path.read_bytes() for f in first.fetched) == sorted(replies.values())
    msg = BytesParser(policy=policy.default).parsebytes(first.fetched[0].path.read_bytes())
    att = next(msg.iter_attachments())
    assert att.get_filename().endswith(".xlsx") and att.get_content()[:2] == b"PK"
    assert "政策評価表の提出" in first.fetched[0].subject

    second = fetch_imap(sample_round, config(imap_server))
    assert second.fetched == [] and second.already == 2
    assert len(list(inbox.glob("*.eml"))) == 2

    append(imap_server, "INBOX", department_reply(sample_round, "D310"))
    third = fetch_imap(sample_round, config(imap_server))
    assert [f.uid for f in third.fetched] == [max(f.uid for f in first.fetched) + 1]
    assert third.already == 2
    # Nothing was marked read on the server (BODY.PEEK).
    conn = imaplib.IMAP4(imap_server.host, imap_server.port)
    conn.login(imap_server.user, imap_server.password)
    conn.select("INBOX", readonly=True)
    assert conn.uid("SEARCH", None, "UNSEEN")[1][0].split() != []
    assert len(conn.uid("SEARCH", None, "SEEN")[1][0].split()) == 0
    conn.logout()
    # Our own state table lives in the round's ledger file.
    with sqlite3.connect(RoundPaths(sample_round).ledger) as db:
        assert db.execute("SELECT count(*) FROM mail_fetched").fetchone()[0] == 3
    # What was fetched is what collect reads: each mail identified as its department.
    report = collect_round(sample_round, workers=1)
    assert sorted(f.department for f in report.files) == ["D110", "D220", "D310"]
    assert all(f.path.startswith("inbox/imap-INBOX-") and f.path.endswith(".xlsx") for f in report.files)


def test_fetch_japanese_folder_via_cli(sample_round, imap_server, monkeypatch):  # noqa: F811
    folder = "政策評価の回収"
    conn = imaplib.IMAP4(imap_server.host, imap_server.port)
    conn.login(imap_server.user, imap_server.password)
    assert conn.create('"' + _utf7_imap(folder) + '"')[0] == "OK"
    conn.logout()
    append(imap_server, '"' + _utf7_imap(folder) + '"', department_reply(sample_round, "D410"))
    append(imap_server, "INBOX", department_reply(sample_round, "D110"))  # a different folder: not fetched

    monkeypatch.setenv("XS_TEST_IMAP_PASSWORD", imap_server.password)
    args = [
        "fetch",
        str(sample_round),
        "--imap",
        f"{imap_server.host}:{imap_server.port}",
        "--user",
        imap_server.user,
        "--password-env",
        "XS_TEST_IMAP_PASSWORD",
        "--folder",
        folder,
    ]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "1 件" in res.output
    files = list(RoundPaths(sample_round).inbox.glob("*.eml"))
    assert len(files) == 1 and b"reply-D410" in files[0].read_bytes()
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0 and "新しいメールはありません" in res.output


def test_fetch_wrong_password_is_a_clear_error(sample_round, imap_server):  # noqa: F811
    bad = ImapConfig(imap_server.host, imap_server.port, imap_server.user, "wrong")
    with pytest.raises(MailError, match="ログインできません"):
        fetch_imap(sample_round, bad)
    assert list(RoundPaths(sample_round).inbox.glob("*.eml")) == []


def test_modified_utf7_matches_rfc3501_example():
    # RFC 3501 section 5.1.3: 台北 and 日本語 in a mailbox name.
    assert _utf7_imap("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    assert _utf7_imap("A&B") == "A&-B"


def test_fetch_over_starttls_and_imaps(sample_round, imap_tls_server):  # noqa: F811
    server = imap_tls_server
    reply = department_reply(sample_round, "D220")
    append(server, "INBOX", reply)
    tls = fetch_imap(sample_round, config(server, starttls=True))
    assert [f.path.read_bytes() for f in tls.fetched] == [reply]
    # IMAPS on its own port reaches the same mailbox: nothing new.
    imaps = ImapConfig(server.host, server.ssl_port, server.user, server.password, ssl=True)
    again = fetch_imap(sample_round, imaps)
    assert again.fetched == [] and again.already == 1
    append(server, "INBOX", department_reply(sample_round, "D410"))
    (new,) = fetch_imap(sample_round, imaps).fetched
    assert b"reply-D410" in new.path.read_bytes()
    assert len(list(RoundPaths(sample_round).inbox.glob("*.eml"))) == 2
