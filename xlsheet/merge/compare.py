"""The consolidated book's 前年度比較 sheet: what changed since the round this one was started from.

A round made with `xlsheet init --from` keeps last year's master data and accepted answers
(前年度.json); the sheet lists every change `xlsheet diff` finds between them and this year's
accepted answers, one row each, as an Excel table (filters by 区分, 対象, 所属) and a CSV.
"""

from __future__ import annotations

from ..formdef import Form
from ..models import Master, Received
from ..yoy.diff import RoundDiff, RoundSide, compare
from ..yoy.previous import PreviousRound
from .tables import Table

COMPARISON_KEY = "comparison"
COMPARISON_SHEET = "前年度比較"
COMPARISON_HEADERS = ("区分", "対象", "所属", "項目", "前年度", "今年度", "備考")
COMPARISON_WIDTHS = (16.0, 28.0, 18.0, 40.0, 30.0, 30.0, 60.0)


def round_comparison(
    previous: PreviousRound, master: Master, received: list[Received], form: Form
) -> RoundDiff:
    """Last year's round (as kept) against this year's accepted answers."""
    old = RoundSide(previous.master, previous.form or form, previous.answers)
    new = RoundSide(
        master.model_copy(update={"previous": None}),
        form,
        {r.department: r.submission.answers for r in received},
    )
    return compare(old, new)


def comparison_table(diff: RoundDiff) -> Table:
    """The 前年度比較 sheet's rows (one per change), titled with both fiscal years."""
    rows = [(c.kind.ja, c.unit, c.department, c.subject, c.before, c.after, c.note) for c in diff.changes]
    return Table(
        COMPARISON_KEY,
        COMPARISON_SHEET,
        COMPARISON_HEADERS,
        COMPARISON_WIDTHS,
        rows,
        title=f"前年度比較（{diff.old_label}→{diff.new_label}）",
    )
