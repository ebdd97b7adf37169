"""The one way CLI commands print: our markup in the template, text from files only as arguments.

`Out.say("[green]受理[/] {}", path)` formats each argument through `textsafe.for_terminal`
(markup escaped, ESC and other control characters and invisible characters shown as <U+XXXX>)
before rich sees it, so a file name like `[/]x.xlsx` or a cell holding an escape sequence can
neither crash the output nor reach the terminal. Templates are ours; never put untrusted text
into a template (no f-strings with file names or values: pass them as arguments).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .textsafe import for_terminal


class Out:
    """A rich console (stdout or stderr) that escapes every argument it formats."""

    def __init__(self, stderr: bool = False):
        self.console = Console(stderr=stderr, highlight=False, soft_wrap=True)

    def say(self, template: str = "", *args: Any, **kwargs: Any) -> None:
        """Print `template` (trusted markup) with `{}` fields filled by untrusted values."""
        if args or kwargs:
            template = template.format(
                *(for_terminal(a) for a in args), **{k: for_terminal(v) for k, v in kwargs.items()}
            )
        self.console.print(template)

    def text(self, value: Any) -> None:
        """Print untrusted text as it is (no markup), its line breaks kept."""
        self.console.print("\n".join(for_terminal(line) for line in str(value).split("\n")))

    def print(self, renderable: Any) -> None:
        """A rich renderable we built (a table whose cells went through `cell`)."""
        self.console.print(renderable)

    @property
    def width(self) -> int:
        return self.console.width

    @property
    def is_terminal(self) -> bool:
        return self.console.is_terminal


def cell(value: Any) -> str:
    """Untrusted text for a rich table cell."""
    return for_terminal(value)


out = Out()
err = Out(stderr=True)


@contextmanager
def progress_bar(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr fed by `(done, total)` calls; silent when disabled or not a terminal."""
    if not enabled or not err.console.is_terminal:
        yield lambda done, total: None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err.console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)
