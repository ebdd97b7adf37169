"""The document properties of every workbook xlsheet sends out or publishes (DESIGN §16).

One place decides them, so no writer can leak what the office PC knows: the author and last
modifier are the planning office (マスタ「担当課」), the company is the municipality, title and
subject say what the book is and which round it belongs to. Never a person's name (the office's
担当者 is on the instructions sheet, not in the properties), a user name or a local path: xlsheet
writes every book from scratch, so nothing of the office's Excel profile carries over.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from .models import Settings

MADE_WITH = "xlsheet で作成"
LOCAL_TZ = ZoneInfo("Asia/Tokyo")


def outgoing_properties(settings: Settings, title: str, created: dt.datetime | None = None) -> dict[str, Any]:
    """XlsxWriter `set_properties` values for a book that leaves the office.

    `created` (naive Japan time or aware) is stored as UTC, as OOXML wants; None keeps
    XlsxWriter's default (now)."""
    props: dict[str, Any] = {
        "title": title,
        "subject": settings.round_id,
        "author": settings.office_name,
        "company": settings.municipality,
        "comments": MADE_WITH,
    }
    if created is not None:
        aware = created if created.tzinfo is not None else created.replace(tzinfo=LOCAL_TZ)
        props["created"] = aware.astimezone(dt.UTC).replace(tzinfo=None)
    return props
