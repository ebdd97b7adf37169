"""The `diff` subcommand and the report of `init --from`, registered on `xlsheet.cli.main`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from ..termout import cell
from ..termout import out as console
from .carry import CarryReport
from .diff import CHANGE_ORDER, RoundDiff, diff_rounds, diff_with_previous


def show_carry_report(report: CarryReport) -> None:
    """What `init --from` carried and what the office must check."""
    console.say(
        "{} のラウンドを {} から作成しました: {}",
        report.new_label,
        report.old_label,
        report.target / "master.xlsx",
    )
    console.say("引き継いだもの: {}", "、".join(f"{what} {n} 件" for what, n in report.carried))
    console.say(
        "前年度の受理内容: {} 所属分を {} に残しました（あらかじめ記入と前年度比較に使います）",
        report.answered,
        report.target / "前年度.json",
    )
    console.say("[bold]確かめること:[/]")
    for line in report.checks:
        console.say("  - {}", line)
    for k in report.added_projects:
        console.say("      {} {}（{}）", k.initiative, k.name, k.department)
    console.say("master.xlsx を Excel で直してから `xlsheet generate` で入力ブックを作成してください。")


def print_diff(diff: RoundDiff) -> None:
    """The changes as one table per kind (Japanese)."""
    console.say(
        "前年度比較: {}（{}）→ {}（{}）", diff.old_label, diff.old_round, diff.new_label, diff.new_round
    )
    if not diff.changes:
        console.say("変わったところはありません。")
        return
    for kind in CHANGE_ORDER:
        rows = diff.of(kind)
        if not rows:
            continue
        table = Table(title=f"{kind.ja}（{len(rows)} 件）", title_justify="left")
        for head in ("対象", "所属", "項目", "前年度", "今年度", "備考"):
            table.add_column(head)
        for c in rows:
            table.add_row(*(cell(v) for v in (c.unit, c.department, c.subject, c.before, c.after, c.note)))
        console.print(table)
    console.say("合計 {} 件", len(diff.changes))


@click.command(
    help="2 つのラウンドを比べます（新規・終了・名称変更の事業、取り組みの事業、ＳＤＧｓ、評価・方向性、指標、見出しの本文）。"
    "`xlsheet diff OLD NEW`（OLD は前年度、NEW は今年度のラウンドのフォルダ）、または `xlsheet diff NEW`"
    "（`init --from` で作ったラウンドを、作ったときの前年度の控え 前年度.json と比べる）。"
)
@click.argument("rounds", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="JSON で出力する（プログラム向け）")
def diff(rounds: tuple[Path, ...], as_json: bool) -> None:
    if len(rounds) > 2:
        raise click.UsageError("フォルダは 2 つ（前年度 今年度）か 1 つ（今年度）にしてください")
    result = diff_rounds(*rounds) if len(rounds) == 2 else diff_with_previous(rounds[0])
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=1) + "\n")
        return
    print_diff(result)


COMMANDS = (diff,)
