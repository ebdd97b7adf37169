"""The form check's rows of the issue catalogue (`xlsheet.catalogue`).

Codes are stable: tests and docs/form-definition.md name them. Messages say what is wrong, hints
say how to fix it; both are Japanese. The sheet and cell travel on the Issue, not in the text.
"""

from __future__ import annotations

from ..catalogue import register
from ..models import Severity

E, W = Severity.ERROR, Severity.WARNING

ROWS: tuple[tuple[str, Severity, str, str], ...] = (
    # --- the file and its sheets
    (
        "FORM_FILE_UNREADABLE",
        E,
        "様式定義ブック「{name}」を開けません（{detail}）。",
        "Excel で保存し直した .xlsx を指定してください。",
    ),
    (
        "FORM_SHEET_MISSING",
        E,
        "シート「{name}」がありません。",
        "シート「{name}」を追加してください。{did_you_mean}",
    ),
    # --- headers
    (
        "FORM_HEADER_UNKNOWN",
        E,
        "列見出し「{header}」は様式定義の列ではありません。",
        "{did_you_mean}列の一覧は「説明」シートと docs/form-definition.md にあります。",
    ),
    (
        "FORM_HEADER_MISSING",
        E,
        "必須の列「{header}」がありません。",
        "1 行目に「{header}」の列を追加してください。",
    ),
    (
        "FORM_HEADER_DUPLICATE",
        E,
        "列「{header}」が 2 つあります（{other} 列と同じ意味です）。",
        "どちらか一方の列を削除してください。",
    ),
    # --- 設定
    (
        "FORM_SETTING_MISSING",
        E,
        "設定「{setting}」がありません。",
        "A 列に「{setting}」、B 列にその値を入力してください（例: {example}）。",
    ),
    (
        "FORM_SETTING_UNKNOWN",
        E,
        "設定「{setting}」は様式定義の設定ではありません。",
        "{did_you_mean}使える設定: {known}。",
    ),
    (
        "FORM_SETTING_INVALID",
        E,
        "設定「{setting}」の値「{value}」は使えません。",
        "次のいずれかにしてください: {allowed}。",
    ),
    (
        "FORM_SHEET_NAME_INVALID",
        E,
        "入力シート名「{value}」は Excel のシート名にできません（{detail}）。",
        "31 文字以内で、\\ / ? * [ ] : を含まない名前にしてください。",
    ),
    # --- 項目: sections
    (
        "FORM_SECTION_MISSING",
        E,
        "セクションが空欄です。",
        "この行が属するセクションのキー（例: projects）を入力してください。",
    ),
    (
        "FORM_SECTION_SPLIT",
        E,
        "セクション「{section}」の行が {first} 行目からの行と離れています。",
        "同じセクションの行は続けて並べてください（行を切り取って {first} 行目からの行の下に挿入）。",
    ),
    (
        "FORM_SECTION_CONFLICT",
        E,
        "セクション「{section}」の「{column}」が最初の行（{first} 行目）の「{expected}」と違います（「{value}」）。",
        "セクション全体の設定は最初の行にだけ書き、この行は空欄にしてください。",
    ),
    (
        "FORM_SECTION_TITLE_MISSING",
        E,
        "セクション「{section}」のセクション見出しがありません。",
        "最初の行のセクション見出しに、入力シートに表示する見出しを入力してください。",
    ),
    (
        "FORM_EMPTY",
        E,
        "項目が 1 つもありません。",
        "「項目」シートの 2 行目から、1 行に 1 項目を入力してください。",
    ),
    # --- 項目: fields
    (
        "FORM_KEY_MISSING",
        E,
        "キーが空欄です。",
        "この項目のキーを半角英小文字で入力してください（例: target_value）。",
    ),
    (
        "FORM_KEY_INVALID",
        E,
        "キー「{key}」は使えません。",
        "半角英小文字で始め、半角英小文字・数字・_ だけで 30 文字以内にしてください{suggestion}。",
    ),
    (
        "FORM_KEY_DUPLICATE",
        E,
        "キー「{key}」がセクション「{section}」の中で重複しています（{first} 行目と同じ）。",
        "どちらかのキーを別の名前に変えてください。",
    ),
    ("FORM_LABEL_MISSING", E, "見出しが空欄です。", "入力シートの列見出しになる文字を入力してください。"),
    (
        "FORM_LABEL_DUPLICATE",
        W,
        "見出し「{label}」がセクション「{section}」の中で重複しています（{first} 行目と同じ）。",
        "計算式で [{label}] と書くとどちらか決まりません。見出しを変えるか、計算式ではキーで参照してください。",
    ),
    ("FORM_TYPE_MISSING", E, "種類が空欄です。", "{known} のいずれかを入力してください。"),
    ("FORM_TYPE_UNKNOWN", E, "種類「{value}」はありません。", "{did_you_mean}使える種類: {known}。"),
    (
        "FORM_REQUIRED_INVALID",
        E,
        "必須の値「{value}」を読めません。",
        '必須なら ○、任意なら空欄、条件付きなら式（例: [区分]="主な取り組み"）を入力してください。',
    ),
    (
        "FORM_FLAG_INVALID",
        E,
        "「{column}」の値「{value}」を読めません。",
        "○（する）か空欄（しない）にしてください。",
    ),
    (
        "FORM_LIST_MISSING",
        E,
        "種類「{kind}」の項目には一覧が必要です。",
        "「一覧」に選択肢シートの一覧名かマスタの一覧（{master}）を入力してください。",
    ),
    (
        "FORM_LIST_UNKNOWN",
        E,
        "一覧「{value}」は選択肢シートにもマスタの一覧にもありません。",
        "{did_you_mean}選択肢シートに一覧「{value}」の行を追加するか、マスタの一覧（{master}）を指定してください。",
    ),
    (
        "FORM_LIST_KIND",
        W,
        "一覧「{value}」は種類「{kind}」の項目には効きません。",
        "プルダウンにするなら種類を「選択」か「コード」に、そうでなければ一覧を空欄にしてください。",
    ),
    (
        "FORM_LIST_UNUSED",
        W,
        "一覧「{value}」はどの項目でも使われていません。",
        "不要なら選択肢シートから削除してください。項目の「一覧」の綴りも確認してください。",
    ),
    (
        "FORM_FILTER_INVALID",
        E,
        "絞り込み「{value}」を読めません（{detail}）。",
        "「選択肢シートの列名=[キー]」の形で入力してください（例: 区分=[category]）。",
    ),
    (
        "FORM_NUMBER_INVALID",
        E,
        "「{column}」の値「{value}」は{want}ではありません。",
        "{want}を半角で入力してください。",
    ),
    (
        "FORM_RANGE_INVALID",
        E,
        "最小 {min} が最大 {max} より大きくなっています。",
        "最小と最大を入れ替えてください。",
    ),
    (
        "FORM_LIMIT_KIND",
        W,
        "「{column}」は種類「{kind}」の項目には効きません。",
        "{column}は{applies}の項目に使います。不要なら空欄にしてください。",
    ),
    (
        "FORM_ROWS_INVALID",
        E,
        "「{column}」の値「{value}」は{want}ではありません。",
        "{want}を半角数字で入力してください（例: {example}）。",
    ),
    (
        "FORM_FILLED_BY_INVALID",
        E,
        "記入者「{value}」を読めません。",
        "全所属（all）か主管所属（lead）にしてください。",
    ),
    (
        "FORM_DEFAULT_INVALID",
        E,
        "初期値「{value}」の参照先がありません（{detail}）。",
        "文字をそのまま書くか、「一覧:一覧名」「一覧:一覧名.表示」「マスタ:表.列」「前年度:キー」（{sources}）の形にしてください。",
    ),
    (
        "FORM_PLACEHOLDER_UNKNOWN",
        E,
        "差し込み「{{{name}}}」はありません。",
        "{did_you_mean}使える差し込み: {known}。",
    ),
    # --- formulas
    (
        "FORM_FORMULA_MISSING",
        E,
        "種類「計算」の項目に計算式がありません。",
        '計算式を入力してください（例: IF([目標値]=0,"",[実績値]/[目標値])）。',
    ),
    (
        "FORM_FORMULA_KIND",
        E,
        "計算式は種類「計算」の項目にだけ書けます（この項目は「{kind}」）。",
        "種類を「計算」にするか、計算式を削除してください。",
    ),
    (
        "FORM_FORMULA_SYNTAX",
        E,
        "{column}「{value}」を読めません: {detail}。",
        "項目は [キー] か [見出し] で、関数は {functions} が使えます。先頭の = は不要です。",
    ),
    (
        "FORM_FORMULA_FUNCTION",
        E,
        "{column}で関数「{name}」は使えません。",
        "{did_you_mean}使える関数: {functions}。",
    ),
    (
        "FORM_FORMULA_REF",
        E,
        "{column}の参照 {ref} に当たる項目がありません。",
        "{did_you_mean}同じセクションの項目は [キー] か [見出し]、他のセクションは [セクション.キー]、マスタの値は [マスタ.名前]（{master}）で参照します。",
    ),
    (
        "FORM_FORMULA_SCOPE",
        E,
        "{column}の参照 {ref} は複数行の表の列です。",
        "表の列は SUM([{ref_inner}]) のように集計関数（{aggregates}）の中で参照してください。",
    ),
    (
        "FORM_FORMULA_CYCLE",
        E,
        "計算式が循環しています: {cycle}。",
        "どれかの計算式から、循環している参照を外してください。",
    ),
    (
        "FORM_SEVERITY_INVALID",
        E,
        "条件の扱い「{value}」を読めません。",
        "エラー（空欄と同じ）か注意にしてください。",
    ),
    (
        "FORM_CONSTRAINT_MESSAGE_MISSING",
        W,
        "条件に条件メッセージがありません。",
        "条件を満たさないときに表示する文（224 文字以内）を「条件メッセージ」に入力してください。",
    ),
    # --- 選択肢
    (
        "FORM_CHOICE_INCOMPLETE",
        E,
        "選択肢の「{column}」が空欄です。",
        "「一覧」に一覧名、「値」に選べる値を入力してください。",
    ),
    (
        "FORM_CHOICE_DUPLICATE",
        E,
        "一覧「{list}」の値「{value}」が重複しています（{first} 行目と同じ）。",
        "どちらかの行を削除してください。",
    ),
    # --- Excel limits (DESIGN §5) and names
    (
        "FORM_PROMPT_TOO_LONG",
        E,
        "入力の説明が {length} 文字あり、Excel の入力時メッセージの上限 {limit} 文字を超えます。",
        "{limit} 文字以内に短くしてください（文字数制限の案内「（N 文字以内）」を含みます）。",
    ),
    (
        "FORM_TITLE_TOO_LONG",
        W,
        "見出し「{value}」が {length} 文字あり、入力時メッセージのタイトル（上限 {limit} 文字）では切り詰められます。",
        "{limit} 文字以内の見出しにすると、入力時メッセージにそのまま表示されます。",
    ),
    (
        "FORM_ERROR_TEXT_TOO_LONG",
        E,
        "条件メッセージが {length} 文字あり、Excel のエラーメッセージの上限 {limit} 文字を超えます。",
        "{limit} 文字以内に短くしてください。",
    ),
    (
        "FORM_CHOICE_TOO_LONG",
        E,
        "選択肢の値が {length} 文字あり、Excel のリストの項目の上限 {limit} 文字を超えます。",
        "{limit} 文字以内に短くしてください。",
    ),
    (
        "FORM_CONTROL_CHAR",
        E,
        "制御文字（U+{codepoint}）が含まれています。Excel はこの文字を保存できません。",
        "その文字を削除してください（別のソフトから貼り付けた文に紛れ込みます）。",
    ),
    (
        "FORM_NAME_COLLISION",
        E,
        "名前「{value}」が「{other}」とぶつかります（{detail}）。",
        "どちらかの名前を変えてください。",
    ),
)

register(*ROWS)

CODES = frozenset(code for code, *_ in ROWS)
