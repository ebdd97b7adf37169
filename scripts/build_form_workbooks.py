"""Write the 事務事業評価 form definition workbook, or put the fonts of workbooks in Office's order.

    python3 scripts/build_form_workbooks.py                   # workbooks/form-jimu-jigyo-hyoka.xlsx
    python3 scripts/build_form_workbooks.py --fix-fonts FILE…  # reorder <font> children in place

The shipped workbooks in workbooks/ are the source of the forms: edit them in Excel and check them
with `xlsheet form check`. The 政策評価表 definition (form-seisaku-hyoka.xlsx) is no longer
generated; this script never touches it unless named after --fix-fonts. The 事務事業評価
definition (DESIGN §13) is written out below; running the script overwrites that workbook.

--fix-fonts rewrites only xl/styles.xml, with every <font>'s children in the order Microsoft's
Open XML validator accepts (openpyxl's order is valid ECMA-376 but rejected there); run it on a
workbook saved by openpyxl before shipping it (tests/test_ooxml_validator.py checks the shipped ones).
"""

from __future__ import annotations

import argparse
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

from xlsheet.formdef.model import (
    FILLED_BY_JA,
    KIND_JA,
    LAYOUTS,
    MASTER_LISTS,
    MASTER_SOURCES,
    MASTER_VALUES,
    PLACEHOLDERS,
    SHEET_CHOICES,
    SHEET_HELP,
    SHEET_ITEMS,
    SHEET_SETTINGS,
    UNITS,
    ChoiceCol,
    Col,
    Setting,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "workbooks"
FONT = "游ゴシック"

ITEM_COLUMNS: tuple[tuple[Col, float], ...] = (
    (Col.SECTION, 13),
    (Col.SECTION_TITLE, 30),
    (Col.SECTION_NOTE, 34),
    (Col.KEY, 14),
    (Col.LABEL, 22),
    (Col.KIND, 8),
    (Col.REQUIRED, 6),
    (Col.LIST, 14),
    (Col.FILTER, 10),
    (Col.MIN, 7),
    (Col.MAX, 7),
    (Col.LENGTH, 7),
    (Col.FORMULA, 40),
    (Col.CONSTRAINT, 20),
    (Col.CONSTRAINT_MESSAGE, 24),
    (Col.CONSTRAINT_SEVERITY, 8),
    (Col.HINT, 40),
    (Col.EXAMPLE, 22),
    (Col.FILLED_BY, 9),
    (Col.ROWS, 6),
    (Col.ROWS_PER, 14),
    (Col.SPARE_ROWS, 7),
    (Col.DEFAULT, 22),
    (Col.SPAN, 8),
    (Col.ROW_KEY, 8),
    (Col.ROW_HEIGHT, 8),
    (Col.SHOW_HEADER, 8),
)

COLUMN_HELP: dict[Col, str] = {
    Col.SECTION: "セクションのキー（半角英小文字・数字・_）。同じセクションの行は続けて並べる。1 セクションは入力シートの 1 つの表（行数 1 ならひとまとまりの欄）。",
    Col.SECTION_TITLE: "入力シートと統合ブックに出るセクションの見出し。{評価対象年度} などの差し込みが使える。セクションの最初の行にだけ書く。",
    Col.SECTION_NOTE: "見出しの下に出る記入の案内。最初の行にだけ書く。",
    Col.KEY: "項目のキー（半角英小文字で始め、英小文字・数字・_ で 30 文字以内）。セクションの中で重複しないこと。台帳・CSV・pandas の列名になる。",
    Col.LABEL: "入力シートの列見出し。32 文字を超えると入力時メッセージのタイトルでは切り詰められる。",
    Col.KIND: "コード・選択・文字・文章・整数・数値・金額・割合・日付・計算・固定 のいずれか。",
    Col.REQUIRED: '○ なら必須（表では使用中の行で必須）。空欄は任意。式（例: [区分]="主な取り組み"）なら、式が成り立つときだけ必須。',
    Col.LIST: "種類がコード・選択のときの一覧。選択肢シートの一覧名か、マスタの一覧（取り組みコード・所属・ＳＤＧｓ・事業）。",
    Col.FILTER: "一覧の絞り込み（連動プルダウン）。「選択肢シートの列名=[キー]」。",
    Col.MIN: "数値の下限（整数・数値・金額・割合・計算）。割合は 80% のようにも書ける。",
    Col.MAX: "数値の上限。",
    Col.LENGTH: "文字・文章の最大文字数。",
    Col.FORMULA: "種類「計算」の式。先頭の = は書かない。[キー] か [見出し] で同じ行（またはひとまとまりの欄）の項目、[セクション.キー] で他のセクションの項目、[マスタ.名前] でマスタの値を参照する。入力ブックでは Excel の式になり、回収時に再計算して照合する。",
    Col.CONSTRAINT: "入力値が満たすべき条件の式（例: [実績値]>=0）。満たさないと回収時にエラー。",
    Col.CONSTRAINT_MESSAGE: "条件を満たさないときのメッセージ（224 文字以内）。",
    Col.CONSTRAINT_SEVERITY: "条件を満たさないときの扱い: エラー（既定、直すまで受け付けない）か 注意（知らせるだけ）。",
    Col.HINT: "セルを選んだときに出る入力時メッセージ（255 文字以内、文字数の案内を含む）。",
    Col.EXAMPLE: "記入例の行に出す値。どの項目にも記入例がないセクションは記入例の行を出さない。",
    Col.FILLED_BY: "全所属 か 主管所属（リーディングプロジェクトの主管所属だけが記入する）。最初の行にだけ書く。",
    Col.ROWS: "入力行の数（正の整数）。1 ならひとまとまりの欄、2 以上なら表。最初の行にだけ書く。",
    Col.ROWS_PER: "行数の基準となる一覧。書くと「行数 × その所属の項目数」行になる（例: 取り組みコードごとに 3 行）。",
    Col.SPARE_ROWS: "行数に加える予備の行数。",
    Col.DEFAULT: "あらかじめ記入する値。文字そのもの、「一覧:一覧名」（一覧の値を 1 行に 1 つ）、「一覧:一覧名.表示」、「マスタ:表.列」（マスタの値）、「前年度:キー」「前年度:セクション.キー」（前年度に受理した同じ単位の値。事業は旧事業コードをたどる）。",
    Col.SPAN: "入力シートで何列分を結合して使うか（既定 1）。",
    Col.ROW_KEY: "○ の項目のどれかに値がある行を「使用中の行」とみなす。どれにも ○ がなければ入力項目すべて。",
    Col.ROW_HEIGHT: "入力行の高さ（ポイント）。最初の行にだけ書く。",
    Col.SHOW_HEADER: "非表示 にすると列見出しの行を出さない（1 列だけの文章欄など）。最初の行にだけ書く。",
}

SETTING_HELP: dict[Setting, str] = {
    Setting.ID: "様式の ID（半角英数字と . _ -）。入力ブックに刻印され、回収時に照合される。",
    Setting.VERSION: "様式の版。項目を変えたら上げる。",
    Setting.TITLE: "様式の名前。",
    Setting.UNIT: "入力シート 1 枚が何についてのものか: 所属×リーディングプロジェクト、所属×事業。",
    Setting.LAYOUT: "統合ブックの公表用レイアウト: 政策評価表、事務事業評価シート、なし。",
    Setting.INPUT_SHEET: "入力シートの名前（任意、既定「評価入力」、20 文字以内）。",
}

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF", size=10)
BODY_FONT = Font(name=FONT, size=10)
SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _header(ws, labels: list[str], widths: list[float]) -> None:
    for i, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        c = ws.cell(row=1, column=i, value=label)
        c.fill, c.font, c.border = HEADER_FILL, HEADER_FONT, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[c.column_letter].width = width
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "A2"


def _body(ws, r: int, values: list, shade: bool = False) -> None:
    for i, v in enumerate(values, start=1):
        c = ws.cell(row=r, column=i, value=v if v != "" else None)
        c.font, c.border = BODY_FONT, BORDER
        c.alignment = Alignment(vertical="top", wrap_text=True)
        if isinstance(v, str) and v.startswith("="):
            c.data_type = "s"  # text, not an Excel formula
        if shade:
            c.fill = SECTION_FILL


def write_definition(
    path: Path, settings: dict[Setting, str], items: list[dict[Col, object]], choices: list[tuple]
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_SETTINGS
    _header(ws, ["項目", "値", "説明"], [16, 36, 70])
    for r, s in enumerate(Setting, start=2):
        if s in settings:
            _body(ws, r, [s.value, settings[s], SETTING_HELP[s]])
            options = {Setting.UNIT: list(UNITS), Setting.LAYOUT: list(LAYOUTS)}.get(s)
            if options:
                dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
                dv.add(f"B{r}")
                ws.add_data_validation(dv)

    ws = wb.create_sheet(SHEET_ITEMS)
    _header(ws, [c.value for c, _ in ITEM_COLUMNS], [w for _, w in ITEM_COLUMNS])
    previous = None
    for r, item in enumerate(items, start=2):
        first = item[Col.SECTION] != previous
        previous = item[Col.SECTION]
        _body(ws, r, [item.get(c, "") for c, _ in ITEM_COLUMNS], shade=first)
    last = len(items) + 1
    letter = {c: ws.cell(row=1, column=i).column_letter for i, (c, _) in enumerate(ITEM_COLUMNS, start=1)}
    # Dropdowns that suggest without refusing (English aliases and formulas stay possible;
    # `xlsheet form check` is the judge).
    for col, options in (
        (Col.KIND, list(KIND_JA.values())),
        (Col.FILLED_BY, list(FILLED_BY_JA.values())),
        (Col.REQUIRED, ["○"]),
        (Col.ROW_KEY, ["○"]),
        (Col.SHOW_HEADER, ["非表示"]),
    ):
        dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        dv.showErrorMessage = False
        dv.add(f"{letter[col]}2:{letter[col]}{last + 200}")
        ws.add_data_validation(dv)
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(ITEM_COLUMNS)).column_letter}{last}"

    ws = wb.create_sheet(SHEET_CHOICES)
    extra = sorted({k for row in choices for k in (row[4] if len(row) > 4 else {})})
    _header(ws, [c.value for c in ChoiceCol] + extra, [16, 16, 22, 40] + [14] * len(extra))
    for r, row in enumerate(choices, start=2):
        lst, value, label, desc = row[:4]
        filters = row[4] if len(row) > 4 else {}
        _body(ws, r, [lst, value, label, desc] + [filters.get(k, "") for k in extra])

    ws = wb.create_sheet(SHEET_HELP)
    _header(ws, ["シート・列", "説明"], [22, 110])
    rows: list[tuple[str, str]] = [
        (
            "この様式定義ブック",
            "入力ブックの様式を決めるブックです。編集したら `xlsheet form check このファイル` で確かめてください。誤りはシート・セル・直し方つきで一覧になります。",
        ),
        ("シート「設定」", "A 列に設定名、B 列に値。"),
        *((f"　{s.value}", h) for s, h in SETTING_HELP.items()),
        (
            "シート「項目」",
            "1 行に 1 項目。上から順に入力シートに並びます。青い行はセクションの最初の行です。",
        ),
        *((f"　{c.value}", COLUMN_HELP[c]) for c, _ in ITEM_COLUMNS),
        ("シート「選択肢」", "プルダウンの一覧。1 行に 1 つの値。"),
        ("　一覧", "一覧の名前。項目の「一覧」に書く名前。"),
        ("　値", "選べる値（入力ブックに入る値、255 文字以内）。"),
        ("　表示", '値の説明的な名前（任意）。LABEL([キー], "一覧名") で表示できる。'),
        ("　説明", "値の定義（任意）。入力シートの案内に出す（例: 総合評価 S の定義）。"),
        ("　その他の列", "絞り込み用の列（連動プルダウン）。項目の「絞り込み」で「列名=[キー]」と指定する。"),
        (
            "種類",
            "コード（一覧から選ぶ、文字列として保存）・選択（一覧から選ぶ）・文字（1 行）・文章（改行あり）・整数・数値・金額（円）・割合（0.8 = 80%）・日付・計算（計算式の結果、入力不可）・固定（xlsheet が記入、入力不可）",
        ),
        (
            "計算式で使える関数",
            "IF・AND・OR・NOT・ROUND・ROUNDUP・ROUNDDOWN・ABS・IFERROR・SUM・MIN・MAX・AVERAGE・COUNT・LEN・LABEL",
        ),
        ("マスタの一覧", "・".join(MASTER_LISTS)),
        ("マスタの値 [マスタ.名前]", "・".join(MASTER_VALUES)),
        (
            "初期値のマスタ参照",
            "・".join(f"マスタ:{t}.{c}" for t, cols in MASTER_SOURCES.items() for c in cols),
        ),
        (
            "差し込み",
            "・".join("{" + p + "}" for p in PLACEHOLDERS) + "（年度は {評価対象年度-1} のように前後できる）",
        ),
    ]
    for r, (a, b) in enumerate(rows, start=2):
        _body(ws, r, [a, b])
    for sheet in wb.worksheets:
        sheet.sheet_view.zoomScale = 100
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "1:1"
    wb.properties.title = settings[Setting.TITLE] + " 様式定義"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    office_font_order(path)


FONT_ORDER = [
    "b",
    "i",
    "strike",
    "condense",
    "extend",
    "outline",
    "shadow",
    "u",
    "vertAlign",
    "sz",
    "color",
    "name",
    "family",
    "charset",
    "scheme",
]
"""The order Office and Microsoft's validator expect a <font>'s children in (openpyxl writes
name, family, b, color, sz …, which ECMA-376 allows but the Open XML SDK validator rejects)."""


_CHILD = re.compile(rb"<(\w+)\b[^>]*?/>|<(\w+)\b[^>]*>.*?</\2>", re.S)


def office_font_order(path: Path) -> None:
    """Rewrite xl/styles.xml of `path` with every <font>'s children in FONT_ORDER; nothing else changes."""
    rank = {n: i for i, n in enumerate(FONT_ORDER)}

    def reorder(m: re.Match) -> bytes:
        children = [(c.group(1) or c.group(2)).decode() for c in _CHILD.finditer(m.group(1))]
        parts = [c.group(0) for c in _CHILD.finditer(m.group(1))]
        ordered = sorted(zip(children, parts, strict=True), key=lambda t: rank.get(t[0], len(rank)))
        return b"<font>" + b"".join(x for _, x in ordered) + b"</font>"

    with zipfile.ZipFile(path) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as zout:
        for info, data in items:
            if info.filename == "xl/styles.xml":
                data = re.sub(rb"<font>(.*?)</font>", reorder, data, flags=re.S)
            zout.writestr(info, data)
    tmp.replace(path)


# --------------------------------------------------------------------------- 事務事業評価


def _indicator(section: str, title: str, note: str, what: str) -> list[dict[Col, object]]:
    rows: list[dict[Col, object]] = [
        {
            Col.SECTION: section,
            Col.SECTION_TITLE: title,
            Col.SECTION_NOTE: note,
            Col.FILLED_BY: "全所属",
            Col.ROWS: 3,
            Col.KEY: "name",
            Col.LABEL: "指標名",
            Col.KIND: "文字",
            Col.REQUIRED: "○",
            Col.LENGTH: 60,
            Col.HINT: f"{what}の名前を入力してください。",
            Col.DEFAULT: "前年度:name",
            Col.EXAMPLE: "認知症サポーター養成講座の開催回数"
            if section == "activity"
            else "認知症サポーター数",
            Col.ROW_KEY: "○",
        },
        {
            Col.SECTION: section,
            Col.KEY: "unit",
            Col.LABEL: "単位",
            Col.KIND: "文字",
            Col.REQUIRED: "○",
            Col.LENGTH: 10,
            Col.HINT: "回・人・件 などの単位を入力してください。",
            Col.DEFAULT: "前年度:unit",
            Col.EXAMPLE: "回" if section == "activity" else "人",
        },
    ]
    for n, year in ((1, "{評価対象年度-2}"), (2, "{評価対象年度-1}"), (3, "{評価対象年度}")):
        rows += [
            {
                Col.SECTION: section,
                Col.KEY: f"target_{n}",
                Col.LABEL: f"目標値（{year}）",
                Col.KIND: "数値",
                Col.REQUIRED: "○" if n == 3 else "",
                Col.MIN: 0,
                Col.HINT: f"{year}の目標値を数値で入力してください。",
                # last year's next column: this year's 2 years ago was last year's 1 year ago
                Col.DEFAULT: f"前年度:target_{n + 1}" if n < 3 else "",
            },
            {
                Col.SECTION: section,
                Col.KEY: f"actual_{n}",
                Col.LABEL: f"実績値（{year}）",
                Col.KIND: "数値",
                Col.REQUIRED: "○" if n == 3 else "",
                Col.MIN: 0,
                Col.HINT: f"{year}の実績値を数値で入力してください。",
                Col.DEFAULT: f"前年度:actual_{n + 1}" if n < 3 else "",
            },
            {
                Col.SECTION: section,
                Col.KEY: f"rate_{n}",
                Col.LABEL: f"達成率（{year}）",
                Col.KIND: "計算",
                Col.FORMULA: f'IF(OR([target_{n}]="",[target_{n}]=0,[actual_{n}]=""),"",ROUND([actual_{n}]/[target_{n}],3))',
            },
        ]
    return rows


def jimu_items() -> tuple[dict[Setting, str], list[dict[Col, object]], list[tuple]]:
    def block(section, title, note, fields, height: float | None = None):
        out = []
        for i, fdef in enumerate(fields):
            row = {Col.SECTION: section, **fdef}
            if i == 0:
                row.update(
                    {Col.SECTION_TITLE: title, Col.SECTION_NOTE: note, Col.FILLED_BY: "全所属", Col.ROWS: 1}
                )
                if height:
                    row[Col.ROW_HEIGHT] = height
            out.append(row)
        return out

    fixed = "xlsheet がマスタから記入します（変更できません）。"
    items: list[dict[Col, object]] = []
    items += block(
        "identity",
        "【事業の概要】",
        "マスタの事業一覧から記入済みです。",
        [
            {
                Col.KEY: "code",
                Col.LABEL: "事業コード",
                Col.KIND: "固定",
                Col.DEFAULT: "マスタ:事業.事業コード",
                Col.HINT: fixed,
                Col.SPAN: 2,
            },
            {
                Col.KEY: "name",
                Col.LABEL: "事業名",
                Col.KIND: "固定",
                Col.DEFAULT: "マスタ:事業.事業名",
                Col.HINT: fixed,
                Col.SPAN: 3,
            },
            {
                Col.KEY: "department",
                Col.LABEL: "担当所属",
                Col.KIND: "固定",
                Col.DEFAULT: "マスタ:事業.担当所属",
                Col.HINT: fixed,
                Col.SPAN: 2,
            },
            {
                Col.KEY: "initiative",
                Col.LABEL: "取り組みコード",
                Col.KIND: "固定",
                Col.DEFAULT: "マスタ:事業.取り組みコード",
                Col.HINT: fixed,
                Col.SPAN: 2,
            },
            {
                Col.KEY: "budget_item",
                Col.LABEL: "予算の細目",
                Col.KIND: "固定",
                Col.DEFAULT: "マスタ:事業.予算の細目",
                Col.HINT: fixed,
                Col.SPAN: 2,
            },
        ],
    )
    items += block(
        "basis",
        "【根拠・期間・実施方法】",
        "事業の根拠法令等、事業期間、実施方法を記載してください。",
        [
            {
                Col.KEY: "law",
                Col.LABEL: "根拠法令等",
                Col.KIND: "文字",
                Col.LENGTH: 100,
                Col.SPAN: 4,
                Col.HINT: "根拠となる法令・条例・要綱を入力してください（なければ空欄）。",
                Col.EXAMPLE: "介護保険法",
            },
            {
                Col.KEY: "start_year",
                Col.LABEL: "開始年度（西暦）",
                Col.KIND: "整数",
                Col.MIN: 1900,
                Col.MAX: 2100,
                Col.SPAN: 2,
                Col.HINT: "事業を始めた年度を西暦で入力してください。",
                Col.EXAMPLE: "2015",
            },
            {
                Col.KEY: "end_year",
                Col.LABEL: "終了年度（西暦）",
                Col.KIND: "整数",
                Col.MIN: 1900,
                Col.MAX: 2100,
                Col.SPAN: 2,
                Col.CONSTRAINT: 'OR([end_year]="",[end_year]>=[start_year])',
                Col.CONSTRAINT_MESSAGE: "終了年度は開始年度以降にしてください。",
                Col.HINT: "終了予定の年度を西暦で入力してください（期間の定めがなければ空欄）。",
            },
            {
                Col.KEY: "method",
                Col.LABEL: "実施方法",
                Col.KIND: "選択",
                Col.REQUIRED: "○",
                Col.LIST: "実施方法",
                Col.SPAN: 3,
                Col.HINT: "実施方法をプルダウンから選んでください。",
                Col.EXAMPLE: "直営",
            },
        ],
    )
    items += block(
        "purpose",
        "【事業の目的】",
        "誰（何）を対象に、どのような状態にするために、何をするのかを記載してください。",
        [
            {
                Col.KEY: "target",
                Col.LABEL: "対象（誰・何を）",
                Col.KIND: "文章",
                Col.REQUIRED: "○",
                Col.LENGTH: 400,
                Col.SPAN: 3,
                Col.HINT: "事業の対象を入力してください。",
                Col.EXAMPLE: "市民",
            },
            {
                Col.KEY: "intent",
                Col.LABEL: "意図（どのような状態に）",
                Col.KIND: "文章",
                Col.REQUIRED: "○",
                Col.LENGTH: 400,
                Col.SPAN: 4,
                Col.HINT: "対象をどのような状態にしたいかを入力してください。",
                Col.EXAMPLE: "認知症を正しく理解し、地域で見守る",
            },
            {
                Col.KEY: "means",
                Col.LABEL: "手段（何をするか）",
                Col.KIND: "文章",
                Col.REQUIRED: "○",
                Col.LENGTH: 800,
                Col.SPAN: 4,
                Col.HINT: "事業の具体的な手段を入力してください。",
                Col.EXAMPLE: "認知症サポーター養成講座を開催する",
            },
        ],
        height=60,
    )
    items += _indicator(
        "activity",
        "【活動指標】",
        "事業の活動量を表す指標を 3 つまで、3 年度分記載してください。達成率は自動で計算されます。",
        "活動指標",
    )
    items += _indicator(
        "outcome",
        "【成果指標】",
        "事業の成果を表す指標を 3 つまで、3 年度分記載してください。達成率は自動で計算されます。",
        "成果指標",
    )
    money = "千円単位で入力してください。"
    items += block(
        "cost",
        "【コスト（{評価対象年度}決算）】",
        "事業費の財源内訳と人工を記載してください（千円）。事業費・人件費・トータルコスト・単位当たりコストは自動で計算されます。",
        [
            {
                Col.KEY: "national_prefectural",
                Col.LABEL: "国・県支出金",
                Col.KIND: "金額",
                Col.MIN: 0,
                Col.REQUIRED: "○",
                Col.HINT: money,
                Col.EXAMPLE: "1200",
            },
            {
                Col.KEY: "bonds",
                Col.LABEL: "地方債",
                Col.KIND: "金額",
                Col.MIN: 0,
                Col.REQUIRED: "○",
                Col.HINT: money,
                Col.EXAMPLE: "0",
            },
            {
                Col.KEY: "other",
                Col.LABEL: "その他",
                Col.KIND: "金額",
                Col.MIN: 0,
                Col.REQUIRED: "○",
                Col.HINT: money,
                Col.EXAMPLE: "0",
            },
            {
                Col.KEY: "general",
                Col.LABEL: "一般財源",
                Col.KIND: "金額",
                Col.MIN: 0,
                Col.REQUIRED: "○",
                Col.HINT: money,
                Col.EXAMPLE: "800",
            },
            {
                Col.KEY: "project_cost",
                Col.LABEL: "事業費",
                Col.KIND: "計算",
                Col.FORMULA: "[national_prefectural]+[bonds]+[other]+[general]",
                Col.SPAN: 2,
            },
            {
                Col.KEY: "person_years",
                Col.LABEL: "人工（人）",
                Col.KIND: "数値",
                Col.MIN: 0,
                Col.MAX: 100,
                Col.REQUIRED: "○",
                Col.HINT: "事業に従事した職員の年間の人数（0.5 人など小数可）を入力してください。",
                Col.EXAMPLE: "0.5",
            },
            {
                Col.KEY: "personnel_cost",
                Col.LABEL: "人件費",
                Col.KIND: "計算",
                Col.FORMULA: "ROUND([person_years]*[マスタ.平均人件費],0)",
            },
            {
                Col.KEY: "total_cost",
                Col.LABEL: "トータルコスト",
                Col.KIND: "計算",
                Col.FORMULA: "[project_cost]+[personnel_cost]",
            },
            {
                Col.KEY: "unit_count",
                Col.LABEL: "単位数",
                Col.KIND: "数値",
                Col.MIN: 0,
                Col.HINT: "単位当たりコストの分母（例: 延べ参加者数）を入力してください。",
                Col.EXAMPLE: "1500",
            },
            {
                Col.KEY: "unit_cost",
                Col.LABEL: "単位当たりコスト",
                Col.KIND: "計算",
                Col.FORMULA: 'IF(OR([unit_count]="",[unit_count]=0),"",ROUND([total_cost]/[unit_count],1))',
            },
        ],
    )
    items += block(
        "grade",
        "【総合評価】",
        "S：目的・目標を上回っている　A：おおむね達成している　B：達成が不十分　C：達成していない",
        [
            {
                Col.KEY: "grade",
                Col.LABEL: "総合評価",
                Col.KIND: "選択",
                Col.REQUIRED: "○",
                Col.LIST: "総合評価",
                Col.SPAN: 2,
                Col.HINT: "S・A・B・C からプルダウンで選んでください（定義はセクションの説明のとおり）。",
                Col.EXAMPLE: "A",
                # DESIGN §13: a grade that contradicts the numbers is worth a warning, not a refusal
                Col.CONSTRAINT: 'NOT(AND([grade]="S",MAX([outcome.rate_3])<1))',
                Col.CONSTRAINT_MESSAGE: "総合評価 S は目的・目標を上回った事業の評価ですが、"
                "成果指標の達成率（{評価対象年度}）がすべて 100% 未満です。評価か指標を見直してください。",
                Col.CONSTRAINT_SEVERITY: "注意",
            },
            {
                Col.KEY: "reason",
                Col.LABEL: "評価の理由",
                Col.KIND: "文章",
                Col.REQUIRED: "○",
                Col.LENGTH: 800,
                Col.SPAN: 9,
                Col.HINT: "評価の理由を、指標の達成状況にふれて入力してください。",
                Col.EXAMPLE: "成果指標の目標をおおむね達成した。",
            },
        ],
        height=72,
    )
    items += block(
        "direction",
        "【今後の方向性】",
        "今後の方向性を選び、その内容を記載してください。",
        [
            {
                Col.KEY: "direction",
                Col.LABEL: "今後の方向性",
                Col.KIND: "選択",
                Col.REQUIRED: "○",
                Col.LIST: "方向性",
                Col.SPAN: 2,
                Col.HINT: "拡充・継続・改善・縮小・休止・廃止 からプルダウンで選んでください。",
                Col.EXAMPLE: "継続",
            },
            {
                Col.KEY: "plan",
                Col.LABEL: "方向性の内容",
                Col.KIND: "文章",
                Col.REQUIRED: "○",
                Col.LENGTH: 800,
                Col.SPAN: 9,
                Col.HINT: "今後の取り組み内容を入力してください。",
                Col.EXAMPLE: "講座の対象を企業・学校に広げる。",
            },
        ],
        height=72,
    )
    items += block(
        "comment",
        "【所属長のコメント】",
        "所属長の総括コメントを記載してください。",
        [
            {
                Col.KEY: "comment",
                Col.LABEL: "所属長のコメント",
                Col.KIND: "文章",
                Col.REQUIRED: "○",
                Col.LENGTH: 800,
                Col.SPAN: 11,
                Col.HINT: "所属長のコメントを入力してください。",
            },
        ],
        height=96,
    )
    for row in items:
        if row[Col.SECTION] in ("activity", "outcome"):
            row.setdefault(Col.SPAN, "")
    settings = {
        Setting.ID: "xlsheet.jimu-jigyo-hyoka",
        Setting.VERSION: "1",
        Setting.TITLE: "事務事業評価",
        Setting.UNIT: "所属×事業",
        Setting.LAYOUT: "事務事業評価シート",
        Setting.INPUT_SHEET: "事業評価",
    }
    choices = [
        ("総合評価", "S", "S", "目的・目標を上回っている"),
        ("総合評価", "A", "A", "目的・目標をおおむね達成している"),
        ("総合評価", "B", "B", "目的・目標の達成が不十分である"),
        ("総合評価", "C", "C", "目的・目標を達成していない"),
        *(
            ("方向性", v, "", d)
            for v, d in (
                ("拡充", "事業を拡大して実施する"),
                ("継続", "現状のまま継続する"),
                ("改善", "手法等を見直して継続する"),
                ("縮小", "規模を縮小して実施する"),
                ("休止・廃止", "事業を休止または廃止する"),
            )
        ),
        *(("実施方法", v, "", "") for v in ("直営", "委託", "補助", "直営・委託", "その他")),
    ]
    return settings, items, choices


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--fix-fonts",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="reorder the <font> children of these existing workbooks in place; write nothing else",
    )
    args = ap.parse_args(argv)
    if args.fix_fonts:
        for path in args.fix_fonts:
            if not path.is_file():
                ap.error(f"{path}: no such file")
            office_font_order(path)
        return
    write_definition(OUT / "form-jimu-jigyo-hyoka.xlsx", *jimu_items())


if __name__ == "__main__":
    main()
