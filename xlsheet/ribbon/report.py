"""How a button fails: `RibbonError` for what the person at the ribbon can fix, and the wrapper
that shows any failure as a Japanese message box."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..errors import XlsheetError
from .workbook import alert

log = logging.getLogger(__name__)


class RibbonError(XlsheetError):
    """A problem the person at the ribbon can fix; the message is Japanese and says how."""


def report_errors(func: Callable[[Any], str]) -> Callable[[Any], str]:
    """Show any failure as a Japanese message box instead of losing it in a server log."""

    def wrapper(book: Any) -> str:
        try:
            return func(book)
        except XlsheetError as exc:
            lines = exc.lines()
            message = "\n".join(lines[:21])
        except FileExistsError as exc:
            message = str(exc)
        except Exception as exc:  # the ribbon is the outermost caller: report, never swallow silently
            log.exception("ribbon button %s failed", func.__name__)
            message = f"処理中に予期しないエラーが起きました（{type(exc).__name__}: {exc}）。担当者に連絡してください"
        alert(book, message)
        return message

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper
