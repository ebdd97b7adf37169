"""Attachments of an incoming mail, including what old Japanese mailers send.

The stdlib `email` package (policy default) decodes RFC 2231 `filename*` and RFC 2047 encoded
words, also inside quoted `name="=?ISO-2022-JP?B?…?="`. It cannot decode a raw, unencoded
Shift_JIS/EUC-JP/ISO-2022-JP name (it reads 8-bit header bytes as UTF-8 and replaces what does
not fit with U+FFFD), so those names are recovered from the raw header bytes here. A mail that
is not MIME at all may carry a uuencoded file in its text (`begin 644 name` … `end`); the stdlib
`uu` module is deprecated (removed in 3.13), so the few lines of uudecode are ours, on top of
`binascii.a2b_uu`.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

from ..catalogue import issue
from ..models import Issue
from . import mail_codes  # noqa: F401  (registers the rows used here)

_PARAM = re.compile(rb'(?:^|;)\s*(filename|name)\s*=\s*(?:"([^"]*)"|([^;\s]+))', re.I)
_UU_BEGIN = re.compile(rb"^begin [0-7]{3,4} (.+?)\r?$", re.M)
BODY_TYPES = {"text/plain", "text/html", "text/enriched"}


@dataclass(frozen=True)
class Attachment:
    """One attached file (`data`) or attached mail (`message`), with its decoded name."""

    filename: str | None
    data: bytes = b""
    message: Message | None = None


def decode_legacy(raw: bytes) -> str:
    """Bytes of a file name in whatever Japanese encoding an old mailer used."""
    if b"\x1b" in raw:  # ISO-2022-JP escape sequences (JIS), with or without extensions
        for codec in ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2004", "iso2022_jp_2"):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                continue
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # EUC-JP kanji often decode as CP932 too, as half-width katakana: take the reading with the
    # fewest of those (file names rarely use them), CP932 on a tie.
    readings = []
    for rank, codec in enumerate(("cp932", "euc_jp")):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        readings.append((sum("\uff61" <= ch <= "\uff9f" for ch in text), rank, text))
    return min(readings)[2] if readings else raw.decode("cp932", errors="replace")


def _raw_name(part: Message) -> bytes | None:
    """The filename (Content-Disposition) or name (Content-Type) parameter as raw bytes."""
    found: dict[str, bytes] = {}
    for header, value in part.raw_items():
        if header.lower() not in ("content-disposition", "content-type") or not isinstance(value, str):
            continue
        raw = re.sub(rb"\r?\n[ \t]", b" ", value.encode("ascii", "surrogateescape"))
        for m in _PARAM.finditer(raw):
            found.setdefault(
                m.group(1).lower().decode(), m.group(2) if m.group(2) is not None else m.group(3)
            )
    return found.get("filename") or found.get("name")


def attachment_filename(part: Message) -> str | None:
    """The attachment's file name, decoded from RFC 2231/2047 or a raw legacy encoding."""
    try:
        name = part.get_filename()
    except Exception:  # a header the registry cannot parse: fall back to the raw bytes below
        name = None
    if name and "\ufffd" not in name and "\x1b" not in name and name.isprintable():
        return name
    raw = _raw_name(part)
    if raw and (b"\x1b" in raw or not raw.isascii()):
        return decode_legacy(raw)
    return name


def _uudecode(lines: list[bytes]) -> bytes:
    out = bytearray()
    for line in lines:
        if not line.strip():
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:  # trailing garbage some encoders add: cut to the declared length
            n = (((line[0] - 32) & 63) * 4 + 5) // 3
            out += binascii.a2b_uu(line[:n])
    return bytes(out)


def uuencoded_files(text: bytes) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every `begin NNN name` … `end` block in a plain-text body."""
    for m in _UU_BEGIN.finditer(text):
        lines = []
        for line in text[m.end() :].split(b"\n")[1:]:
            line = line.rstrip(b"\r")
            if line.strip() == b"end":
                break
            lines.append(line)
        else:
            continue  # no `end`: not a uuencoded block after all
        try:
            yield decode_legacy(m.group(1).strip()), _uudecode(lines)
        except (binascii.Error, IndexError):
            continue


def is_mime(msg: Message) -> bool:
    return msg.get("MIME-Version") is not None or msg.is_multipart()


def mail_attachments(msg: Message) -> Iterator[Attachment]:
    """Every attached file or mail, at any depth of nested multiparts, in message order.

    Body text (text/plain, text/html without a file name) is skipped, and so are inline
    images without a name (signature logos); attached mails are returned whole, not opened.
    A non-MIME mail's uuencoded files count as attachments.
    """
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype == "message/rfc822" and part is not msg:
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) else inner
            yield Attachment(attachment_filename(part), message=inner)
            continue
        name = attachment_filename(part)
        attached = part.get_content_disposition() == "attachment"
        if ctype in BODY_TYPES and not name and not attached:
            body = part.get_payload(decode=True) or b""
            for uu_name, data in uuencoded_files(body):
                yield Attachment(uu_name, data)
            continue
        if part is msg and not name and not attached:
            continue  # a single-part mail whose body is not text: nothing named to keep
        if ctype.startswith("image/") and not name and not attached:
            continue
        yield Attachment(name, part.get_payload(decode=True) or b"")


def no_attachment_issue(msg: Message) -> Issue:
    """Why a mail gave no file, in Japanese with the fix."""
    return issue("no_attachment" if is_mime(msg) else "no_attachment_not_mime")
