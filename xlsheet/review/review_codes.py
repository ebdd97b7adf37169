"""Catalogue rows of the review stage (`xlsheet.catalogue`): what intake finds in a lead
department's returned review workbook (確認ブック). Errors refuse the workbook (差し戻し, with a
returned book); codes carry the `review.` prefix."""

from __future__ import annotations

from ..catalogue import register
from ..models import Severity

E = Severity.ERROR

RESEND = "返却した確認ブック（直す箇所に印があります）を直して、上書き保存して送り直してください。"

ROWS: tuple[tuple[str, Severity, str, str], ...] = (
    (
        "review.unknown_lp",
        E,
        "確認ブックのリーディングプロジェクト「{lp}」はマスタデータにありません",
        "企画課が `xlsheet review` で作り直した確認ブックを使ってください。",
    ),
    (
        "review.not_lead",
        E,
        "「{lp_name}」の確認ブックは主管所属（{lead}）が判断して送るものです。{department} からの確認ブックは使えません",
        "主管所属（{lead}）に確認ブックを送ってもらってください。内容の意見は主管所属に伝えてください。",
    ),
    (
        "review.not_issued",
        E,
        "「{lp_name}」の確認ブックはまだ配布していません（このラウンドで `xlsheet review` を実行していません）",
        "企画課が `xlsheet review` で確認ブックを作ってから送ってもらってください。",
    ),
    (
        "review.outdated",
        E,
        "この確認ブックを作った後に、所属の回答が変わりました（「{lp_name}」）。古い案への判断は使えません",
        "返却した新しい確認ブック（前の判断を引き継いであります）を確かめて、送り直してください。",
    ),
    (
        "review.sheet_missing",
        E,
        "シート「{name}」がありません",
        "シート名を変えたり削除したりせず、配布した確認ブックのまま送ってください。" + RESEND,
    ),
    (
        "review.row_missing",
        E,
        "キー {key} の行がありません（{what}）",
        "行を削除せず、載せないものは空欄（事業）・削除（段落）・×（ＳＤＧｓ）にしてください。" + RESEND,
    ),
    (
        "review.unknown_row",
        E,
        "キー「{key}」の行はこの確認ブックの案にありません",
        "行を追加したりキーを書き換えたりしないでください。" + RESEND,
    ),
    (
        "review.too_many_chosen",
        E,
        "取り組み {initiative} で「採用」に ○ が {count} 件あります。政策評価表に載せられるのは {limit} 件までです"
        "（○ の事業: {names}）",
        "載せる {limit} 件だけに ○ を付け、残りは空欄にしてください。" + RESEND,
    ),
    (
        "review.bad_mark",
        E,
        "「{label}」は {allowed}で入力してください（入力: 「{value}」）",
        "プルダウンから選んでください。" + RESEND,
    ),
    (
        "review.bad_order",
        E,
        "「順番」は 1 以上の整数で入力してください（入力: 「{value}」）",
        "1, 2, 3 … と入れるか、空欄にしてください（空欄は案の順）。" + RESEND,
    ),
    (
        "review.bad_action",
        E,
        "「扱い」は 採用・統合・削除 から選んでください（入力: 「{value}」）",
        "プルダウンから選んでください。" + RESEND,
    ),
    (
        "review.bad_into",
        E,
        "段落 {key} の統合先「{into}」は{why}",
        "統合先には、同じ欄（評価／今後の方針）で「採用」にした段落のキー（E01 など）を入れてください。"
        + RESEND,
    ),
    (
        "review.empty_text",
        E,
        "段落 {key} は「採用」ですが、{what}が空欄です",
        "{what}を入れるか、「扱い」を削除にしてください。" + RESEND,
    ),
)

register(*ROWS)
CODES = frozenset(code for code, *_ in ROWS)
