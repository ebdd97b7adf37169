"""`xlsheet form …`: check a form definition, list the shipped ones, copy one to edit."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from ..models import SEVERITY_JA, Severity
from .load import load_form
from .shipped import shipped_form, shipped_forms

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@click.group(help="様式定義ブック（様式を決める Excel ブック）の確認・一覧・コピー。")
def form() -> None:
    pass


@form.command(
    help="様式定義ブックを確かめ、誤りをすべてシート・セル・直し方つきで表示します（誤りがあれば終了コード 2）。"
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="結果を JSON で出力する")
def check(file: Path, as_json: bool) -> None:
    if not file.exists():
        err_console.print(f"[bold red]エラー:[/] {file} がありません。ファイル名を確かめてください")
        sys.exit(2)
    result = load_form(file)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "file": str(file),
                    "ok": result.ok,
                    "issues": [i.model_dump(mode="json") for i in result.issues],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        sys.exit(0 if result.ok else 2)
    for i in result.issues:
        where = f"{i.sheet}!{i.cell}" if i.cell else i.sheet
        color = "red" if i.severity is Severity.ERROR else "yellow"
        console.print(
            f"[{color}]{SEVERITY_JA[i.severity]}[/] {escape(where)} [dim]{i.code}[/]  {escape(i.message)} {escape(i.hint)}".rstrip()
        )
    errors, warnings = len(result.errors), len(result.issues) - len(result.errors)
    if errors:
        err_console.print(
            f"[bold red]誤りが {errors} 件あります（注意 {warnings} 件）。上の直し方に沿って直してください。[/]"
        )
        sys.exit(2)
    f = result.form
    assert f is not None
    fields = sum(len(s.fields) for s in f.sections)
    console.print(
        f"問題ありません{f'（注意 {warnings} 件）' if warnings else ''}: {f.title}（{f.id} 版 {f.version}）"
        f" セクション {len(f.sections)}・項目 {fields}"
    )


@form.command(name="list", help="xlsheet に同梱の様式を表示します。")
def list_forms() -> None:
    forms = shipped_forms()
    width = max((len(f.id) for f in forms), default=2)
    console.print(f"{'ID'.ljust(width)}  版  様式名")
    for f in forms:
        console.print(escape(f"{f.id.ljust(width)}  {f.version.ljust(2)}  {f.title}（{f.unit}）"))
    console.print("編集用のコピーは `xlsheet form new ファイル名.xlsx --from ID` で作れます。")


@form.command(help="同梱の様式の編集用コピーを作ります。")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "form_id", required=True, help="元にする様式の ID（`xlsheet form list` で確認）")
@click.option("--force", is_flag=True, help="既にあるファイルを上書きする")
def new(file: Path, form_id: str, force: bool) -> None:
    try:
        src = shipped_form(form_id)
    except KeyError as exc:
        err_console.print(f"[bold red]エラー:[/] {exc.args[0]}")
        sys.exit(2)
    if file.exists() and not force:
        err_console.print(
            f"[bold red]エラー:[/] {file} は既にあります。上書きするなら --force を付けてください"
        )
        sys.exit(2)
    if file.suffix.lower() != ".xlsx":
        err_console.print(
            f"[bold red]エラー:[/] {file} は .xlsx ではありません。ファイル名を 〜.xlsx にしてください"
        )
        sys.exit(2)
    file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src.path, file)
    console.print(f"{src.title}（{src.id} 版 {src.version}）の様式定義ブックを作成しました: {file}")
    console.print(f"Excel で編集したら `xlsheet form check {file}` で確かめてください。")
