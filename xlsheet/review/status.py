"""Where each leading project's review stands (`xlsheet status`, after the departments' table)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..merge.consolidate import consolidate
from ..merge.draft import Review, review_unit
from ..merge.source import current_received
from ..models import TO_FIX, FileStatus, Master
from ..paths import RoundPaths


class ReviewState(StrEnum):
    WAITING = "waiting"
    """The review workbook was issued; nothing came back yet."""
    ACCEPTED = "accepted"
    """The lead's review counts: merge prints its decisions."""
    OUTDATED = "outdated"
    """The accepted review was made from an older draft: merge does not apply it."""
    NEEDS_FIX = "needs_fix"
    HELD = "held"


REVIEW_STATE_JA = {
    ReviewState.WAITING: "未提出",
    ReviewState.ACCEPTED: "受理（判断どおりに載せます）",
    ReviewState.OUTDATED: "古い案への確認（作り直して確認し直し）",
    ReviewState.NEEDS_FIX: "要修正",
    ReviewState.HELD: "確認待ち",
}


@dataclass(frozen=True)
class ReviewStatus:
    lp: str
    lp_name: str
    lead: str
    lead_name: str
    state: ReviewState
    file: str = ""

    @property
    def state_ja(self) -> str:
        return REVIEW_STATE_JA[self.state]


def review_status(paths: RoundPaths, master: Master, ledger) -> list[ReviewStatus]:
    """One row per leading project once review workbooks were issued (else none)."""
    if not paths.review_outbox.is_dir():
        return []
    drafts = consolidate(master, current_received(ledger)).drafts
    latest = ledger.latest(reviews=True)
    out = []
    for lp in master.leading_projects:
        row = latest.get(review_unit(lp.code))
        lead = master.department(lp.lead_department)
        state, file = ReviewState.WAITING, ""
        if row is not None:
            file = row.origin
            if row.status is FileStatus.HELD:
                state = ReviewState.HELD
            elif row.status in TO_FIX:
                state = ReviewState.NEEDS_FIX
            else:
                sub = ledger.submission(row.sha256)
                review = Review.from_answers(lp.code, sub.answers.get(lp.code, {})) if sub else None
                fresh = review is not None and review.draft == drafts[lp.code].fingerprint
                state = ReviewState.ACCEPTED if fresh else ReviewState.OUTDATED
        out.append(ReviewStatus(lp.code, lp.name, lead.code, lead.name, state, file))
    return out
