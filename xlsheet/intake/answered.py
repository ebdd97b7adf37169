"""Is a return an answer? Two round-level rules that look past single cells.

- A workbook returned untouched (only what generate pre-filled) is not an answer: 未記入.
- A workbook made from master data that has changed since must be redone when the change asks
  something new of the department (an initiative or leading project added, lead role given).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..catalogue import issue
from ..entry_writer import default_values
from ..formdef.compute import row_in_use
from ..formdef.model import Form, Section
from ..given import changes, given
from ..models import Issue, Master, Severity, Submission
from . import integrity_codes  # noqa: F401  (registers the codes used here)


def _blank(v: Any) -> bool:
    return v is None or v == ""


def _inputs(section: Section, rows: list[dict[str, Any]]) -> Counter:
    """The rows in use of a section as tuples of their input values (blank as "")."""
    keys = [f.key for f in section.fields if f.is_input]
    return Counter(
        tuple("" if _blank(r.get(k)) else str(r.get(k)) for k in keys) for r in rows if row_in_use(section, r)
    )


_EXPECTED: dict[tuple[int, int, str, str], tuple[Master, Form, dict[str, Counter] | None]] = {}


def _expected(master: Master, form: Form, dept: str, unit: str) -> dict[str, Counter] | None:
    """What generate pre-filled per section, as `_inputs` counts it (once per master and form)."""
    key = (id(master), id(form), dept, unit)
    hit = _EXPECTED.get(key)
    if hit is None or hit[0] is not master or hit[1] is not form:
        if len(_EXPECTED) > 4096:
            _EXPECTED.clear()
        try:
            rows = default_values(master, dept, unit, form)
            value: dict[str, Counter] | None = {s.key: _inputs(s, rows.get(s.key, [])) for s in form.sections}
        except KeyError:
            value = None
        hit = _EXPECTED[key] = (master, form, value)
    return hit[2]


def untouched(master: Master, submission: Submission, form: Form | None = None) -> Issue | None:
    """The 未記入 issue when nothing in the submission goes beyond the pre-fill, else None.

    Every section of every unit is compared with what generate pre-filled from the form's
    初期値 (input fields of the rows in use), so a department that filled only a section the
    office added is not 未記入."""
    if form is None:
        from ..round import default_form

        form = default_form()
    dept = submission.department
    units = submission.answers or {e.lp: {} for e in submission.lps}
    if not units:
        return None
    # Cheap first: a row in use in a section generate never pre-fills is an answer already.
    blank_sections = [s for s in form.sections if not any(f.default for f in s.fields if f.is_input)]
    for sections in units.values():
        if any(any(row_in_use(s, r) for r in sections.get(s.key, [])) for s in blank_sections):
            return None
    for unit, sections in units.items():
        expected = _expected(master, form, dept, unit)
        if expected is None:
            return None
        for section in form.sections:
            if _inputs(section, sections.get(section.key, [])) != expected[section.key]:
                return None
    return issue("untouched")


def outdated_issues(given_text: str, master: Master, dept: str) -> list[Issue]:
    """What changed in master data since the workbook was made (errors ask for a new workbook)."""
    if not given_text:
        return []
    try:
        old = json.loads(given_text)
        new = given(master, dept, "projects" in old)
    except (ValueError, KeyError):
        return []
    return [
        issue("outdated_workbook" if c.severity is Severity.ERROR else "master_changed", change=c.message)
        for c in changes(old, new)
    ]
