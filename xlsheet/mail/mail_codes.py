"""Catalogue rows of what mail intake says about a mail itself (`xlsheet.catalogue`)."""

from __future__ import annotations

from ..catalogue import register
from ..models import Severity

register(
    (
        "no_attachment",
        Severity.WARNING,
        "添付ファイルのないメールです。",
        "提出の場合は、入力したブック（.xlsx）を添付して送り直してください。",
    ),
    (
        "no_attachment_not_mime",
        Severity.WARNING,
        "添付ファイルのないメールです（MIME 形式ではない古い形式のメールで、添付を取り出せません）。",
        "メールソフトで入力したブック（.xlsx）を添付して送り直してください。",
    ),
)
