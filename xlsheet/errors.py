"""One base class for the failures a person can fix; the CLI and the ribbon show them the same way.

Every expected error of a step subclasses `XlsheetError`; its message is Japanese and says what
to do. `problems` lists several at once where a step checks everything before stopping
(master data, a form definition). Anything else is a bug and is reported as one.
"""

from __future__ import annotations


class XlsheetError(Exception):
    """An expected failure: the message is Japanese and says how to fix it."""

    headline = ""
    """A first line shown before `problems` (e.g. 「マスタデータに誤りがあります。」)."""

    @property
    def problems(self) -> list[str]:
        return [str(self)]

    def lines(self) -> list[str]:
        """What to show a person, one line each."""
        probs = self.problems
        if self.headline:
            return [self.headline, *(f"- {p}" for p in probs)]
        return probs
