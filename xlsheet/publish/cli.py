"""The `publish` subcommand, registered on `xlsheet.cli.main`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..paths import require_round
from ..termout import err as err_console
from ..termout import out as console
from .package import DEFAULT_LICENSE, LICENSES


@click.command(
    help="公開用のオープンデータ（CSV・JSON・Frictionless Data Package の datapackage.json・PDF）を作ります。"
    "統合（merge --pdf）を行い、同じ記録から DIR（既定は ROUND/output/opendata）に書き出します。"
)
@click.argument("round_dir", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option(
    "--license",
    "license_",
    type=click.Choice(list(LICENSES), case_sensitive=False),
    default=DEFAULT_LICENSE,
    show_default=True,
    help="公開するデータのライセンス",
)
@click.option(
    "--lg-code", default="", help="全国地方公共団体コード（6 桁。指定すると各表の先頭の列に入ります）"
)
@click.option("--no-pdf", is_flag=True, help="PDF を作らず、公開用データにも入れない")
@click.option(
    "--force",
    is_flag=True,
    help="公開用のフォルダや統合ブックが手で変更されていても作り直す（変更されたものは別名で残します）",
)
def publish(
    round_dir: Path, target: Path | None, license_: str, lg_code: str, no_pdf: bool, force: bool
) -> None:
    from ..merge.book import BookEdited
    from .package import publish_round

    require_round(round_dir)
    try:
        result = publish_round(
            round_dir, target, pdf=not no_pdf, license=license_, lg_code=lg_code, force=force
        )
    except BookEdited as exc:
        err_console.say("[bold red]エラー:[/] {}", str(exc))
        sys.exit(2)
    if result.merge is not None and result.merge.kept:
        console.say("手で編集されていた統合ブックを残しました: {}", result.merge.kept)
    if result.kept:
        console.say("手で変更されていた公開用のフォルダを残しました: {}", result.kept)
    console.say("公開用データを作成しました: {}", result.folder)
    for t, path in zip(result.tables, result.csv, strict=True):
        console.say("  {}（{} 行）", path.name, len(t.rows))
    console.say("  {}（同じ記録の JSON）", result.json.name)
    for p in result.pdfs:
        console.say("  {}", p.relative_to(result.folder))
    console.say("  {}（Frictionless Data Package）", result.package.name)
    for note in result.notes:
        err_console.say("[yellow]注意:[/] {}", note)


COMMANDS = (publish,)
