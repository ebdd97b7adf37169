"""The office decides: accept a given file, or withdraw one, with a reason.

One function per decision, called by the CLI (`xlsheet accept` / `xlsheet withdraw`), the ribbon
(the 企画課の判断 sheet of the control workbook) and tests. Decisions are events in the ledger;
`Ledger.decide` re-elects the department with the one rule, and a later collect never undoes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..models import FILE_STATUS_JA, FileStatus
from ..round import Round
from .collect import update_feedback
from .ledger import Action, Row


@dataclass(frozen=True)
class Decided:
    """What a decision did: the file, its department, and the file that counts now."""

    action: Action
    file: str
    sha256: str
    department: str
    status: FileStatus
    current: str
    """The department's current file after the decision ("" when none counts)."""

    def text(self) -> str:
        """One line for people (Japanese)."""
        verb = "採用しました" if self.action is Action.ACCEPT else "取り下げました"
        now = f"現在の提出: {self.current}" if self.current else "この所属の有効な提出はありません"
        return f"{self.file}（{self.department}）を{verb}。状態: {FILE_STATUS_JA[self.status]}。{now}"


def decide_file(root: Path, ref: str, action: Action, reason: str = "") -> Decided:
    """Record one decision on the file `ref` (inbox/… path or SHA-256 prefix); LedgerError if it
    cannot be taken. Feedback books of the department follow the new state."""
    rnd = Round(Path(root))
    paths, master = rnd.paths, rnd.master
    with rnd.ledger() as ledger:
        row: Row = ledger.decide(ref, action, reason)
        update_feedback(master, paths, ledger, {row.department})
        if row.unit:  # a lead department's review: its own election
            cur = ledger.latest(reviews=True).get(row.unit)
            current = cur.origin if cur is not None and cur.status is FileStatus.ACCEPTED else ""
        else:
            current = next((r.file for r in ledger.current() if r.department == row.department), "")
        return Decided(action, row.origin, row.sha256, row.department, row.status, current)


def accept_file(root: Path, ref: str, reason: str = "") -> Decided:
    """`xlsheet accept`: this file counts for its department, whatever arrives later."""
    return decide_file(root, ref, Action.ACCEPT, reason)


def withdraw_file(root: Path, ref: str, reason: str) -> Decided:
    """`xlsheet withdraw`: this file never counts (unless accepted again)."""
    return decide_file(root, ref, Action.WITHDRAW, reason)
