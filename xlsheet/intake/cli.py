"""The intake subcommands (`collect`, `status`), registered on `xlsheet.cli.main`.

Exit codes: 0 everything fine, 1 something was rejected, 2 usage or master-data error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from ..models import FILE_STATUS_JA, SEVERITY_JA, DepartmentStatus, FileStatus, Severity
from ..paths import RoundPaths, require_round
from ..review.status import review_status
from ..round import Round
from ..termout import cell, progress_bar
from ..termout import err as err_console
from ..termout import out as console
from .collect import collect_round
from .ledger import Action, LedgerError

ROUND_DIR = click.argument("round_dir", type=click.Path(file_okay=False, path_type=Path), default=".")
STATUS_STYLE = {
    FileStatus.ACCEPTED: "green",
    FileStatus.REJECTED: "bold red",
    FileStatus.SUPERSEDED: "dim",
    FileStatus.DUPLICATE: "dim",
    FileStatus.IGNORED: "yellow",
}


def _need_master(paths: RoundPaths) -> None:
    require_round(paths.root)


@click.command(
    help="inbox/ のブック・メール・zip を回収して検証し、台帳に記録します。直す点のある所属には feedback/ に返却ブックを作ります。"
    "終了コード: 0 問題なし、1 差し戻しあり、2 使い方・マスタデータの誤り。"
)
@ROUND_DIR
@click.option("--json", "as_json", is_flag=True, help="結果を JSON で出力する（プログラム向け）")
@click.option("--workers", type=int, default=None, help="並列に読むプロセス数（既定: CPU の数）")
def collect(round_dir: Path, as_json: bool, workers: int | None) -> None:
    paths = RoundPaths(round_dir)
    _need_master(paths)
    with progress_bar("回収中", enabled=not as_json) as progress:
        report = collect_round(round_dir, workers=workers, progress=progress)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n")
    else:
        for f in report.files:
            style = STATUS_STYLE[f.status]
            console.say(
                f"[{style}]{{}}[/] {{}}" + ("（{}）" if f.department else ""),
                f.status_ja,
                f.path,
                *([f.department] if f.department else []),
            )
            for i in f.issues:
                if i.severity is not Severity.FIXED or f.status is FileStatus.REJECTED:
                    console.say("    {}: {}", SEVERITY_JA[i.severity], i.text())
        counts = report.counts()
        summary = "、".join(f"{FILE_STATUS_JA[s]} {n} 件" for s, n in counts.items() if n)
        console.say("回収: {} 件（{}）", len(report.files), summary or "なし")
        if report.feedback:
            console.say("返却ブック: {} 件 {}", len(report.feedback), paths.feedback)
    sys.exit(1 if report.rejected else 0)


@click.command(help="所属ごとの提出状況（送付・受領・状態・指摘の件数）を表示します。")
@ROUND_DIR
@click.option("--json", "as_json", is_flag=True, help="JSON で出力する（プログラム向け）")
def status(round_dir: Path, as_json: bool) -> None:
    rnd = Round.open(round_dir)
    master = rnd.master
    with rnd.ledger() as ledger:
        rows = ledger.status(master, rnd.form)
        received = ledger.received_counts()
        reviews = review_status(rnd.paths, master, ledger)
    if as_json:
        data = [
            {
                **r.model_dump(mode="json"),
                "status": r.status,
                "done": r.done,
                "files_received": received.get(r.department, 0),
            }
            for r in rows
        ]
        out: dict = {"departments": data}
        if reviews:
            out["reviews"] = [
                {"lp": v.lp, "lead": v.lead, "state": v.state.value, "status": v.state_ja, "file": v.file}
                for v in reviews
            ]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
        return
    print_status(rows, master.settings.round_id, received)
    if reviews:
        console.say()
        console.say("[bold]主管所属の確認[/]（`xlsheet review`）")
        for v in reviews:
            console.say("  {}（{}）: {} {}", v.lp_name, v.lead_name, v.state_ja, v.file)


@click.command(
    help="指定したファイルを、その所属の提出として採用します（企画課の判断）。後から届いたファイルがあっても、"
    "取り下げるまでこのファイルが有効です。FILE は collect・status が表示するパス（inbox/…）か SHA-256 の先頭 6 文字以上。"
)
@ROUND_DIR
@click.argument("file")
@click.option("--reason", default="", help="理由（台帳と統合ブックに残ります）")
def accept(round_dir: Path, file: str, reason: str) -> None:
    _decide(round_dir, file, Action.ACCEPT, reason)


@click.command(
    help="指定したファイルを取り下げます（企画課の判断）。以後の回収でも数えません。"
    "FILE は collect・status が表示するパス（inbox/…）か SHA-256 の先頭 6 文字以上。"
)
@ROUND_DIR
@click.argument("file")
@click.option("--reason", required=True, help="理由（必須。台帳と統合ブックに残ります）")
def withdraw(round_dir: Path, file: str, reason: str) -> None:
    _decide(round_dir, file, Action.WITHDRAW, reason)


def _decide(round_dir: Path, file: str, action: Action, reason: str) -> None:
    from .decide import decide_file

    _need_master(RoundPaths(round_dir))
    try:
        done = decide_file(round_dir, file, action, reason)
    except LedgerError as exc:
        err_console.say("[bold red]エラー:[/] {}", str(exc))
        sys.exit(2)
    console.say("{}", done.text())


COMMANDS = (collect, status, accept, withdraw)


def _when(t) -> str:
    return t.astimezone().strftime("%Y-%m-%d %H:%M") if t else "—"


def _details(r: DepartmentStatus) -> list[str]:
    """Why the department stands where it does: the file that counts, decisions, held files."""
    out = []
    if r.why:
        out.append(r.why)
    if r.current and r.current != r.file:
        out.append(f"有効な提出: {r.current}")
    if r.decision:
        out.append(r.decision)
    if r.held:
        out.append(
            f"確認待ちのファイル {r.held} 件（`xlsheet accept` で採用、`xlsheet withdraw` で取り下げ）"
        )
    return out


def print_status(rows: list[DepartmentStatus], round_id: str, received: dict[str, int] | None = None) -> None:
    """The status table for people: a table on a wide terminal, one line per department otherwise."""
    received = received or {}
    console.say("提出状況（{}）", round_id)
    if console.width < 120:
        for r in rows:
            counts = f"エラー {r.errors}・注意 {r.warnings}・自動修正 {r.fixed}"
            extra = f"　受領 {received[r.department]} 件" if r.department in received else ""
            last = f"　最終 {_when(r.received_at)}" if r.received_at else ""
            name = f"　{r.file}" if r.file else ""
            console.say("  {} {}：{}（{}）{}{}{}", r.department, r.name, r.status, counts, extra, last, name)
            for more in _details(r):
                console.say("      {}", more)
    else:
        table = Table()
        heads = (
            "コード",
            "所属",
            "送付",
            "受領数",
            "最終受領",
            "状態",
            *(SEVERITY_JA[s] for s in Severity),
            "ファイル",
            "理由・判断",
        )
        for head in heads:
            table.add_column(head)
        for r in rows:
            style = "red" if r.errors else ("green" if r.done else "yellow")
            table.add_row(
                cell(r.department),
                cell(r.name),
                _when(r.sent_at),
                str(received.get(r.department, 0)),
                _when(r.received_at),
                f"[{style}]{cell(r.status)}[/]",
                str(r.errors),
                str(r.warnings),
                str(r.fixed),
                cell(r.file),
                cell("／".join(_details(r))),
            )
        console.print(table)
    done = sum(r.done for r in rows)
    console.say("受理 {} / {} 所属", done, len(rows))
