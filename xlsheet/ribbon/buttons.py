"""The ribbon's buttons: one table the Office.js manifest, the server's scripts, the desktop ribbon
XML and VBA (``macros/``) follow (tests check that they agree)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    key: str
    """Function in `xlsheet.ribbon`; also the desktop ``run_caller`` key."""
    label: str
    tip: str
    script: str
    """xlwings Server custom script name."""
    function_name: str
    """Office.js ``FunctionName`` in the manifest (ribbon.js associates it with ``script``)."""
    vba: str
    """Desktop VBA callback (module XlsheetRibbon)."""
    image_mso: str
    """Built-in Office icon for the desktop ribbon."""
    group: str
    """企画課 (planning office) or 所属 (department)."""


BUTTONS: tuple[Button, ...] = (
    Button(
        "generate",
        "配布ブック作成",
        "master.xlsx から所属ごとの入力ブック（outbox フォルダ）を作ります。",
        "xlsheet_generate",
        "xlsheet-generate",
        "OnGenerate",
        "FileNew",
        "企画課",
    ),
    Button(
        "collect",
        "回収・検証",
        "inbox フォルダの返送ファイルを受け付けて検証し、結果を「回収結果」シートに書きます。",
        "xlsheet_collect",
        "xlsheet-collect",
        "OnCollect",
        "ImportExcel",
        "企画課",
    ),
    Button(
        "decide",
        "判断を反映",
        "「企画課の判断」シートに書いた採用・取り下げを台帳に記録し、結果の欄と「提出状況」シートを書きます。",
        "xlsheet_decide",
        "xlsheet-decide",
        "OnDecide",
        "FileMarkAsFinal",
        "企画課",
    ),
    Button(
        "review",
        "確認ブック作成",
        "受理した回答から、主管所属が政策評価表の案を確認する確認ブック（outbox/review フォルダ）を作ります。",
        "xlsheet_review",
        "xlsheet-review",
        "OnReview",
        "ReviewNewComment",
        "企画課",
    ),
    Button(
        "merge",
        "統合ブック作成",
        "受理した入力ブックを 1 冊の統合ブック（output フォルダ）にまとめます。",
        "xlsheet_merge",
        "xlsheet-merge",
        "OnMerge",
        "ConsolidateMenu",
        "企画課",
    ),
    Button(
        "publish",
        "公開データ作成",
        "統合ブックと PDF を作り、公開用データ（CSV・JSON・datapackage.json・PDF）を output/opendata フォルダに書きます。",
        "xlsheet_publish",
        "xlsheet-publish",
        "OnPublish",
        "FileSaveAsWebPage",
        "企画課",
    ),
    Button(
        "status",
        "提出状況",
        "所属ごとの提出状況を「提出状況」シートに書きます。",
        "xlsheet_status",
        "xlsheet-status",
        "OnStatus",
        "TableSelect",
        "企画課",
    ),
    Button(
        "check",
        "入力チェック",
        "開いている入力ブックを送る前に検査し、直す点を「入力チェック結果」シートに書きます。",
        "xlsheet_check",
        "xlsheet-check",
        "OnCheck",
        "ReviewAcceptChange",
        "所属",
    ),
)

BUTTONS_BY_KEY = {b.key: b for b in BUTTONS}

ACTION_LABELS = {b.label: b.key for b in BUTTONS if b.group == "企画課"}
"""The desktop 評価 button's choices (the control workbook's ``xlsheet_action`` dropdown)."""
