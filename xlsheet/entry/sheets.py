"""The entry workbook's side sheets: はじめに (instructions), the hidden lists and 指摘事項."""

from __future__ import annotations

from ..era import date_label, fiscal_year_label
from ..formdef.model import previous_source
from ..layout import (
    SHEET_INSTRUCTIONS,
    SHEET_LISTS,
    SheetLayout,
    cell_ref,
    quote_sheet,
    section_label,
    unit_lists,
)
from ..models import SEVERITY_JA, Issue
from ..units import unit_of, unit_title
from ..xlsxout import sheet_ref
from .book import EntryBook
from .pages import text_height


def lists_sheet(eb: EntryBook, lps: list[str]) -> None:
    """The very hidden sheet behind every dropdown, one defined name per list (and one per
    value|表示 table that LABEL looks up)."""
    b = eb.b
    ws = b.add_sheet(SHEET_LISTS)
    col = 0
    done: set[str] = set()

    def column(name: str, values: tuple[str, ...], extra: tuple[str, ...] | None = None) -> None:
        nonlocal col
        b.write(ws, 0, col, name)
        for r, v in enumerate(values, start=1):
            b.write(ws, r, col, v)
            if extra is not None:
                b.write(ws, r, col + 1, extra[r - 1])
        width = 1 if extra is None else 2
        last = max(len(values), 1)
        b.define_name(name, sheet_ref(SHEET_LISTS, 1, col, last, col + width - 1))
        col += width + 1

    for lp in lps:
        for src in unit_lists(eb.form, eb.master, lp).values():
            if src.name in done:
                continue
            done.add(src.name)
            column(src.name, src.values)
            if src.labels is not None:
                column(src.table_name, src.values, src.labels)
    ws.very_hidden()
    eb.protect(ws)


def previous_step(eb: EntryBook, layouts: list[SheetLayout]) -> str:
    """The step that says what was pre-filled from last year's accepted answers ("" when none)."""
    previous, dept = eb.master.previous, eb.dept.code
    if previous is None or not any(eb.master.previous_for(dept, lay.lp) for lay in layouts):
        return ""
    fed = [
        section_label(sec)
        for sec in eb.form.sections
        if not sec.carried and any(previous_source(f.default) for f in sec.fields)
    ]
    shown = [
        section_label(sec)
        for sec in eb.form.sections
        if sec.carried and any(lay.placement(sec.key) for lay in layouts)
    ]
    if not fed and not shown:
        return ""
    label = fiscal_year_label(previous.evaluation_year)
    text = f"前年度（{label}）に受理した内容をあらかじめ記入しています"
    text += f"（{'・'.join(fed)}）。今年度の内容に直してください。" if fed else "。"
    if shown:
        text += f"「{'」「'.join(shown)}」は前年度の内容で、変更できません。"
    return text


def instructions_sheet(eb: EntryBook, layouts: list[SheetLayout]) -> None:
    """はじめに: who, when and where to send, 入力状況 (filled in last) and the steps."""
    b, s = eb.b, eb.master.settings
    ws = b.add_sheet(SHEET_INSTRUCTIONS)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 90)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_portrait()
    units = [unit_of(eb.form, eb.master, lay.lp) for lay in layouts]
    rows = [
        ("所属", f"{eb.dept.name}（{eb.dept.code}）"),
        (units[0].kind.noun, "、".join(unit_title(u) for u in units)),
        ("提出期限", date_label(s.deadline)),
        (
            "提出先",
            f"{s.office_name}　{s.office_contact}（{s.office_email}"
            + (f"／{s.office_phone}）" if s.office_phone else "）"),
        ),
        ("回収ラウンド", s.round_id),
    ]
    b.merge(ws, 0, 0, 1, f"{eb.title}　入力ブック（{s.municipality}）", eb.f_title)
    ws.set_row(0, 24)
    for r, (k, v) in enumerate(rows, start=2):
        b.write(ws, r, 0, k, eb.f_header)
        b.write(ws, r, 1, v, eb.f_locked)
        ws.set_row(r, text_height(v, 15, 90))
    r = len(rows) + 3
    b.write(ws, r, 0, "入力状況", eb.f_header)
    eb.status_cell = (ws, r, 1)
    fields = [f for sec in eb.form.sections for f in sec.fields]
    dropdowns = "・".join(dict.fromkeys(f.label for f in fields if f.list and f.is_input))
    limits = "".join(
        f"「{section_label(sec)}」は１つの{sec.rows_per}につき最大 {sec.rows} 件までです。"
        for sec in eb.form.sections
        if sec.rows_per
    )
    sections = "・".join(
        section_label(sec) for sec in eb.form.sections if any(f.is_input for f in sec.fields)
    )
    steps = [
        "入力シート（{}）の黄色いセルに入力してください。灰色のセルは変更できません。".format(
            "、".join(f"「{lay.sheet}」" for lay in layouts)
        ),
        f"{dropdowns}は、セルを選ぶと出る▼のプルダウンから選んでください。",
        "他のファイルから貼り付けるときは「値のみ貼り付け」を使ってください（通常の貼り付けはプルダウンの確認を消してしまいます）。",
        f"{limits}行の挿入・削除やシート名の変更はしないでください。",
        "赤いセルは一覧にない値や文字数の超過、オレンジのセルは未入力の必須項目です。",
        f"{sections}のうち担当する欄を入力してください。"
        "配布したまま何も入力せずに返信されたブックは「未記入」として差し戻します。",
        "入力状況が「入力チェック: OK」になったら上書き保存し、このファイル（.xlsx のまま）をメールに添付して返信してください。",
        "マクロ有効ブック（.xlsm）や古い形式（.xls）で保存したり、パスワードを付けたりしないでください。",
    ]
    carried = previous_step(eb, layouts)
    if carried:
        steps.insert(1, carried)
    r += 2
    b.write(ws, r, 0, "入力の手順", eb.f_heading)
    for i, text in enumerate(steps, start=1):
        b.write(ws, r + i, 0, f"手順{i}", eb.f_header)
        b.write(ws, r + i, 1, text, eb.f_locked)
        ws.set_row(r + i, text_height(text, 15, 90))
    eb.protect(ws)
    ws.activate()


def instructions_status(eb: EntryBook, layouts: list[SheetLayout]) -> None:
    """The はじめに sheet's 入力状況: every input sheet's self-check, with their true cached values."""
    assert eb.status_cell is not None
    ws, r, c = eb.status_cell
    parts = [f"{quote_sheet(lay.sheet)}!{cell_ref(lay.status_row, 0, True)}" for lay in layouts]
    cached = "　".join(eb.statuses[lay.sheet] for lay in layouts)
    eb.b.formula(ws, r, c, "=" + '&"　"&'.join(parts), eb.f_status, cached)


def issues_sheet(eb: EntryBook, annotations: list[Issue]) -> None:
    """指摘事項: a feedback book's issues, one a row, filterable."""
    b = eb.b
    ws = b.add_sheet("指摘事項")
    heads = ["重要度", "シート", "セル", "項目", "内容", "直し方"]
    widths = [10, 14, 8, 18, 60, 50]
    for c, (h, w) in enumerate(zip(heads, widths, strict=True)):
        ws.set_column(c, c, w)
        b.write(ws, 0, c, h, eb.f_header)
    for r, i in enumerate(annotations, start=1):
        for c, v in enumerate([SEVERITY_JA[i.severity], i.sheet, i.cell, i.field, i.message, i.hint]):
            b.write(ws, r, c, v, eb.f_locked)
    ws.autofilter(0, 0, max(len(annotations), 1), len(heads) - 1)
    ws.freeze_panes(1, 0)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.protect(eb.password or "", {"autofilter": True, "sort": True, "format_columns": True})


EVALUATIONS_SHEET = "事務事業評価（参考）"


def evaluations_sheet(eb: EntryBook, layouts: list[SheetLayout]) -> None:
    """事務事業評価（参考）: each 事業 of the department's initiatives (every initiative of a
    leading project it leads) with what its accepted 事務事業評価 chose, read-only: the 総合評価
    beside the 事業 the 政策評価表 reports on (answer once, `project_results`)."""
    master = eb.master
    labels = list(dict.fromkeys(label for k in master.known_projects for label, _ in k.evaluation))
    if not labels:
        return
    b = eb.b
    ws = b.add_sheet(EVALUATIONS_SHEET)
    heads = [
        unit_of(eb.form, master, layouts[0].lp).kind.noun,
        "取り組みコード",
        "事業コード",
        "事業名",
        "所属",
        *labels,
    ]
    widths = [22, 12, 12, 40, 20, *(14 for _ in labels)]
    for c, (h, w) in enumerate(zip(heads, widths, strict=True)):
        ws.set_column(c, c, w)
        b.write(ws, 0, c, h, eb.f_header)
    r = 1
    for lay in layouts:
        unit = unit_of(eb.form, master, lay.lp)
        lead = unit.lead_department == eb.dept.code
        initiatives = (
            [i for i, _ in master.lp_initiatives(lay.lp)]
            if lead
            else [i for i, _ in master.department_initiatives(eb.dept.code, lay.lp)]
        )
        for initiative in initiatives:
            for k in master.known_projects:
                if k.initiative != initiative.code or not k.serves(lay.lp):
                    continue
                if not lead and k.department != eb.dept.code:
                    continue
                chosen = dict(k.evaluation)
                row = [
                    unit.name,
                    k.initiative,
                    k.code,
                    k.name,
                    k.owner or master.department(k.department).name,
                ]
                for c, v in enumerate([*row, *(chosen.get(label, "") for label in labels)]):
                    b.write(ws, r, c, v, eb.f_locked)
                r += 1
    ws.autofilter(0, 0, max(r - 1, 1), len(heads) - 1)
    ws.freeze_panes(1, 0)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    eb.protect(ws)
