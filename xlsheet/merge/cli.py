"""The `merge` and `demo` subcommands, registered on `xlsheet.cli.main`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from ..models import SEVERITY_JA, Severity
from ..paths import RoundPaths

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

SHOW_ISSUES = 20
ROUND_DIR = click.argument("round_dir", type=click.Path(file_okay=False, path_type=Path), default=".")


@click.command(
    help="台帳の受理済み提出から統合ブック（政策評価表・一覧表・ＳＤＧｓ表・提出状況・指摘事項）を output/ に作ります。"
)
@ROUND_DIR
@click.option(
    "--pdf",
    is_flag=True,
    help="政策評価表を PDF にも出力する（Windows/Mac では Excel、ほかは LibreOffice で作成）",
)
@click.option(
    "--csv", "csv_", is_flag=True, help="一覧表を CSV（UTF-8 BOM 付き、Excel で開けます）にも出力する"
)
def merge(round_dir: Path, pdf: bool, csv_: bool) -> None:
    from .book import merge_round

    paths = RoundPaths(round_dir)
    if not paths.master.is_file():
        err_console.print(
            f"[bold red]エラー:[/] {paths.master} がありません。`xlsheet init` でラウンドを作ってください。"
        )
        sys.exit(2)
    result = merge_round(round_dir, pdf=pdf, csv=csv_)
    cons = result.consolidated
    console.print(
        f"統合ブックを作成しました: {result.book}\n"
        f"  政策評価表 {len(cons.forms)} 枚、事業 {len(cons.projects)} 件、評価・方針 {len(cons.paragraphs)} 件、"
        f"ＳＤＧｓ選択 {len(cons.sdgs)} 件（受理済み {len(cons.received)} 所属）"
    )
    if pdf:
        if result.pdf:
            console.print(f"PDF: {result.pdf}")
            if result.pdf_message:
                err_console.print(f"[yellow]注意:[/] {result.pdf_message}")
        else:
            err_console.print(f"[yellow]注意:[/] {result.pdf_message}")
    if result.csv:
        console.print(f"CSV: {result.csv[0].parent}（{'、'.join(p.name for p in result.csv)}）")
    for i in cons.issues[:SHOW_ISSUES]:
        console.print(f"  {SEVERITY_JA[i.severity]}: {i.text()}")
    if len(cons.issues) > SHOW_ISSUES:
        console.print(
            f"  ほか {len(cons.issues) - SHOW_ISSUES} 件（統合ブックの「指摘事項」シートにすべてあります）"
        )
    waiting = [s for s in result.status if not s.status.startswith("受理")]
    if waiting:
        console.print(
            f"未受理の所属が {len(waiting)} 件あります（{'、'.join(s.name for s in waiting)}）。"
            "`xlsheet status` で確認してください。"
        )
    errors = sum(1 for i in result.issues if i.severity is Severity.ERROR)
    if errors:
        console.print(f"指摘事項（エラー）{errors} 件は統合ブックの「指摘事項」シートにあります。")


@click.command(
    help="見本ラウンド（所沢市 令和２年度 政策評価表）を最初から最後まで実行します: "
    "作成・送付・記入・回収（誤りの自動修正と差し戻し・再送）・統合・PDF。"
)
@click.argument("round_dir", type=click.Path(file_okay=False, path_type=Path), default="demo-round")
@click.option("--no-pdf", is_flag=True, help="PDF を作らない")
def demo(round_dir: Path, no_pdf: bool) -> None:
    from ..demo import DemoFolderError, run_demo

    console.print(f"見本ラウンドを {round_dir} で実行します。")
    try:
        result = run_demo(round_dir, pdf=False if no_pdf else None, say=console.print)
    except DemoFolderError as exc:
        err_console.print(f"[bold red]エラー:[/] {exc}")
        sys.exit(2)
    from ..intake.cli import print_status

    console.print()
    print_status(result.merge.status, result.merge.consolidated.master.settings.round_id)
    console.print()
    console.print(f"[bold]統合ブック:[/] {result.merge.book.resolve()}")
    if result.merge.pdf:
        console.print(f"[bold]PDF:[/] {result.merge.pdf.resolve()}")
    console.print("Excel で統合ブックを開き、「政策評価表_…」シートを確認してください。")


COMMANDS = (merge, demo)
