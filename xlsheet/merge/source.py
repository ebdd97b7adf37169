"""What a merge reads from a round folder: master data and the ledger's current submissions."""

from __future__ import annotations

from pathlib import Path

from ..models import DepartmentStatus, Issue, Master, Received
from ..round import Round
from ..textsafe import clean_model


def load_round(root: Path) -> tuple[Master, list[Received], list[DepartmentStatus], list[Issue]]:
    """Master data and the ledger's current submissions, status and issues.

    Every text is cleaned on the way in (textsafe): whatever the ledger holds (a control
    character from an older intake, a message of any length), the book and CSV get written.
    """
    rnd = Round(Path(root))
    master = rnd.master
    with rnd.ledger() as ledger:
        received, status, issues = ledger.current(), ledger.status(master, rnd.form), ledger.issues()
    return (
        master,
        [clean_model(r, None) for r in received],
        [clean_model(s) for s in status],
        [clean_model(i) for i in issues],
    )
