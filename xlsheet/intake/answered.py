"""Is a return an answer? Two round-level rules that look past single cells.

- A workbook returned untouched (only what generate pre-filled) is not an answer: 未記入.
- A workbook made from master data that has changed since must be redone when the change asks
  something new of the department (an initiative or leading project added, lead role given).
"""

from __future__ import annotations

import json
from collections import Counter

from ..catalogue import issue
from ..entry_writer import default_values
from ..given import changes, given
from ..models import Issue, Master, Severity, Submission
from . import integrity_codes  # noqa: F401  (registers the codes used here)


def _prefilled(master: Master, dept: str, lp: str) -> Counter:
    rows = default_values(master, dept, lp).get("projects", [])
    return Counter((r.get("code", ""), r.get("name", ""), r.get("owner", "")) for r in rows)


def untouched(master: Master, submission: Submission) -> Issue | None:
    """The 未記入 issue when nothing in the submission goes beyond the pre-fill, else None."""
    dept = submission.department
    for entry in submission.lps:
        if entry.evaluations or entry.policies or entry.summary or entry.policy_intro or entry.sdgs:
            return None
        try:
            expected = _prefilled(master, dept, entry.lp)
        except KeyError:
            return None
        # A pre-filled row without a 事業名 reads back as a project with an empty name.
        got = Counter((p.initiative, p.name, p.department) for p in entry.projects)
        if got != expected:
            return None
    return issue("untouched")


def outdated_issues(given_text: str, master: Master, dept: str) -> list[Issue]:
    """What changed in master data since the workbook was made (errors ask for a new workbook)."""
    if not given_text:
        return []
    try:
        old = json.loads(given_text)
        new = given(master, dept)
    except (ValueError, KeyError):
        return []
    return [
        issue("outdated_workbook" if c.severity is Severity.ERROR else "master_changed", change=c.message)
        for c in changes(old, new)
    ]
