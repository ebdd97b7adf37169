"""Catalogue rows of the round's integrity checks: who sent a file, whether it is an answer,
whether it was made from today's master data, and how far its dates can be trusted."""

from __future__ import annotations

from ..catalogue import register
from ..models import Severity

IDENTITY_HINT = (
    "企画課で、誰がいつ送ったファイルかを確かめてください。正しければ `xlsheet accept` で採用できます。"
)

register(
    (
        "untouched",
        Severity.ERROR,
        "配布したときのまま（前年度の事業名の初期表示だけ）で、何も入力されていません。",
        "事業名を確かめ、評価（● の見出しと本文）・今後の方針・ＳＤＧｓの貢献のうち担当する欄を入力してから、"
        "上書き保存して送り直してください。",
    ),
    (
        "outdated_workbook",
        Severity.ERROR,
        "このブックを作った後にマスタデータが変わり、{change}。",
        "企画課が送る新しい入力ブックで報告してください（入力した内容は返却ブックに写してあります）。",
    ),
    (
        "master_changed",
        Severity.WARNING,
        "このブックを作った後にマスタデータが変わっています（{change}）。",
        "内容に影響がないか確かめてください。",
    ),
    (
        "future_date",
        Severity.WARNING,
        "{what}（{when}）が受け取った日より先の日付です。提出の順番を決めるのには使いません。",
        "送信元のパソコンの日付設定を確かめてもらってください。",
    ),
    (
        "sender_mismatch",
        Severity.WARNING,
        "「{department}」のブックが、別の所属（{sender_department}）のアドレス {sender} から送られています。",
        IDENTITY_HINT,
    ),
    (
        "identity_conflict",
        Severity.WARNING,
        "ブックの{what}が、文書のプロパティ（{stamped}）と非表示シート（{recorded}）で食い違っています。",
        IDENTITY_HINT,
    ),
    (
        "fingerprint_mismatch",
        Severity.WARNING,
        "ブックの構造情報が配布時の指紋と一致しません（非表示シートか文書のプロパティが書き換えられています）。",
        IDENTITY_HINT,
    ),
    (
        "given_mismatch",
        Severity.WARNING,
        "ブックに記録された配布時のマスタデータが、文書のプロパティの指紋と一致しません。",
        IDENTITY_HINT,
    ),
)
