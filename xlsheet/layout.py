"""Where a `Form`'s sections sit on a department's input sheets, and what its lists hold.

Every row and column comes out of the round's `formdef.Form` (the form is data: a definition
workbook), passed explicitly. An input sheet holds the form's sections top to bottom; each
section's data rows are a workbook-scoped defined name ``xs_<unit>_<section>``, so a department
that inserts rows does not break intake. The input sheet is as wide as the widest section (the
seed's five columns A–E); in a narrower section the last field stretches to the edge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from .formdef.model import Field, FieldKind, Form, Section, norm, previous_source
from .models import SDG_GOALS, KnownProject, Master
from .units import AnswerUnit, unit_codes, unit_kind, unit_of

SHEET_INSTRUCTIONS = "はじめに"
SHEET_LISTS = "_lists"
SHEET_MANIFEST = "_xlsheet"
SHEET_CHECK = "入力チェック結果"
"""Written into a department's open workbook by the 入力チェック ribbon button; intake ignores it."""

BASE_COLUMN_WIDTHS = (12.0, 17.0, 34.0, 38.0, 22.0)
"""The seed's columns A–E; a wider form's further columns get EXTRA_COLUMN_WIDTH."""
EXTRA_COLUMN_WIDTH = 14.0

FIRST_SECTION_ROW = 7
"""Rows 0–6 hold the title, the unit, the self-check and the leading project's direction."""


# --------------------------------------------------------------------------- cell addresses


def col_letter(col: int) -> str:
    """0-based column index to letters (0 -> A)."""
    return xl_col_to_name(col)


def cell_ref(row: int, col: int, absolute: bool = False) -> str:
    """0-based row/col to A1 (or $A$1)."""
    return xl_rowcol_to_cell(row, col, absolute, absolute)


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def name_part(unit: str) -> str:
    """A unit code as part of a defined name: 事業コード may hold "-", which names cannot."""
    return unit.replace("-", "_")


def defined_name(unit: str, section: str) -> str:
    return f"xs_{name_part(unit)}_{section}"


def section_for_name(form: Form, name: str) -> tuple[str, str] | None:
    """Split ``xs_<unit>_<section>`` into (unit, section key); None for other names."""
    if not name.startswith("xs_") or name.startswith("xs_list_"):
        return None
    rest = name[3:]
    for section in sorted(form.sections, key=lambda s: -len(s.key)):
        suffix = "_" + section.key
        if rest.endswith(suffix):
            return rest[: -len(suffix)], section.key
    return None


def section_label(section: Section) -> str:
    """A section's short name for messages: its heading without placeholders and brackets
    (「【{評価対象年度}に実施した事業】」 → 実施した事業)."""
    title = section.title
    if "{" in title:
        title = title[title.rindex("}") + 1 :].lstrip("にの")
    return re.sub(r"[【】●]", "", title).strip("　 ") or section.key


# --------------------------------------------------------------------------- lists

MASTER_CODES = "取り組みコード"
MASTER_DEPARTMENTS = "所属"
MASTER_SDGS = "ＳＤＧｓ"
MASTER_PROJECTS = "事業"


@dataclass(frozen=True)
class ListSource:
    """One dropdown list as the writer puts it on the list sheet and intake checks against it."""

    name: str
    """The defined name of its values."""
    values: tuple[str, ...]
    labels: tuple[str, ...] | None = None
    """表示 beside each value (a value|表示 table named `table_name`), when the list has them."""
    table_name: str = ""


def _master_key(name: str) -> str | None:
    n = norm(name)
    for key in (MASTER_CODES, MASTER_DEPARTMENTS, MASTER_SDGS, MASTER_PROJECTS):
        if norm(key) == n:
            return key
    return None


_NAMES: dict[tuple[int, str, bool], tuple[Master, tuple[str, ...]]] = {}


def department_names(master: Master, lp: str, form: Form | None = None) -> tuple[str, ...]:
    """所属 lists the departments around the leading project, not the whole city (a prefecture's
    round has 1,741 of them): its reporting and leading departments, every department under the
    same parents (部), and the owners of its known projects. Memoized per master data and leading
    project (master data is immutable): a large round asks for it once per section and workbook,
    and each answer scans the whole master."""
    by_project = form is not None and unit_kind(form) is AnswerUnit.PROJECT
    hit = _NAMES.get((id(master), lp, by_project))
    if hit is not None and hit[0] is master:
        return hit[1]
    if len(_NAMES) > 4096:
        _NAMES.clear()
    names = _project_department_names(master, lp) if by_project else _department_names(master, lp)
    _NAMES[(id(master), lp, by_project)] = (master, names)
    return names


def _project_department_names(master: Master, code: str) -> tuple[str, ...]:
    """For a 事業: its department and the departments under the same parent (部)."""
    own = master.department(master.project(code).department)
    return tuple(
        d.name for d in master.departments if d.code == own.code or (own.parent and d.parent == own.parent)
    )


def _department_names(master: Master, lp: str) -> tuple[str, ...]:
    codes = {a.department for a in master.assignments if a.lp == lp} | {
        master.leading_project(lp).lead_department
    }
    parents = {master.department(c).parent for c in codes} - {""}
    initiatives = {i.code for i, _ in master.lp_initiatives(lp)}
    owners = {k.owner for k in master.known_projects if k.initiative in initiatives and k.owner}
    return tuple(
        d.name for d in master.departments if d.code in codes or d.parent in parents or d.name in owners
    )


def form_list_index(form: Form, name: str) -> int:
    n = norm(name)
    return next(i for i, c in enumerate(form.lists) if norm(c.name) == n)


def list_source(form: Form, master: Master, name: str, unit: str) -> ListSource:
    """The items of the list `name` (選択肢 or master) on one unit's sheet."""
    key = _master_key(name)
    if key == MASTER_CODES:
        if unit_kind(form) is AnswerUnit.PROJECT:
            initiatives = [master.initiative(master.project(unit).initiative)]
        else:
            initiatives = [i for i, _ in master.lp_initiatives(unit)]
        return ListSource(
            f"xs_list_codes_{name_part(unit)}",
            tuple(i.code for i in initiatives),
            tuple(i.title for i in initiatives),
            f"xs_list_initiatives_{name_part(unit)}",
        )
    if key == MASTER_DEPARTMENTS:
        return ListSource(f"xs_list_departments_{name_part(unit)}", department_names(master, unit, form))
    if key == MASTER_PROJECTS:
        projects = unit_projects(form, master, unit)
        return ListSource(
            f"xs_list_projects_{name_part(unit)}",
            tuple(k.code for k in projects),
            tuple(k.name for k in projects),
            f"xs_list_project_names_{name_part(unit)}",
        )
    if key == MASTER_SDGS:
        return ListSource(
            "xs_list_sdgs",
            tuple(str(n) for n in range(1, len(SDG_GOALS) + 1)),
            SDG_GOALS,
            "xs_list_sdgs_table",
        )
    choices = form.choice_list(name)
    if choices is None:
        raise KeyError(f"list {name!r} is neither on 選択肢 nor a master list")
    i = form_list_index(form, name)
    labels = tuple(c.shown for c in choices.choices)
    return ListSource(
        f"xs_list_{i + 1}",
        choices.values,
        labels if labels != choices.values else None,
        f"xs_list_{i + 1}_table",
    )


def unit_projects(form: Form, master: Master, unit: str) -> list[KnownProject]:
    """The coded 事業 around a unit (the 一覧 「事業」): a 事業 itself, or the 事業 of a leading
    project's initiatives that belong to it."""
    if unit_kind(form) is AnswerUnit.PROJECT:
        return [master.project(unit)]
    initiatives = {i.code for i, _ in master.lp_initiatives(unit)}
    return [k for k in master.known_projects if k.code and k.initiative in initiatives and k.serves(unit)]


def unit_lists(form: Form, master: Master, unit: str) -> dict[str, ListSource]:
    """Every list the form's fields use (by normalized list name) for one unit."""
    out: dict[str, ListSource] = {}
    for s in form.sections:
        for f in s.fields:
            if f.list and norm(f.list) not in out:
                out[norm(f.list)] = list_source(form, master, f.list, unit)
    return out


def field_list(form: Form, master: Master, f: Field, unit: str) -> ListSource | None:
    return list_source(form, master, f.list, unit) if f.list else None


# --------------------------------------------------------------------------- layout


def sheet_columns(form: Form) -> int:
    return max(s.width for s in form.sections)


def column_widths(form: Form) -> tuple[float, ...]:
    """The seed's columns for a form up to five columns wide; a wider form (a 事務事業評価's
    indicator table of eleven) shares the same printed width evenly, never narrower than
    EXTRA_COLUMN_WIDTH // 2 a column."""
    n = sheet_columns(form)
    if n <= len(BASE_COLUMN_WIDTHS):
        return BASE_COLUMN_WIDTHS[:n]
    each = max(EXTRA_COLUMN_WIDTH / 2, round(sum(BASE_COLUMN_WIDTHS) / n, 1))
    return (each,) * n


def rows_per_count(form: Form, master: Master, list_name: str, dept: str, unit: str) -> int:
    """How many items of a master list the answering unit has (行数の基準)."""
    key = _master_key(list_name)
    if key == MASTER_CODES:
        if unit_kind(form) is AnswerUnit.PROJECT:
            return 1
        return len(master.department_initiatives(dept, unit))
    if key == MASTER_SDGS:
        return len(SDG_GOALS)
    if key == MASTER_DEPARTMENTS:
        return len(department_names(master, unit, form))
    if key == MASTER_PROJECTS:
        return len(unit_projects(form, master, unit))
    return 1


def fixed_rows(section: Section) -> bool:
    """A table whose rows xlsheet writes (a 固定 column, e.g. the 17 SDGs) never grows."""
    return any(f.kind is FieldKind.FIXED for f in section.fields)


def section_capacity(
    form: Form, section: Section, master: Master, dept: str, unit: str, filled: int = 0
) -> int:
    """How many data rows a section gets: enough for the department, never fewer than filled."""
    if section.is_block:
        return 1
    if section.carried:
        return max(filled, 1)
    per = rows_per_count(form, master, section.rows_per, dept, unit) if section.rows_per else 1
    base = section.rows * per + section.spare_rows
    if fixed_rows(section):
        return base
    return max(base, filled + 2 if filled else 0)


@dataclass(frozen=True)
class Placement:
    """Where one section sits on one input sheet."""

    section: Section
    lp: str
    first_row: int
    rows: int
    col_start: tuple[int, ...]
    """First sheet column of each of the section's fields."""
    spans: tuple[int, ...]
    """Sheet columns each field covers (the last field of a narrow section stretches)."""
    width: int
    title_row: int
    note_row: int
    header_row: int | None
    example_row: int | None

    @property
    def name(self) -> str:
        return defined_name(self.lp, self.section.key)

    @property
    def last_row(self) -> int:
        return self.first_row + self.rows - 1

    @property
    def fields(self) -> tuple[tuple[Field, int, int], ...]:
        """(field, first column, span) per field."""
        return tuple(zip(self.section.fields, self.col_start, self.spans, strict=True))

    def col(self, key: str) -> int:
        for f, start in zip(self.section.fields, self.col_start, strict=True):
            if f.key == key:
                return start
        raise KeyError(key)

    def ref(self, sheet: str) -> str:
        """Absolute reference of the data rows, as the defined name holds it."""
        return f"{quote_sheet(sheet)}!{cell_ref(self.first_row, 0, True)}:{cell_ref(self.last_row, self.width - 1, True)}"

    def column_range(self, key: str, absolute: bool = True) -> str:
        c = self.col(key)
        return f"{cell_ref(self.first_row, c, absolute)}:{cell_ref(self.last_row, c, absolute)}"


@dataclass(frozen=True)
class SheetLayout:
    """One input sheet: which unit (leading project), its header rows and its sections."""

    sheet: str
    lp: str
    width: int
    title_row: int
    info_row: int
    status_row: int
    direction_title_row: int
    direction_row: int
    placements: tuple[Placement, ...] = field(default=())

    def placement(self, key: str) -> Placement | None:
        return next((p for p in self.placements if p.section.key == key), None)


def input_sheet_name(form: Form, master: Master, dept: str, lp: str) -> str:
    """The input sheet's name: the form's when the department has one unit; else with the
    leading project's code, or a 事業's code and name (cut to Excel's 31 characters)."""
    units = unit_codes(form, master, dept)
    if len(units) == 1:
        return form.input_sheet
    if unit_kind(form) is AnswerUnit.PROJECT:
        name = re.sub(r"[\\/?*\[\]:']", "", master.project(lp).name)
        return f"{lp}_{name}"[:31].rstrip()
    return f"{form.input_sheet}_{lp}"


def section_shown(section: Section, master: Master, is_lead: bool, dept: str = "", unit: str = "") -> bool:
    """Whether an input sheet has the section: 主管所属 sections for the unit's lead only, and a
    section of last year's values only where last year gave the unit some (a round started from
    last year's, a department that answered then)."""
    if section.lead_only and not is_lead:
        return False
    if not section.carried:
        return True
    if master.previous is None:
        return False
    previous = master.previous_for(dept, unit)
    sources = {source[0] or section.key for f in section.fields if (source := previous_source(f.default))}
    return any(previous.get(key) for key in sources)


def sheet_layout(
    form: Form, master: Master, dept: str, lp: str, filled: dict[str, int] | None = None
) -> SheetLayout:
    """Compute every row of one input sheet. `filled` gives row counts of pre-filled data."""
    filled = filled or {}
    width = sheet_columns(form)
    is_lead = unit_of(form, master, lp).lead_department == dept
    row = FIRST_SECTION_ROW
    placements = []
    for section in form.sections:
        if not section_shown(section, master, is_lead, dept, lp):
            continue
        title, note = row, row + 1
        row += 2
        header = None
        if section.show_header:
            header = row
            row += 1
        example = None
        if section.example:
            example = row
            row += 1
        starts, spans, c = [], [], 0
        for f in section.fields:
            starts.append(c)
            spans.append(f.span)
            c += f.span
        if c < width:
            spans[-1] += width - c
        n = section_capacity(form, section, master, dept, lp, filled.get(section.key, 0))
        placements.append(
            Placement(
                section=section,
                lp=lp,
                first_row=row,
                rows=n,
                col_start=tuple(starts),
                spans=tuple(spans),
                width=width,
                title_row=title,
                note_row=note,
                header_row=header,
                example_row=example,
            )
        )
        row += n + 1
    return SheetLayout(
        sheet=input_sheet_name(form, master, dept, lp),
        lp=lp,
        width=width,
        title_row=0,
        info_row=1,
        status_row=2,
        direction_title_row=4,
        direction_row=5,
        placements=tuple(placements),
    )


def workbook_layout(
    form: Form, master: Master, dept: str, filled: dict[str, dict[str, int]] | None = None
) -> list[SheetLayout]:
    """All input sheets of one department's workbook, one per unit (leading project or 事業)."""
    filled = filled or {}
    return [sheet_layout(form, master, dept, u, filled.get(u)) for u in unit_codes(form, master, dept)]
