"""The planning office's control workbook: where the ribbon buttons are pressed.

It names the round folder (``xlsheet_round_dir``) so the buttons know which round to work on,
and holds the choice for the desktop add-in's single 評価 button (``xlsheet_action``).
"""

from __future__ import annotations

from pathlib import Path

from ..paths import RoundPaths
from ..xlsxout import Book, atomic_path, sheet_ref
from . import ACTION_LABELS, ACTION_NAME, BUTTONS, ROUND_DIR_NAME

CONTROL_SHEET = "操作"
CONTROL_FILE = "操作ブック.xlsx"


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
            "結果はこのブックのシート（配布ブック・回収結果・提出状況）とメッセージで表示されます。",
        )
        ws.activate()
        book.close()
    return target
