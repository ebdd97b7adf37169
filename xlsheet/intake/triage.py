"""Triage before parsing: what kind of file is this, and is it safe to open?

Each refusal is an `IntakeError` carrying one Japanese `Issue` and the file status it leads
to. Zip limits follow Apache POI's ZipSecureFile idea (inflate ratio and total size); XML
prologs of every part of a package are checked for a DOCTYPE by a streaming expat parse that
stops at the root element (defusedxml forbids DTDs again in the parts we parse ourselves).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

import olefile

from ..catalogue import issue
from ..models import FileStatus, Issue, Severity
from .intake_codes import RESEND_HINT as RESEND_HINT  # (importing it registers the rows used here)
from .intake_codes import SEND_INSTEAD as SEND_INSTEAD

MAX_MEMBERS = 5_000
MAX_TOTAL_BYTES = 300 * 1024 * 1024
"""Uncompressed size of all members of one zip (a filled form is well under 1 MB)."""
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100
"""Inflate ratio allowed for members larger than RATIO_GRACE_BYTES."""
RATIO_GRACE_BYTES = 1024 * 1024
PROLOG_SCAN_BYTES = 1024 * 1024
PROLOG_FIRST_BYTES = 4096

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class IntakeError(Exception):
    """A file intake cannot read; `issue` says why in Japanese, `status` what becomes of it."""

    def __init__(self, issue: Issue, status: FileStatus = FileStatus.REJECTED):
        super().__init__(issue.message)
        self.issue = issue
        self.status = status


def refuse(code: str, *, status: FileStatus | None = None, **params: Any) -> IntakeError:
    """The refusal `code` of the catalogue, its texts filled from `params`. The file becomes
    `status`: by default rejected for an error row, set aside (ignored) for a warning row."""
    found = issue(code, **params)
    if status is None:
        status = FileStatus.REJECTED if found.severity is Severity.ERROR else FileStatus.IGNORED
    return IntakeError(found, status)


@dataclass(frozen=True)
class Sniffed:
    kind: str
    """zip, ole-xls, ole-encrypted, ole-msg, ole-other, mail, other"""


def sniff(data: bytes) -> str:
    """The container kind from the first bytes (and OLE stream names)."""
    head = data[:8]
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head == OLE_MAGIC:
        try:
            ole = olefile.OleFileIO(io.BytesIO(data))
            streams = {"/".join(s) for s in ole.listdir(streams=True, storages=True)}
            ole.close()
        except Exception:
            return "ole-other"
        if "EncryptedPackage" in streams:
            return "ole-encrypted"
        if "Workbook" in streams or "Book" in streams:
            return "ole-xls"
        if any(s.startswith("__substg1.0_") for s in streams):
            return "ole-msg"
        return "ole-other"
    if re.match(
        rb"(?i)^(received|return-path|from|date|subject|message-id|mime-version|to|x-[\w-]+|delivered-to):",
        data[:200].lstrip(),
    ):
        return "mail"
    return "other"


class ReadOnceZip(zipfile.ZipFile):
    """A zip that keeps the members read whole: the structure check and the XML prolog check
    look at the same sheet XML, which is then decompressed once. Lives as long as one file's read."""

    def __init__(self, file: Any) -> None:
        super().__init__(file)
        self.whole: dict[str, bytes] = {}

    def read(self, name: Any, pwd: bytes | None = None) -> bytes:
        key = name.filename if isinstance(name, zipfile.ZipInfo) else name
        data = self.whole.get(key)
        if data is None:
            data = self.whole[key] = super().read(name, pwd)
        return data


def open_zip(data: bytes, what: str = "ファイル") -> zipfile.ZipFile:
    """Open a zip and check it against the bomb limits; IntakeError for corrupt or bomb zips."""
    try:
        zf = ReadOnceZip(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise refuse("corrupt_zip", what=what, error=exc) from exc
    check_zip_limits(infos, what)
    return zf


def check_zip_limits(infos: list[zipfile.ZipInfo], what: str = "ファイル") -> None:
    def bomb() -> IntakeError:
        return refuse("zip_bomb", what=what)

    if len(infos) > MAX_MEMBERS:
        raise bomb()
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise bomb()
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise bomb()


class _Stop(Exception):
    """Raised from expat handlers: the root element (False) or a DOCTYPE (True) was reached."""

    def __init__(self, dtd: bool):
        self.dtd = dtd


def _stop_root(*_: Any) -> None:
    raise _Stop(False)


def _stop_dtd(*_: Any) -> None:
    raise _Stop(True)


_DTD_TEXT = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def prolog_has_dtd(chunks: Iterator[bytes]) -> bool | None:
    """Whether an XML document declares a DTD before its root element, by parsing its prolog.

    A streaming expat parse that stops at the root element (comments, processing
    instructions and CDATA are the parser's business, so a comment holding `<a` hides nothing);
    None when the prolog does not parse (an encoding expat lacks, not XML at all).
    """
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _stop_dtd
    parser.EntityDeclHandler = _stop_dtd
    parser.StartElementHandler = _stop_root
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Stop as stop:
        return stop.dtd
    except expat.ExpatError:
        return None
    return None  # no root element within the bytes given


def _heads(zf: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    whole = getattr(zf, "whole", {}).get(member)
    if whole is not None:
        yield whole[:PROLOG_FIRST_BYTES]
        yield whole[PROLOG_FIRST_BYTES : PROLOG_FIRST_BYTES + PROLOG_SCAN_BYTES]
        return
    with zf.open(member) as fh:
        yield fh.read(PROLOG_FIRST_BYTES)
        read = 0
        while read < PROLOG_SCAN_BYTES:  # a long prolog (comments): read on, up to the limit
            chunk = fh.read(64 * 1024)
            if not chunk:
                return
            read += len(chunk)
            yield chunk


def check_xml_prolog(zf: zipfile.ZipFile, member: str) -> None:
    """Refuse a part that declares a DTD or entities (billion laughs, external entities)."""
    seen: list[bytes] = []

    def kept() -> Iterator[bytes]:
        for chunk in _heads(zf, member):
            seen.append(chunk)
            yield chunk

    try:
        dtd = prolog_has_dtd(kept())
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
        raise refuse("corrupt_part", member=member, error=exc) from exc
    if dtd is None:
        # Not parsable as a prolog (or no root within the limit): no DOCTYPE may appear anywhere
        # in what was read, whatever surrounds it.
        head = b"".join(seen)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            head = head.decode("utf-16", "replace").encode()
        dtd = bool(_DTD_TEXT.search(head))
    if dtd:
        raise refuse("xml_entities", member=member)


def check_workbook_xml(zf: zipfile.ZipFile, members: list[str] | None = None) -> None:
    """Check the prolog of XML parts (every part of the package, or the `members` given).

    Parts found clean are remembered by their compressed bytes (and method): workbooks written
    from the same layouts share most parts byte for byte, and the same compressed bytes always
    inflate to the same text, so a remembered part needs no inflating (CRC or size could be
    forged; the bytes themselves cannot)."""
    infos = zf.infolist() if members is None else [zf.getinfo(m) for m in members]
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        if members is None and info.filename.lower().endswith(BINARY_PARTS):
            continue
        key = _compressed(zf, info)
        if key is not None and key in _CLEAN:
            continue
        check_xml_prolog(zf, info.filename)
        if key is not None:
            if len(_CLEAN) >= CLEAN_PARTS:
                _CLEAN.clear()
            _CLEAN.add(key)


CLEAN_PARTS = 512
CLEAN_PART_BYTES = 64 * 1024
"""Parts remembered as clean, and the largest compressed part remembered."""
_CLEAN: set[tuple[int, bytes]] = set()


def _compressed(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, bytes] | None:
    """(method, compressed bytes) of a small member, read from its local header on; None otherwise."""
    if info.compress_size > CLEAN_PART_BYTES or info.flag_bits & 0x1:
        return None
    fp = zf.fp
    if fp is None or not isinstance(fp, io.BytesIO):
        return None
    try:
        fp.seek(info.header_offset)
        header = fp.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        fp.seek(info.header_offset + 30 + name_len + extra_len)
        raw = fp.read(info.compress_size)
    except (OSError, ValueError, struct.error):
        return None
    return (info.compress_type, raw) if len(raw) == info.compress_size else None


BINARY_PARTS = (".bin", ".png", ".jpeg", ".jpg", ".gif", ".emf", ".wmf", ".tif", ".tiff", ".bmp")
"""Parts no XML parser reads (VBA projects, printer settings, images); every other part is checked."""


def refuse_ole(kind: str) -> IntakeError:
    """The refusal for an OLE2 file that came where a workbook was expected."""
    return refuse(OLE_CODES.get(kind, "not_workbook_ole"))


OLE_CODES = {"ole-encrypted": "encrypted", "ole-xls": "legacy_xls"}
"""Refusal code by OLE kind (`sniff`); any other OLE file is `not_workbook_ole`."""


# --------------------------------------------------------------------------- what a file really is


def package_kind(zf: zipfile.ZipFile) -> str:
    """What a zip is: xlsx, xlsb, docx, pptx, ooxml (another Office package), ods, odf (another
    OpenDocument), iwork (Numbers, Pages, Keynote), or archive (a plain zip of files)."""
    members = {i.filename.lower(): i for i in zf.infolist()}
    if "[content_types].xml" in members:
        if "xl/workbook.bin" in members:
            return "xlsb"
        if any(m.startswith("xl/") for m in members):
            return "xlsx"
        if "word/document.xml" in members or any(m.startswith("word/") for m in members):
            return "docx"
        if any(m.startswith("ppt/") for m in members):
            return "pptx"
        return "ooxml"
    if "mimetype" in members:
        info = members["mimetype"]
        head = zf.open(info).read(80) if info.file_size < 200 else b""
        if head.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
        if head.startswith(b"application/vnd.oasis.opendocument"):
            return "odf"
    if any(m.startswith("index/") and m.endswith(".iwa") for m in members) or "index.zip" in members:
        return "iwork"
    return "archive"


PACKAGE_CODES = {
    "xlsb": "xlsb",
    "docx": "word_document",
    "pptx": "powerpoint",
    "ooxml": "office_document",
    "ods": "ods",
    "odf": "opendocument",
    "iwork": "numbers",
}
"""Refusal code by `package_kind`; xlsx and plain archives are not refused here."""


def refuse_package(kind: str) -> IntakeError | None:
    """The refusal for a zip package that is not an .xlsx workbook (None for xlsx and archives)."""
    return refuse(PACKAGE_CODES[kind]) if kind in PACKAGE_CODES else None


_TEXT_ENCODINGS = ("utf-8-sig", "cp932", "utf-16")


def _text(data: bytes) -> str | None:
    head = data[: 64 * 1024]
    if not head or (b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return None
    for codec in _TEXT_ENCODINGS:
        try:
            return head.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


def refuse_other(data: bytes, workbook_name: bool) -> IntakeError:
    """The refusal for a file that is neither a zip nor OLE2: what it is, what to send instead.

    `workbook_name`: the file is named like a workbook (.xlsx …), so its sender meant to send
    one and must be told (rejected); anything else (a signature image) is only ignored.
    """
    ours = workbook_name
    if not data:
        return refuse("empty_file" if ours else "empty_file_ignored")
    if data.startswith(b"%PDF"):
        return refuse("pdf" if ours else "pdf_ignored")
    text = _text(data)
    if text is not None:
        low = text.lstrip("\ufeff \r\n\t").lower()
        if low.startswith(("<html", "<!doctype html", "<?xml", "<table")) or "<html" in low[:2000]:
            return refuse("html_workbook" if ours else "html_workbook_ignored")
        return refuse("csv_as_xlsx" if ours else "text_file")
    return refuse("not_workbook" if ours else "not_workbook_ignored")
