"""Catalogue rows of reading one returned workbook: the workbook itself and its identity
(reader), where its sections are and what a department moved (reader), each value as it was
read and normalized (normalize, severity 修正 for a value read as meant), and the form's rules
over the values read (validate).

The refusals a workbook shares with any other file (`corrupt_zip`, `corrupt_part`,
`not_workbook`, `xml_entities`) are rows of `intake_codes`, called here with their parameters.
"""

from __future__ import annotations

from ..catalogue import register
from ..models import Severity
from . import intake_codes  # noqa: F401  (the shared refusals the reader raises)
from .intake_codes import RESEND_HINT, STRUCTURE_HINT

E, W, F = Severity.ERROR, Severity.WARNING, Severity.FIXED

FAR_CELLS_HINT = "（Ctrl+End で最後のセルの位置を確かめられます）。"
CONTROL_HINT = (
    "ほかのソフトや Web から貼り付けた文字に含まれていることがあります。内容が正しいか確認してください。"
)
CODE_HINT = (
    "取り組みコードはプルダウンから選んでください（他のファイルから貼り付けるときは「値のみ貼り付け」）。"
)
NUMBER_HINT = "半角の数字だけを入力してください（「,」や単位は不要です）。"
CHECK_HINT = "意図した内容か確認してください。"

register(
    # --- reader: the workbook and who made it
    (
        "macro_project",
        W,
        "マクロ（VBA プロジェクト）が含まれています。値だけを読み、マクロは実行していません。",
        "配布した .xlsx（マクロなし）で保存して送ってください。",
    ),
    (
        "not_xlsheet",
        E,
        "政策評価の入力ブックではありません（xlsheet が作ったブックの印がありません）。",
        "企画課が配布した入力ブックに入力して送ってください。新しいブックに写したものは読み込めません。",
    ),
    ("other_form", E, "別の様式のブックです（{form_id}）。", RESEND_HINT),
    (
        "other_round",
        E,
        "別の回（{round_id}）のブックです。今回は「{current}」です。",
        "前回のファイルではなく、今回配布した入力ブックに入力して送ってください。",
    ),
    (
        "other_form_version",
        E,
        "様式の版が違います（このブック: {version}、今回: {current}）。",
        "今回配布した入力ブックに入力して送ってください。",
    ),
    (
        "unknown_department",
        E,
        "ブックの所属コード「{department}」がマスタデータにありません。",
        "企画課に連絡してください。",
    ),
    (
        "unreadable",
        E,
        "ブックを読み取れませんでした（{error}）。",
        RESEND_HINT + " 直らなければ企画課に連絡してください。",
    ),
    # --- reader: sheets far beyond the form
    (
        "outside_form",
        W,
        "シート「{name}」の入力欄の外（{far} など、{count:,} セル）に値や書式があります。読み取ったのは様式の範囲だけです。",
        "入力欄より右・下にある不要なセル（{far} など）を行・列ごと削除して保存してください" + FAR_CELLS_HINT,
    ),
    (
        "sheet_too_large",
        E,
        "シート「{name}」のセル {far} まで値や書式が入っていて、シートが {rows:,} 行 × {cols:,} 列の広さになっています。"
        "この広さのシートは安全に読み込めません。",
        "入力欄より右・下にあるセル（{far} など）を行・列ごと削除して上書き保存し、送り直してください"
        + FAR_CELLS_HINT,
    ),
    # --- reader: the structure sheet and where the sections are
    (
        "manifest_sheet_missing",
        W,
        "ブックの構造情報（非表示シート）がありません。構造の比較はできません。",
        "",
    ),
    (
        "manifest_sheet_broken",
        W,
        "ブックの構造情報（非表示シート）が読めません。構造の比較はできません。",
        "",
    ),
    ("rows_inserted", W, "「{label}」の範囲で行が {count} 行挿入されています。", STRUCTURE_HINT),
    ("rows_deleted", W, "「{label}」の範囲で行が {count} 行削除されています。", STRUCTURE_HINT),
    (
        "rows_moved",
        W,
        "「{label}」の位置が {shift:+d} 行ずれています（上で行が挿入・削除されています）。",
        STRUCTURE_HINT,
    ),
    (
        "name_deleted",
        W,
        "名前付き範囲「{name}」（{label}）が削除されているか壊れています。様式の位置（{start}〜）から読み取りました。",
        "読み取った内容が正しいか確認してください。次回は配布したブックをそのまま使ってください。",
    ),
    (
        "section_missing",
        E,
        "「{label}」の入力欄（シートまたは名前付き範囲）が見つからず、読み取れませんでした。",
        "配布した入力ブックに入力し直して送ってください。",
    ),
    (
        "unknown_lp",
        W,
        "リーディングプロジェクト「{lp}」がマスタデータにありません。読み飛ばしました。",
        "",
    ),
    # --- reader: what an empty-looking required cell really holds
    (
        "cell_error",
        E,
        "セル{ref}: 「{label}」がエラー値（{value}）になっていて、読み取れません。",
        "参照先が消えた数式などが原因です。数式を使わず、値を直接入力してください。",
    ),
    (
        "formula_no_value",
        E,
        "セル{ref}: 「{label}」に数式（={formula}）が入っていて、計算結果が保存されていないため読み取れません。",
        "数式ではなく値を直接入力するか、Excel で開いて計算・保存し直してから送ってください。",
    ),
    # --- normalize: each value as read (修正: read as meant; エラー/注意: not)
    (
        "control_removed",
        F,
        "{label}から Excel に保存できない制御文字（{removed}、{count} 文字）を取り除きました。",
        CONTROL_HINT,
    ),
    (
        "date_code_recovered",
        F,
        "日付（{day}）に変わっていた取り組みコードを「{recovered}」に戻しました。",
        "コードの列は文字列の書式です。" + CODE_HINT,
    ),
    (
        "date_code",
        E,
        "取り組みコードが日付（{day}）になっていて、元のコードが分かりません。",
        CODE_HINT,
    ),
    ("code_normalized", F, "取り組みコード「{raw}」を「{normalized}」に直しました。", CODE_HINT),
    ("mark_normalized", F, "「{raw}」を「{mark}」とみなしました。", ""),
    ("choice_normalized", F, "{label}「{raw}」を一覧の「{item}」に直しました。", ""),
    ("text_trimmed", F, "{label}の前後の空白・改行を取り除きました。", ""),
    ("line_trimmed", F, "{label}の前後の空白・改行（または途中の改行）を取り除きました。", ""),
    (
        "bullet_removed",
        F,
        "{label}の先頭の「{mark}」（箇条書きの記号）を取り除きました。",
        "見出しの ● は様式が付けて印刷します。● や ・ を付けずに入力してください。",
    ),
    ("longtext_trimmed", F, "{label}の前後の空行・空白を取り除きました（本文はそのままです）。", ""),
    ("date_text", W, "{label}が日付として保存されていたため「{text}」として読みました。", CHECK_HINT),
    ("number_normalized", F, "{label}「{raw}」を数値 {shown} として読みました。", ""),
    ("not_a_number", E, "{label}「{raw}」は数値として読めません。", NUMBER_HINT),
    ("not_an_integer", E, "{label}「{raw}」は整数として読めません。", NUMBER_HINT),
    (
        "not_a_date",
        E,
        "{label}「{raw}」は日付として読めません。",
        "日付は 2025/4/1 の形で入力してください。",
    ),
    ("date_normalized", F, "{label}「{raw}」を日付 {day} として読みました。", ""),
    # --- validate: the form's rules over one unit's values
    ("required", E, "「{label}」が入力されていません。", "{how}"),
    (
        "required_if",
        E,
        "「{label}」が入力されていません（この行では必須です）。",
        "{how}",
    ),
    ("not_in_list", E, "{label}「{value}」は一覧にありません。", "プルダウンの一覧から選んでください。"),
    (
        "sdg_mark",
        E,
        "「{value}」は使えません。{label}には {mark} を選んでください。",
        "プルダウンの一覧から選んでください。",
    ),
    (
        "too_long",
        E,
        "「{label}」が {length:,} 文字あります（上限 {limit:,} 文字）。",
        "{limit:,} 文字以内にまとめてください。",
    ),
    (
        "too_long_for_excel",
        E,
        "「{label}」が {length:,} 文字あります（上限 {limit:,} 文字。Excel のセルの上限 32,767 文字も超えています）。",
        "{limit:,} 文字以内にまとめてください。",
    ),
    (
        "out_of_range",
        E,
        "「{label}」の {value} が範囲（{span}）の外です。",
        "{span} の値を入力してください。",
    ),
    (
        "formula_text",
        W,
        "「{label}」が「{first}」で始まっています。数式ではなく文字としてそのまま扱います。",
        CHECK_HINT,
    ),
    (
        "calc_overwritten",
        W,
        "「{label}」（自動計算の欄）に {typed} が入力されていますが、計算すると {computed} です。計算した値を使います。",
        "自動計算の欄には入力しないでください（数式を消さずに、元の値の欄を直してください）。",
    ),
    ("constraint", E, "「{label}」: {message}", "{hint}"),
    ("constraint_warning", W, "「{label}」: {message}", "{hint}"),
    (
        "too_many_projects",
        W,
        "取り組み「{initiative}」の{label}が {limit} 件を超えています（最大 {limit} つまで）。",
        "統合ではすべて載せます。{limit} つに絞る場合は送り直してください。",
    ),
    (
        "other_department_initiative",
        W,
        "取り組み「{initiative}」は{owners}の担当です。",
        "コードが正しいか確認してください（担当の所属からも報告されます）。",
    ),
    (
        "category_mismatch",
        W,
        "取り組み「{initiative}」の区分は「{expected}」ですが「{chosen}」が選ばれています。",
        "区分を確認してください。",
    ),
)
