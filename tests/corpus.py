"""Build a corpus of returned files the way departments really send them.

Starting from the project's own generated entry workbooks (`sample_round`), each builder
changes a copy as a department would: filled by defined name, saved again by LibreOffice,
rows inserted and a sheet renamed in LibreOffice (python3-uno), an invalid code pasted,
full-width codes, a code turned into a date, a name deleted, a second submission, last
round's form, `.xls`, an encrypted file, a truncated zip, a zip bomb, an entity attack, a
40,000-character cell, formula-like text, mails (.eml, Outlook .msg) and zip archives.
Each `Item` says what intake must decide about it.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import openpyxl
import openpyxl.utils
from aspose.email_foss import msg as outlook
from msoffcrypto.format.ooxml import OOXMLFile

from tests import lo_bridge
from xlsheet.entry_writer import write_entry_workbook
from xlsheet.fill import fill_workbook, name_range
from xlsheet.master import load_master
from xlsheet.models import Category, FileStatus, LpEntry, Master, Paragraph, ProjectEntry, Submission
from xlsheet.paths import RoundPaths
from xlsheet.sample import LP, sample_submissions

BASE_TIME = dt.datetime(2020, 6, 1, 9, 0, tzinfo=dt.UTC)
XLSX_MIME = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def uno_available() -> bool:
    return lo_bridge.available()


@dataclass
class Item:
    """One file intake will see, and what it must decide."""

    origin: str
    """Path as collect reports it (inbox/…, members as inbox/mail.eml/attachment.xlsx)."""
    department: str
    verdict: FileStatus
    """accepted, rejected or ignored, before newer submissions supersede accepted ones."""
    codes: set[str] = field(default_factory=set)
    """Issue codes that must be reported."""
    date: dt.datetime = BASE_TIME
    absent: set[str] = field(default_factory=set)
    """Issue codes that must not be reported."""


class Corpus:
    def __init__(self, root: Path):
        self.root = root
        self.paths = RoundPaths(root)
        self.master: Master = load_master(self.paths.master)
        self.subs = {s.department: s for s in sample_submissions(self.master)}
        self.work = Path(tempfile.mkdtemp(prefix="corpus-", dir=root))
        self.items: list[Item] = []
        self.lo_jobs: list[dict] = []
        self._tick = 0
        self.paths.inbox.mkdir(parents=True, exist_ok=True)

    # -- helpers -----------------------------------------------------------------------------
    def when(self) -> dt.datetime:
        self._tick += 1
        return BASE_TIME + dt.timedelta(hours=self._tick)

    def blank(self, dept: str) -> Path:
        return self.paths.entry_workbook(self.master.department(dept))

    def filled(self, dept: str, sub: Submission | None = None, name: str | None = None) -> Path:
        out = self.work / (name or f"{dept}_filled_{self._tick}_{len(self.items)}.xlsx")
        fill_workbook(self.blank(dept), out, sub or self.subs[dept])
        return out

    def edit(self, path: Path, fn: Callable[[openpyxl.Workbook], None]) -> Path:
        wb = openpyxl.load_workbook(path)
        fn(wb)
        wb.save(path)
        return path

    @staticmethod
    def set_by_name(wb, name: str, row: int, col: int, value, number_format: str | None = None) -> None:
        sheet, c1, r1, _c2, _r2 = name_range(wb, name)
        cell = wb[sheet].cell(r1 + row, c1 + col)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
        if number_format:
            cell.number_format = number_format

    def put(self, name: str, data: bytes | Path, item: Item, date: dt.datetime | None = None) -> Path:
        target = self.paths.inbox / name
        if isinstance(data, Path):
            shutil.copyfile(data, target)
        else:
            target.write_bytes(data)
        when = date or item.date
        os.utime(target, (when.timestamp(), when.timestamp()))
        self.items.append(item)
        return target

    def loose(
        self, name: str, data: bytes | Path, dept: str, verdict: FileStatus, codes=(), absent=()
    ) -> None:
        when = self.when()
        self.put(name, data, Item(f"inbox/{name}", dept, verdict, set(codes), when, set(absent)))

    def mail(
        self, name: str, sender: str, attachments: list[tuple[str, bytes]], subject: str
    ) -> EmailMessage:
        m = EmailMessage()
        m["From"] = sender
        m["To"] = self.master.settings.office_email
        m["Subject"] = subject
        m["Date"] = format_datetime(self.when())
        m.set_content("政策評価表を提出します。よろしくお願いします。")
        for fname, data in attachments:
            m.add_attachment(data, maintype=XLSX_MIME[0], subtype=XLSX_MIME[1], filename=fname)
        return m

    # -- the corpus --------------------------------------------------------------------------
    def build(self, with_libreoffice: bool = True) -> list[Item]:
        A, R, IG = FileStatus.ACCEPTED, FileStatus.REJECTED, FileStatus.IGNORED
        m = self.master

        # Filled by defined name, as typed (the lead department), then a second submission.
        self.loose(
            "D110_地域づくり推進課.xlsx", self.filled("D110"), "D110", A, absent={"validation_removed"}
        )
        second = self.subs["D110"].model_copy(
            update={"lps": (self.subs["D110"].lps[0].model_copy(update={"sdgs": (11, 16, 17)}),)}
        )
        self.loose("D110_地域づくり推進課_再提出.xlsx", self.filled("D110", second), "D110", A)

        # An invalid code pasted over the dropdown.
        bad = self.edit(
            self.filled("D210"), lambda wb: self.set_by_name(wb, f"xs_{LP}_projects", 0, 0, "1-9-9")
        )
        self.loose("D210_地域福祉センター.xlsx", bad, "D210", R, {"not_in_list"})

        # Full-width and look-alike dash codes.
        def widths(wb):
            self.set_by_name(wb, f"xs_{LP}_projects", 0, 0, "１－４－２")
            self.set_by_name(wb, f"xs_{LP}_projects", 3, 0, "1ー4ー3")
            self.set_by_name(wb, f"xs_{LP}_evaluations", 0, 0, " 1−4−2 ")

        self.loose(
            "D220_高齢者支援課.xlsx", self.edit(self.filled("D220"), widths), "D220", A, {"code_normalized"}
        )

        # A code turned into a date by Excel (ja-JP reads 2-1-3 as 2002/1/3 and stores a serial).
        def dated(wb):
            self.set_by_name(wb, f"xs_{LP}_projects", 0, 0, dt.datetime(2002, 1, 3), "yyyy/m/d")

        self.loose(
            "D310_こども支援課.xlsx",
            self.edit(self.filled("D310"), dated),
            "D310",
            A,
            {"date_code_recovered"},
        )

        # A defined name deleted: read from the layout's address, with a warning.
        def drop_name(wb):
            del wb.defined_names[f"xs_{LP}_projects"]

        self.loose(
            "D410_健康づくり支援課.xlsx",
            self.edit(self.filled("D410"), drop_name),
            "D410",
            A,
            {"name_deleted"},
        )

        # The instructions sheet deleted (read on, warned); the input sheet deleted (nothing to read).
        def drop_instructions(wb):
            del wb["はじめに"]

        self.loose(
            "D310_説明シート削除.xlsx",
            self.edit(self.filled("D310"), drop_instructions),
            "D310",
            A,
            {"sheet_deleted"},
        )

        def drop_input(wb):
            del wb["評価入力"]

        self.loose(
            "D112_入力シート削除.xlsx",
            self.edit(self.filled("D112"), drop_input),
            "D112",
            R,
            {"sheet_deleted", "section_missing"},
        )

        # Validation removed from the input sheet (what pasting a whole range from elsewhere does).
        def drop_validation(wb):
            wb["評価入力"].data_validations.dataValidation = []

        self.loose(
            "D410_入力規則なし.xlsx",
            self.edit(self.filled("D410"), drop_validation),
            "D410",
            A,
            {"validation_removed"},
        )

        # Text starting with = stays text; a 40,000-character cell is refused.
        sub = self.subs["D112"]
        e = sub.lps[0]
        formula = sub.model_copy(
            update={
                "lps": (
                    e.model_copy(
                        update={
                            "evaluations": (Paragraph(initiative="1-1-1", heading="=SUM(1,2)", body="@本文"),)
                        }
                    ),
                )
            }
        )
        self.loose("D112_formula.xlsx", self.filled("D112", formula), "D112", A, {"formula_text"})
        long = sub.model_copy(
            update={
                "lps": (
                    e.model_copy(
                        update={
                            "projects": (
                                ProjectEntry(
                                    initiative="1-1-1",
                                    category=Category.MAIN,
                                    name="LONG-CELL-PLACEHOLDER",
                                    department="小手指まちづくりセンター",
                                ),
                            )
                        }
                    ),
                )
            }
        )
        # openpyxl (like Excel) cuts text at 32,767 characters, so the 40,000 are put into the XML.
        self.loose(
            "D112_long.xlsx",
            long_cell(self.filled("D112", long), "長" * 40_000),
            "D112",
            R,
            {"too_long_for_excel"},
        )

        # Triage: lock file, not a workbook, foreign workbook, last round, other version.
        self.loose("~$D110_地域づくり推進課.xlsx", b"\x00" * 165, "", IG, {"lock_file"})
        self.loose("メモ.txt", "提出します".encode(), "", IG, {"text_file"})
        foreign = self.work / "foreign.xlsx"
        wb = openpyxl.Workbook()
        wb.active["A1"] = "政策評価"
        wb.save(foreign)
        self.loose("D320_自作.xlsx", foreign, "D320", R, {"not_xlsheet"})
        last = self.work / "last_round.xlsx"
        old = m.model_copy(
            update={"settings": m.settings.model_copy(update={"round_id": "R01-seisaku-hyoka"})}
        )
        write_entry_workbook(old, "D320", last)
        self.loose("D320_前回.xlsx", last, "D320", R, {"other_round"})
        version = self.filled("D320")

        def old_version(wb):
            wb.custom_doc_props["xlsheet_form_version"].value = "0"

        self.edit(version, old_version)
        self.loose("D320_旧版.xlsx", version, "D320", R, {"other_form_version"})

        # Encrypted, truncated, zip bomb, entity attack, macros.
        enc = io.BytesIO()
        with open(self.filled("D410"), "rb") as fh:
            OOXMLFile(fh).encrypt("secret", enc)
        self.loose("D410_パスワード付き.xlsx", enc.getvalue(), "D410", R, {"encrypted"})
        whole = self.filled("D410").read_bytes()
        self.loose("D410_途中まで.xlsx", whole[: len(whole) // 2], "D410", R, {"corrupt_zip"})
        self.loose(
            "D410_bomb.xlsx",
            _with_member(whole, "xl/media/image1.bin", b"\0" * (40 * 1024 * 1024)),
            "D410",
            R,
            {"zip_bomb"},
        )
        laughs = (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>'
        )
        self.loose(
            "D410_entities.xlsx",
            _with_member(whole, "xl/sharedStrings.xml", laughs),
            "D410",
            R,
            {"xml_entities"},
        )
        macro = _with_member(
            self.filled("D112").read_bytes(), "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0fake vba"
        )
        self.loose("D112_マクロ.xlsm", macro, "D112", A, {"macro_project"})

        # Mail: .eml with a Japanese subject and attachment name; one department's book from another's address.
        book = self.filled("D320").read_bytes()
        eml = self.mail(
            "D320.eml",
            "青少年課 <seishonen@example.lg.jp>",
            [("D320_青少年課.xlsx", book)],
            "【提出】政策評価表（青少年課）",
        )
        self.put(
            "提出_青少年課.eml",
            bytes(eml),
            Item("inbox/提出_青少年課.eml/D320_青少年課.xlsx", "D320", A, set(), self._when_of(eml)),
        )
        wrong = self.mail(
            "wrong.eml",
            "こども支援課 <kodomo@example.lg.jp>",
            [("D320_青少年課.xlsx", self.filled("D320", self._variant("D320")).read_bytes())],
            "政策評価表",
        )
        self.put(
            "転送.eml",
            bytes(wrong),
            Item(
                "inbox/転送.eml/D320_青少年課.xlsx",
                "D320",
                FileStatus.HELD,
                {"sender_mismatch"},
                self._when_of(wrong),
            ),
        )
        bare = self.mail("bare.eml", "kenko@example.lg.jp", [], "添付忘れ")
        self.put(
            "添付なし.eml",
            bytes(bare),
            Item("inbox/添付なし.eml", "D410", IG, {"no_attachment"}, self._when_of(bare)),
        )

        # Outlook .msg written by aspose-email-foss: Japanese subject, workbook attachment.
        when = self.when()
        message = outlook.MapiMessage.create("【提出】政策評価表（健康づくり支援課）", "提出します。")
        message.set_property(outlook.PropertyId.SENDER_NAME, "健康づくり支援課")
        message.set_property(outlook.PropertyId.SENDER_EMAIL_ADDRESS, "kenko@example.lg.jp")
        message.set_property(outlook.PropertyId.MESSAGE_DELIVERY_TIME, when)
        message.add_recipient(m.settings.office_email)
        message.add_attachment(
            "D410_健康づくり支援課.xlsx", self.filled("D410").read_bytes(), mime_type="/".join(XLSX_MIME)
        )
        msg_path = self.work / "m.msg"
        message.save(msg_path)
        self.put(
            "提出_健康づくり支援課.msg",
            msg_path,
            Item("inbox/提出_健康づくり支援課.msg/D410_健康づくり支援課.xlsx", "D410", A, set(), when),
        )

        # A zip with two workbooks, names in CP932 as Japanese Windows writes them.
        when = self.when()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for dept, fname in (("D310", "こども支援課.xlsx"), ("D220", "高齢者支援課.xlsx")):
                info = zipfile.ZipInfo(fname, when.timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, self.filled(dept, self._variant(dept)).read_bytes())
        raw = _cp932_names(buf.getvalue())
        self.put("まとめて.zip", raw, Item("inbox/まとめて.zip/こども支援課.xlsx", "D310", A, set(), when))
        self.items.append(Item("inbox/まとめて.zip/高齢者支援課.xlsx", "D220", A, set(), when))

        if with_libreoffice:
            self._libreoffice()
        return self.items

    def _when_of(self, message: EmailMessage) -> dt.datetime:
        from email.utils import parsedate_to_datetime

        return parsedate_to_datetime(message["Date"])

    def _variant(self, dept: str) -> Submission:
        """Another valid submission of the department (different bytes): one more SDG."""
        s = self.subs[dept]
        e: LpEntry = s.lps[0]
        return s.model_copy(update={"lps": (e.model_copy(update={"sdgs": tuple(sorted({*e.sdgs, 17}))}),)})

    def _libreoffice(self) -> None:
        """Saved again by LibreOffice; rows inserted; a sheet renamed; converted to .xls — one soffice."""
        jobs = []
        plan = [
            ("D112_LibreOffice.xlsx", "D112", {}, FileStatus.ACCEPTED, set()),
            (
                "D220_行挿入.xlsx",
                "D220",
                {"insert_rows": [["評価入力", 13, 2]]},
                FileStatus.ACCEPTED,
                {"rows_inserted", "rows_moved"},
            ),
            (
                "D320_シート名変更.xlsx",
                "D320",
                # Also: the code 2-1-3 typed as 2/1/3 into a cell that lost its text format;
                # LibreOffice (en-US) stores the serial of 2003-02-01 with no date style.
                {
                    "rename": {"評価入力": "評価入力（修正）"},
                    "type_general": [["評価入力", "{code}", "2/1/3"]],
                },
                FileStatus.ACCEPTED,
                {"sheet_renamed", "date_code_recovered"},
            ),
            ("D310_古い形式.xls", "D310", {"filter": "MS Excel 97"}, FileStatus.REJECTED, {"legacy_xls"}),
        ]
        for name, dept, job, verdict, codes in plan:
            src = self.filled(dept, self._variant(dept) if dept in ("D112", "D320") else None)
            dst = self.work / f"lo_{len(jobs)}{Path(name).suffix}"
            if "type_general" in job:  # the first code cell of the projects, found by its name
                _, c1, r1, _, _ = name_range(openpyxl.load_workbook(src), f"xs_{LP}_projects")
                code = f"{openpyxl.utils.get_column_letter(c1)}{r1}"
                job = {
                    **job,
                    "type_general": [[s, code if c == "{code}" else c, t] for s, c, t in job["type_general"]],
                }
            jobs.append({"path": str(src), "steps": [{**job, "save_as": str(dst)}]})
            self.items.append(Item(f"inbox/{name}", dept, verdict, codes, self.when()))
        lo_bridge.run_steps(jobs, timeout=300)
        for (name, *_), job, item in zip(plan, jobs, self.items[-len(plan) :], strict=True):
            target = self.paths.inbox / name
            shutil.copyfile(job["steps"][0]["save_as"], target)
            os.utime(target, (item.date.timestamp(), item.date.timestamp()))


def long_cell(path: Path, text: str) -> bytes:
    """The workbook with the placeholder text replaced by `text` in the sheet that holds it."""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            xml = zf.read(name)
            if b"LONG-CELL-PLACEHOLDER" in xml:
                return _with_member(data, name, xml.replace(b"LONG-CELL-PLACEHOLDER", text.encode()))
    raise AssertionError("placeholder not found")


def _with_member(data: bytes, member: str, content: bytes) -> bytes:
    """A copy of a zip with one member replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info, src.read(info))
        dst.writestr(member, content)
    return out.getvalue()


class _Cp932Info(zipfile.ZipInfo):
    __slots__ = ()

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own name
        return self.filename.encode("cp932"), self.flag_bits & ~0x800


def _cp932_names(data: bytes) -> bytes:
    """Rewrite a zip so member names are CP932 without the UTF-8 flag (as Windows Explorer does)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = [(i, src.read(i)) for i in src.infolist()]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, content in members:
            new = _Cp932Info(info.filename, info.date_time)
            new.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(new, content)
    return out.getvalue()


def build_corpus(root: Path, with_libreoffice: bool = True) -> list[Item]:
    """Put the corpus into root/inbox/ and return what intake must decide about each file."""
    return Corpus(root).build(with_libreoffice)
