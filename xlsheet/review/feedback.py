"""The returned review book: a refused review workbook's decisions in a fresh review workbook
of the current draft, the problem cells marked and a 指摘事項 sheet."""

from __future__ import annotations

from pathlib import Path

from ..formdef import Form
from ..merge.consolidate import consolidate
from ..merge.draft import Review, carried
from ..merge.source import current_received
from ..models import Issue, Master
from ..paths import RoundPaths
from .write import write_review_workbook


def write_review_feedback(
    master: Master,
    paths: RoundPaths,
    lp: str,
    department: str,
    ledger,
    sha256: str,
    issues: list[Issue],
    form: Form,
) -> Path:
    """Write feedback/<dept>_確認_<LP>.xlsx for the review file `sha256` and return its path.

    The book is made from the current draft; the lead's decisions are carried over (onto the
    new draft's items when the review was made from an older one)."""
    draft = consolidate(master, current_received(ledger)).drafts[lp]
    review = None
    submission = ledger.submission(sha256)
    if submission is not None and lp in submission.answers:
        review = Review.from_answers(lp, submission.answers[lp], department)
        if review.draft != draft.fingerprint:
            review = carried(review, draft)
    target = paths.review_feedback(master.department(department), lp)
    write_review_workbook(master, lp, draft, target, form=form, review=review, annotations=issues)
    return target
