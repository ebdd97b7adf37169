"""Reminders to departments that have not answered, and replies asking for fixes."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path

from ..models import Department, DeptState, Issue, MailKind, Severity
from ..paths import RoundPaths
from ..round import Round
from .compose import DEFAULT_SIZE_LIMIT, feedback_message, reminder_message
from .mailboxes import original_mail
from .send import Delivery, SmtpConfig, build_and_deliver, no_address, selected_departments


def missing_text(status: str, errors: int) -> str:
    """What the department still owes, in Japanese."""
    if errors:
        return f"{status}（直す点が {errors} 件あります。お送りした返却ブックをご確認ください）"
    # 未送付 (no request on record) still means nothing came back: the department sees 未提出.
    return "未提出" if status in ("", "未送付") else status


def build_reminders(
    root: Path, only: list[str] | None = None, now: dt.datetime | None = None
) -> tuple[list[tuple[Department, EmailMessage]], list[str]]:
    """A reminder for every participating department without an accepted submission."""
    rnd = Round(Path(root))
    paths, master = rnd.paths, rnd.master
    with rnd.ledger() as ledger:
        status = {s.department: s for s in ledger.status(master, rnd.form)}
    mails, problems = [], []
    for dept in selected_departments(master, only, rnd.form):
        s = status.get(dept.code)
        if s is not None and s.done:
            continue
        if not dept.emails:
            problems.append(no_address(dept))
            continue
        missing = missing_text(s.status, s.errors) if s else "未提出"
        book = paths.feedback_workbook(dept)
        returned = bool(s and s.errors) and book.is_file()
        if not returned:
            book = paths.entry_workbook(dept)
        attach = book if book.is_file() else None
        mails.append((dept, reminder_message(master, dept, missing, attach, now, returned=returned)))
    return mails, problems


def fix_lines(issues: list[Issue]) -> list[str]:
    """Errors first, then warnings, each once; automatic fixes are not asked of anyone."""
    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    wanted = sorted((i for i in issues if i.severity in order), key=lambda i: order[i.severity])
    lines: list[str] = []
    for i in wanted:
        line = ("" if i.severity is Severity.ERROR else "（注意）") + i.text()
        if line not in lines:
            lines.append(line)
    return lines


FIX_STATES = frozenset({DeptState.NEEDS_FIX, DeptState.NEEDS_FIX_HAS_ACCEPTED, DeptState.UNANSWERED})
"""Department states that get a feedback reply."""


def build_feedback(
    root: Path, only: list[str] | None = None, now: dt.datetime | None = None
) -> tuple[list[tuple[Department, EmailMessage]], list[str]]:
    """A reply to each department whose latest submission has something to fix."""
    rnd = Round(Path(root))
    paths, master = rnd.paths, rnd.master
    with rnd.ledger() as ledger:
        latest = ledger.latest()
        status = {s.department: s for s in ledger.status(master, rnd.form)}
    mails, problems = [], []
    for dept in selected_departments(master, only, rnd.form):
        s, row = status.get(dept.code), latest.get(dept.code)
        if s is None or row is None or s.state not in FIX_STATES:
            continue  # nothing to fix: accepted (a fixed file counts now), held, or nothing came
        fixes = fix_lines(row.issues)
        if not fixes:
            continue
        if not dept.emails:
            problems.append(no_address(dept))
            continue
        book = paths.feedback_workbook(dept)
        if not book.is_file():
            problems.append(
                f"{dept.code} {dept.name}: 返却ブック {book} がないため、直す点の一覧だけを送ります"
                "（返却ブックは `xlsheet collect` が作ります）"
            )
            book = None
        reply = original_mail(paths.root, row.origin)
        mails.append((dept, feedback_message(master, dept, fixes, book, reply, now)))
    return mails, problems


def remind_round(
    root: Path,
    smtp: SmtpConfig | None = None,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    only: list[str] | None = None,
    now: dt.datetime | None = None,
) -> Delivery:
    """`xlsheet remind`: reminders to outbox/mail/reminders/ (or over SMTP)."""
    folder = RoundPaths(Path(root)).mail_outbox / "reminders"
    return build_and_deliver(root, build_reminders, folder, MailKind.REMINDER, smtp, size_limit, only, now)


def feedback_round(
    root: Path,
    smtp: SmtpConfig | None = None,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    only: list[str] | None = None,
    now: dt.datetime | None = None,
) -> Delivery:
    """`xlsheet feedback --mail`: replies with the feedback workbook to outbox/mail/feedback/."""
    folder = RoundPaths(Path(root)).mail_outbox / "feedback"
    return build_and_deliver(root, build_feedback, folder, MailKind.FEEDBACK, smtp, size_limit, only, now)
