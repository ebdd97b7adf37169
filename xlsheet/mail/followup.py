"""Reminders to departments that have not answered, and replies asking for fixes."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path

from ..master import load_master
from ..models import Department, Issue, Master, Severity
from ..paths import RoundPaths
from .compose import DEFAULT_SIZE_LIMIT, ReplyTo, feedback_message, reminder_message
from .send import Delivery, SmtpConfig, _selected, deliver


def _ledger(root: Path):
    from ..intake.ledger import Ledger  # the intake step owns the ledger

    return Ledger(RoundPaths(Path(root)).ledger)


def missing_text(status: str, errors: int) -> str:
    """What the department still owes, in Japanese."""
    if errors:
        return f"{status}（直す点が {errors} 件あります。お送りした返却ブックをご確認ください）"
    return status or "未提出"


def build_reminders(
    root: Path, only: list[str] | None = None, now: dt.datetime | None = None
) -> tuple[list[tuple[Department, EmailMessage]], list[str]]:
    """A reminder for every participating department without an accepted submission."""
    paths = RoundPaths(Path(root))
    master = load_master(paths.master)
    ledger = _ledger(root)
    try:
        accepted = {r.department for r in _current(ledger)}
        status = {s.department: s for s in ledger.status(master)}
    finally:
        ledger.close()
    mails, problems = [], []
    for dept in _selected(master, only):
        if dept.code in accepted:
            continue
        if not dept.emails:
            problems.append(
                f"{dept.code} {dept.name}: メールアドレスがありません。master.xlsx の「所属」シートに入れてください"
            )
            continue
        s = status.get(dept.code)
        missing = missing_text(s.status, s.errors) if s else "未提出"
        book = paths.feedback_workbook(dept) if s and s.errors else None
        if book is None or not book.is_file():
            book = paths.entry_workbook(dept)
        mails.append((dept, reminder_message(master, dept, missing, book if book.is_file() else None, now)))
    return mails, problems


def _current(ledger) -> list:
    cur = ledger.current()
    return list(cur.values()) if isinstance(cur, dict) else list(cur)


def fix_lines(issues: list[Issue]) -> list[str]:
    """Errors first, then warnings; automatic fixes are not asked of anyone."""
    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    wanted = sorted((i for i in issues if i.severity in order), key=lambda i: order[i.severity])
    lines = []
    for i in wanted:
        mark = "" if i.severity is Severity.ERROR else "（注意）"
        lines.append(mark + i.text())
    return lines


def build_feedback(
    root: Path, only: list[str] | None = None, now: dt.datetime | None = None
) -> tuple[list[tuple[Department, EmailMessage]], list[str]]:
    """A reply to each department whose latest submission has something to fix."""
    paths = RoundPaths(Path(root))
    master = load_master(paths.master)
    ledger = _ledger(root)
    try:
        per_dept = _issues_by_department(ledger, master)
        replies = {d.code: _reply_to(ledger, d.code) for d in master.departments}
    finally:
        ledger.close()
    mails, problems = [], []
    for dept in _selected(master, only):
        fixes = fix_lines(per_dept.get(dept.code, []))
        if not fixes:
            continue
        if not dept.emails:
            problems.append(
                f"{dept.code} {dept.name}: メールアドレスがありません。master.xlsx の「所属」シートに入れてください"
            )
            continue
        book = paths.feedback_workbook(dept)
        if not book.is_file():
            problems.append(
                f"{dept.code} {dept.name}: 返却ブック {book} がないため、直す点の一覧だけを送ります（`xlsheet collect` で作られます）"
            )
            book = None
        mails.append((dept, feedback_message(master, dept, fixes, book, replies.get(dept.code), now)))
    return mails, problems


def _issues_by_department(ledger, master: Master) -> dict[str, list[Issue]]:
    raw = ledger.issues()
    if isinstance(raw, dict):
        return {k: list(v) for k, v in raw.items()}
    out: dict[str, list[Issue]] = {}
    for item in raw:
        dept, issue = item if isinstance(item, tuple) else (getattr(item, "department", ""), item)
        out.setdefault(dept, []).append(issue)
    return out


def _reply_to(ledger, dept: str) -> ReplyTo | None:
    finder = getattr(ledger, "last_mail", None)
    if finder is None:
        return None
    found = finder(dept)
    if not found or not found.get("message_id"):
        return None
    return ReplyTo(found["message_id"], found.get("references", ""), found.get("subject", ""))


def remind_round(
    root: Path,
    smtp: SmtpConfig | None = None,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    only: list[str] | None = None,
    now: dt.datetime | None = None,
) -> Delivery:
    """`xlsheet remind`: reminders to outbox/mail/reminders/ (or over SMTP)."""
    mails, problems = build_reminders(root, only, now)
    folder = RoundPaths(Path(root)).mail_outbox / "reminders"
    result = deliver(root, mails, folder, "reminder", smtp, size_limit, now)
    result.problems[:0] = problems
    return result


def feedback_round(
    root: Path,
    smtp: SmtpConfig | None = None,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    only: list[str] | None = None,
    now: dt.datetime | None = None,
) -> Delivery:
    """`xlsheet feedback --mail`: replies with the feedback workbook to outbox/mail/feedback/."""
    mails, problems = build_feedback(root, only, now)
    folder = RoundPaths(Path(root)).mail_outbox / "feedback"
    result = deliver(root, mails, folder, "feedback", smtp, size_limit, now)
    result.problems[:0] = problems
    return result
