"""What a merge reads from a round folder: master data and the ledger's current submissions."""

from __future__ import annotations

from pathlib import Path

from ..models import DepartmentStatus, Issue, Master, Received
from ..round import Round
from ..textsafe import clean_model
from .draft import Review


def current_received(ledger) -> list[Received]:
    """The ledger's current submissions, every text cleaned (what merge and the review stage's
    drafts are made of, so both take the same draft's fingerprint)."""
    return [clean_model(r, None) for r in ledger.current()]


def current_reviews(ledger, master: Master) -> dict[str, Review]:
    """The lead departments' current review decisions per leading project."""
    out: dict[str, Review] = {}
    for r in ledger.reviews():
        rec = clean_model(r, None)
        for lp, sections in rec.submission.answers.items():
            out[lp] = Review.from_answers(lp, sections, rec.department, rec.file)
    return out


def load_round(root: Path) -> tuple[Master, list[Received], list[DepartmentStatus], list[Issue]]:
    """Master data and the ledger's current submissions, status and issues.

    Every text is cleaned on the way in (textsafe): whatever the ledger holds (a control
    character from an older intake, a message of any length), the book and CSV get written.
    """
    rnd = Round(Path(root))
    master = rnd.master
    with rnd.ledger() as ledger:
        received, status, issues = current_received(ledger), ledger.status(master, rnd.form), ledger.issues()
    return (
        master,
        received,
        [clean_model(s) for s in status],
        [clean_model(i) for i in issues],
    )
