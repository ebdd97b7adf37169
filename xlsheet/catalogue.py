"""The issue catalogue: every finding xlsheet reports, as data.

One row per code: severity, a message template and a hint template (Japanese, `str.format`
fields). Call sites name a code and its parameters; tests assert codes, never prose. Each step
registers its own rows with `register` in a small module of its own (`CATALOGUE_MODULES`); a
code is registered once, anywhere. `python3 -m xlsheet.catalogue` lists every row.
"""

from __future__ import annotations

import argparse
import importlib
import string
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .models import SEVERITY_JA, Issue, Severity


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

CATALOGUE_MODULES = (
    "xlsheet.formdef.codes",
    "xlsheet.intake.intake_codes",
    "xlsheet.intake.integrity_codes",
    "xlsheet.intake.read_codes",
    "xlsheet.mail.mail_codes",
    "xlsheet.merge.merge_codes",
    "xlsheet.review.review_codes",
)
"""Modules holding catalogue rows: importing them registers every code (`load_all`)."""


def load_all() -> dict[str, Entry]:
    """The whole catalogue: every module of `CATALOGUE_MODULES` imported."""
    for name in CATALOGUE_MODULES:
        importlib.import_module(name)
    return CATALOGUE


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


def table(hints: bool = False) -> list[str]:
    """The catalogue as lines: code, severity (Japanese) and message template, sorted by code."""
    rows = sorted(load_all().values(), key=lambda e: e.code)
    width = max((len(e.code) for e in rows), default=0)
    lines = [f"{'コード'.ljust(width - 3)}  重さ      メッセージ（{{…}} は差し込まれる値）"]
    for e in rows:
        severity = SEVERITY_JA[e.severity]
        lines.append(f"{e.code.ljust(width)}  {severity}{'　' * (4 - len(severity))}  {e.message}")
        if hints and e.hint:
            lines.append(f"{'':{width}}  {'':8}  → {e.hint}")
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    """`python3 -m xlsheet.catalogue [--hint]`: every issue code xlsheet reports, as a table."""
    parser = argparse.ArgumentParser(
        prog="python3 -m xlsheet.catalogue", description="指摘コードの一覧（コード・重さ・メッセージ）"
    )
    parser.add_argument("--hint", action="store_true", help="直し方（ヒント）も表示する")
    args = parser.parse_args(argv)
    sys.stdout.write("\n".join(table(args.hint)) + "\n")


if __name__ == "__main__":  # run as a script: use the imported module, where the rows register
    from xlsheet.catalogue import main as _main

    _main()
