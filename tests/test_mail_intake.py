"""Mail in the inbox as collect reads it: mbox, Maildir, and the bad mail old mailers send."""

from __future__ import annotations

import base64
import binascii
import hashlib
import mailbox
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from tests.rounds import filled_book
from tests.test_mail_fetch import department_reply
from xlsheet.intake.collect import collect_round
from xlsheet.mail.attachments import decode_legacy
from xlsheet.mail.followup import build_feedback
from xlsheet.models import FileStatus
from xlsheet.paths import RoundPaths


def book(root: Path, code: str) -> Path:
    return filled_book(root, code)


def archived(root: Path, data: bytes) -> bool:
    sha = hashlib.sha256(data).hexdigest()
    return any(p.name.startswith(sha) for p in RoundPaths(root).archive.iterdir())


def by_container(report) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in report.files:
        out.setdefault(f"inbox/{f.container}" if f.container else f.path, []).append(
            f
        )  # container: inbox-relative
    return out


def legacy_mail(sender: str, data: bytes, raw_name: bytes, charset_note: str) -> bytes:
    """An old mailer's mail: the attachment name as raw bytes in a legacy encoding, no RFC 2231/2047."""
    b64 = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (
        b"From: "
        + sender.encode()
        + b"\r\nTo: kikaku@example.lg.jp\r\nSubject: "
        + charset_note.encode()
        + b"\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="XX"\r\n\r\n'
        b"--XX\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n"
        + "提出します".encode("iso-2022-jp")
        + b'\r\n--XX\r\nContent-Type: application/vnd.ms-excel; name="'
        + raw_name
        + b'"\r\nContent-Disposition: attachment; filename="'
        + raw_name
        + b'"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + b64
        + b"--XX--\r\n"
    )


@pytest.mark.parametrize("codec", ["shift_jis", "iso-2022-jp", "euc-jp"])
def test_raw_legacy_attachment_names(sample_round, codec):
    wb = book(sample_round, "D220")
    raw = legacy_mail("koureisha@example.lg.jp", wb.read_bytes(), wb.name.encode(codec), f"legacy {codec}")
    # An unencoded Shift_JIS/EUC-JP name reads as U+FFFD through the stdlib alone: the case we fix.
    naive = next(BytesParser(policy=policy.default).parsebytes(raw).iter_attachments()).get_filename()
    assert naive != wb.name
    (RoundPaths(sample_round).inbox / f"{codec}.eml").write_bytes(raw)
    (f,) = collect_round(sample_round, workers=1).files
    assert f.path == f"inbox/{codec}.eml/{wb.name}"
    assert f.department == "D220" and f.status is FileStatus.ACCEPTED
    assert archived(sample_round, raw)


def test_encoded_legacy_names_iso2022jp_rfc2047_and_sjis_rfc2231(sample_round):
    wb = book(sample_round, "D410")
    jis_words = "=?ISO-2022-JP?B?" + base64.b64encode(wb.name.encode("iso-2022-jp")).decode() + "?="
    sjis_2231 = "shift_jis''" + "".join(f"%{b:02X}" for b in wb.name.encode("shift_jis"))
    for i, (ctype_name, disp) in enumerate(
        [(f'"{jis_words}"', f'filename="{jis_words}"'), ('"x.xlsx"', f"filename*={sjis_2231}")]
    ):
        raw = legacy_mail("kenko@example.lg.jp", wb.read_bytes(), b"PLACEHOLDER", "enc")
        raw = raw.replace(b'name="PLACEHOLDER"', b"name=" + ctype_name.encode(), 1)
        raw = raw.replace(b'filename="PLACEHOLDER"', disp.encode(), 1)
        (RoundPaths(sample_round).inbox / f"enc{i}.eml").write_bytes(raw)
    files = collect_round(sample_round, workers=1).files
    assert sorted(f.path for f in files) == [f"inbox/enc0.eml/{wb.name}", f"inbox/enc1.eml/{wb.name}"]
    assert all(f.department == "D410" for f in files)


def test_mail_without_attachment_is_reported_and_kept(sample_round):
    msg = EmailMessage()
    msg["From"] = "kenko@example.lg.jp"
    msg["Subject"] = "提出が遅れます"
    msg.set_content("今週中に送ります。")
    raw = msg.as_bytes(policy=policy.SMTP)
    (RoundPaths(sample_round).inbox / "遅れます.eml").write_bytes(raw)
    (f,) = collect_round(sample_round, workers=1).files
    assert f.status is FileStatus.IGNORED and f.path == "inbox/遅れます.eml"
    (issue,) = f.issues
    assert issue.code == "no_attachment"
    assert archived(sample_round, raw)


def test_mail_that_is_not_mime(sample_round):
    inbox = RoundPaths(sample_round).inbox
    plain = b"From: kenko@example.lg.jp\r\nSubject: hello\r\n\r\nplain text, no MIME headers at all\r\n"
    (inbox / "plain.eml").write_bytes(plain)
    # An old mailer's non-MIME mail with the workbook uuencoded in its text (name in Shift_JIS).
    wb = book(sample_round, "D320")
    data = wb.read_bytes()
    uu = b"".join(binascii.b2a_uu(data[i : i + 45]) for i in range(0, len(data), 45)).replace(b"\n", b"\r\n")
    uumail = (
        b"From: seishonen@example.lg.jp\r\nSubject: uu\r\n\r\n"
        + "送ります。".encode("shift_jis")
        + b"\r\n\r\nbegin 644 "
        + wb.name.encode("shift_jis")
        + b"\r\n"
        + uu
        + b"`\r\nend\r\n"
    )
    (inbox / "uu.eml").write_bytes(uumail)
    files = by_container(collect_round(sample_round, workers=1))
    (f,) = files["inbox/plain.eml"]
    assert f.status is FileStatus.IGNORED and [i.code for i in f.issues] == ["no_attachment_not_mime"]
    (u,) = files["inbox/uu.eml"]
    assert u.path == f"inbox/uu.eml/{wb.name}" and u.department == "D320" and u.status is FileStatus.ACCEPTED
    assert archived(sample_round, plain) and archived(sample_round, uumail)


def test_several_workbooks_in_one_mail_and_a_nested_forward(sample_round):
    paths = RoundPaths(sample_round)
    # One mail carrying two departments' workbooks (a 部 sending for its 課).
    msg = BytesParser(policy=policy.default).parsebytes(department_reply(sample_round, "D310"))
    d320 = book(sample_round, "D320")
    msg.add_attachment(d320.read_bytes(), maintype="application", subtype="octet-stream", filename=d320.name)
    (paths.inbox / "two.eml").write_bytes(msg.as_bytes(policy=policy.SMTP))
    # A forward: the department's mail attached whole inside another mail (message/rfc822).
    inner = BytesParser(policy=policy.default).parsebytes(department_reply(sample_round, "D410"))
    fwd = EmailMessage()
    fwd["From"] = "bucho@example.lg.jp"
    fwd["Subject"] = "Fw: 政策評価表"
    fwd.set_content("転送します。")
    fwd.add_attachment(inner)
    (paths.inbox / "fwd.eml").write_bytes(fwd.as_bytes(policy=policy.SMTP))
    files = by_container(collect_round(sample_round, workers=1))
    assert sorted(f.department for f in files["inbox/two.eml"]) == ["D310", "D320"]
    status = {f.department: f.status for f in files["inbox/two.eml"]}
    # D320's workbook came from D310's address: two witnesses disagree, so it waits for the office.
    assert status == {"D310": FileStatus.ACCEPTED, "D320": FileStatus.HELD}
    nested = [f for k, fs in files.items() if k.startswith("inbox/fwd.eml") for f in fs]
    assert [f.department for f in nested] == ["D410"] and nested[0].path.endswith(".xlsx")


def test_mbox_and_maildir_in_the_inbox(sample_round):
    paths = RoundPaths(sample_round)
    box = mailbox.mbox(paths.inbox / "回収.mbox")
    for code in ("D110", "D112"):
        box.add(department_reply(sample_round, code))
    box.add(b"From: x@example.lg.jp\r\nSubject: no attachment\r\n\r\nhello\r\n")
    box.close()
    md = mailbox.Maildir(paths.inbox / "Maildir", create=True)
    for code in ("D210", "D220"):
        md.add(department_reply(sample_round, code))
    md.close()
    report = collect_round(sample_round, workers=1)
    found = {f.department: f for f in report.files if f.department}
    assert set(found) >= {"D110", "D112", "D210", "D220"}
    assert found["D110"].path.startswith("inbox/回収.mbox#1/") and found["D112"].path.startswith(
        "inbox/回収.mbox#2/"
    )
    assert found["D210"].path.startswith("inbox/Maildir/") and found["D220"].path.startswith("inbox/Maildir/")
    ignored = [f for f in report.files if f.status is FileStatus.IGNORED]
    assert [f.path for f in ignored] == ["inbox/回収.mbox#3"]
    # Feedback threads onto the department's mail found inside the mbox / Maildir.
    from xlsheet.mail.mailboxes import original_mail

    assert original_mail(paths.root, found["D112"].path).message_id == "<reply-D112@example.lg.jp>"
    assert original_mail(paths.root, found["D220"].path).message_id == "<reply-D220@example.lg.jp>"
    assert original_mail(paths.root, "inbox/none.eml/x.xlsx") is None
    mails, problems = build_feedback(sample_round)
    assert problems == [] and all(m["In-Reply-To"] for _, m in mails)


def test_decode_legacy_prefers_the_right_codec():
    text = "政策評価表_小手指まちづくりセンター.xlsx"
    for codec in ("utf-8", "shift_jis", "cp932", "euc-jp", "iso-2022-jp"):
        assert decode_legacy(text.encode(codec)) == text
    assert decode_legacy("①髙".encode("cp932")) == "①髙"  # Windows-only characters
