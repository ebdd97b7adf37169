"""Validation rules from the form definition, each a small function returning issues as data.

Rules see the normalized rows of one leading project's sections (`ReadSection`) and the
master data; they never stop at the first problem. Errors reject the file, warnings do not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..form import PROJECTS_PER_INITIATIVE, Column, ListKey, Section, cell_ref, list_values
from ..limits import CELL_TEXT_MAX
from ..models import SDG_MARK, Category, Issue, Master, Severity
from .normalize import formula_like

SECTION_LABELS = {
    "projects": "実施した事業",
    "evaluations": "取り組みに対する評価",
    "summary": "総評",
    "policy_intro": "今後の方針（前文）",
    "policies": "今後の方針",
    "sdgs": "ＳＤＧｓへの貢献",
}


@dataclass
class CellRow:
    """One row in use of a section: normalized values and where the row sits in the file."""

    index: int
    """Position among the section's rows in use (what a feedback workbook writes at that row)."""
    values: dict[str, str]
    file_row: int = 0
    """0-based row in the file."""
    columns: dict[str, int] = field(default_factory=dict)
    """Column key -> 0-based file column."""

    def cell(self, key: str) -> str:
        return cell_ref(self.file_row, self.columns[key]) if key in self.columns else ""


@dataclass
class ReadSection:
    lp: str
    section: Section
    sheet: str
    first_cell: str
    rows: list[CellRow] = field(default_factory=list)
    readable: bool = True

    def issue(
        self,
        row: CellRow | None,
        col: Column | None,
        code: str,
        message: str,
        hint: str = "",
        severity: Severity = Severity.ERROR,
    ) -> Issue:
        label = SECTION_LABELS.get(self.section.key, self.section.key)
        col = col or next((c for c in self.section.columns if c.key_column), self.section.columns[-1])
        return Issue(
            sheet=self.sheet,
            cell=(row.cell(col.key) if row else self.first_cell),
            field=f"{label}／{col.label}" if len(self.section.columns) > 1 else label,
            code=code,
            message=message,
            hint=hint,
            severity=severity,
            lp=self.lp,
            section=self.section.key,
            row=row.index if row else 0,
            column=col.key,
        )


_LISTS: dict[tuple[int, str], tuple[Master, Lists]] = {}
_ASSIGNED: dict[tuple[int, str], tuple[Master, dict[str, set[str]], dict[str, Category]]] = {}


def _assignments(master: Master, lp: str) -> tuple[dict[str, set[str]], dict[str, Category]]:
    """Per initiative of the leading project: reporting departments, and its category (cached)."""
    key = (id(master), lp)
    hit = _ASSIGNED.get(key)
    if hit is None or hit[0] is not master:
        if len(_ASSIGNED) > 64:
            _ASSIGNED.clear()
        depts: dict[str, set[str]] = {}
        for a in master.assignments:
            if a.lp == lp:
                depts.setdefault(a.initiative, set()).add(a.department)
        hit = _ASSIGNED[key] = (master, depts, {i.code: c for i, c in master.lp_initiatives(lp)})
    return hit[1], hit[2]


@dataclass(frozen=True)
class Lists:
    """The allowed values of one leading project's dropdowns."""

    codes: tuple[str, ...]
    categories: tuple[str, ...]
    departments: tuple[str, ...]
    marks: tuple[str, ...] = (SDG_MARK,)

    @classmethod
    def for_lp(cls, master: Master, lp: str) -> Lists:
        return cls(
            codes=list_values(master, ListKey.CODES, lp),
            categories=list_values(master, ListKey.CATEGORY, lp),
            departments=list_values(master, ListKey.DEPARTMENTS, lp),
            marks=list_values(master, ListKey.MARK, lp),
        )

    @classmethod
    def cached(cls, master: Master, lp: str) -> Lists:
        """`for_lp`, computed once per master object (a collect reads many files against one master)."""
        key = (id(master), lp)
        hit = _LISTS.get(key)
        if hit is None or hit[0] is not master:
            if len(_LISTS) > 64:
                _LISTS.clear()
            hit = _LISTS[key] = (master, cls.for_lp(master, lp))
        return hit[1]

    def items(self, key: ListKey) -> tuple[str, ...]:
        return {
            ListKey.CODES: self.codes,
            ListKey.CATEGORY: self.categories,
            ListKey.DEPARTMENTS: self.departments,
            ListKey.MARK: self.marks,
        }.get(key, ())


def check_required(sec: ReadSection) -> Iterator[Issue]:
    """Required columns of rows in use, and sections that must hold at least one row."""
    if sec.section.required and sec.readable and not sec.rows:
        yield sec.issue(
            None,
            None,
            "required",
            f"「{SECTION_LABELS.get(sec.section.key, sec.section.title)}」が入力されていません。",
            "主管所属が記入する欄です。入力してから送ってください。",
        )
    required = [c for c in sec.section.columns if c.is_input and c.required]
    for row in sec.rows:
        for col in required:
            if not row.values.get(col.key):
                yield sec.issue(
                    row,
                    col,
                    "required",
                    f"「{col.label}」が入力されていません。",
                    "プルダウンから選ぶか入力してください。" if col.list else "入力してください。",
                )


def check_lists(sec: ReadSection, lists: Lists) -> Iterator[Issue]:
    """Values that must come from a dropdown list (paste bypasses Excel's own check)."""
    listed = [c for c in sec.section.columns if c.is_input and c.list is not None]
    for row in sec.rows:
        for col in listed:
            value = row.values.get(col.key, "")
            if not value:
                continue
            items = lists.items(col.list)
            if value not in items:
                if col.list is ListKey.MARK:
                    msg = f"「{value}」は使えません。貢献する目標には {SDG_MARK} を選んでください。"
                    code = "sdg_mark"
                else:
                    msg = f"{col.label}「{value}」は一覧にありません。"
                    code = "not_in_list"
                yield sec.issue(row, col, code, msg, "プルダウンの一覧から選んでください。")


def check_lengths(sec: ReadSection) -> Iterator[Issue]:
    inputs = [(c, min(c.max_len or CELL_TEXT_MAX, CELL_TEXT_MAX)) for c in sec.section.columns if c.is_input]
    for row in sec.rows:
        for col, limit in inputs:
            value = row.values.get(col.key, "")
            if len(value) > limit:
                excel = "。Excel のセルの上限 32,767 文字も超えています" if len(value) > CELL_TEXT_MAX else ""
                yield sec.issue(
                    row,
                    col,
                    "too_long",
                    f"「{col.label}」が {len(value):,} 文字あります（上限 {limit:,} 文字{excel}）。",
                    f"{limit:,} 文字以内にまとめてください。",
                )


def check_formula_text(sec: ReadSection) -> Iterator[Issue]:
    """Text starting with = + - @ is kept as text; say so, since the department may have meant a formula."""
    free = [c for c in sec.section.columns if c.is_input and c.list is None]
    for row in sec.rows:
        for col in free:
            value = row.values.get(col.key, "")
            if value and formula_like(value):
                yield sec.issue(
                    row,
                    col,
                    "formula_text",
                    f"「{col.label}」が「{value[0]}」で始まっています。数式ではなく文字としてそのまま扱います。",
                    "意図した内容か確認してください。",
                    Severity.WARNING,
                )


def check_projects_per_initiative(sec: ReadSection) -> Iterator[Issue]:
    """At most three projects per initiative: a warning, the merge keeps them all."""
    if sec.section.key != "projects":
        return
    seen: Counter[str] = Counter()
    for row in sec.rows:
        code = row.values.get("code", "")
        if not code:
            continue
        seen[code] += 1
        if seen[code] == PROJECTS_PER_INITIATIVE + 1:
            yield sec.issue(
                row,
                sec.section.column("name"),
                "too_many_projects",
                f"取り組み「{code}」の事業が {PROJECTS_PER_INITIATIVE} 件を超えています（最大３つまで）。",
                "統合ではすべて載せます。３つに絞る場合は送り直してください。",
                Severity.WARNING,
            )


def check_department(sec: ReadSection, master: Master, dept: str) -> Iterator[Issue]:
    """An initiative assigned to another department, or filed under another category."""
    if sec.section.key not in ("projects", "evaluations", "policies"):
        return
    lead = master.leading_project(sec.lp).lead_department == dept
    reporters, categories = _assignments(master, sec.lp)
    for row in sec.rows:
        code = row.values.get("code", "")
        if code not in categories:
            continue
        if dept not in reporters.get(code, ()) and not (lead and sec.section.key != "projects"):
            owners = sorted(master.department(d).name for d in reporters.get(code, ()))
            yield sec.issue(
                row,
                sec.section.column("code"),
                "other_department_initiative",
                f"取り組み「{code}」は{('「' + '・'.join(owners) + '」') if owners else '別の所属'}の担当です。",
                "コードが正しいか確認してください（担当の所属からも報告されます）。",
                Severity.WARNING,
            )
        cat = row.values.get("category")
        if (
            sec.section.key == "projects"
            and cat
            and cat != categories[code].value
            and cat in Category._value2member_map_
        ):
            yield sec.issue(
                row,
                sec.section.column("category"),
                "category_mismatch",
                f"取り組み「{code}」の区分は「{categories[code].value}」ですが「{cat}」が選ばれています。",
                "区分を確認してください。",
                Severity.WARNING,
            )


def validate_section(sec: ReadSection, master: Master, dept: str, lists: Lists) -> list[Issue]:
    issues: list[Issue] = []
    for rule in (
        check_required(sec),
        check_lists(sec, lists),
        check_lengths(sec),
        check_formula_text(sec),
        check_projects_per_initiative(sec),
        check_department(sec, master, dept),
    ):
        issues.extend(rule)
    return issues
