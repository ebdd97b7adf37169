"""Catalogue rows of merge (`xlsheet.catalogue`): what could not be placed on the forms.

Every row is a warning: the consolidated book is still written, the row listed in the flat
tables. Codes carry the `merge.` prefix (they sit beside intake's in the same issue table).
"""

from __future__ import annotations

from ..catalogue import register
from ..models import Severity

W = Severity.WARNING

ROWS: tuple[tuple[str, Severity, str, str], ...] = (
    (
        "merge.unknown_department",
        W,
        "所属コード「{department}」はマスタデータにありません。内容は一覧表にだけ載せています",
        "master.xlsx の「所属」シートに追加してから、もう一度統合してください",
    ),
    (
        "merge.unknown_lp",
        W,
        "{department}: リーディングプロジェクト「{lp_code}」はマスタデータにありません。内容は一覧表にだけ載せています",
        "master.xlsx の「リーディングプロジェクト」シートを確認してください",
    ),
    (
        "merge.unknown_initiative",
        W,
        "{department}: 事業「{project}」の取り組みコード「{initiative}」は「{lp_name}」の取り組みにありません。"
        "政策評価表には載せず、事業一覧にだけ載せています",
        "所属に正しい取り組みコードを確認してください",
    ),
    (
        "merge.not_lead",
        W,
        "{department}: 「{kind}」は主管所属（{lead}）が書く欄です。政策評価表には載せず、評価・方針の一覧にだけ載せています",
        "主管所属と内容を調整してください",
    ),
    (
        "merge.bad_sdg",
        W,
        "{department}: ＳＤＧｓの目標番号「{goal}」は 1〜{goals} にありません。載せていません",
        "所属に正しい目標を確認してください",
    ),
    (
        "merge.missing_lead_text",
        W,
        "{lp_name}: {what}がまだありません（主管所属: {lead}）",
        "主管所属の提出を待つか、催促してください",
    ),
    (
        "merge.too_many_projects",
        W,
        "{lp_name}: 取り組み {initiative} の事業が {count} 件あります。政策評価表には所属の順で最初の {limit} 件"
        "（{shown}）を載せ、残り {hidden} 件は事業一覧にだけ載せています",
        "載せる事業を {limit} 件に絞るか、順番を所属で入れ替えてください",
    ),
    (
        "merge.review_missing",
        W,
        "{lp_name}: 主管所属（{lead}）の確認ブックがまだ届いていません。事業は所属の順に最初の {limit} 件、"
        "● の段落は所属が書いたとおりすべて、ＳＤＧｓはどこかの所属が選んだ目標をすべて載せています",
        "`xlsheet status` で確認し、主管所属に確認ブック（`xlsheet review` で作成）の返送を催促してください",
    ),
    (
        "merge.review_outdated",
        W,
        "{lp_name}: 主管所属（{lead}）の確認ブック（{review_file}）を作った後に所属の回答が変わったため、"
        "その判断を使わず、確認前の案で載せています",
        "`xlsheet review` で確認ブックを作り直し、主管所属に確認し直してもらってください",
    ),
    (
        "merge.no_projects",
        W,
        "{lp_name}: 取り組み {initiative} の事業がまだありません（報告所属: {who}）",
        "提出状況を確認し、未提出の所属に催促してください",
    ),
    (
        "merge.unknown_project",
        W,
        "{department}: 事業コード「{project_code}」はマスタデータの「事業」シートにありません。事務事業評価一覧にだけ載せています",
        "master.xlsx の「事業」シートに追加するか、所属に正しい事業を確認してください",
    ),
)

register(*ROWS)
CODES = frozenset(code for code, *_ in ROWS)
