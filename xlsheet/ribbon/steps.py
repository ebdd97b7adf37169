"""The buttons that run one library step on the round and list its result: 配布ブック作成,
回収・検証, 確認ブック作成, 統合ブック作成, 公開データ作成 and 提出状況."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..models import DeptState
from ..paths import RoundPaths
from ..round import Round
from .report import RibbonError, report_errors
from .round_folder import round_dir
from .workbook import COLOR_ERROR, COLOR_OK, COLOR_WARNING, alert, local_time, write_table


@report_errors
def generate(book: Any) -> str:
    """配布ブック作成: write outbox/*.xlsx for every department and list them."""
    from ..generate import generate_round

    root = round_dir(book)
    done = generate_round(root)
    write_table(
        book,
        "配布ブック",
        f"配布ブック作成: {len(done)} 件（{RoundPaths(root).outbox}）",
        ("所属コード", "所属名", "ファイル"),
        [(g.department, g.name, g.path.name) for g in done],
    )
    message = f"入力ブックを {len(done)} 件作成しました。\n{RoundPaths(root).outbox}"
    alert(book, message)
    return message


def _status_color(state: DeptState) -> str | None:
    if state in (DeptState.NEEDS_FIX, DeptState.NEEDS_FIX_HAS_ACCEPTED, DeptState.UNANSWERED):
        return COLOR_ERROR
    if not state.done or state is DeptState.ACCEPTED_WARNINGS:
        return COLOR_WARNING
    return COLOR_OK


@report_errors
def collect(book: Any) -> str:
    """回収・検証: take in everything in inbox/ and list what happened to each file."""
    from ..intake.collect import collect_round
    from ..models import FILE_STATUS_JA, FileStatus, Severity

    root = round_dir(book)
    report = collect_round(root)
    rows, colors = [], []
    for f in report.files:
        errors = [i for i in f.issues if i.severity is Severity.ERROR]
        warnings = [i for i in f.issues if i.severity is Severity.WARNING]
        fixed = [i for i in f.issues if i.severity is Severity.FIXED]
        first = (errors or warnings or [None])[0]
        rows.append(
            (
                f.path,
                f.department,
                FILE_STATUS_JA[f.status],
                len(errors),
                len(warnings),
                len(fixed),
                first.text() if first else "",
            )
        )
        colors.append(
            COLOR_ERROR
            if f.status is FileStatus.REJECTED
            else COLOR_WARNING
            if warnings
            else COLOR_OK
            if f.status is FileStatus.ACCEPTED
            else None
        )
    counts = report.counts()
    summary = "、".join(f"{FILE_STATUS_JA[s]} {n}" for s, n in counts.items() if n)
    write_table(
        book,
        "回収結果",
        f"回収・検証: {len(report.files)} 件（{summary or 'inbox は空です'}）",
        ("ファイル", "所属", "結果", "エラー", "注意", "自動修正", "主な指摘"),
        rows,
        colors,
    )
    message = f"回収・検証: {len(report.files)} 件を処理しました。" + (f"\n{summary}" if summary else "")
    if report.feedback:
        message += (
            f"\n直してほしい所属への返却ブック: {len(report.feedback)} 件（{RoundPaths(root).feedback}）"
        )
    alert(book, message)
    return message


@report_errors
def merge(book: Any) -> str:
    """統合ブック作成: write the consolidated book into output/."""
    from ..merge.book import merge_round

    root = round_dir(book)
    result = merge_round(root)
    accepted = sum(s.done for s in result.status)
    write_table(
        book,
        "統合結果",
        f"統合ブック作成: 受理 {accepted} / {len(result.status)} 所属",
        ("種類", "ファイル"),
        [("統合ブック", str(result.book))],
    )
    message = f"統合ブックを作成しました（受理 {accepted} / {len(result.status)} 所属）。\n{result.book}"
    alert(book, message)
    return message


@report_errors
def review(book: Any) -> str:
    """確認ブック作成: write outbox/review/ (one review workbook per leading project for its lead
    department) and list them. Like 配布ブック作成 it sends no mail."""
    from ..generate import BOOK_CHANGE_JA, BookChange
    from ..review.steps import review_round

    root = round_dir(book)
    folder = RoundPaths(root).review_outbox
    books = review_round(root)
    waiting = [s.name for s in status_rows(root) if not s.done]
    write_table(
        book,
        "確認ブック",
        f"確認ブック作成: {len(books)} 冊（{folder}）",
        ("リーディングプロジェクト", "主管所属", "事業", "段落", "前の判断", "作成", "ファイル"),
        [
            (
                b.lp_name,
                f"{b.lead.code} {b.lead.name}",
                b.projects,
                b.paragraphs,
                "引き継ぎ" if b.reviewed else "",
                BOOK_CHANGE_JA[b.change],
                b.path.name,
            )
            for b in books
        ],
        [None if b.change is BookChange.UNCHANGED else COLOR_OK for b in books],
    )
    made = sum(b.change is not BookChange.UNCHANGED for b in books)
    message = f"確認ブックを {len(books)} 冊用意しました（新規・変更あり {made} 冊）。\n{folder}"
    if waiting:
        message += (
            f"\n注意: まだ受理していない所属が {len(waiting)} 件あります（{'、'.join(waiting)}）。"
            "確認ブックはいま受理している回答で作りました。回答が届いたら「回収・検証」の後にもう一度押すと、"
            "変わった確認ブックだけを作り直します。"
        )
    message += (
        "\n主管所属への依頼メールは作っていません。確認ブックを添付して送るか、"
        f"`xlsheet review {root} --all` で下書きを作ってください。"
    )
    alert(book, message)
    return message


@report_errors
def publish(book: Any) -> str:
    """公開データ作成: merge the round (book and PDF) and write the open-data package into
    output/opendata (CSV, JSON, datapackage.json, PDF), listing its files."""
    from ..publish import PackageEdited, publish_round

    root = round_dir(book)
    try:
        result = publish_round(root, pdf=True)
    except PackageEdited as exc:
        raise RibbonError(
            f"{exc}リボンからは作り直しません。残す必要がなければフォルダを消してからもう一度押すか、"
            f"`xlsheet publish {root} --force` を実行してください"
        ) from exc
    folder = result.folder
    rows: list[tuple[str, str, Any]] = [
        ("表（CSV）", p.name, len(t.rows)) for t, p in zip(result.tables, result.csv, strict=True)
    ]
    rows.append(("表（JSON）", result.json.name, sum(len(t.rows) for t in result.tables)))
    rows += [("PDF", str(p.relative_to(folder)), "") for p in result.pdfs]
    rows.append(("データパッケージ", result.package.name, ""))
    colors: list[str | None] = [COLOR_OK] * len(rows)
    kept = [k for k in (result.merge.kept if result.merge else None, result.kept) if k]
    rows += [("手で変更されていたものを残しました", str(k), "") for k in kept]
    rows += [("注意", note, "") for note in result.notes]
    colors += [COLOR_WARNING] * (len(kept) + len(result.notes))
    write_table(
        book,
        "公開データ",
        f"公開データ作成: CSV {len(result.csv)} 件・PDF {len(result.pdfs)} 件（{folder}）",
        ("種類", "ファイル", "行数"),
        rows,
        colors,
    )
    message = f"公開用データを作成しました（CSV {len(result.csv)} 件・PDF {len(result.pdfs)} 件）。\n{folder}"
    message += "".join(f"\n注意: {note}" for note in result.notes)
    alert(book, message)
    return message


def status_rows(root: Path) -> list[Any]:
    """The ledger's status table for the round (one DepartmentStatus per department)."""
    rnd = Round(Path(root))
    with rnd.ledger() as ledger:
        return ledger.status(rnd.master, rnd.form)


def write_status(book: Any, root: Path) -> tuple[int, int]:
    """Write the 提出状況 sheet for the round; (departments done, departments)."""
    from ..merge.tables import status_table

    rows = status_rows(root)
    t = status_table(rows)  # the same columns as the consolidated book's 提出状況
    table = [tuple(local_time(v) if isinstance(v, dt.datetime) else v for v in r) for r in t.rows]
    done = sum(s.done for s in rows)
    write_table(
        book,
        "提出状況",
        f"提出状況: 受理 {done} / {len(rows)} 所属",
        t.headers,
        table,
        [_status_color(s.state) for s in rows],
    )
    return done, len(rows)


@report_errors
def status(book: Any) -> str:
    """提出状況: one row per department into the 提出状況 sheet."""
    done, total = write_status(book, round_dir(book))
    message = f"提出状況: 受理 {done} / {total} 所属。「提出状況」シートを見てください。"
    alert(book, message)
    return message
