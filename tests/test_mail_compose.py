"""Round mails as a mail client reads them: encoded headers, Japanese names, attachment bytes."""

from __future__ import annotations

import email
import re
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from pathlib import Path

from xlsheet.era import date_label
from xlsheet.mail.compose import (
    ReplyTo,
    attach_file,
    feedback_message,
    message_bytes,
    new_message,
    round_message,
    size_warning,
)
from xlsheet.master import load_master
from xlsheet.models import Department
from xlsheet.paths import RoundPaths


def _raw_part_header(raw: bytes, name: str) -> str:
    """The attachment part's header as it stands on the wire, unfolded."""
    text = raw.decode("ascii")
    start = text.index("Content-Type: application/")
    m = re.search(rf"^{name}: (.*?)\r\n(?=\S)", text[start - 200 :], re.M | re.S)
    assert m, name
    return re.sub(r"\r\n[ \t]", " ", m.group(1))


def test_round_mail_for_every_department(sample_round):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    deadline = date_label(master.settings.deadline)
    assert deadline == "令和２年６月３０日（火）"
    for dept in master.participating_departments():
        book = paths.entry_workbook(dept)
        raw = message_bytes(round_message(master, dept, book))
        # 7-bit clean with CRLF line ends and no line over 998 characters (RFC 5322).
        assert raw.isascii() and b"\n" not in raw.replace(b"\r\n", b"")
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        assert msg["X-Unsent"] == "1"
        assert [a.addr_spec for a in msg["To"].addresses] == list(dept.emails)
        assert msg["To"].addresses[0].display_name == dept.name
        assert msg["From"].addresses[0].addr_spec == master.settings.office_email
        assert (
            msg["Subject"]
            == f"【令和２年度政策評価】政策評価表の作成依頼（{dept.name}・提出期限 {deadline}）"
        )
        body = msg.get_body(("plain",)).get_content()
        assert deadline in body and book.name in body and "パスワード付き ZIP にはしないでください" in body
        for lp in master.department_lps(dept.code):
            assert lp.name in body
        (att,) = list(msg.iter_attachments())
        assert att.get_filename() == book.name
        assert att.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert att.get_content() == book.read_bytes()
        # Outlook's view: the RFC 2047 name= on Content-Type decodes to the same name.
        ctype = _raw_part_header(raw, "Content-Type")
        encoded = re.search(r'name="([^"]*)"', ctype).group(1)
        assert encoded.startswith("=?utf-8?b?")
        assert str(make_header(decode_header(encoded))) == book.name
        # Thunderbird/webmail view: RFC 2231 filename* on Content-Disposition.
        assert "filename*" in _raw_part_header(raw, "Content-Disposition")
        # The legacy (compat32) API reads the same name.
        old = email.message_from_bytes(raw)
        (old_att,) = [p for p in old.walk() if p.get_filename()]
        assert old_att.get_filename() == book.name
        assert old_att.get_payload(decode=True) == book.read_bytes()


def test_long_japanese_file_name_folds_into_short_encoded_words(sample_round, tmp_path):
    master = load_master(RoundPaths(sample_round).master)
    dept = master.departments[0]
    name = "小手指まちづくりセンター整備事業（第２駐車場整備）に関する政策評価表の提出用ブック.xlsx"
    msg = new_message(master, dept, "件名", "本文")
    attach_file(msg, b"PK\x03\x04data", name)
    raw = message_bytes(msg)
    ctype = b"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;"
    assert max(len(line) for line in raw.split(b"\r\n") if line != ctype) <= 78
    words = re.findall(rb"=\?utf-8\?b\?[^?]*\?=", raw[raw.index(b"Content-Type: application/") :])
    assert len(words) > 1 and all(len(w) <= 75 for w in words)
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    (att,) = list(parsed.iter_attachments())
    assert att.get_filename() == name
    assert att["Content-Type"].params["name"] == name


def test_feedback_reply_threads_and_lists_fixes(sample_round):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    dept = master.department("D220")
    reply = ReplyTo("<abc@example.lg.jp>", "<orig@example.lg.jp>", "Re: 政策評価表の提出")
    fixes = ["セルC12: 取り組みコード「1-9-9」は一覧にありません。プルダウンから選んでください"]
    msg = feedback_message(master, dept, fixes, paths.entry_workbook(dept), reply)
    parsed = BytesParser(policy=policy.default).parsebytes(message_bytes(msg))
    assert parsed["In-Reply-To"] == "<abc@example.lg.jp>"
    assert parsed["References"] == "<orig@example.lg.jp> <abc@example.lg.jp>"
    assert parsed["Subject"] == "Re: 政策評価表の提出"
    assert f"1. {fixes[0]}" in parsed.get_body(("plain",)).get_content()
    without = feedback_message(master, dept, fixes, None, None)
    assert without["In-Reply-To"] is None and not list(without.iter_attachments())


def test_size_warning_above_the_limit(sample_round):
    paths = RoundPaths(sample_round)
    master = load_master(paths.master)
    dept = master.department("D110")
    msg = round_message(master, dept, paths.entry_workbook(dept))
    size = len(message_bytes(msg))
    assert size_warning(msg, dept, limit=size) is None
    warning = size_warning(msg, dept, limit=size - 1)
    assert warning and "D110" in warning and "--max-size" in warning
    assert size_warning(msg, dept, limit=0) is None


def test_department_without_parent_and_ascii_file_name(sample_round, tmp_path: Path):
    master = load_master(RoundPaths(sample_round).master)
    dept = Department(code="X1", name="総務課", emails=("soumu@example.lg.jp", "soumu2@example.lg.jp"))
    book = tmp_path / "X1.xlsx"
    book.write_bytes(b"PK\x03\x04ascii")
    parsed = BytesParser(policy=policy.default).parsebytes(message_bytes(round_message(master, dept, book)))
    assert [a.addr_spec for a in parsed["To"].addresses] == ["soumu@example.lg.jp", "soumu2@example.lg.jp"]
    (att,) = list(parsed.iter_attachments())
    assert att.get_filename() == "X1.xlsx" and att.get_content() == b"PK\x03\x04ascii"
