"""The review workbook (確認ブック) of one leading project, for its lead department (主管所属).

Sheets: はじめに; 事業の選択 (every department's projects per initiative, a 採用 column to choose
the ≤ 3 that print and a 順番 column); 段落の編集 (every ● paragraph with the department that
wrote it: 扱い 採用/統合/削除, 統合先, 順番, the heading and body to print); ＳＤＧｓの判断 (the 17
goals, which departments marked them, the lead's ○/×); in a returned book with problems also
指摘事項. Only the decision columns are unlocked; the sheets are protected like the entry books,
dropdowns come from a very hidden list sheet, and the manifest (kind "review", the leading
project, the draft's fingerprint) is stamped like an entry workbook's, so intake knows it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path
from typing import Any

from ..docprops import outgoing_properties
from ..entry.book import input_props
from ..entry.pages import text_height
from ..era import date_label
from ..formdef import Form
from ..layout import SHEET_LISTS, SHEET_MANIFEST, cell_ref
from ..manifest import KIND_REVIEW, Manifest, fingerprint, sheet_rows
from ..merge.draft import ACTION_JA, Draft, ParagraphAction, Review
from ..models import SDG_GOALS, SEVERITY_JA, Category, Issue, Master, Severity
from ..xlsxout import Book, atomic_path, protect_sheet, sheet_ref
from .layout import (
    CHOSEN_MARK,
    COLUMNS,
    FIRST_ROW,
    HEADER_ROW,
    PARAGRAPH_COLUMNS,
    PROJECT_COLUMNS,
    REJECT_MARK,
    SDG_COLUMNS,
    SHEET_GUIDE,
    SHEET_ISSUES,
    SHEET_PARAGRAPHS,
    SHEET_PROJECTS,
    SHEET_SDGS,
    Col,
    Column,
    col_index,
)

LIMIT = 3
"""Projects printed per initiative (the print layout's 「最大３つまで」, `PROJECTS_PER_INITIATIVE`)."""

NAME_MARK, NAME_ACTION, NAME_KEEP, NAME_KEYS = "review_mark", "review_action", "review_keep", "review_keys"
"""Defined names of the dropdown lists on the very hidden list sheet."""

HEADER_FILL = "#D9E1F2"
ORDER_RULE = {
    "validate": "integer",
    "criteria": "between",
    "minimum": 1,
    "maximum": 999,
    "error_title": "順番",
    "error_message": "1 以上の整数で入力してください",
}
"""The data validation of a 順番 column (projects and paragraphs alike)."""


def normalized_heading(text: str) -> str:
    """A heading as compared for duplicates: NFKC, without ● and spaces."""
    return "".join(unicodedata.normalize("NFKC", text).replace("●", "").split())


class _Writer:
    def __init__(self, book: Book, master: Master, password: str | None):
        self.b = book
        self.master = master
        self.password = password
        b = book
        self.f_title = b.fmt(bold=True, font_size=14, valign="vcenter")
        self.f_note = b.fmt(text_wrap=True, font_color="#404040")
        self.f_header = b.fmt(bold=True, bg_color=HEADER_FILL, border=1, text_wrap=True, valign="vcenter")
        self.f_locked = b.fmt(border=1, text_wrap=True, bg_color="#F7F7F7")
        self.f_count = b.fmt(border=1, bg_color="#F7F7F7", align="center")
        self.f_red = b.wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})

    def input_fmt(self, mark: Severity | None = None, center: bool = False):
        props = input_props(mark)
        if center:
            props["align"] = "center"
        return self.b.fmt(**props)

    def protect(self, ws) -> None:
        """Protect a sheet with the round's password (formatting rows and columns allowed)."""
        protect_sheet(ws, self.password)

    def sheet(self, name: str, title: str, note: str, columns: tuple[Column, ...]):
        b = self.b
        ws = b.add_sheet(name)
        b.write(ws, 0, 0, title, self.f_title)
        ws.merge_range(1, 0, 2, len(columns) - 1, None, self.f_note)
        b.write(ws, 1, 0, note, self.f_note)
        ws.set_row(1, 30)
        for c, col in enumerate(columns):
            ws.set_column(c, c, col.width)
            b.write(ws, HEADER_ROW, c, col.label, self.f_header)
        ws.set_row(HEADER_ROW, 30)
        ws.freeze_panes(FIRST_ROW, 0)
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        return ws

    def row(
        self,
        ws,
        r: int,
        columns: tuple[Column, ...],
        values: dict[Col, Any],
        marks: dict[Col, Severity],
        comments: dict[Col, str],
    ) -> None:
        texts = [(str(values[col.key]), col.width) for col in columns if isinstance(values.get(col.key), str)]
        ws.set_row(r, max([text_height(t, 18, wd) for t, wd in texts] or [18]))
        for c, col in enumerate(columns):
            if col.key is Col.COUNT and ws.name == SHEET_PROJECTS:
                continue  # a formula, written by the caller
            value = values.get(col.key, "")
            if col.editable:
                center = col.key in (Col.CHOSEN, Col.ORDER, Col.KEEP, Col.ACTION, Col.INTO)
                fmt = self.input_fmt(marks.get(col.key), center)
            else:
                fmt = self.f_locked
            self.b.write(ws, r, c, value, fmt)
            if col.key in comments:
                ws.write_comment(r, c, comments[col.key], {"x_scale": 3, "y_scale": 2})


def _annotations(annotations: list[Issue]) -> dict[tuple[str, str, str], tuple[Severity, str]]:
    """(sheet, item key, column key) -> (worst severity, messages) of the issues naming a cell."""
    out: dict[tuple[str, str, str], tuple[Severity, str]] = {}
    for i in annotations:
        if not (i.sheet and i.field and i.column):
            continue
        k = (i.sheet, i.field, i.column)
        sev, text = out.get(k, (i.severity, ""))
        if i.severity is Severity.ERROR:
            sev = Severity.ERROR
        out[k] = (sev, (text + "\n" if text else "") + i.message)
    return out


def write_review_workbook(
    master: Master,
    lp_code: str,
    draft: Draft,
    path: Path,
    *,
    form: Form,
    review: Review | None = None,
    annotations: list[Issue] | None = None,
    issued: dt.date | None = None,
) -> Manifest:
    """Write the lead department's review workbook of `draft` to `path` atomically.

    Pre-filled with the merge's defaults (the first three projects per initiative chosen, every
    paragraph 採用 as written, every goal a department marked ○), or with `review`'s decisions
    where it has them (a returned book); `annotations` mark and comment the cells they name and
    fill a 指摘事項 sheet."""
    lp = master.leading_project(lp_code)
    lead = master.department(lp.lead_department)
    annotations = annotations or []
    marked = _annotations(annotations)
    names = {d.code: d.name for d in master.departments}
    categories = {i.code: c for i, c in master.lp_initiatives(lp_code)}
    titles = {i.code: i.title for i in master.initiatives}
    evaluations = {
        (k.initiative, k.department, k.name): "・".join(f"{label} {value}" for label, value in k.evaluation)
        for k in master.known_projects
        if k.evaluation
    }
    s = master.settings
    with atomic_path(path) as tmp:
        book = Book(tmp)
        w = _Writer(book, master, s.sheet_password or None)
        structure_rows: dict[str, list[str]] = {}

        def marks_for(sheet: str, key: str) -> tuple[dict[Col, Severity], dict[Col, str]]:
            m: dict[Col, Severity] = {}
            c: dict[Col, str] = {}
            for col in COLUMNS[sheet]:
                hit = marked.get((sheet, key, col.key.value))
                if hit:
                    m[col.key], c[col.key] = hit
            return m, c

        # -- はじめに
        ws = book.add_sheet(SHEET_GUIDE)
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 96)
        book.write(ws, 0, 0, f"{s.evaluation_label} 政策評価表 確認ブック", w.f_title)
        guide = [
            ("リーディングプロジェクト", lp.name),
            ("主管所属", lead.name),
            ("提出期限", date_label(s.deadline)),
            ("提出先", f"{s.office_name}（{s.office_email}）"),
            (
                "この確認ブックについて",
                "各所属の回答をまとめた政策評価表の案です。主管所属として、印刷する内容を決めてください。",
            ),
            (
                f"1. {SHEET_PROJECTS}",
                f"取り組みごとに、政策評価表に載せる事業を {LIMIT} 件まで選び、「採用」欄に {CHOSEN_MARK} を"
                "付けてください（空欄は載せません）。「順番」に 1, 2, 3 と入れると、その順で載せます。",
            ),
            (
                f"2. {SHEET_PARAGRAPHS}",
                "● の段落ごとに「扱い」を選んでください。採用: 載せる（見出し・本文は直せます）。"
                "統合: 本文を「統合先」に書いたキーの段落の後ろに付け足す。削除: 載せない。"
                "「順番」で並べ替えられます。見出しが同じ段落は「気づいた点」に書いてあります。",
            ),
            (
                f"3. {SHEET_SDGS}",
                f"政策評価表で {CHOSEN_MARK} を付ける目標を決めてください（{CHOSEN_MARK} 載せる／{REJECT_MARK} または空欄 載せない）。",
            ),
            (
                "送り方",
                "シート名の変更、行の追加・削除はしないでください。上書き保存し、"
                "ファイル名と形式（.xlsx）を変えずにメールに添付して送ってください。",
            ),
        ]
        for r, (k, v) in enumerate(guide, start=2):
            book.write(ws, r, 0, k, w.f_header)
            book.write(ws, r, 1, v, w.f_locked)
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        w.protect(ws)

        # -- 事業の選択
        ws = w.sheet(
            SHEET_PROJECTS,
            f"{lp.name}: 載せる事業の選択",
            f"取り組みごとに載せる事業を {LIMIT} 件まで選んで「採用」に {CHOSEN_MARK} を付けてください。"
            "各所属が報告した事業がすべて並んでいます。",
            PROJECT_COLUMNS,
        )
        last = FIRST_ROW + max(len(draft.projects), 1) - 1
        c_init = col_index(PROJECT_COLUMNS, Col.INITIATIVE)
        c_chosen = col_index(PROJECT_COLUMNS, Col.CHOSEN)
        c_order = col_index(PROJECT_COLUMNS, Col.ORDER)
        c_count = col_index(PROJECT_COLUMNS, Col.COUNT)
        chosen_now: dict[str, bool] = {}
        for p in draft.projects:
            choice = review.projects.get(p.key) if review else None
            chosen_now[p.key] = choice.chosen if choice else p.default_shown
        for n, p in enumerate(draft.projects):
            r = FIRST_ROW + n
            choice = review.projects.get(p.key) if review else None
            cat = categories.get(p.initiative)
            values = {
                Col.KEY: p.key,
                Col.CATEGORY: "主な" if cat is Category.MAIN else "関連" if cat else "",
                Col.INITIATIVE: p.initiative,
                Col.INITIATIVE_TITLE: titles.get(p.initiative, ""),
                Col.NAME: p.name,
                Col.OWNER: p.owner,
                Col.DEPARTMENT: names.get(p.department, p.department),
                Col.EVALUATION: evaluations.get((p.initiative, p.department, p.name), ""),
                Col.CHOSEN: CHOSEN_MARK if chosen_now[p.key] else "",
                Col.ORDER: choice.order if choice and choice.order else "",
            }
            w.row(ws, r, PROJECT_COLUMNS, values, *marks_for(SHEET_PROJECTS, p.key))
            count = sum(chosen_now[q.key] for q in draft.projects if q.initiative == p.initiative)
            book.formula(
                ws,
                r,
                c_count,
                f'=COUNTIFS({_span(c_init, last)},{cell_ref(r, c_init)},{_span(c_chosen, last)},"{CHOSEN_MARK}")',
                w.f_count,
                count,
            )
        structure_rows[SHEET_PROJECTS] = [p.key for p in draft.projects]
        if draft.projects:
            book.validate(
                ws,
                FIRST_ROW,
                c_chosen,
                last,
                c_chosen,
                {
                    "validate": "list",
                    "source": f"={NAME_MARK}",
                    "error_title": "採用",
                    "error_message": f"{CHOSEN_MARK} を選ぶか、空欄にしてください",
                },
            )
            book.validate(
                ws,
                FIRST_ROW,
                c_order,
                last,
                c_order,
                ORDER_RULE,
            )
            ws.conditional_format(
                FIRST_ROW,
                c_count,
                last,
                c_count,
                {"type": "cell", "criteria": ">", "value": LIMIT, "format": w.f_red},
            )
        w.protect(ws)

        # -- 段落の編集
        ws = w.sheet(
            SHEET_PARAGRAPHS,
            f"{lp.name}: ● 段落の編集",
            "扱い（採用・統合・削除）を選び、載せる見出しと本文を直してください。統合は、本文を統合先の"
            "段落の後ろに付け足します。順番を入れると、欄ごとにその順で載せます。",
            PARAGRAPH_COLUMNS,
        )
        groups: dict[tuple[str, str], list[str]] = {}
        for p in draft.paragraphs:
            groups.setdefault((p.kind, normalized_heading(p.heading)), []).append(p.key)
        by_key = {p.key: p for p in draft.paragraphs}
        for n, p in enumerate(draft.paragraphs):
            r = FIRST_ROW + n
            choice = review.paragraphs.get(p.key) if review else None
            same = [k for k in groups[(p.kind, normalized_heading(p.heading))] if k != p.key]
            note = ""
            if same and normalized_heading(p.heading):
                note = "見出しが同じ段落: " + "、".join(
                    f"{k}（{names.get(by_key[k].department, by_key[k].department)}）" for k in same
                )
            values = {
                Col.KEY: p.key,
                Col.KIND: p.kind,
                Col.INITIATIVE: p.initiative,
                Col.DEPARTMENT: names.get(p.department, p.department),
                Col.ORIGINAL: p.heading,
                Col.ACTION: ACTION_JA[choice.action if choice else ParagraphAction.ADOPT],
                Col.INTO: choice.into if choice else "",
                Col.ORDER: choice.order if choice and choice.order else "",
                Col.HEADING: choice.heading if choice else p.heading,
                Col.BODY: choice.body if choice else p.body,
                Col.NOTE: note,
            }
            w.row(ws, r, PARAGRAPH_COLUMNS, values, *marks_for(SHEET_PARAGRAPHS, p.key))
        structure_rows[SHEET_PARAGRAPHS] = [p.key for p in draft.paragraphs]
        if draft.paragraphs:
            last_p = FIRST_ROW + len(draft.paragraphs) - 1
            for key, name, title, message in (
                (Col.ACTION, NAME_ACTION, "扱い", "採用・統合・削除から選んでください"),
                (Col.INTO, NAME_KEYS, "統合先", "統合先の段落のキー（E01 など）を選んでください"),
            ):
                c = col_index(PARAGRAPH_COLUMNS, key)
                book.validate(
                    ws,
                    FIRST_ROW,
                    c,
                    last_p,
                    c,
                    {
                        "validate": "list",
                        "source": f"={name}",
                        "error_title": title,
                        "error_message": message,
                    },
                )
            c = col_index(PARAGRAPH_COLUMNS, Col.ORDER)
            book.validate(
                ws,
                FIRST_ROW,
                c,
                last_p,
                c,
                ORDER_RULE,
            )
        w.protect(ws)

        # -- ＳＤＧｓの判断
        ws = w.sheet(
            SHEET_SDGS,
            f"{lp.name}: ＳＤＧｓの判断",
            f"政策評価表で {CHOSEN_MARK} を付ける目標に {CHOSEN_MARK} を、付けない目標に {REJECT_MARK} を選んでください。",
            SDG_COLUMNS,
        )
        by_goal = {d.goal: d for d in draft.sdgs}
        for g in range(1, len(SDG_GOALS) + 1):
            r = FIRST_ROW + g - 1
            depts = by_goal[g].departments if g in by_goal else ()
            keep = review.sdgs.get(g, False) if review and review.sdgs else bool(depts)
            values = {
                Col.GOAL: g,
                Col.GOAL_NAME: SDG_GOALS[g - 1],
                Col.MARKED_BY: "、".join(names.get(d, d) for d in depts),
                Col.COUNT: len(depts),
                Col.KEEP: CHOSEN_MARK if keep else (REJECT_MARK if review or depts else ""),
            }
            w.row(ws, r, SDG_COLUMNS, values, *marks_for(SHEET_SDGS, str(g)))
        structure_rows[SHEET_SDGS] = [str(g) for g in range(1, len(SDG_GOALS) + 1)]
        c = col_index(SDG_COLUMNS, Col.KEEP)
        book.validate(
            ws,
            FIRST_ROW,
            c,
            FIRST_ROW + len(SDG_GOALS) - 1,
            c,
            {
                "validate": "list",
                "source": f"={NAME_KEEP}",
                "error_title": "判断",
                "error_message": f"{CHOSEN_MARK} か {REJECT_MARK} を選んでください",
            },
        )
        w.protect(ws)

        if annotations:
            _issues_sheet(w, annotations)

        # -- lists, manifest
        ws = book.add_sheet(SHEET_LISTS)
        keys = [p.key for p in draft.paragraphs] or [""]
        for c, (name, values) in enumerate(
            (
                (NAME_MARK, [CHOSEN_MARK]),
                (NAME_ACTION, [ACTION_JA[a] for a in ParagraphAction]),
                (NAME_KEEP, [CHOSEN_MARK, REJECT_MARK]),
                (NAME_KEYS, keys),
            )
        ):
            book.write(ws, 0, c, name)
            for r, v in enumerate(values, start=1):
                book.write(ws, r, c, v)
            book.define_name(name, sheet_ref(SHEET_LISTS, 1, c, len(values), c))
        ws.very_hidden()
        w.protect(ws)
        ms = book.add_sheet(SHEET_MANIFEST)
        structure = {**book.structure, "review_rows": structure_rows}
        manifest = Manifest(
            form_id=form.id,
            form_version=form.version,
            round_id=s.round_id,
            department=lead.code,
            issued=issued or dt.date.today(),
            fingerprint=fingerprint(structure),
            lps=lp.code,
            form_digest=form.digest[:16],
            kind=KIND_REVIEW,
            draft=draft.fingerprint,
        )
        for row, text in enumerate(sheet_rows(structure, manifest, "")):
            book.write(ms, row, 0, text)
        ms.very_hidden()
        w.protect(ms)
        for k, v in manifest.properties().items():
            book.wb.set_custom_property(k, v)
        book.wb.set_properties(
            outgoing_properties(s, f"{s.evaluation_label} 政策評価表 確認ブック {lp.name}")
        )
        book.wb.worksheets()[1].activate()
        book.close()
    return manifest


def _span(col: int, last: int) -> str:
    """$A$5:$A$20: a column's item rows."""
    return f"{cell_ref(FIRST_ROW, col, True)}:{cell_ref(last, col, True)}"


def _issues_sheet(w: _Writer, annotations: list[Issue]) -> None:
    """指摘事項: a returned review book's issues, one a row."""
    b = w.b
    ws = b.add_sheet(SHEET_ISSUES)
    heads = ["重要度", "シート", "セル", "内容", "直し方"]
    widths = [10, 16, 8, 70, 50]
    for c, (h, wd) in enumerate(zip(heads, widths, strict=True)):
        ws.set_column(c, c, wd)
        b.write(ws, 0, c, h, w.f_header)
    for r, i in enumerate(annotations, start=1):
        for c, v in enumerate([SEVERITY_JA[i.severity], i.sheet, i.cell, i.message, i.hint]):
            b.write(ws, r, c, v, w.f_locked)
    ws.freeze_panes(1, 0)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    w.protect(ws)
