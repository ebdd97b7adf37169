"""Hostile and clumsy inputs (issue 11): each is one file built the way an attacker or a clumsy
sender makes it, dropped into an inbox beside good returns. Each test asserts the file's status
and issue code, and that the other files of the same inbox still go through."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import mailbox
import os
import re
import shutil
import socket
import stat
import subprocess
import time
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.corpus import XLSX_MIME, _with_member
from xlsheet.cli import main
from xlsheet.fill import fill_workbook
from xlsheet.intake import sources
from xlsheet.intake.collect import collect_round
from xlsheet.intake.ledger import Ledger
from xlsheet.intake.parts import read_parts, workbook_part
from xlsheet.master import load_master
from xlsheet.models import FileStatus
from xlsheet.paths import RoundPaths
from xlsheet.sample import sample_submissions

SHEET = "評価入力"


# --------------------------------------------------------------------------- helpers


def filled(root: Path, dept: str) -> bytes:
    """A department's entry workbook filled with the sample answers, as it comes back."""
    paths = RoundPaths(root)
    master = load_master(paths.master)
    sub = next(s for s in sample_submissions(master) if s.department == dept)
    out = root / f".filled-{dept}.xlsx"
    fill_workbook(paths.entry_workbook(master.department(dept)), out, sub)
    data = out.read_bytes()
    out.unlink()
    return data


def sheet_part(data: bytes, name: str = SHEET) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return read_parts(zf, workbook_part(zf)).sheet(name).part


def patched(data: bytes, member: str, fn) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        content = zf.read(member)
    return _with_member(data, member, fn(content))


def good_inbox(root: Path, depts=("D110", "D210", "D220", "D310", "D320", "D410", "D112")) -> list[str]:
    """Good returns of several departments in inbox/; their origins."""
    inbox = RoundPaths(root).inbox
    inbox.mkdir(parents=True, exist_ok=True)
    out = []
    for d in depts:
        (inbox / f"{d}_提出.xlsx").write_bytes(filled(root, d))
        out.append(f"inbox/{d}_提出.xlsx")
    return out


def assert_good_recorded(root: Path, report, origins: list[str]) -> None:
    got = {f.path: f for f in report.files}
    for o in origins:
        assert got[o].status is FileStatus.ACCEPTED, (o, got[o].issues)
    with Ledger(RoundPaths(root).ledger) as ledger:
        recorded = {r.origin for r in ledger.rows()}
    assert set(origins) <= recorded


def by_path(report) -> dict:
    return {f.path: f for f in report.files}


def codes(f) -> set[str]:
    return {i.code for i in f.issues}


def mail(
    sender: str, attachments: list[tuple[str, bytes]], subject: str = "政策評価表の提出"
) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "kikaku@example.lg.jp"
    m["Subject"] = subject
    m["Date"] = format_datetime(dt.datetime(2020, 6, 2, 9, 0, tzinfo=dt.UTC))
    m.set_content("提出します。")
    for name, data in attachments:
        m.add_attachment(data, maintype=XLSX_MIME[0], subtype=XLSX_MIME[1], filename=name)
    return m


def archived(root: Path, data: bytes) -> bool:
    sha = hashlib.sha256(data).hexdigest()
    return any(p.name.startswith(sha) for p in RoundPaths(root).archive.iterdir())


# --------------------------------------------------------------------------- 1. bounded read


def far_cell(data: bytes) -> bytes:
    """One value typed at XFD1048576 (Ctrl+End, then a keystroke): the last cell of the sheet."""
    return patched(
        data,
        sheet_part(data),
        lambda x: x.replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
        ),
    )


def unreferenced_cells(data: bytes) -> bytes:
    """Rows and cells without `r` (a hand-made generator): placed one after another, 5,000 x 16,000."""
    extra = b"<row>" + b"<c><v>1</v></c>" * 16_000 + b"</row>" + b"<row><c><v>1</v></c></row>" * 5_000
    return patched(data, sheet_part(data), lambda x: x.replace(b"</sheetData>", extra + b"</sheetData>"))


@pytest.mark.parametrize(
    ("build", "far"), [(far_cell, "XFD1048576"), (unreferenced_cells, "WQJ5065")], ids=["XFD1048576", "no-r"]
)
def test_a_sheet_reaching_far_is_read_within_the_form(sample_round, build, far):
    """Only the form's rows and columns are read (a copy of the sheet cut to them): the values
    are all there, the far cells are noted, memory and time stay small."""
    good = good_inbox(sample_round)
    inbox = RoundPaths(sample_round).inbox
    (inbox / "D410_広すぎ.xlsx").write_bytes(build(filled(sample_round, "D410")))
    started = time.monotonic()
    report = collect_round(sample_round, workers=2)
    assert time.monotonic() - started < 60
    f = by_path(report)["inbox/D410_広すぎ.xlsx"]
    assert f.status is FileStatus.ACCEPTED and f.department == "D410", f.issues
    issue = next(i for i in f.issues if i.code == "outside_form")
    assert far in issue.message and far in issue.hint
    master = load_master(RoundPaths(sample_round).master)
    want = next(s for s in sample_submissions(master) if s.department == "D410")
    with Ledger(RoundPaths(sample_round).ledger) as ledger:
        got = next(r for r in ledger.current() if r.department == "D410")
    assert got.file == "inbox/D410_広すぎ.xlsx" and got.submission.lps == want.lps
    assert_good_recorded(sample_round, report, [o for o in good if not o.startswith("inbox/D410")])


def test_a_far_sheet_without_the_forms_structure_is_refused(sample_round):
    """Without the fingerprinted structure the form's bounds are unknown: refused, never allocated."""
    from xlsheet.layout import SHEET_MANIFEST

    good = good_inbox(sample_round, ("D110", "D210"))
    data = far_cell(filled(sample_round, "D410"))
    broken = patched(
        data,
        sheet_part(data, SHEET_MANIFEST),
        lambda x: re.sub(
            rb'<c r="A2".*?</c>', b'<c r="A2" t="inlineStr"><is><t>{broken</t></is></c>', x, flags=re.S
        ),
    )
    (RoundPaths(sample_round).inbox / "D410_広すぎ.xlsx").write_bytes(broken)
    report = collect_round(sample_round, workers=1)
    f = by_path(report)["inbox/D410_広すぎ.xlsx"]
    assert f.status is FileStatus.REJECTED and {"sheet_too_large", "manifest_sheet_broken"} <= codes(f)
    issue = next(i for i in f.issues if i.code == "sheet_too_large")
    assert "XFD1048576" in issue.message and "XFD1048576" in issue.hint
    assert_good_recorded(sample_round, report, good)


def test_a_declared_dimension_alone_is_not_trusted_nor_feared(sample_round):
    data = filled(sample_round, "D410")
    wide = patched(
        data,
        sheet_part(data),
        lambda x: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', x),
    )
    (RoundPaths(sample_round).inbox / "D410.xlsx").write_bytes(wide)
    [f] = collect_round(sample_round, workers=1).files
    assert f.status is FileStatus.ACCEPTED, f.issues


def test_a_worker_that_dies_costs_only_its_file(sample_round, monkeypatch):
    """With the extent guard switched off, the far cell really aborts its worker (calamine's
    allocation failure): that file is reported by name, every other file is recorded, and
    `collect --json` still prints JSON."""
    from xlsheet.intake import reader

    monkeypatch.setattr(reader._Reader, "check_extent", lambda self, name, part: None)
    good = good_inbox(sample_round)
    (RoundPaths(sample_round).inbox / "D410_落ちる.xlsx").write_bytes(far_cell(filled(sample_round, "D410")))
    result = CliRunner().invoke(main, ["collect", str(sample_round), "--json", "--workers", "2"])
    assert result.exit_code == 1, result.output
    files = {f["path"]: f for f in json.loads(result.output)["files"]}
    crashed = files["inbox/D410_落ちる.xlsx"]
    assert crashed["status"] == "rejected" and crashed["department"] == "D410"
    assert [i["code"] for i in crashed["issues"]] == ["worker_crashed"]
    for o in good:
        assert files[o]["status"] == "accepted", files[o]
    with Ledger(RoundPaths(sample_round).ledger) as ledger:
        assert {r.origin for r in ledger.rows()} == set(good)  # the crashed file is tried again next time


# --------------------------------------------------------------------------- 2. one budget per tree


def test_nested_zips_stop_at_the_tree_budget_as_one_entry(sample_round):
    """A mail of nested zips: each zip within its own limits, the tree far beyond (600 files, 600 MB)."""
    zeros = bytes(1024 * 1024)  # 1 MB each: under the per-member ratio grace
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(150):
            z.writestr(f"data{i:03}.bin", zeros)
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(4):
            z.writestr(f"part{i}.zip", inner.getvalue())
    good = good_inbox(sample_round, ("D110", "D210"))
    raw = mail("chiikifukushi@example.lg.jp", [("資料.zip", outer.getvalue())]).as_bytes()
    assert len(raw) < 2 * 1024 * 1024
    (RoundPaths(sample_round).inbox / "爆弾.eml").write_bytes(raw)
    report = collect_round(sample_round, workers=1)
    mine = [f for f in report.files if f.path.startswith("inbox/爆弾.eml")]
    tree_codes = {"too_many_files_in_tree", "too_large_tree", "too_many_messages_in_tree"}
    over = [f for f in mine if tree_codes & codes(f)]
    assert len(over) == 1 and over[0].status is FileStatus.REJECTED
    assert over[0].department == "D210"  # told by the sender's address
    assert len(mine) <= sources.TREE_MAX_FILES + 1
    assert_good_recorded(sample_round, report, good)
    assert archived(sample_round, raw)


def test_a_mail_with_thousands_of_attachments_is_one_entry(sample_round):
    good = good_inbox(sample_round, ("D110",))
    many = mail("kenko@example.lg.jp", [(f"a{i}.txt", b"x") for i in range(1_000)])
    raw = many.as_bytes()
    (RoundPaths(sample_round).inbox / "大量.eml").write_bytes(raw)
    report = collect_round(sample_round, workers=1)
    mine = [f for f in report.files if f.path.startswith("inbox/大量.eml")]
    assert len(mine) == 1
    [f] = mine
    assert f.status is FileStatus.REJECTED and codes(f) == {"too_many_attachments"} and f.department == "D410"
    assert_good_recorded(sample_round, report, good)
    assert archived(sample_round, raw)


def test_mailboxes_and_each_message_are_archived_byte_for_byte(sample_round):
    inbox = RoundPaths(sample_round).inbox
    inbox.mkdir(parents=True, exist_ok=True)
    box = mailbox.mbox(inbox / "受信.mbox")
    box.add(mail("chiiki@example.lg.jp", [("D110.xlsx", filled(sample_round, "D110"))]))
    box.add(mail("kodomo@example.lg.jp", [("D310.xlsx", filled(sample_round, "D310"))]))
    box.close()
    md = mailbox.Maildir(inbox / "Maildir", create=True)
    md.add(mail("koureisha@example.lg.jp", [("D220.xlsx", filled(sample_round, "D220"))]))
    md.close()
    report = collect_round(sample_round, workers=1)
    assert {f.department: f.status for f in report.files} == {
        "D110": FileStatus.ACCEPTED,
        "D310": FileStatus.ACCEPTED,
        "D220": FileStatus.ACCEPTED,
    }
    assert archived(sample_round, (inbox / "受信.mbox").read_bytes())
    box = mailbox.mbox(inbox / "受信.mbox")
    for key in box.iterkeys():
        assert archived(sample_round, box.get_bytes(key)), key
    for file in (inbox / "Maildir" / "new").iterdir():
        assert archived(sample_round, file.read_bytes())


# --------------------------------------------------------------------------- 3. not regular files


def test_links_fifos_and_sockets_are_reported_never_followed(sample_round, tmp_path):
    good = good_inbox(sample_round, ("D110",))
    inbox = RoundPaths(sample_round).inbox
    outside = tmp_path / "outside.xlsx"
    outside.write_bytes(filled(sample_round, "D210"))
    (inbox / "外の.xlsx").symlink_to(outside)
    (inbox / "system").symlink_to("/etc/hostname")
    (inbox / "here").symlink_to(".")
    (inbox / "here2").symlink_to(".")
    (inbox / "folder").mkdir()
    (inbox / "folder" / "up").symlink_to("..")
    os.mkfifo(inbox / "pipe.xlsx")
    device = False
    try:  # a character device like /dev/zero (endless if read): root in most containers may make one
        os.mknod(inbox / "zero.xlsx", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
        device = True
    except (PermissionError, OSError):
        pass
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(inbox / "sock"))
        report = collect_round(sample_round, workers=1)
    finally:
        sock.close()
    got = by_path(report)
    expect = {
        "inbox/外の.xlsx": "special_link",
        "inbox/system": "special_link",
        "inbox/here": "special_link",
        "inbox/here2": "special_link",
        "inbox/folder/up": "special_link",
        "inbox/pipe.xlsx": "special_fifo",
        "inbox/sock": "special_socket",
    }
    if device:
        expect["inbox/zero.xlsx"] = "special_device"
    for origin, code in expect.items():
        assert codes(got[origin]) == {code} and got[origin].status is FileStatus.IGNORED, origin
    assert "/etc/hostname" in got["inbox/system"].issues[0].message  # says where the link points
    assert len(report.files) == len(expect) + len(good)
    assert not archived(sample_round, outside.read_bytes())
    assert not archived(sample_round, Path("/etc/hostname").read_bytes())
    assert_good_recorded(sample_round, report, good)


# --------------------------------------------------------------------------- 6. office-side faults


def test_archive_not_writable_blames_no_department(sample_round):
    good_inbox(sample_round, ("D110", "D210"))
    paths = RoundPaths(sample_round)
    shutil.rmtree(paths.archive, ignore_errors=True)
    paths.archive.write_bytes(b"")  # a file where the folder belongs: nothing can be written into it
    result = CliRunner().invoke(main, ["collect", str(sample_round)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # a message, no traceback
    assert str(paths.archive) in result.output and "原本の保管フォルダ" in result.output
    assert "差し戻し" not in result.output.replace("差し戻していません", "")
    if paths.ledger.exists():
        with Ledger(paths.ledger) as ledger:
            assert ledger.rows() == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only permissions")
def test_archive_read_only_blames_no_department(sample_round):
    good_inbox(sample_round, ("D110",))
    paths = RoundPaths(sample_round)
    paths.archive.mkdir(exist_ok=True)
    paths.archive.chmod(0o500)
    try:
        result = CliRunner().invoke(main, ["collect", str(sample_round), "--json"])
    finally:
        paths.archive.chmod(0o700)
    assert result.exit_code == 2 and "読み取り専用" in result.output


@pytest.mark.parametrize("damage", ["corrupt", "folder"])
def test_a_broken_ledger_stops_collect_status_and_merge_with_a_message(sample_round, damage):
    good_inbox(sample_round, ("D110",))
    paths = RoundPaths(sample_round)
    if damage == "corrupt":
        paths.ledger.write_bytes(b"this is not a database" * 100)
        want = "壊れて"
    else:  # not writable as a file at all (a folder in its place)
        paths.ledger.mkdir()
        want = "書き込めません"
    for command in (["collect"], ["status"], ["merge"]):
        result = CliRunner().invoke(main, [*command, str(sample_round)])
        assert result.exit_code == 2, (command, result.output)
        assert isinstance(result.exception, SystemExit), (command, result.exception)
        assert str(paths.ledger) in result.output and want in result.output, result.output


def test_leftovers_of_a_killed_run_are_cleaned(sample_round):
    good_inbox(sample_round, ("D110",))
    paths = RoundPaths(sample_round)
    for folder in (paths.archive, paths.output):
        folder.mkdir(parents=True, exist_ok=True)
    old = time.time() - 3600
    stale = [
        paths.archive / ".ab12.4242.tmp",
        paths.output / ".政策評価表_x.abc.xlsx.tmp",
    ]
    for p in stale:
        p.write_bytes(b"half")
        os.utime(p, (old, old))
    work = paths.output / ".pdf-abc123"
    work.mkdir()
    (work / "x.xlsx").write_bytes(b"half")
    os.utime(work, (old, old))
    fresh = paths.archive / ".cd34.4343.tmp"  # another collect writing right now: kept
    fresh.write_bytes(b"busy")
    assert collect_round(sample_round, workers=1).files[0].status is FileStatus.ACCEPTED
    result = CliRunner().invoke(main, ["merge", str(sample_round)])
    assert result.exit_code == 0, result.output
    assert not any(p.exists() for p in [*stale, work]) and fresh.exists()


# --------------------------------------------------------------------------- 7. formats


def package(members: dict[str, bytes], first_stored: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if first_stored:
            z.writestr(first_stored, members.pop(first_stored), compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


CT = b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def ods() -> bytes:
    """What LibreOffice writes for .ods: `mimetype` stored first, then content and manifest."""
    return package(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": b'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
            "styles.xml": b"<x/>",
            "meta.xml": b"<x/>",
            "settings.xml": b"<x/>",
            "Thumbnails/thumbnail.png": b"\x89PNG",
            "META-INF/manifest.xml": b"<manifest/>",
        },
        first_stored="mimetype",
    )


def numbers() -> bytes:
    return package(
        {
            "Index/Document.iwa": b"\x00iwa",
            "Index/Metadata.iwa": b"\x00iwa",
            "Metadata/Properties.plist": b"bplist00",
            "preview.jpg": b"\xff\xd8",
        }
    )


def docx() -> bytes:
    return package({"[Content_Types].xml": CT, "word/document.xml": b"<w:document/>", "_rels/.rels": b"<r/>"})


def pptx() -> bytes:
    return package({"[Content_Types].xml": CT, "ppt/presentation.xml": b"<p/>", "_rels/.rels": b"<r/>"})


def xlsb() -> bytes:
    return package({"[Content_Types].xml": CT, "xl/workbook.bin": b"\x83\x01", "_rels/.rels": b"<r/>"})


def password_zip(tmp: Path, payload: bytes) -> bytes:
    src = tmp / "D110_地域づくり推進課.xlsx"
    src.write_bytes(payload)
    target = tmp / "pw.zip"
    subprocess.run(["zip", "-q", "-j", "-P", "secret", str(target), str(src)], check=True)
    return target.read_bytes()


@pytest.mark.skipif(shutil.which("zip") is None, reason="zip コマンドがありません")
def test_each_format_gets_its_own_answer(sample_round, tmp_path):
    good = good_inbox(sample_round, ("D110", "D210"))
    inbox = RoundPaths(sample_round).inbox
    csv = "取り組みコード,区分,事業名\r\n1-1-1,主な取り組み,地域づくり支援事業\r\n".encode("cp932")
    loose = {
        "D220_高齢者支援課.ods": (ods(), "ods"),
        "D310_こども支援課.numbers": (numbers(), "numbers"),
        "D320_青少年課.docx": (docx(), "word_document"),
        "D320_青少年課_説明.pptx": (pptx(), "powerpoint"),
        "D410_健康づくり支援課.xlsb": (xlsb(), "xlsb"),
        "D410_健康づくり支援課_偽.xlsb": (b"\x00\x01garbage" * 10, "not_workbook"),
        "D112_CSV.xlsx": (csv, "csv_as_xlsx"),
        "D112_パスワード.zip": (password_zip(tmp_path, filled(sample_round, "D112")), "encrypted_zip"),
    }
    for name, (data, _) in loose.items():
        (inbox / name).write_bytes(data)
    bundle = inbox / "D210_地域福祉センター.numbers"  # a Numbers document kept as a folder (macOS package)
    (bundle / "Index").mkdir(parents=True)
    (bundle / "Index" / "Document.iwa").write_bytes(b"\x00iwa")
    (bundle / "preview.jpg").write_bytes(b"\xff\xd8")
    loose[bundle.name] = (b"", "numbers")
    report = collect_round(sample_round, workers=1)
    got = by_path(report)
    for name, (_, code) in loose.items():
        f = got[f"inbox/{name}"]
        assert codes(f) == {code}, (name, f.issues)
        assert f.status is FileStatus.REJECTED, name
        assert f.department == name.split("_")[0], name
        assert f.issues[0].hint and "Traceback" not in f.issues[0].message
    assert len(report.files) == len(loose) + len(good)  # one entry each, never their members
    assert_good_recorded(sample_round, report, good)
    # They reach the departments as something to fix: status and feedback books.
    master = load_master(RoundPaths(sample_round).master)
    with Ledger(RoundPaths(sample_round).ledger) as ledger:
        status = {s.department: s.status for s in ledger.status(master)}
    for dept in ("D220", "D310", "D320", "D410", "D112"):  # D210 also sent a good return
        assert status[dept].startswith("要修正"), dept
        assert RoundPaths(sample_round).feedback_workbook(master.department(dept)).exists(), dept


def test_a_format_by_mail_is_told_by_sender_and_a_cover_letter_is_no_fault(sample_round):
    inbox = RoundPaths(sample_round).inbox
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "ods.eml").write_bytes(mail("koureisha@example.lg.jp", [("評価表.ods", ods())]).as_bytes())
    (inbox / "送付状つき.eml").write_bytes(
        mail(
            "chiiki@example.lg.jp", [("送付状.docx", docx()), ("D110.xlsx", filled(sample_round, "D110"))]
        ).as_bytes()
    )
    got = by_path(collect_round(sample_round, workers=1))
    f = got["inbox/ods.eml/評価表.ods"]
    assert (f.status, f.department, codes(f)) == (FileStatus.REJECTED, "D220", {"ods"})
    assert got["inbox/送付状つき.eml/D110.xlsx"].status is FileStatus.ACCEPTED
    cover = got["inbox/送付状つき.eml/送付状.docx"]
    assert cover.status is FileStatus.IGNORED and codes(cover) == {"cover_word_document"}


def _with_doctype(xml: bytes, comment: bytes = b"") -> bytes:
    decl, _, rest = xml.partition(b"?>")
    return decl + b"?>" + comment + b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + rest


@pytest.mark.parametrize(
    ("member", "comment"),
    [
        ("docProps/app.xml", b""),  # a part intake itself never reads
        ("xl/theme/theme1.xml", b"<!-- <a href='x'> -->"),  # a comment holding `<a` hides nothing
        ("[Content_Types].xml", b"<?pi <root?>"),
    ],
)
def test_a_doctype_in_any_part_is_refused_by_parsing(sample_round, member, comment):
    good = good_inbox(sample_round, ("D110",))
    data = filled(sample_round, "D410")
    bad = patched(
        data,
        member,
        lambda x: _with_doctype(x if x.startswith(b"<?xml") else b'<?xml version="1.0"?>' + x, comment),
    )
    (RoundPaths(sample_round).inbox / "D410_dtd.xlsx").write_bytes(bad)
    report = collect_round(sample_round, workers=1)
    f = by_path(report)["inbox/D410_dtd.xlsx"]
    assert f.status is FileStatus.REJECTED and "xml_entities" in codes(f), f.issues
    assert member in next(i.message for i in f.issues if i.code == "xml_entities")
    assert_good_recorded(sample_round, report, good)


def test_errors_and_formulas_without_results_are_named_not_missing(sample_round):
    """A pasted formula whose reference is gone (#REF!) and one a tool wrote without a result."""
    good = good_inbox(sample_round, ("D110",))
    data = filled(sample_round, "D410")
    part = sheet_part(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read(part)
        names = read_parts(zf, workbook_part(zf)).names
    ref = next(v for k, v in names.items() if k.endswith("_projects"))
    first = int(re.search(r"\$(\d+):", ref).group(1))
    owner = f"E{first}".encode()
    name = f"D{first}".encode()

    def damage(x: bytes) -> bytes:
        x = re.sub(
            rb'<c r="' + owner + rb'"([^>]*?)(?: t="[^"]*")?([^>]*)>.*?</c>',
            rb'<c r="' + owner + rb'"\1 t="e"\2><f>#REF!</f><v>#REF!</v></c>',
            x,
            count=1,
            flags=re.S,
        )
        return re.sub(
            rb'<c r="' + name + rb'"([^>]*?)(?: t="[^"]*")?([^>]*)>.*?</c>',
            rb'<c r="' + name + rb'"\1\2><f>A1&amp;B1</f></c>',
            x,
            count=1,
            flags=re.S,
        )

    bad = _with_member(data, part, damage(xml))
    (RoundPaths(sample_round).inbox / "D410_数式.xlsx").write_bytes(bad)
    report = collect_round(sample_round, workers=1)
    f = by_path(report)["inbox/D410_数式.xlsx"]
    assert f.status is FileStatus.REJECTED
    found = {i.code: i for i in f.issues}
    assert "#REF!" in found["cell_error"].message and found["cell_error"].cell == owner.decode()
    assert "A1&B1" in found["formula_no_value"].message and found["formula_no_value"].cell == name.decode()
    assert not [i for i in f.issues if i.code == "required" and i.cell in (owner.decode(), name.decode())], (
        f.issues
    )
    assert_good_recorded(sample_round, report, good)


def test_a_file_over_the_time_budget_is_reported_and_the_rest_go_through(sample_round, monkeypatch):
    """The per-file time budget of workers (SIGALRM): a reader stuck on one file (simulated by a
    sleep, since a real one would make the test as slow as the budget) costs only that file."""
    from xlsheet.intake import collect, isolate

    real = collect._one

    def stuck(c, *args):
        if c.name == "D410_遅い.xlsx":
            time.sleep(30)
        return real(c, *args)

    monkeypatch.setattr(collect, "_one", stuck)
    monkeypatch.setattr(isolate, "UNIT_SECONDS", 1)
    good = good_inbox(sample_round)
    (RoundPaths(sample_round).inbox / "D410_遅い.xlsx").write_bytes(filled(sample_round, "D410"))
    started = time.monotonic()
    report = collect_round(sample_round, workers=2)
    assert time.monotonic() - started < 25
    f = by_path(report)["inbox/D410_遅い.xlsx"]
    assert (f.status, codes(f), f.department) == (FileStatus.REJECTED, {"too_slow"}, "D410")
    assert_good_recorded(sample_round, report, good)


def test_a_full_disk_under_archive_blames_no_department(sample_round):
    """archive/ on a 4 KB file system (root only: a tmpfs mount; skipped where not allowed)."""
    good_inbox(sample_round, ("D110", "D210"))
    paths = RoundPaths(sample_round)
    paths.archive.mkdir(exist_ok=True)
    mounted = os.geteuid() == 0 and shutil.which("mount") is not None
    if mounted:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(paths.archive)],
            capture_output=True,
            check=False,
        )
        mounted = done.returncode == 0
    if not mounted:
        pytest.skip("tmpfs を mount できません（root ではないか、許可されていません）")
    try:
        result = CliRunner().invoke(main, ["collect", str(sample_round), "--json"])
    finally:
        subprocess.run(["umount", str(paths.archive)], check=False)
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "ディスクの空きがありません" in result.output and str(paths.archive) in result.output
    with Ledger(paths.ledger) as ledger:
        assert [r.status for r in ledger.rows()] == []  # nothing recorded, nothing blamed


def test_in_a_mailbox_each_mail_has_its_own_budget_and_the_count_is_capped(sample_round, monkeypatch):
    """One sender's mail with too many attachments costs that mail only; the mailbox itself is
    read up to the message cap (lowered here: 2,000 mails make a slow test), said once."""
    monkeypatch.setattr(sources, "TREE_MAX_MESSAGES", 3)
    inbox = RoundPaths(sample_round).inbox
    inbox.mkdir(parents=True, exist_ok=True)
    box = mailbox.mbox(inbox / "受信.mbox")
    box.add(mail("kenko@example.lg.jp", [(f"a{i}.txt", b"x") for i in range(sources.MAX_ATTACHMENTS + 1)]))
    box.add(mail("chiiki@example.lg.jp", [("D110.xlsx", filled(sample_round, "D110"))]))
    box.add(mail("kodomo@example.lg.jp", [("D310.xlsx", filled(sample_round, "D310"))]))
    box.add(mail("koureisha@example.lg.jp", [("D220.xlsx", filled(sample_round, "D220"))]))
    box.close()
    report = collect_round(sample_round, workers=1)
    got = {(f.path, f.department): (f.status, codes(f)) for f in report.files}
    assert got == {
        ("inbox/受信.mbox#1", "D410"): (FileStatus.REJECTED, {"too_many_attachments"}),
        ("inbox/受信.mbox#2/D110.xlsx", "D110"): (FileStatus.ACCEPTED, set()),
        ("inbox/受信.mbox#3/D310.xlsx", "D310"): (FileStatus.ACCEPTED, set()),
        ("inbox/受信.mbox", ""): (FileStatus.IGNORED, {"too_many_messages"}),
    }
    assert archived(sample_round, (inbox / "受信.mbox").read_bytes())
