"""Triage before parsing: what kind of file is this, and is it safe to open?

Each refusal is an `IntakeError` carrying one Japanese `Issue` and the file status it leads
to. Zip limits follow Apache POI's ZipSecureFile idea (inflate ratio and total size); XML
prologs are checked for DTDs/entities before any parser sees them (defusedxml does the same
for the parts we parse ourselves).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import olefile

from ..models import FileStatus, Issue, Severity

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


def refuse(code: str, message: str, hint: str = "", status: FileStatus = FileStatus.REJECTED) -> IntakeError:
    severity = Severity.ERROR if status is FileStatus.REJECTED else Severity.WARNING
    return IntakeError(Issue(code=code, message=message, hint=hint, severity=severity), status)


RESEND_HINT = "配布した入力ブック（.xlsx）に入力し、そのまま上書き保存して送り直してください。"


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
        raise refuse(
            "corrupt_zip",
            f"{what}が壊れているか、途中までしかありません（zip として読めません: {exc}）。",
            "送信元でファイルを開けるか確かめ、もう一度添付して送ってください。",
        ) from exc
    check_zip_limits(infos, what)
    return zf


def check_zip_limits(infos: list[zipfile.ZipInfo], what: str = "ファイル") -> None:
    def bomb() -> IntakeError:
        return refuse(
            "zip_bomb",
            f"{what}は展開すると極端に大きくなります（zip 爆弾の疑い）。安全のため読み込みません。",
            "心当たりがなければ企画課に連絡してください。" + RESEND_HINT,
        )

    if len(infos) > MAX_MEMBERS:
        raise bomb()
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise bomb()
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise bomb()


_ROOT = re.compile(rb"<[A-Za-z_]")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def check_xml_prolog(zf: zipfile.ZipFile, member: str) -> None:
    """Refuse a part whose prolog declares a DTD or entities (billion laughs, external entities)."""
    whole = getattr(zf, "whole", {}).get(member)
    try:
        if whole is not None:
            head = whole[:PROLOG_FIRST_BYTES]
            if not _ROOT.search(head):
                head = whole[: PROLOG_FIRST_BYTES + PROLOG_SCAN_BYTES]
        else:
            with zf.open(member) as fh:
                head = fh.read(PROLOG_FIRST_BYTES)
                if not _ROOT.search(head):  # a long prolog (comments): read on, up to the limit
                    head += fh.read(PROLOG_SCAN_BYTES)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise refuse(
            "corrupt_zip",
            f"ブックの部品「{member}」が壊れています（{exc}）。",
            RESEND_HINT,
        ) from exc
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode()
    root = _ROOT.search(head)
    prolog = head[: root.start()] if root else head
    if _DTD.search(prolog):
        raise refuse(
            "xml_entities",
            f"ブックの部品「{member}」に DTD／エンティティ宣言があります（XML エンティティ攻撃の疑い）。安全のため読み込みません。",
            "Excel で作ったブックにはこの宣言はありません。" + RESEND_HINT,
        )


def check_workbook_xml(zf: zipfile.ZipFile, members: list[str] | None = None) -> None:
    """Check the prolog of XML parts (all of them, or the `members` a parser will read)."""
    names = members if members is not None else [i.filename for i in zf.infolist()]
    for name in names:
        if name.lower().endswith((".xml", ".rels", ".vml")):
            check_xml_prolog(zf, name)


def refuse_ole(kind: str) -> IntakeError:
    """The refusal for an OLE2 file that came where a workbook was expected."""
    if kind == "ole-encrypted":
        return refuse(
            "encrypted",
            "パスワードで保護（暗号化）されたブックです。読み込めません。",
            "ファイル→情報→ブックの保護→「パスワードを使用して暗号化」でパスワードを消して保存し、送り直してください。",
        )
    if kind == "ole-xls":
        return refuse(
            "legacy_xls",
            "古い形式（Excel 97-2003 ブック .xls）で保存されています。読み込めません。",
            "配布した .xlsx のまま保存してください（名前を付けて保存→「Excel ブック (*.xlsx)」）。",
        )
    return refuse("not_workbook", "Excel ブックではありません（OLE 形式の別のファイルです）。", RESEND_HINT)
