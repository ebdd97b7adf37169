"""The issue catalogue: every finding xlsheet reports, as data.

One row per code: severity, a message template and a hint template (Japanese, `str.format`
fields). Call sites name a code and its parameters; tests assert codes, never prose. Each step
registers its own rows with `register` (the form check's rows live in
`xlsheet.formdef.codes`); a code is registered once, anywhere.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .models import Issue, Severity


@dataclass(frozen=True)
class Entry:
    code: str
    severity: Severity
    message: str
    """What is wrong, with `{fields}`."""
    hint: str
    """How to fix it, with `{fields}`."""

    @property
    def fields(self) -> frozenset[str]:
        """The template fields message and hint need."""
        names = set()
        for text in (self.message, self.hint):
            names |= {f for _, f, _, _ in string.Formatter().parse(text) if f}
        return frozenset(names)


CATALOGUE: dict[str, Entry] = {}


def register(*rows: tuple[str, Severity, str, str]) -> None:
    """Add catalogue rows `(code, severity, message, hint)`; a code may be registered only once."""
    for code, severity, message, hint in rows:
        if code in CATALOGUE and CATALOGUE[code] != Entry(code, severity, message, hint):
            raise ValueError(f"issue code {code} registered twice with different texts")
        CATALOGUE[code] = Entry(code, severity, message, hint)


def entry(code: str) -> Entry:
    try:
        return CATALOGUE[code]
    except KeyError:
        raise KeyError(f"issue code {code} is not in the catalogue") from None


def issue(
    code: str,
    *,
    file: str = "",
    sheet: str = "",
    cell: str = "",
    field: str = "",
    at: Mapping[str, Any] | None = None,
    **params: Any,
) -> Issue:
    """An `Issue` for `code`, its message and hint filled from `params`.

    `at` carries the Issue's other location fields (lp, section, row, column), kept apart from
    the template parameters so a template may use those words. A missing parameter is a
    programming error and raises KeyError.
    """
    e = entry(code)
    return Issue(
        file=file,
        sheet=sheet,
        cell=cell,
        field=field,
        code=code,
        message=e.message.format(**params),
        hint=e.hint.format(**params),
        severity=e.severity,
        **dict(at or {}),
    )
