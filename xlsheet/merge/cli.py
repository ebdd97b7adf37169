"""The `merge` and `demo` subcommands, registered on `xlsheet.cli.main`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..models import SEVERITY_JA, Severity
from ..paths import require_round
from ..termout import err as err_console
from ..termout import out as console

SHOW_ISSUES = 20
ROUND_DIR = click.argument("round_dir", type=click.Path(file_okay=False, path_type=Path), default=".")


@click.command(
    help="台帳の受理済み提出から統合ブック（政策評価表・一覧表・ＳＤＧｓ表・提出状況・指摘事項。"
    "事務事業評価の様式では事務事業評価一覧・件数集計・コスト集計・事業ごとのシート）を output/ に作ります。"
)
@ROUND_DIR
@click.option(
    "--pdf",
    is_flag=True,
    help="政策評価表を PDF にも出力する（全体とリーディングプロジェクトごと。事務事業評価の様式では事業ごとのシート。"
    "Windows/Mac では Excel、ほかは LibreOffice で作成）",
)
@click.option(
    "--csv", "csv_", is_flag=True, help="一覧表を CSV（UTF-8 BOM 付き、Excel で開けます）にも出力する"
)
@click.option(
    "--force", is_flag=True, help="統合ブックが手で編集されていても作り直す（編集したブックは別名で残します）"
)
def merge(round_dir: Path, pdf: bool, csv_: bool, force: bool) -> None:
    from .book import BookEdited, merge_round

    require_round(round_dir)
    try:
        result = merge_round(round_dir, pdf=pdf, csv=csv_, force=force)
    except BookEdited as exc:
        err_console.say("[bold red]エラー:[/] {}", str(exc))
        sys.exit(2)
    if result.kept:
        console.say("手で編集されていた統合ブックを残しました: {}", result.kept)
    cons = result.consolidated
    console.say("統合ブックを作成しました: {}", result.book)
    done = sum(s.done for s in result.status)
    if result.projects is not None:
        total, submitted = result.projects
        console.say(
            "  事務事業評価シート {} 枚（事業 {} 件のうち提出済 {} 件。受理 {} / {} 所属）",
            submitted,
            total,
            submitted,
            done,
            len(result.status),
        )
    else:
        console.say(
            "  政策評価表 {} 枚、事業 {} 件、評価・方針 {} 件、ＳＤＧｓ選択 {} 件（受理 {} / {} 所属。統合した提出 {} 件）",
            len(cons.forms),
            len(cons.projects),
            len(cons.paragraphs),
            len(cons.sdgs),
            done,
            len(result.status),
            len(cons.received),
        )
        _say_reviews(cons)
    if pdf:
        if result.pdf:
            console.say("PDF: {}", result.pdf)
            for path in result.lp_pdfs:
                console.say("  リーディングプロジェクト別: {}", path.name)
            for path in result.removed:
                console.say("  以前の PDF（今はないリーディングプロジェクト）を削除しました: {}", path.name)
            if result.pdf_message:
                err_console.say("[yellow]注意:[/] {}", result.pdf_message)
        else:
            err_console.say("[yellow]注意:[/] {}", result.pdf_message)
    if result.csv:
        console.say("CSV: {}（{}）", result.csv[0].parent, "、".join(p.name for p in result.csv))
    for i in cons.issues[:SHOW_ISSUES]:
        console.say("  {}: {}", SEVERITY_JA[i.severity], i.text())
    if len(cons.issues) > SHOW_ISSUES:
        console.say(
            "  ほか {} 件（統合ブックの「指摘事項」シートにすべてあります）", len(cons.issues) - SHOW_ISSUES
        )
    waiting = [s for s in result.status if not s.done]
    if waiting:
        console.say(
            "未受理の所属が {} 件あります（{}）。`xlsheet status` で確認してください。",
            len(waiting),
            "、".join(s.name for s in waiting),
        )
    errors = sum(1 for i in result.issues if i.severity is Severity.ERROR)
    if errors:
        console.say("指摘事項（エラー）{} 件は統合ブックの「指摘事項」シートにあります。", errors)


def _say_reviews(cons) -> None:
    """One line on the lead departments' reviews: which leading projects print their decisions."""
    if not cons.reviewed and not any(i.code.startswith("merge.review_") for i in cons.issues):
        return  # the round has not begun its review stage
    names = {lp.code: lp.name for lp in cons.master.leading_projects}
    waiting = [names[c] for c in names if c not in cons.reviewed]
    console.say(
        "  主管所属の確認: {} / {} 件を判断どおりに載せました{}",
        len(cons.reviewed),
        len(names),
        f"（確認なし・古い確認: {'、'.join(waiting)}）" if waiting else "",
    )


@click.command(
    help="見本ラウンド（所沢市 令和２年度: 事務事業評価と、それから事業を記入する政策評価表）を最初から最後まで"
    "実行します: 作成・送付・記入・回収（誤りの自動修正と差し戻し・再送）・主管所属の確認・統合・PDF・公開用データ。"
)
@click.argument("round_dir", type=click.Path(file_okay=False, path_type=Path), default="demo-round")
@click.option("--no-pdf", is_flag=True, help="PDF を作らない")
def demo(round_dir: Path, no_pdf: bool) -> None:
    from ..demo import DemoFolderError, run_demo

    console.say("見本ラウンドを {} で実行します。", round_dir)
    try:
        result = run_demo(round_dir, pdf=False if no_pdf else None, say=console.text)
    except DemoFolderError as exc:
        err_console.say("[bold red]エラー:[/] {}", exc)
        sys.exit(2)
    from ..intake.cli import print_status

    console.say()
    print_status(result.merge.status, result.merge.consolidated.master.settings.round_id)
    console.say()
    console.say("[bold]統合ブック:[/] {}", result.merge.book.resolve())
    if result.merge.pdf:
        console.say("[bold]PDF:[/] {}", result.merge.pdf.resolve())
    console.say("Excel で統合ブックを開き、「政策評価表_…」シートを確認してください。")


COMMANDS = (merge, demo)
