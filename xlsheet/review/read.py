"""Read a returned review workbook (確認ブック) into the lead department's decisions.

Intake's reader opens and triages the file and checks its manifest as for an entry workbook;
when the manifest's kind is "review" it hands the sheets to `read_review`, which checks who
sent it (the leading project's lead department), that it was made from the current draft, and
every decision (≤ 3 ○ per initiative, marks, 順番, 扱い and 統合先), each finding naming its cell.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..catalogue import issue
from ..manifest import Manifest
from ..merge.draft import (
    ACTION_BY_JA,
    Draft,
    ParagraphAction,
    ParagraphChoice,
    ProjectChoice,
    Review,
    review_unit,
)
from ..models import SDG_GOALS, FileStatus, Issue, Master, Severity, Submission
from . import review_codes  # noqa: F401  (registers the rows used here)
from .layout import (
    CHOSEN_MARK,
    FIRST_ROW,
    MARKS_NO,
    MARKS_YES,
    PARAGRAPH_COLUMNS,
    PROJECT_COLUMNS,
    REJECT_MARK,
    SDG_COLUMNS,
    SHEET_PARAGRAPHS,
    SHEET_PROJECTS,
    SHEET_SDGS,
    Col,
    Column,
    cell,
    col_index,
    label,
)
from .write import LIMIT

Rows = list[list[Any]]


@dataclass
class ReviewRead:
    """What intake learned from one review workbook."""

    status: FileStatus
    issues: list[Issue] = field(default_factory=list)
    submission: Submission | None = None
    unit: str = ""


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return unicodedata.normalize("NFC", str(v)).strip()


class _Sheet:
    """One sheet's item rows by their key (column A)."""

    def __init__(self, name: str, rows: Rows, columns: tuple[Column, ...]):
        self.name = name
        self.columns = columns
        self.rows: dict[str, tuple[int, list[Any]]] = {}
        self.extra: list[tuple[int, str]] = []
        k = col_index(columns, Col.KEY if columns is not SDG_COLUMNS else Col.GOAL)
        for r in range(FIRST_ROW, len(rows)):
            key = _text(rows[r][k] if k < len(rows[r]) else "")
            if key and key not in self.rows:
                self.rows[key] = (r, rows[r])
            elif key:
                self.extra.append((r, key))

    def get(self, key: str, col: Col) -> Any:
        r, line = self.rows[key]
        c = col_index(self.columns, col)
        return line[c] if c < len(line) else ""

    def at(self, key: str, col: Col) -> str:
        return cell(self.columns, col, self.rows[key][0])


def read_review(
    sheet: Callable[[str], Rows | None],
    manifest: Manifest,
    master: Master,
    drafts: dict[str, Draft] | None,
) -> ReviewRead:
    """The lead's decisions in a review workbook whose sheets `sheet(name)` gives (rows of values)."""
    lp_code = manifest.lps
    try:
        lp = master.leading_project(lp_code)
    except KeyError:
        return ReviewRead(FileStatus.REJECTED, [issue("review.unknown_lp", lp=lp_code)])
    unit = review_unit(lp.code)
    names = {d.code: d.name for d in master.departments}
    lead = names.get(lp.lead_department, lp.lead_department)
    if manifest.department != lp.lead_department:
        found = issue(
            "review.not_lead",
            lp_name=lp.name,
            lead=lead,
            department=names.get(manifest.department, manifest.department),
            at={"lp": lp.code},
        )
        return ReviewRead(FileStatus.REJECTED, [found], None, unit)
    draft = (drafts or {}).get(lp.code)
    if draft is None:
        return ReviewRead(
            FileStatus.REJECTED, [issue("review.not_issued", lp_name=lp.name, at={"lp": lp.code})], None, unit
        )
    issues: list[Issue] = []

    def note(code: str, sheet_name: str = "", at: str = "", key: str = "", col: Col | None = None, **params):
        issues.append(
            issue(
                code,
                sheet=sheet_name,
                cell=at,
                field=key,
                at={"lp": lp.code, "column": col.value if col else ""},
                **params,
            )
        )

    current = manifest.draft == draft.fingerprint
    if not current:
        note("review.outdated", lp_name=lp.name)
    sheets: dict[str, _Sheet] = {}
    for name, columns in (
        (SHEET_PROJECTS, PROJECT_COLUMNS),
        (SHEET_PARAGRAPHS, PARAGRAPH_COLUMNS),
        (SHEET_SDGS, SDG_COLUMNS),
    ):
        rows = sheet(name)
        if rows is None:
            note("review.sheet_missing", name, name=name)
            continue
        sheets[name] = _Sheet(name, rows, columns)
    if len(sheets) < 3:
        return ReviewRead(FileStatus.REJECTED, issues, None, unit)
    by_name = {d.name: d.code for d in master.departments}
    review = Review(lp=lp.code, draft=manifest.draft if not current else draft.fingerprint)
    _projects(sheets[SHEET_PROJECTS], draft if current else None, review, by_name, note)
    _paragraphs(sheets[SHEET_PARAGRAPHS], draft if current else None, review, by_name, note)
    _sdgs(sheets[SHEET_SDGS], review, note)
    submission = Submission(
        department=manifest.department,
        round_id=manifest.round_id,
        form_version=manifest.form_version,
        answers={lp.code: review.answers()},
    )
    errors = any(i.severity is Severity.ERROR for i in issues)
    return ReviewRead(FileStatus.REJECTED if errors else FileStatus.ACCEPTED, issues, submission, unit)


def _order(sh: _Sheet, key: str, note) -> int | None:
    raw = sh.get(key, Col.ORDER)
    text = unicodedata.normalize("NFKC", _text(raw))
    if not text:
        return None
    if isinstance(raw, float) and raw.is_integer() and raw >= 1:
        return int(raw)
    if text.isdigit() and int(text) >= 1:
        return int(text)
    note("review.bad_order", sh.name, sh.at(key, Col.ORDER), key, Col.ORDER, value=text)
    return None


def _mark(sh: _Sheet, key: str, col: Col, note, allow_no: bool) -> bool | None:
    text = _text(sh.get(key, col))
    if not text:
        return False
    if text in MARKS_YES:
        return True
    if allow_no and text in MARKS_NO:
        return False
    allowed = f"{CHOSEN_MARK} か {REJECT_MARK} " if allow_no else f"{CHOSEN_MARK} か空欄"
    note(
        "review.bad_mark",
        sh.name,
        sh.at(key, col),
        key,
        col,
        label=label(sh.columns, col),
        allowed=allowed,
        value=text,
    )
    return None


def _rows_match(sh: _Sheet, keys: list[str] | None, what: str, note) -> list[str]:
    """The keys to read: the draft's (missing and unknown rows reported), or the sheet's own."""
    for r, key in sh.extra:
        note("review.unknown_row", sh.name, cell(sh.columns, Col.KEY, r), key, Col.KEY, key=key)
    if keys is None:
        return list(sh.rows)
    for key in keys:
        if key not in sh.rows:
            note("review.row_missing", sh.name, "", key, None, key=key, what=what)
    for key, (r, _) in sh.rows.items():
        if key not in keys:
            note("review.unknown_row", sh.name, cell(sh.columns, Col.KEY, r), key, Col.KEY, key=key)
    return [k for k in keys if k in sh.rows]


def _projects(sh: _Sheet, draft: Draft | None, review: Review, by_name: dict[str, str], note) -> None:
    keys = _rows_match(sh, [p.key for p in draft.projects] if draft else None, "事業", note)
    initiative = {p.key: p.initiative for p in draft.projects} if draft else {}
    chosen_by: dict[str, list[str]] = {}
    for key in keys:
        chosen = _mark(sh, key, Col.CHOSEN, note, allow_no=True)
        dept = by_name.get(_text(sh.get(key, Col.DEPARTMENT)), _text(sh.get(key, Col.DEPARTMENT)))
        ident = "\t".join((_text(sh.get(key, Col.INITIATIVE)), dept, _text(sh.get(key, Col.NAME))))
        review.projects[key] = ProjectChoice(bool(chosen), _order(sh, key, note), ident)
        if chosen:
            chosen_by.setdefault(initiative.get(key) or _text(sh.get(key, Col.INITIATIVE)), []).append(key)
    for code, chosen in chosen_by.items():
        if len(chosen) > LIMIT:
            over = chosen[LIMIT]
            note(
                "review.too_many_chosen",
                sh.name,
                sh.at(over, Col.CHOSEN),
                over,
                Col.CHOSEN,
                initiative=code,
                count=len(chosen),
                limit=LIMIT,
                names="、".join(f"「{_text(sh.get(k, Col.NAME))}」" for k in chosen),
            )


def _paragraphs(sh: _Sheet, draft: Draft | None, review: Review, by_name: dict[str, str], note) -> None:
    keys = _rows_match(sh, [p.key for p in draft.paragraphs] if draft else None, "段落", note)
    for key in keys:
        text = _text(sh.get(key, Col.ACTION))
        action = ACTION_BY_JA.get(text) if text else ParagraphAction.ADOPT
        if action is None:
            note("review.bad_action", sh.name, sh.at(key, Col.ACTION), key, Col.ACTION, value=text)
            action = ParagraphAction.ADOPT
        heading = str(sh.get(key, Col.HEADING) or "").strip()
        body = str(sh.get(key, Col.BODY) or "").strip()
        dept = by_name.get(_text(sh.get(key, Col.DEPARTMENT)), _text(sh.get(key, Col.DEPARTMENT)))
        kind = _text(sh.get(key, Col.KIND))
        ident = "\t".join(
            (kind, dept, _text(sh.get(key, Col.INITIATIVE)), str(sh.get(key, Col.ORIGINAL) or ""))
        )
        review.paragraphs[key] = ParagraphChoice(
            action,
            heading,
            body,
            unicodedata.normalize("NFKC", _text(sh.get(key, Col.INTO))).upper(),
            _order(sh, key, note),
            ident,
        )
    for key in keys:
        c = review.paragraphs[key]
        if c.action is ParagraphAction.ADOPT:
            for what, value, col in (("見出し", c.heading, Col.HEADING), ("本文", c.body, Col.BODY)):
                if not value:
                    note("review.empty_text", sh.name, sh.at(key, col), key, col, key=key, what=what)
        elif c.action is ParagraphAction.MERGE:
            target = review.paragraphs.get(c.into)
            why = ""
            if not c.into:
                why = "空欄です"
            elif target is None:
                why = "この確認ブックにない段落です"
            elif c.into == key:
                why = "この段落自身です"
            elif c.into[:1] != key[:1]:
                why = "別の欄（評価／今後の方針）の段落です"
            elif target.action is not ParagraphAction.ADOPT:
                why = "「採用」にしていない段落です"
            if why:
                note(
                    "review.bad_into",
                    sh.name,
                    sh.at(key, Col.INTO),
                    key,
                    Col.INTO,
                    key=key,
                    into=c.into,
                    why=why,
                )


def _sdgs(sh: _Sheet, review: Review, note) -> None:
    keys = _rows_match(sh, [str(g) for g in range(1, len(SDG_GOALS) + 1)], "ＳＤＧｓの目標", note)
    for key in keys:
        keep = _mark(sh, key, Col.KEEP, note, allow_no=True)
        review.sdgs[int(key)] = bool(keep)
