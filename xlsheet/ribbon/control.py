"""The planning office's control workbook: where the ribbon buttons are pressed.

It names the round folder (``xlsheet_round_dir``) so the buttons know which round to work on,
and holds the choice for the desktop add-in's single 評価 button (``xlsheet_action``). Its
企画課の判断 sheet is the form the 判断を反映 button reads: one file per row, accept or withdraw,
a reason, and the 結果 the button writes back (first data row: ``xlsheet_decide_first``).
"""

from __future__ import annotations

from pathlib import Path

from ..paths import RoundPaths
from ..xlsxout import Book, atomic_path, sheet_ref
from .buttons import ACTION_LABELS, BUTTONS, BUTTONS_BY_KEY
from .names import ACTION_NAME, DECIDE_CHOICES, DECIDE_HEADER, DECIDE_NAME, DECIDE_SHEET, ROUND_DIR_NAME

CONTROL_SHEET = "操作"
CONTROL_FILE = "操作ブック.xlsx"
DECIDE_ROWS = 100
"""Rows of the 企画課の判断 form laid out (unlocked, with the dropdown); more can be added below."""
DECIDE_HEADER_ROW = 7
"""0-based row of the form's header; the first data row (``xlsheet_decide_first``) is the next."""


def _decide_sheet(book: Book) -> None:
    """The 企画課の判断 form: explanation, header ファイル・判断・理由・結果, DECIDE_ROWS rows."""
    ws = book.add_sheet(DECIDE_SHEET)
    label = BUTTONS_BY_KEY["decide"].label
    for col, width in enumerate((44, 12, 40, 80)):
        ws.set_column(col, col, width)
    book.write(ws, 0, 0, "企画課の判断（採用・取り下げ）", book.fmt(bold=True, font_size=14))
    notes = (
        f"回収したファイルを採用するか取り下げるかを 1 行に 1 件書き、リボンの「{label}」を押してください。",
        "ファイル: 「回収結果」「提出状況」シートのファイルの欄のパス（inbox/…）か、SHA-256 の先頭 6 文字以上。",
        "判断: 採用＝後から届いたファイルがあってもこのファイルを有効にします。"
        "取り下げ＝このファイルを数えません（理由が必要です）。",
        "理由は台帳と統合ブックに残ります。結果の欄はボタンが書きます（灰色の欄には書かないでください）。",
        "結果の欄が空の行だけ反映します。エラーの行は直してから結果の欄を消し、もう一度押してください。",
    )
    for i, text in enumerate(notes):
        book.write(ws, 1 + i, 0, text)
    header = book.fmt(bold=True, bg_color="#D9E1F2", border=1)
    for col, text in enumerate(DECIDE_HEADER):
        book.write(ws, DECIDE_HEADER_ROW, col, text, header)
    text_input = book.fmt(border=1, bg_color="#FFF2CC", locked=False, num_format="@")
    wrap_input = book.fmt(border=1, bg_color="#FFF2CC", locked=False, text_wrap=True)
    result = book.fmt(border=1, bg_color="#D9D9D9", locked=True, text_wrap=True)
    first, last = DECIDE_HEADER_ROW + 1, DECIDE_HEADER_ROW + DECIDE_ROWS
    for row in range(first, last + 1):
        book.write(ws, row, 0, None, text_input)
        book.write(ws, row, 1, None, text_input)
        book.write(ws, row, 2, None, wrap_input)
        book.write(ws, row, 3, None, result)
    book.define_name(DECIDE_NAME, sheet_ref(DECIDE_SHEET, first, 0, first, len(DECIDE_HEADER) - 1))
    book.validate(
        ws,
        first,
        1,
        last,
        1,
        {
            "validate": "list",
            "source": list(DECIDE_CHOICES),
            "input_title": "企画課の判断",
            "input_message": "採用: このファイルを有効にします。取り下げ: このファイルを数えません（理由が必要）。",
            "error_title": "企画課の判断",
            "error_message": "「採用」か「取り下げ」をプルダウンから選んでください。",
        },
    )
    ws.freeze_panes(first, 0)


def write_control_workbook(root: Path, path: Path | None = None, round_value: str | None = None) -> Path:
    """Write the control workbook for the round at `root` (default ROUND/操作ブック.xlsx).

    `round_value` is what the round-folder cell holds (default: the absolute path of `root`);
    give the folder name alone when the server resolves it under $XLSHEET_ROUNDS_ROOT.
    """
    root = Path(root)
    paths = RoundPaths(root)
    if not paths.master.exists():
        raise FileNotFoundError(f"{paths.master} がありません。先に `xlsheet init {root}` を実行してください")
    target = Path(path) if path else root / CONTROL_FILE
    with atomic_path(target) as tmp:
        book = Book(tmp)
        ws = book.add_sheet(CONTROL_SHEET)
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 70)
        title = book.fmt(bold=True, font_size=14)
        label = book.fmt(bold=True, bg_color="#D9E1F2", border=1)
        value = book.fmt(border=1, bg_color="#FFF2CC", locked=False)
        book.write(ws, 0, 0, "政策評価 操作ブック（xlsheet）", title)
        book.write(ws, 2, 0, "ラウンドのフォルダ", label)
        book.write(ws, 2, 1, round_value or str(root.resolve()), value)
        book.define_name(ROUND_DIR_NAME, sheet_ref(CONTROL_SHEET, 2, 1, 2, 1))
        book.write(ws, 3, 0, "評価ボタンの処理", label)
        book.write(ws, 3, 1, "提出状況", value)
        book.define_name(ACTION_NAME, sheet_ref(CONTROL_SHEET, 3, 1, 3, 1))
        book.validate(
            ws,
            3,
            1,
            3,
            1,
            {
                "validate": "list",
                "source": list(ACTION_LABELS),
                "input_title": "評価ボタンの処理",
                "input_message": "デスクトップ版アドインの「評価」ボタンで行う処理を選んでください。",
            },
        )
        book.write(ws, 5, 0, "リボン「評価」タブのボタン", book.fmt(bold=True))
        for i, b in enumerate(BUTTONS):
            book.write(ws, 6 + i, 0, f"{b.label}（{b.group}）", label)
            book.write(ws, 6 + i, 1, b.tip, book.fmt(border=1, text_wrap=True))
        note = 7 + len(BUTTONS)
        book.write(
            ws,
            note,
            0,
            "結果はこのブックのシート（配布ブック・回収結果・確認ブック・統合結果・公開データ・提出状況）とメッセージで表示されます。",
        )
        book.write(
            ws,
            note + 1,
            0,
            f"採用・取り下げは「{DECIDE_SHEET}」シートに書いてから「{BUTTONS_BY_KEY['decide'].label}」を押します。",
        )
        _decide_sheet(book)
        ws.activate()
        book.close()
    return target
