"""Step `review`: one review workbook per leading project for its lead department, and the mails.

`review_round` writes outbox/review/<lead>_確認_<LP>.xlsx from the ledger's current answers (a
book whose draft has not changed is left as it is); `send_reviews` drafts (or sends over SMTP)
one mail per lead department with its review workbooks, like `xlsheet send` for entry books.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from ..errors import XlsheetError
from ..generate import BOOK_CHANGE_JA, BookChange, stamped_manifest
from ..mail.compose import (
    DEFAULT_SIZE_LIMIT,
    attach_file,
    deadline_text,
    feedback_message,
    new_message,
    signature,
)
from ..mail.send import Delivery, SmtpConfig, build_and_deliver, deliver, no_address
from ..merge.consolidate import consolidate
from ..merge.draft import carried
from ..merge.sections import PRINT_LAYOUTS, SEED_LAYOUT, print_layout
from ..merge.source import current_received, current_reviews
from ..models import Department, MailKind, Master
from ..round import Round
from .write import write_review_workbook

__all__ = ["BOOK_CHANGE_JA", "ReviewBook", "review_feedback_round", "review_round", "send_reviews"]


@dataclass(frozen=True)
class ReviewBook:
    lp: str
    lp_name: str
    lead: Department
    path: Path
    draft: str
    """The fingerprint of the draft the book was made from."""
    change: BookChange
    projects: int
    paragraphs: int
    reviewed: bool
    """The lead's decisions are in the book (a review was accepted before)."""


class ReviewNotApplicable(XlsheetError):
    """The round's form has no 政策評価表 to review (a 事務事業評価, say)."""

    headline = "この様式のラウンドには確認ブックがありません。"


def review_round(root: Path, issued: dt.date | None = None) -> list[ReviewBook]:
    """Write the review workbook of every leading project for its lead department; return them.

    Made from the ledger's current answers (the same draft merge prints). A lead's accepted
    review is carried into its new book (onto the items still there) so a re-issued book keeps
    the decisions already taken."""
    rnd = Round(Path(root))
    paths, master, form = rnd.paths, rnd.master, rnd.form
    if print_layout(form) is not PRINT_LAYOUTS[SEED_LAYOUT]:
        raise ReviewNotApplicable(
            f"様式「{form.title}」の公表レイアウトは「{form.layout}」です。主管所属の確認ブックは、"
            f"公表レイアウトが「{SEED_LAYOUT}」の様式（リーディングプロジェクトごとに事業を選び段落をまとめる）の"
            "ラウンドで使います"
        )
    with rnd.ledger() as ledger:
        received = current_received(ledger)
        reviews = current_reviews(ledger, master)
    cons = consolidate(master, received)
    paths.review_outbox.mkdir(parents=True, exist_ok=True)
    out = []
    for lp in master.leading_projects:
        lead = master.department(lp.lead_department)
        draft = cons.drafts[lp.code]
        path = paths.review_workbook(lead, lp.code)
        old = stamped_manifest(path) if path.exists() else None
        review = reviews.get(lp.code)
        if review is not None and review.draft != draft.fingerprint:
            review = carried(review, draft)
        if old is not None and old.draft == draft.fingerprint:
            change = BookChange.UNCHANGED
        else:
            write_review_workbook(master, lp.code, draft, path, form=form, review=review, issued=issued)
            change = BookChange.CHANGED if old is not None else BookChange.NEW
        out.append(
            ReviewBook(
                lp.code,
                lp.name,
                lead,
                path,
                draft.fingerprint,
                change,
                len(draft.projects),
                len(draft.paragraphs),
                review is not None,
            )
        )
    return out


def review_message(
    master: Master, dept: Department, books: list[ReviewBook], now: dt.datetime | None = None
) -> EmailMessage:
    """The request to a lead department to review its leading projects' merged drafts."""
    s = master.settings
    names = "、".join(f"「{b.lp_name}」" for b in books)
    subject = f"【{s.evaluation_label}政策評価】政策評価表の確認依頼（主管所属 {dept.name}・提出期限 {deadline_text(master)}）"
    head = f"{dept.parent} {dept.name} ご担当者様" if dept.parent else f"{dept.name} ご担当者様"
    lines = [
        head,
        "",
        f"{s.office_name}（{s.office_contact}）です。",
        "",
        f"{names}の主管所属として、各所属の回答をまとめた政策評価表の案の確認をお願いします。",
        "",
        f"■ 提出期限: {deadline_text(master)}",
        "■ 添付ファイル: " + "、".join(b.path.name for b in books),
        "",
        "■ 確認していただくこと",
        "1. 「事業の選択」: 取り組みごとに載せる事業を 3 件まで選び、「採用」に ○ を付けてください。",
        "2. 「段落の編集」: ● の段落ごとに 採用・統合・削除 を選び、載せる見出しと本文を直してください。",
        "   見出しが同じ段落は「気づいた点」に書いてあります。",
        "3. 「ＳＤＧｓの判断」: 政策評価表で ○ を付ける目標を決めてください。",
        "4. 上書き保存し、ファイル名と形式（.xlsx）を変えずにこのメールへの返信に添付して送ってください。",
        "",
        signature(master),
    ]
    msg = new_message(master, dept, subject, "\n".join(lines), now)
    for b in books:
        attach_file(msg, b.path.read_bytes(), b.path.name)
    return msg


def send_reviews(
    root: Path,
    books: list[ReviewBook],
    smtp: SmtpConfig | None = None,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    now: dt.datetime | None = None,
    resend: bool = False,
) -> Delivery:
    """One mail per lead department with its new or changed review workbooks (every one with
    `resend`) to outbox/mail/review/ (drafts), or sent over SMTP."""
    rnd = Round(Path(root))
    master = rnd.master
    by_lead: dict[str, list[ReviewBook]] = {}
    for b in books:
        by_lead.setdefault(b.lead.code, []).append(b)
    mails, problems, skipped = [], [], []
    for code, mine in by_lead.items():
        dept = master.department(code)
        if not resend and all(b.change is BookChange.UNCHANGED for b in mine):
            skipped.append(f"{dept.code} {dept.name}: 同じ確認ブックを作成済みです（送り直すには --all）")
        elif not dept.emails:
            problems.append(no_address(dept))
        else:
            mails.append((dept, review_message(master, dept, mine, now)))
    result = deliver(root, mails, rnd.paths.review_mail_outbox, MailKind.REVIEW, smtp, size_limit, now)
    result.problems[:0] = problems
    result.skipped = skipped
    return result


def build_review_feedback(
    root: Path, only: list[str] | None = None, now: dt.datetime | None = None
) -> tuple[list[tuple[Department, EmailMessage]], list[str]]:
    """A reply to each lead department whose latest review workbook was refused: what to fix,
    with the returned review book(s) attached."""
    from ..mail.followup import fix_lines
    from ..mail.mailboxes import original_mail
    from ..models import TO_FIX

    rnd = Round(Path(root))
    paths, master = rnd.paths, rnd.master
    with rnd.ledger() as ledger:
        latest = ledger.latest(reviews=True)
    per_dept: dict[str, list[tuple[str, list[str], Path | None, str]]] = {}
    for unit, row in sorted(latest.items()):
        lp = unit.split(":", 1)[1]
        if row.status not in TO_FIX or (only and row.department not in only):
            continue
        fixes = fix_lines(row.issues)
        try:
            dept = master.department(row.department)
        except KeyError:
            continue
        if fixes:
            book = paths.review_feedback(dept, lp)
            per_dept.setdefault(dept.code, []).append(
                (lp, fixes, book if book.is_file() else None, row.origin)
            )
    mails, problems = [], []
    for code, items in per_dept.items():
        dept = master.department(code)
        if not dept.emails:
            problems.append(no_address(dept))
            continue
        fixes = [f"（確認ブック {lp}）{line}" for lp, lines, _, _ in items for line in lines]
        books = [b for _, _, b, _ in items if b is not None]
        msg = feedback_message(
            master, dept, fixes, books[0] if books else None, original_mail(paths.root, items[0][3]), now
        )
        for b in books[1:]:
            attach_file(msg, b.read_bytes(), b.name)
        mails.append((dept, msg))
    return mails, problems


def review_feedback_round(
    root: Path,
    smtp: SmtpConfig | None = None,
    size_limit: int = DEFAULT_SIZE_LIMIT,
    only: list[str] | None = None,
    now: dt.datetime | None = None,
) -> Delivery:
    """`xlsheet feedback --mail` for review workbooks: replies to outbox/mail/feedback/review/."""
    folder = Round(Path(root)).paths.mail_outbox / "feedback" / "review"
    return build_and_deliver(
        root, build_review_feedback, folder, MailKind.FEEDBACK, smtp, size_limit, only, now
    )
