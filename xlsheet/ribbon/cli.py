"""`xlsheet addin …`: the ribbon's add-ins (Office.js server, desktop .xlam) and control workbook."""

from __future__ import annotations

import functools
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import click

from ..termout import err as err_console
from ..termout import out as console


def _errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from ..server import ServerSetupError
        from .xlam import AddinError

        try:
            return fn(*args, **kwargs)
        except (AddinError, ServerSetupError, FileNotFoundError) as exc:
            err_console.say("[bold red]エラー:[/] {}", exc)
            sys.exit(2)

    return wrapper


@click.group(
    help="リボン（Excel の「評価」タブ）: Office.js アドインのサーバー、デスクトップ用 .xlam、操作ブック。"
)
def addin() -> None:
    pass


@addin.command(
    help="ラウンドの操作ブック（ROUND/操作ブック.xlsx）を作ります。リボンのボタンはこのブックで押します。"
)
@click.argument("round_dir", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="書き出すファイル")
@click.option(
    "--folder-name",
    is_flag=True,
    help="フォルダを絶対パスでなく名前で書く（サーバーの XLSHEET_ROUNDS_ROOT 用）",
)
@_errors
def control(round_dir: Path, output: Path | None, folder_name: bool) -> None:
    from .control import write_control_workbook

    path = write_control_workbook(
        round_dir, output, round_value=round_dir.resolve().name if folder_name else None
    )
    console.say("操作ブックを作成しました: {}", path)


@addin.command(help="xlwings Server（Office.js アドイン）を起動します。XLWINGS_LICENSE_KEY が必要です。")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--certfile", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="HTTPS の証明書"
)
@click.option(
    "--keyfile", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="HTTPS の秘密鍵"
)
@_errors
def serve(host: str, port: int, certfile: Path | None, keyfile: Path | None) -> None:
    from ..server import serve as run_server

    run_server(host=host, port=port, certfile=certfile, keyfile=keyfile)


@addin.command(help="デスクトップ用アドイン OUT.xlam を xlwings のリボン用テンプレートから作ります。")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="xlsheet_ribbon.bas をインポートして保存したアドイン（ボタンを処理ごとに分けるとき）",
)
@_errors
def build(out: Path, source: Path | None) -> None:
    from .xlam import build_addin

    built = build_addin(out, source)
    kind = "処理ごとのボタン" if built.per_button else "「評価」ボタン 1 つ"
    console.say("アドインを作成しました（{}）: {}", kind, built.path)
    console.say("  評価ボタンが読み込むモジュール: {}（アドインと同じフォルダに置いてください）", built.shim)
    if not built.per_button:
        console.say(
            "  処理ごとのボタンにするには、Excel でアドインに {} をインポートして保存し、"
            "`xlsheet addin build OUT.xlam --from {}` を実行してください。",
            built.bas,
            built.path.name,
        )


@addin.command(help="macros/ のリボン XML と VBA モジュール（.bas）を書き出します。")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default="macros")
def macros(folder: Path) -> None:
    from .xlam import write_macros

    for path in write_macros(folder):
        console.say("  {}", path)


@addin.command(help="動いているサーバーのボタンをブックで試します（Excel が送るのと同じ JSON を送ります）。")
@click.argument("button")
@click.argument("workbook", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="サーバーの URL")
@_errors
def call(button: str, workbook: Path, url: str) -> None:
    from .buttons import BUTTONS_BY_KEY
    from .officejs import book_payload

    if button not in BUTTONS_BY_KEY:
        raise click.BadParameter(f"ボタンは {', '.join(BUTTONS_BY_KEY)} のどれかです", param_hint="BUTTON")
    script = BUTTONS_BY_KEY[button].script
    request = urllib.request.Request(
        f"{url.rstrip('/')}/xlwings/custom-scripts-call/{script}",
        data=json.dumps(book_payload(workbook)).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            actions = json.load(response).get("actions", [])
    except urllib.error.URLError as exc:
        err_console.say("[bold red]エラー:[/] サーバーに届きません（{}）: {}", url, exc)
        sys.exit(2)
    for action in actions:
        if action["func"] == "alert":
            console.text(action["args"][0])
        elif action["func"] == "addSheet":
            console.say("  シート追加: {}", action["args"][1])
    console.say("アクション {} 件", len(actions))
