"""The `xlsheet` command: one thin subcommand per library step. Output is Japanese first."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .generate import generate_round, init_round
from .intake.cli import COMMANDS as INTAKE_COMMANDS
from .limits import ExcelLimitError
from .mail.cli import COMMANDS as MAIL_COMMANDS
from .master import MasterDataError
from .merge.cli import COMMANDS as MERGE_COMMANDS
from .paths import RoundPaths
from .ribbon.cli import addin
from .xlsxout import FileInUseError

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

ROUND_DIR = click.argument("round_dir", type=click.Path(file_okay=False, path_type=Path), default=".")


@contextmanager
def progress_bar(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr fed by `(done, total)` calls; silent when disabled or not a terminal."""
    if not enabled or not err_console.is_terminal:
        yield lambda done, total: None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]エラー:[/] {message}")
    sys.exit(code)


class Group(click.Group):
    """Turns the library's expected errors into one Japanese message and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MasterDataError as exc:
            err_console.print("[bold red]マスタデータに誤りがあります。何も書き込んでいません。[/]")
            for p in exc.problems:
                err_console.print(f"  - {p}")
            sys.exit(2)
        except (ExcelLimitError, FileExistsError, FileInUseError) as exc:
            fail(str(exc))


@click.group(cls=Group, help="政策評価ラウンドを Excel で回す: 配布ブック作成・回収・検証・統合。")
@click.version_option(package_name="xlsheet")
def main() -> None:
    pass


@main.command(help="ラウンドのフォルダと master.xlsx（マスタデータ）を作ります。")
@ROUND_DIR
@click.option("--sample", is_flag=True, help="見本ラウンド（所沢市 令和２年度 政策評価表）のデータで作る")
@click.option("--force", is_flag=True, help="既にある master.xlsx を上書きする")
def init(round_dir: Path, sample: bool, force: bool) -> None:
    path = init_round(round_dir, sample=sample, force=force)
    console.print(f"マスタデータを作成しました: {path}")
    console.print("Excel で編集してから `xlsheet generate` で入力ブックを作成してください。")


@main.command(help="所属ごとの入力ブック（outbox/*.xlsx）を作ります。")
@ROUND_DIR
def generate(round_dir: Path) -> None:
    with progress_bar("入力ブックを作成中") as advance:
        done = generate_round(round_dir, progress=advance)
    for g in done:
        console.print(f"  {g.department} {g.name}: {g.path}")
    console.print(f"入力ブックを {len(done)} 件作成しました: {RoundPaths(round_dir).outbox}")


main.add_command(addin)  # xlsheet addin … (xlsheet/ribbon/cli.py)

for _command in MAIL_COMMANDS:  # send, remind, feedback, fetch (xlsheet/mail/cli.py)
    main.add_command(_command)

for _command in INTAKE_COMMANDS:  # collect, status (xlsheet/intake/cli.py)
    main.add_command(_command)

for _command in MERGE_COMMANDS:  # merge, demo (xlsheet/merge/cli.py)
    main.add_command(_command)


if __name__ == "__main__":
    main()
