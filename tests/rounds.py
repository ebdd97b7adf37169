"""Round helpers shared by tests: a department's workbook filled in as a real answer."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from xlsheet.fill import fill_workbook
from xlsheet.master import load_master
from xlsheet.paths import RoundPaths
from xlsheet.sample import sample_submissions


def filled_book(root: Path, code: str) -> Path:
    """The department's outbox workbook filled in as the sample round fills it (made once per round)."""
    paths = RoundPaths(root)
    master = load_master(paths.master)
    dept = master.department(code)
    filled = root / "filled" / paths.entry_workbook(dept).name
    if not filled.exists():
        filled.parent.mkdir(exist_ok=True)
        sub = next(s for s in sample_submissions(master) if s.department == code)
        fill_workbook(paths.entry_workbook(dept), filled, sub)
    return filled


def answer(root: Path, code: str, name: str, edit=None) -> Path:
    """A department's answer saved as `name` under root/answers/: the sample content, changed by
    `edit(submission) -> submission` when given (a department's second version, say)."""
    paths = RoundPaths(root)
    master = load_master(paths.master)
    sub = next(s for s in sample_submissions(master) if s.department == code)
    if edit is not None:
        sub = edit(sub)
    target = root / "answers" / name
    target.parent.mkdir(exist_ok=True)
    fill_workbook(paths.entry_workbook(master.department(code)), target, sub)
    return target


def saved_at(data: bytes, when: dt.datetime) -> bytes:
    """The workbook as if Excel had last saved it at `when` (docProps/core.xml dcterms:modified)."""
    stamp = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return rewrite_part(
        data,
        "docProps/core.xml",
        lambda xml: re.sub(
            rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
            rb"\g<1>" + stamp.encode() + rb"\g<2>",
            xml,
        ),
    )


def rewrite_part(data: bytes, part: str, change) -> bytes:
    """The zip with one member's bytes replaced by `change(old_bytes)`, the rest copied as they are."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, change(body) if info.filename == part else body)
    return buf.getvalue()


def reply_mail(
    sender: str, attachments: list[tuple[str, bytes]], date: dt.datetime, subject: str = "政策評価表"
) -> bytes:
    """A department's reply carrying workbooks, dated `date`, as its mailer would send it."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "kikaku@example.lg.jp"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg.set_content("政策評価表を提出します。")
    for name, data in attachments:
        msg.add_attachment(
            data,
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=name,
        )
    return msg.as_bytes(policy=policy.SMTP)


def versioned(label: str):
    """An edit for `answer`: the department's first evaluation heading carries `label` (its version)."""

    def edit(sub):
        entry = sub.lps[0]
        first = entry.evaluations[0]
        evaluations = (
            first.model_copy(update={"heading": f"{label}{first.heading}"}),
            *entry.evaluations[1:],
        )
        return sub.model_copy(update={"lps": (entry.model_copy(update={"evaluations": evaluations}),)})

    return edit
