"""The `xlsheet` command: one thin subcommand per library step. Output is Japanese first."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from .errors import DISK_FULL, READ_ONLY, XlsheetError, folder_error, ledger_error
from .formdef.cli import form as form_group
from .generate import generate_round, init_round
from .intake.cli import COMMANDS as INTAKE_COMMANDS
from .mail.cli import COMMANDS as MAIL_COMMANDS
from .merge.cli import COMMANDS as MERGE_COMMANDS
from .paths import RoundPaths
from .publish.cli import COMMANDS as PUBLISH_COMMANDS
from .review.cli import COMMANDS as REVIEW_COMMANDS
from .ribbon.cli import addin
from .termout import err as err_out
from .termout import out, progress_bar
from .yoy.cli import COMMANDS as YOY_COMMANDS

ROUND_DIR = click.argument("round_dir", type=click.Path(file_okay=False, path_type=Path), default=".")


def fail(message: str, code: int = 2) -> None:
    err_out.say("[bold red]エラー:[/] {}", message)
    sys.exit(code)


class Group(click.Group):
    """Turns the library's expected errors into one Japanese message and a non-zero exit, and
    lists each command by its first Japanese sentence (click cuts help at an ASCII period or 45
    characters, which leaves 「2...」 of a Japanese help without spaces)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            rows.append((name, cmd.short_help or first_sentence(cmd.help or "")))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (XlsheetError, FileExistsError) as exc:
            show_error(exc.lines() if isinstance(exc, XlsheetError) else [str(exc)])
        except sqlite3.DatabaseError as exc:  # the ledger failed after it was opened (disk, damage)
            show_error(ledger_error(Path("ledger.sqlite"), exc).lines())
        except OSError as exc:  # a folder of the round not writable or a full disk, found late
            if exc.errno not in (*DISK_FULL, *READ_ONLY):
                raise
            where = Path(exc.filename) if exc.filename else Path.cwd()
            show_error(folder_error(where, exc, "ラウンドのフォルダ").lines())


def first_sentence(text: str) -> str:
    """A command's help up to its first 。 outside brackets (「…（A。B）。」 keeps the brackets)."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "（(「":
            depth += 1
        elif ch in "）)」":
            depth -= 1
        elif ch == "。" and depth <= 0:
            return text[: i + 1].strip()
    return text.strip()


def show_error(lines: list[str]) -> None:
    """An expected failure (OfficeError among them: message naming the path, then what to do); exit 2."""
    err_out.say("[bold red]エラー:[/] {}", lines[0])
    for line in lines[1:]:
        err_out.say("  {}", line)
    sys.exit(2)


@click.group(cls=Group, help="政策評価ラウンドを Excel で回す: 配布ブック作成・回収・検証・統合。")
@click.version_option(package_name="xlsheet")
def main() -> None:
    pass


@main.command(help="ラウンドのフォルダと master.xlsx（マスタデータ）を作ります。")
@ROUND_DIR
@click.option("--sample", is_flag=True, help="見本ラウンド（所沢市 令和２年度 政策評価表）のデータで作る")
@click.option("--force", is_flag=True, help="既にある master.xlsx を上書きする")
@click.option(
    "--form",
    "form",
    default=None,
    help="このラウンドの様式: 様式定義ブック（.xlsx）か同梱の様式 ID（`xlsheet form list`）。既定は政策評価表",
)
@click.option(
    "--from",
    "from_round",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="前年度のラウンドのフォルダ: マスタデータを 1 年進めて引き継ぎ、前年度の受理内容を記入と比較に使う",
)
def init(round_dir: Path, sample: bool, force: bool, form: str | None, from_round: Path | None) -> None:
    if from_round is not None:
        if sample:
            fail(
                "--sample と --from は一緒に使えません。前年度のラウンドから作るときは --from だけを付けてください"
            )
        from .yoy.carry import start_from
        from .yoy.cli import show_carry_report

        show_carry_report(start_from(round_dir, from_round, force=force, form=form))
        return
    path = init_round(round_dir, sample=sample, force=force, form=form)
    out.say("マスタデータを作成しました: {}", path)
    if not sample:
        out.say(
            "シートと見出しだけの空のマスタです。Excel で「設定」と各シート（リーディングプロジェクト・取り組み・"
            "割り当て・所属）を入力してください。"
        )
    out.say("Excel で編集してから `xlsheet generate` で入力ブックを作成してください。")


@main.command(
    help="所属ごとの入力ブック（outbox/*.xlsx）を作ります。マスタデータが変わった所属と新しい所属のブックだけを"
    "書き直し、ほかはそのままにします（すべて書き直すには --all）。"
)
@ROUND_DIR
@click.option("--all", "rewrite_all", is_flag=True, help="変更のない所属のブックも書き直す")
def generate(round_dir: Path, rewrite_all: bool) -> None:
    from .generate import BOOK_CHANGE_JA, BookChange

    with progress_bar("入力ブックを作成中") as advance:
        done = generate_round(round_dir, progress=advance, rewrite_all=rewrite_all)
    for g in done:
        out.say("  {} {}: {} {}", g.department, g.name, BOOK_CHANGE_JA[g.change], g.path)
    counts = {c: sum(g.change is c for g in done) for c in BookChange}
    out.say(
        "入力ブックを {} 件作成しました（新規 {} 件・変更あり {} 件）: {}",
        counts[BookChange.NEW] + counts[BookChange.CHANGED],
        counts[BookChange.NEW],
        counts[BookChange.CHANGED],
        RoundPaths(round_dir).outbox,
    )
    if counts[BookChange.UNCHANGED]:
        out.say(
            "変更のない {} 件は書き直していません（すべて書き直すには --all）。"
            "`xlsheet send` は新規・変更ありのブックだけを送ります。",
            counts[BookChange.UNCHANGED],
        )


main.add_command(addin)  # xlsheet addin … (xlsheet/ribbon/cli.py)
main.add_command(form_group)  # xlsheet form check|list|new (xlsheet/formdef/cli.py)

for _command in MAIL_COMMANDS:  # send, remind, feedback, fetch (xlsheet/mail/cli.py)
    main.add_command(_command)

for _command in INTAKE_COMMANDS:  # collect, status (xlsheet/intake/cli.py)
    main.add_command(_command)

for _command in MERGE_COMMANDS:  # merge, demo (xlsheet/merge/cli.py)
    main.add_command(_command)

for _command in REVIEW_COMMANDS:  # review (xlsheet/review/cli.py)
    main.add_command(_command)

for _command in PUBLISH_COMMANDS:  # publish (xlsheet/publish/cli.py)
    main.add_command(_command)

for _command in YOY_COMMANDS:  # diff (xlsheet/yoy/cli.py)
    main.add_command(_command)


if __name__ == "__main__":
    main()
