"""The form definition: one description of the department entry workbook.

The writer lays cells out from it, the reader finds cells through it, validation derives its
rules from it and the merge knows its columns from it. Every cell address in xlsheet comes out
of `sheet_layout`; none is written anywhere else.

An entry workbook has one input sheet per leading project the department takes part in. Each
input sheet holds the sections below, top to bottom, in the seed form's order. Every section is
a table (a text block is a one-row table) whose data rows are a workbook-scoped defined name
``xs_<LP>_<section>``; the reader finds the data by that name, so inserted rows move with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .layout import (
    SHEET_CHECK,
    SHEET_INSTRUCTIONS,
    SHEET_LISTS,
    SHEET_MANIFEST,
    cell_ref,
    col_letter,
    quote_sheet,
)
from .models import SDG_GOALS, SDG_MARK, Category, Master

__all__ = [
    "SHEET_CHECK",
    "SHEET_INSTRUCTIONS",
    "SHEET_LISTS",
    "SHEET_MANIFEST",
    "cell_ref",
    "col_letter",
    "quote_sheet",
]

FORM_ID = "xlsheet.seisaku-hyoka"
FORM_VERSION = "1"

SHEET_INPUT = "評価入力"

SHEET_COLUMNS = 5
"""Input sheets use columns A–E."""
COLUMN_WIDTHS = (12.0, 17.0, 34.0, 38.0, 22.0)

PROJECTS_PER_INITIATIVE = 3
SPARE_PROJECT_ROWS = 3


class Kind(StrEnum):
    CODE = "code"  # initiative code, text-formatted, from a list
    CHOICE = "choice"  # from a list
    TEXT = "text"  # one line of free text
    LONGTEXT = "longtext"  # paragraphs of free text
    LOOKUP = "lookup"  # formula showing something derived (locked)
    FIXED = "fixed"  # written by xlsheet, locked (SDG numbers and names)


class ListKey(StrEnum):
    CODES = "codes"  # the leading project's initiative codes
    INITIATIVES = "initiatives"  # code | title, for the title lookup
    CATEGORY = "category"
    DEPARTMENTS = "departments"
    MARK = "mark"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind
    span: int = 1
    required: bool = False
    key_column: bool = False
    """A row is in use when any of its key columns holds a value."""
    max_len: int = 0
    list: ListKey | None = None
    prompt: str = ""
    example: str = ""

    @property
    def is_input(self) -> bool:
        return self.kind not in (Kind.LOOKUP, Kind.FIXED)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    note: str
    columns: tuple[Column, ...]
    lead_only: bool = False
    required: bool = False
    """The section must hold at least one row in use."""
    show_header: bool = True
    row_height: float | None = None
    example: bool = True

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class FormDefinition:
    id: str
    version: str
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


_CODE = Column(
    "code",
    "取り組みコード",
    Kind.CODE,
    required=True,
    # A project row is in use once it names an initiative, so a row with a code and no 事業名
    # counts as a missing 事業名 (and a 事業名 without a code as a missing code).
    key_column=True,
    list=ListKey.CODES,
    prompt="プルダウンから取り組みコードを選んでください（例: 1-4-2）。",
    example="1-4-2",
)


def _paragraph_columns(prompt_body: str, example_heading: str, example_body: str) -> tuple[Column, ...]:
    return (
        Column(
            "code",
            "取り組みコード",
            Kind.CODE,
            list=ListKey.CODES,
            prompt="関係する取り組みコードをプルダウンから選んでください（任意）。",
            example="1-4-2",
        ),
        Column(
            "heading",
            "見出し（●の後）",
            Kind.TEXT,
            span=2,
            required=True,
            key_column=True,
            max_len=100,
            prompt="● の後に続く見出しを入力してください（● は不要）。",
            example=example_heading,
        ),
        Column(
            "body",
            "本文",
            Kind.LONGTEXT,
            span=2,
            required=True,
            key_column=True,
            max_len=2000,
            prompt=prompt_body,
            example=example_body,
        ),
    )


FORM = FormDefinition(
    id=FORM_ID,
    version=FORM_VERSION,
    sections=(
        Section(
            key="projects",
            title="【{evaluated}に実施した事業】",
            note="取り組みごとに事業名と所属を記載してください（1つの取り組みにつき最大３つまで）。",
            columns=(
                _CODE,
                Column(
                    "category",
                    "区分",
                    Kind.CHOICE,
                    required=True,
                    list=ListKey.CATEGORY,
                    prompt="主な取り組み／関連する取り組みをプルダウンから選んでください。",
                    example=Category.MAIN.value,
                ),
                Column("title", "取り組み名（自動表示）", Kind.LOOKUP, example="住み慣れた自宅や地域で…"),
                Column(
                    "name",
                    "事業名",
                    Kind.TEXT,
                    required=True,
                    key_column=True,
                    max_len=100,
                    prompt="事業名を入力してください（1つの取り組みにつき最大３つまで）。",
                    example="認知症施策推進事業",
                ),
                Column(
                    "owner",
                    "所属",
                    Kind.CHOICE,
                    required=True,
                    list=ListKey.DEPARTMENTS,
                    prompt="事業を担当する所属をプルダウンから選んでください。",
                    example="高齢者支援課",
                ),
            ),
        ),
        Section(
            key="evaluations",
            title="【評価及び今後の方針】　{evaluated}の取り組みに対する評価",
            note="施策評価、事務事業評価を踏まえた分析を、見出しと本文に分けて記載してください。",
            columns=_paragraph_columns(
                "取り組みの評価を入力してください。セル内の改行は Alt+Enter です。",
                "認知症施策の推進",
                "認知症地域支援推進員を配置し、…",
            ),
            row_height=96,
        ),
        Section(
            key="summary",
            title="●総評",
            note="リーディングプロジェクト全体の総評を記載してください（主管所属のみ）。",
            columns=(
                Column(
                    "body",
                    "総評",
                    Kind.LONGTEXT,
                    span=SHEET_COLUMNS,
                    required=True,
                    key_column=True,
                    max_len=3000,
                    prompt="リーディングプロジェクト全体の総評を入力してください。",
                ),
            ),
            lead_only=True,
            required=True,
            show_header=False,
            row_height=120,
            example=False,
        ),
        Section(
            key="policy_intro",
            title="今後の方針（前文）",
            note="今後の方針の冒頭の文章を記載してください（主管所属のみ）。",
            columns=(
                Column(
                    "body",
                    "今後の方針（前文）",
                    Kind.LONGTEXT,
                    span=SHEET_COLUMNS,
                    required=True,
                    key_column=True,
                    max_len=3000,
                    prompt="今後の方針の冒頭の文章を入力してください。",
                ),
            ),
            lead_only=True,
            required=True,
            show_header=False,
            row_height=90,
            example=False,
        ),
        Section(
            key="policies",
            title="今後の方針",
            note="今後の方針を、見出しと本文に分けて記載してください。",
            columns=_paragraph_columns(
                "今後の方針を入力してください。セル内の改行は Alt+Enter です。",
                "認知症施策の推進",
                "認知症の方やその家族に対して効果的な支援が行われる体制を構築する。",
            ),
            row_height=80,
        ),
        Section(
            key="sdgs",
            title="【ＳＤＧｓへの貢献】",
            note="あてはまる目標の「貢献」欄でプルダウンから ○ を選んでください。",
            columns=(
                Column("goal", "番号", Kind.FIXED),
                Column("name", "目標", Kind.FIXED, span=3),
                Column(
                    "mark",
                    "貢献",
                    Kind.CHOICE,
                    key_column=True,
                    list=ListKey.MARK,
                    prompt="この目標に貢献する場合は ○ を選んでください。",
                ),
            ),
            example=False,
        ),
    ),
)

EVALUATION_ROWS = 6
POLICY_ROWS = 10


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Placement:
    """Where one section sits on one input sheet."""

    section: Section
    lp: str
    first_row: int
    rows: int
    col_start: tuple[int, ...]
    """First sheet column of each of the section's columns."""
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

    def col(self, key: str) -> int:
        for c, start in zip(self.section.columns, self.col_start, strict=True):
            if c.key == key:
                return start
        raise KeyError(key)

    def ref(self, sheet: str) -> str:
        """Absolute reference of the data rows, as the defined name holds it."""
        return f"{quote_sheet(sheet)}!{cell_ref(self.first_row, 0, True)}:{cell_ref(self.last_row, SHEET_COLUMNS - 1, True)}"

    def column_range(self, key: str, absolute: bool = True) -> str:
        c = self.col(key)
        return f"{cell_ref(self.first_row, c, absolute)}:{cell_ref(self.last_row, c, absolute)}"


@dataclass(frozen=True)
class SheetLayout:
    """One input sheet: which leading project, its header rows and its sections."""

    sheet: str
    lp: str
    title_row: int
    info_row: int
    status_row: int
    direction_title_row: int
    direction_row: int
    placements: tuple[Placement, ...] = field(default=())

    def placement(self, key: str) -> Placement | None:
        return next((p for p in self.placements if p.section.key == key), None)


def defined_name(lp: str, section: str) -> str:
    return f"xs_{lp}_{section}"


PER_LP_LISTS = (ListKey.CODES, ListKey.INITIATIVES, ListKey.DEPARTMENTS)
"""Lists whose items depend on the leading project (one defined name per leading project)."""


def list_name(key: ListKey, lp: str | None = None) -> str:
    return f"xs_list_{key.value}" + (f"_{lp}" if lp and key in PER_LP_LISTS else "")


def list_values(master: Master, key: ListKey, lp: str) -> tuple[str, ...]:
    """The items of one dropdown on one leading project's sheet: the writer's `_lists` sheet and
    intake's list check both come from here.

    所属 lists the departments around the leading project, not the whole city (a prefecture's
    round has 1,741 of them): its reporting and leading departments, every department under the
    same parents (部), and the owners of its known projects.
    """
    if key is ListKey.CODES:
        return tuple(i.code for i, _ in master.lp_initiatives(lp))
    if key is ListKey.INITIATIVES:
        return tuple(i.title for i, _ in master.lp_initiatives(lp))
    if key is ListKey.CATEGORY:
        return tuple(c.value for c in Category)
    if key is ListKey.MARK:
        return (SDG_MARK,)
    codes = {a.department for a in master.assignments if a.lp == lp} | {
        master.leading_project(lp).lead_department
    }
    parents = {master.department(c).parent for c in codes} - {""}
    initiatives = {i.code for i, _ in master.lp_initiatives(lp)}
    owners = {k.owner for k in master.known_projects if k.initiative in initiatives and k.owner}
    return tuple(
        d.name for d in master.departments if d.code in codes or d.parent in parents or d.name in owners
    )


def input_sheet_name(master: Master, dept: str, lp: str) -> str:
    lps = master.department_lps(dept)
    return SHEET_INPUT if len(lps) == 1 else f"{SHEET_INPUT}_{lp}"


def section_capacity(section: Section, master: Master, dept: str, lp: str, filled: int = 0) -> int:
    """How many data rows a section gets: enough for the department, never fewer than filled."""
    if section.key == "projects":
        base = PROJECTS_PER_INITIATIVE * len(master.department_initiatives(dept, lp)) + SPARE_PROJECT_ROWS
    elif section.key == "evaluations":
        base = EVALUATION_ROWS
    elif section.key == "policies":
        base = POLICY_ROWS
    elif section.key == "sdgs":
        return len(SDG_GOALS)
    else:
        return 1
    return max(base, filled + 2 if filled else 0)


def sheet_layout(
    form: FormDefinition, master: Master, dept: str, lp: str, filled: dict[str, int] | None = None
) -> SheetLayout:
    """Compute every row of one input sheet. `filled` gives row counts of pre-filled data."""
    filled = filled or {}
    is_lead = master.leading_project(lp).lead_department == dept
    row = 0
    title_row, info_row, status_row = 0, 1, 2
    direction_title_row, direction_row = 4, 5
    row = 7
    placements = []
    for section in form.sections:
        if section.lead_only and not is_lead:
            continue
        title = row
        note = row + 1
        row += 2
        header = None
        if section.show_header:
            header = row
            row += 1
        example = None
        if section.example:
            example = row
            row += 1
        starts, c = [], 0
        for col in section.columns:
            starts.append(c)
            c += col.span
        if c != SHEET_COLUMNS:
            raise ValueError(f"section {section.key} spans {c} columns, not {SHEET_COLUMNS}")
        n = section_capacity(section, master, dept, lp, filled.get(section.key, 0))
        placements.append(
            Placement(
                section=section,
                lp=lp,
                first_row=row,
                rows=n,
                col_start=tuple(starts),
                title_row=title,
                note_row=note,
                header_row=header,
                example_row=example,
            )
        )
        row += n + 1
    return SheetLayout(
        sheet=input_sheet_name(master, dept, lp),
        lp=lp,
        title_row=title_row,
        info_row=info_row,
        status_row=status_row,
        direction_title_row=direction_title_row,
        direction_row=direction_row,
        placements=tuple(placements),
    )


def workbook_layout(
    form: FormDefinition, master: Master, dept: str, filled: dict[str, dict[str, int]] | None = None
) -> list[SheetLayout]:
    """All input sheets of one department's workbook, one per leading project."""
    filled = filled or {}
    return [
        sheet_layout(form, master, dept, lp.code, filled.get(lp.code)) for lp in master.department_lps(dept)
    ]


def section_for_name(name: str) -> tuple[str, str] | None:
    """Split ``xs_<LP>_<section>`` into (lp, section key); None for other names."""
    if not name.startswith("xs_") or name.startswith("xs_list_"):
        return None
    rest = name[3:]
    for section in FORM.sections:
        suffix = "_" + section.key
        if rest.endswith(suffix):
            return rest[: -len(suffix)], section.key
    return None
