"""Catalogue rows of intake before and around the form: what a file is (triage), what came out
of mails, zips and mailboxes (sources), a reading that failed as a whole (collect), and what a
department changed in a workbook's structure (structure).

An error row refuses the file (差し戻し); a warning row of a refusal only sets the file aside
(対象外). Where one finding is an error for a file named like a workbook and only a note for
anything else (a signature image), the two are two codes (`…_ignored`).
"""

from __future__ import annotations

from ..catalogue import register
from ..models import Severity

E, W = Severity.ERROR, Severity.WARNING

RESEND_HINT = "配布した入力ブック（.xlsx）に入力し、そのまま上書き保存して送り直してください。"
SEND_INSTEAD = "配布した入力ブック（.xlsx）に入力し、「Excel ブック (*.xlsx)」のまま保存して送ってください。"
TREE_HINT = "提出する入力ブックだけを、1 通のメールに数個ずつ添付して送ってもらってください。"
SPECIAL_HINT = (
    "回収するファイルは、ファイルそのものを inbox/ にコピーしてください（リンクやショートカットではなく）。"
)
SPECIAL_TAIL = "。安全のため、たどらず開かずに読み飛ばしました。"
FAILURE_HINT = (
    "ファイルを開けるか、入力欄の外に大量の値や書式がないか確かめ、配布した入力ブックに入力し直して"
    "もう一度送ってもらってください。このファイルは台帳に記録していないので、次の回収でもう一度読みます。"
)
COVER_HINT = "入力ブックと一緒に届いた添付なので、読み飛ばしました（直す必要はありません）。"
STRUCTURE_HINT = (
    "読み取りは名前付き範囲で行いました。次回からシート名の変更や行の挿入・削除はしないでください。"
)
PASTE_HINT = "他のファイルから貼り付けるときは「値のみ貼り付け」を使ってください。"

_WORD = "Word の文書（.docx）です。Excel の入力ブックではありません。"
_POWERPOINT = "PowerPoint のファイル（.pptx）です。Excel の入力ブックではありません。"
_PDF = "PDF のファイルです。Excel の入力ブックではありません。"
_OPENDOCUMENT = (
    "OpenDocument の文書（LibreOffice Writer／Impress など）です。Excel の入力ブックではありません。"
)
_EMPTY = "中身が空（0 バイト）のファイルです。"
_HTML = (
    "Web ページ／XML 形式（HTML や XML スプレッドシート）のファイルです。拡張子だけ Excel になっています。"
)
_NOT_WORKBOOK = "Excel ブック（.xlsx）ではありません。"
_TREE = "この中身（{over}）は多すぎるため、ここから先は読み込んでいません。"

register(
    # --- triage: the container and its safety
    (
        "corrupt_zip",
        E,
        "{what}が壊れているか、途中までしかありません（zip として読めません: {error}）。",
        "送信元でファイルを開けるか確かめ、もう一度添付して送ってください。",
    ),
    (
        "zip_bomb",
        E,
        "{what}は展開すると極端に大きくなります（zip 爆弾の疑い）。安全のため読み込みません。",
        "心当たりがなければ企画課に連絡してください。" + RESEND_HINT,
    ),
    ("corrupt_part", E, "ブックの部品「{member}」が壊れています（{error}）。", RESEND_HINT),
    (
        "xml_entities",
        E,
        "ブックの部品「{member}」に DTD／エンティティ宣言（DOCTYPE）があります（XML エンティティ攻撃の疑い）。"
        "安全のため読み込みません。",
        "Excel で作ったブックにはこの宣言はありません。" + RESEND_HINT,
    ),
    # --- triage: what a file really is
    (
        "encrypted",
        E,
        "パスワードで保護（暗号化）されたブックです。読み込めません。",
        "ファイル→情報→ブックの保護→「パスワードを使用して暗号化」でパスワードを消して保存し、送り直してください。",
    ),
    (
        "legacy_xls",
        E,
        "古い形式（Excel 97-2003 ブック .xls）で保存されています。読み込めません。",
        "配布した .xlsx のまま保存してください（名前を付けて保存→「Excel ブック (*.xlsx)」）。",
    ),
    ("not_workbook_ole", E, "Excel ブックではありません（OLE 形式の別のファイルです）。", RESEND_HINT),
    (
        "xlsb",
        E,
        "Excel バイナリブック（.xlsb）で保存されています。読み込めません。",
        "名前を付けて保存→「Excel ブック (*.xlsx)」で保存し直して送ってください。",
    ),
    ("word_document", E, _WORD, SEND_INSTEAD),
    ("powerpoint", E, _POWERPOINT, SEND_INSTEAD),
    ("office_document", E, "Office の文書ですが、Excel ブックではありません。", SEND_INSTEAD),
    (
        "ods",
        E,
        "OpenDocument スプレッドシート（.ods、LibreOffice Calc などの形式）で保存されています。読み込めません。",
        "配布した入力ブックを開き直して入力し、「Excel 2007-365 (.xlsx)」／「Excel ブック (*.xlsx)」形式で"
        "保存して送ってください。",
    ),
    ("opendocument", E, _OPENDOCUMENT, SEND_INSTEAD),
    (
        "numbers",
        E,
        "Apple の Numbers／Pages／Keynote のファイルです。読み込めません。",
        "Numbers で使った場合は「ファイル→書き出す→Excel」で .xlsx にするか、" + SEND_INSTEAD,
    ),
    # a file named like a workbook (its sender meant one): refused
    ("empty_file", E, _EMPTY, RESEND_HINT),
    ("pdf", E, _PDF, SEND_INSTEAD),
    ("html_workbook", E, _HTML, SEND_INSTEAD),
    (
        "csv_as_xlsx",
        E,
        "中身が CSV（テキスト）のファイルです。拡張子だけ .xlsx などになっていて、様式の情報がありません。",
        "CSV では様式の情報が失われます。" + SEND_INSTEAD,
    ),
    ("not_workbook", E, _NOT_WORKBOOK, RESEND_HINT),
    # any other file (a signature image, a text note): set aside
    ("empty_file_ignored", W, _EMPTY, RESEND_HINT),
    ("pdf_ignored", W, _PDF, SEND_INSTEAD),
    ("html_workbook_ignored", W, _HTML, SEND_INSTEAD),
    ("text_file", W, "テキストのファイルです。Excel の入力ブックではありません。", RESEND_HINT),
    ("not_workbook_ignored", W, _NOT_WORKBOOK, RESEND_HINT),
    # --- sources: mails, zips, mailboxes and inbox/ entries
    ("too_many_files_in_tree", E, _TREE.format(over="ファイルが {limit:,} 個を超えています"), TREE_HINT),
    ("too_large_tree", E, _TREE.format(over="展開すると {limit_mb:,} MB を超えます"), TREE_HINT),
    ("too_many_messages_in_tree", E, _TREE.format(over="メールが {limit:,} 通を超えています"), TREE_HINT),
    (
        "too_many_attachments",
        E,
        "このメールには添付ファイルが {limit:,} 個を超えて付いています。多すぎるため開いていません。",
        "提出する入力ブックだけを添付して、送り直してもらってください。",
    ),
    (
        "corrupt_msg",
        E,
        "Outlook のメール（.msg）が読めません（{error}）。",
        "メールを保存し直して送ってください。",
    ),
    (
        "encrypted_zip",
        E,
        "パスワード付きの zip ファイルです。中のファイルを取り出せません。",
        "パスワードを付けずに送ってもらうか、入力ブック（.xlsx）をそのまま添付して送ってもらってください。",
    ),
    (
        "too_many_files",
        E,
        "この zip ファイルには {count:,} 個のファイルが入っています（{limit:,} 個まで）。多すぎるため開いていません。",
        "提出する入力ブックだけを zip にするか、そのまま添付して送ってもらってください。",
    ),
    (
        "corrupt_zip_member",
        E,
        "zip の中の「{name}」が壊れていて取り出せません（{error}）。",
        "zip を作り直して送ってください。",
    ),
    (
        "too_many_messages",
        W,
        "メールボックスに {limit:,} 通を超えるメールがあります。{count:,} 通目から先は読み込んでいません。",
        "メールボックスを {limit:,} 通ずつに分けて inbox/ に置き、もう一度回収してください。",
    ),
    (
        "empty_mailbox",
        W,
        "メールボックスにメールが 1 通もありません。",
        "書き出すフォルダを確かめてください。",
    ),
    (
        "lock_file",
        W,
        "Excel が編集中に作る一時ファイル（~$ で始まるファイル）です。読み飛ばしました。",
        "ブック本体（~$ の付かないファイル）を送ってください。",
    ),
    (
        "too_deep",
        E,
        "zip やメールが {limit} 重より深く入れ子になっています。ここから先は開いていません。",
        "入力ブックをそのまま（または zip に 1 回だけ入れて）添付して送ってもらってください。",
    ),
    (
        "special_link",
        W,
        "シンボリックリンク（別の場所を指すリンク）です（リンク先: {target}）" + SPECIAL_TAIL,
        SPECIAL_HINT,
    ),
    ("special_fifo", W, "名前付きパイプ（FIFO）です" + SPECIAL_TAIL, SPECIAL_HINT),
    ("special_socket", W, "ソケットです" + SPECIAL_TAIL, SPECIAL_HINT),
    ("special_device", W, "デバイスファイルです" + SPECIAL_TAIL, SPECIAL_HINT),
    ("special_other", W, "通常のファイルではないものです" + SPECIAL_TAIL, SPECIAL_HINT),
    (
        "file_too_large",
        E,
        "ファイルが大きすぎます（{size_mb:,} MB）。読み込んでいません。",
        "提出する入力ブック（.xlsx、ふつうは 1 MB 未満）を送ってもらってください。",
    ),
    # --- collect: a reading that failed as a whole (reported every run, never recorded)
    ("unreadable_file", E, "ファイルを読み取れませんでした（{error}）。", FAILURE_HINT),
    ("too_slow", E, "このファイルは読み取りに {seconds} 秒を超えたため、途中でやめました。", FAILURE_HINT),
    (
        "out_of_memory",
        E,
        "このファイルは読み取りに使えるメモリの上限を超えたため、読み込めませんでした。",
        FAILURE_HINT,
    ),
    (
        "worker_crashed",
        E,
        "このファイルを読む処理が、メモリ不足などで異常終了しました。ほかのファイルは読み込んでいます。",
        FAILURE_HINT,
    ),
    # a Word/PowerPoint/PDF file beside a returned workbook in one mail or zip: a cover letter
    ("cover_word_document", W, _WORD, COVER_HINT),
    ("cover_powerpoint", W, _POWERPOINT, COVER_HINT),
    ("cover_pdf", W, _PDF, COVER_HINT),
    ("cover_opendocument", W, _OPENDOCUMENT, COVER_HINT),
    # --- structure: what a department changed in the workbook
    ("sheet_renamed", W, "シート「{old}」の名前が「{new}」に変わっています。", STRUCTURE_HINT),
    ("sheet_deleted", W, "シート「{old}」が削除されています。", "配布した入力ブックに入力し直してください。"),
    ("sheet_added", W, "シート「{new}」が追加されています（読み取りの対象外です）。", ""),
    (
        "validation_removed",
        W,
        "シート「{name}」{ref} の入力規則（{what}）が削除されています。値はすべてこちらで検査しました。",
        PASTE_HINT,
    ),
    (
        "validation_partly_removed",
        W,
        "シート「{name}」{ref} の一部のセルで入力規則（{what}）が消えています（貼り付けによるもの）。"
        "値はすべてこちらで検査しました。",
        PASTE_HINT,
    ),
)
