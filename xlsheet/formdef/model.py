"""The `Form` object: one form definition, loaded from a 様式定義ブック and passed explicitly.

Vocabulary (sheet names, column headers, 種類, 記入者, master lists) lives here as data so the
loader, the check, the docs test and the generator script all read the same tables.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ..era import fiscal_year_label


@functools.lru_cache(maxsize=4096)
def norm(text: str) -> str:
    """How names are compared: NFKC, no spaces, case-folded (ＳＤＧｓ = SDGs = sdgs); memoized
    (intake compares the same few list and field names for every file)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


# --------------------------------------------------------------------------- vocabulary

SHEET_SETTINGS = "設定"
SHEET_ITEMS = "項目"
SHEET_CHOICES = "選択肢"
SHEET_HELP = "説明"
SHEET_ALIASES = {
    SHEET_SETTINGS: ("settings",),
    SHEET_ITEMS: ("survey", "items", "fields"),
    SHEET_CHOICES: ("choices",),
}
"""The three sheets a definition must have, with English aliases (XLSForm's names)."""


class Setting(StrEnum):
    ID = "様式ID"
    VERSION = "版"
    TITLE = "様式名"
    UNIT = "回答単位"
    LAYOUT = "公表レイアウト"
    INPUT_SHEET = "入力シート名"


SETTING_ALIASES: dict[Setting, tuple[str, ...]] = {
    Setting.ID: ("form_id", "id"),
    Setting.VERSION: ("version",),
    Setting.TITLE: ("form_title", "title"),
    Setting.UNIT: ("unit", "answer_unit"),
    Setting.LAYOUT: ("layout", "print_layout"),
    Setting.INPUT_SHEET: ("input_sheet",),
}
REQUIRED_SETTINGS = (Setting.ID, Setting.VERSION, Setting.TITLE, Setting.UNIT, Setting.LAYOUT)
DEFAULT_INPUT_SHEET = "評価入力"

UNITS = {
    "所属×リーディングプロジェクト": "one input sheet per department and leading project (政策評価表)",
    "所属×事業": "one input sheet per department and 事業 (事務事業評価)",
}
LAYOUTS = {
    "政策評価表": "the seed's published one-page layout per leading project",
    "事務事業評価シート": "one A4 page per 事業, with the 事務事業評価一覧 and its counts and cost totals",
    "なし": "tables only, no print layout",
}


class Col(StrEnum):
    """The columns of 項目, Japanese header as value."""

    SECTION = "セクション"
    SECTION_TITLE = "セクション見出し"
    SECTION_NOTE = "セクションの説明"
    KEY = "キー"
    LABEL = "見出し"
    KIND = "種類"
    REQUIRED = "必須"
    LIST = "一覧"
    FILTER = "絞り込み"
    MIN = "最小"
    MAX = "最大"
    LENGTH = "文字数"
    FORMULA = "計算式"
    CONSTRAINT = "条件"
    CONSTRAINT_MESSAGE = "条件メッセージ"
    CONSTRAINT_SEVERITY = "条件の扱い"
    HINT = "入力の説明"
    EXAMPLE = "記入例"
    FILLED_BY = "記入者"
    ROWS = "行数"
    ROWS_PER = "行数の基準"
    SPARE_ROWS = "予備行"
    DEFAULT = "初期値"
    SPAN = "結合列数"
    ROW_KEY = "行の判定"
    ROW_HEIGHT = "行の高さ"
    SHOW_HEADER = "列見出し"


COL_ALIASES: dict[Col, tuple[str, ...]] = {
    Col.SECTION: ("section", "group"),
    Col.SECTION_TITLE: ("section_title", "section_label"),
    Col.SECTION_NOTE: ("section_note", "section_hint"),
    Col.KEY: ("key", "name"),
    Col.LABEL: ("label",),
    Col.KIND: ("type", "kind"),
    Col.REQUIRED: ("required",),
    Col.LIST: ("list", "list_name"),
    Col.FILTER: ("choice_filter", "filter"),
    Col.MIN: ("min",),
    Col.MAX: ("max",),
    Col.LENGTH: ("length", "max_length"),
    Col.FORMULA: ("calculation", "formula"),
    Col.CONSTRAINT: ("constraint", "condition"),
    Col.CONSTRAINT_MESSAGE: ("constraint_message", "condition_message"),
    Col.CONSTRAINT_SEVERITY: ("constraint_severity",),
    Col.HINT: ("hint", "prompt"),
    Col.EXAMPLE: ("example",),
    Col.FILLED_BY: ("filled_by",),
    Col.ROWS: ("rows",),
    Col.ROWS_PER: ("rows_per",),
    Col.SPARE_ROWS: ("spare_rows",),
    Col.DEFAULT: ("default",),
    Col.SPAN: ("span",),
    Col.ROW_KEY: ("row_key",),
    Col.ROW_HEIGHT: ("row_height",),
    Col.SHOW_HEADER: ("show_header",),
}
REQUIRED_COLS = (Col.SECTION, Col.KEY, Col.LABEL, Col.KIND)
SECTION_COLS = (
    Col.SECTION_TITLE,
    Col.SECTION_NOTE,
    Col.FILLED_BY,
    Col.ROWS,
    Col.ROWS_PER,
    Col.SPARE_ROWS,
    Col.ROW_HEIGHT,
    Col.SHOW_HEADER,
)
"""Columns that describe the whole section: read from its first row; later rows blank or equal."""


class ChoiceCol(StrEnum):
    LIST = "一覧"
    VALUE = "値"
    LABEL = "表示"
    DESCRIPTION = "説明"


CHOICE_ALIASES: dict[ChoiceCol, tuple[str, ...]] = {
    ChoiceCol.LIST: ("list_name", "list"),
    ChoiceCol.VALUE: ("name", "value"),
    ChoiceCol.LABEL: ("label",),
    ChoiceCol.DESCRIPTION: ("description",),
}
REQUIRED_CHOICE_COLS = (ChoiceCol.LIST, ChoiceCol.VALUE)


class FieldKind(StrEnum):
    CODE = "code"
    CHOICE = "choice"
    TEXT = "text"
    LONGTEXT = "longtext"
    INTEGER = "integer"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"
    CALC = "calc"
    FIXED = "fixed"


KIND_JA: dict[FieldKind, str] = {
    FieldKind.CODE: "コード",
    FieldKind.CHOICE: "選択",
    FieldKind.TEXT: "文字",
    FieldKind.LONGTEXT: "文章",
    FieldKind.INTEGER: "整数",
    FieldKind.NUMBER: "数値",
    FieldKind.MONEY: "金額",
    FieldKind.PERCENT: "割合",
    FieldKind.DATE: "日付",
    FieldKind.CALC: "計算",
    FieldKind.FIXED: "固定",
}
KIND_ALIASES: dict[FieldKind, tuple[str, ...]] = {
    FieldKind.CODE: ("code",),
    FieldKind.CHOICE: ("choice", "select_one"),
    FieldKind.TEXT: ("text",),
    FieldKind.LONGTEXT: ("longtext", "note"),
    FieldKind.INTEGER: ("integer",),
    FieldKind.NUMBER: ("number", "decimal"),
    FieldKind.MONEY: ("money",),
    FieldKind.PERCENT: ("percent",),
    FieldKind.DATE: ("date",),
    FieldKind.CALC: ("calc", "calculate"),
    FieldKind.FIXED: ("fixed",),
}
NUMERIC_KINDS = frozenset({FieldKind.INTEGER, FieldKind.NUMBER, FieldKind.MONEY, FieldKind.PERCENT})
LIST_KINDS = frozenset({FieldKind.CODE, FieldKind.CHOICE})
TEXT_KINDS = frozenset({FieldKind.TEXT, FieldKind.LONGTEXT})


class FilledBy(StrEnum):
    ALL = "all"
    LEAD = "lead"


FILLED_BY_JA = {FilledBy.ALL: "全所属", FilledBy.LEAD: "主管所属"}
FILLED_BY_WORDS = {
    FilledBy.ALL: ("all", "全所属", "すべて", "全て", "全員"),
    FilledBy.LEAD: ("lead", "主管所属", "主管", "主管のみ"),
}

YES_WORDS = ("○", "〇", "◯", "はい", "必須", "yes", "true", "1", "する", "表示")
SEVERITY_WORDS = {
    "error": ("", "エラー", "error", "誤り"),
    "warning": ("注意", "warning", "警告"),
}
"""条件の扱い: an error (the default) or a warning."""

NO_WORDS = ("", "×", "いいえ", "no", "false", "0", "しない", "非表示", "-", "ー")

MASTER_LISTS: dict[str, str] = {
    "取り組みコード": "the answering unit's initiative codes; 表示 is the initiative's 名称",
    "所属": "department names around the answering unit",
    "ＳＤＧｓ": "goal numbers 1–17; 表示 is the goal's name",
    "事業": "事業コード of the unit's 事業 (a leading project's initiatives, or the 事業 itself); 表示 is the 事業名",
}
"""Lists that come from master data rather than from 選択肢."""

MASTER_SCOPE = "マスタ"
"""The scope of ``[マスタ.名前]`` references (master data's 設定)."""

MASTER_VALUES: dict[str, str] = {
    "評価年度": "master 設定: 評価年度（西暦）",
    "平均人件費": "master 設定: 平均人件費（千円）, the cost of one person-year (人工)",
}
"""Values ``[マスタ.名前]`` may read."""

MASTER_AMOUNTS = frozenset({"平均人件費"})
"""Master values that are amounts of money: a 計算 field multiplying one by a quantity is an
amount too (人件費 = 人工 × 平均人件費), which the consolidated book totals."""

MASTER_SOURCES: dict[str, tuple[str, ...]] = {
    "事業": ("取り組みコード", "事業名", "所属名", "区分", "事業コード", "予算の細目", "担当所属"),
    "取り組み": ("コード", "名称", "副題"),
}
"""Pre-fill sources ``マスタ:表.列`` for 初期値 (the rows of the answering unit)."""

PREVIOUS_SOURCE = "前年度"
"""初期値 ``前年度:キー`` or ``前年度:セクション.キー``: last year's accepted value of that field
for the same unit (a 事業 follows its 旧事業コード), row by row; blank without a previous round."""


def previous_source(default: str) -> tuple[str, str] | None:
    """(section key or "" for the field's own section, field key) of a ``前年度:`` 初期値, else None."""
    head, sep, rest = default.replace("：", ":").partition(":")
    if not sep or norm(head) != norm(PREVIOUS_SOURCE):
        return None
    section, _, key = rest.strip().rpartition(".")
    return section.strip(), key.strip()


PLACEHOLDERS = ("評価年度", "評価対象年度", "リーディングプロジェクト", "所属", "事業名")
"""``{名前}`` placeholders in 見出し, セクション見出し and 初期値, filled per answering unit;
年度 placeholders accept an offset such as ``{評価対象年度-1}``."""
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
YEAR_PLACEHOLDERS = ("評価年度", "評価対象年度")
YEAR_OFFSET_RE = re.compile(r"(.+?)\s*([-+−])\s*(\d+)")
"""A year placeholder with an offset: ``評価対象年度-2``."""


def year_of(name: str, evaluation_year: int) -> int | None:
    """The fiscal year a year placeholder names (``評価対象年度-2`` → evaluation − 3), else None."""
    name = name.strip()
    m = YEAR_OFFSET_RE.fullmatch(name)
    base, delta = (
        (m.group(1).strip(), (-1 if m.group(2) in "-−" else 1) * int(m.group(3))) if m else (name, 0)
    )
    if base == "評価年度":
        return evaluation_year + delta
    if base == "評価対象年度":
        return evaluation_year - 1 + delta
    return None


def fill_years(text: str, evaluation_year: int) -> str:
    """The year placeholders of a heading filled in (``{評価対象年度-2}`` → 平成30年度 in the
    令和２年度 round; 元年 and the 平成／令和 boundary as `era.fiscal_year_label` names them);
    other placeholders are left as they are."""

    def one(m: re.Match) -> str:
        year = year_of(m.group(1), evaluation_year)
        return m.group(0) if year is None else fiscal_year_label(year)

    return PLACEHOLDER_RE.sub(one, text)


KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
"""キー: lower-case ASCII, digit and _, up to 30 characters (they become defined names)."""


# --------------------------------------------------------------------------- the model


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Field(_Model):
    key: str
    label: str
    kind: FieldKind
    required: bool = False
    required_if: str = ""
    """A formula: the field is required when it is true (conditional 必須)."""
    list: str = ""
    list_filter: str = ""
    min: float | None = None
    max: float | None = None
    max_len: int | None = None
    formula: str = ""
    constraint: str = ""
    constraint_message: str = ""
    constraint_warns: bool = False
    """True when a broken 条件 is a warning (条件の扱い 注意), not an error."""
    hint: str = ""
    example: str = ""
    default: str = ""
    span: int = 1
    row_key: bool = False
    row: int = 0
    """The row of 項目 this field came from (0 when built in Python)."""

    @property
    def is_input(self) -> bool:
        return self.kind not in (FieldKind.CALC, FieldKind.FIXED)

    @property
    def is_number(self) -> bool:
        return self.kind in NUMERIC_KINDS or self.kind is FieldKind.CALC


class Section(_Model):
    key: str
    title: str
    note: str = ""
    fields: tuple[Field, ...]
    filled_by: FilledBy = FilledBy.ALL
    rows: int = 1
    rows_per: str = ""
    """A list: the section gets `rows` rows per item of it the answering unit has."""
    spare_rows: int = 0
    row_height: float | None = None
    show_header: bool = True
    row: int = 0

    @property
    def lead_only(self) -> bool:
        return self.filled_by is FilledBy.LEAD

    @property
    def carried(self) -> bool:
        """Only last year's values, read-only: every field 固定 with a 「前年度:…」 初期値 (the
        PDCA view). Shown only in a round started from last year's, as many rows as it had."""
        return all(f.kind is FieldKind.FIXED and previous_source(f.default) for f in self.fields)

    @property
    def is_block(self) -> bool:
        """One fixed row: a block of fields rather than a table of repeating rows."""
        return self.rows == 1 and not self.rows_per and not self.spare_rows

    @property
    def required(self) -> bool:
        """A block with a required field must be filled; a table may stay empty."""
        return self.is_block and any(f.required for f in self.fields)

    @property
    def example(self) -> bool:
        """Whether the input sheet shows an example row (any field has a 記入例)."""
        return any(f.example for f in self.fields)

    @property
    def width(self) -> int:
        """Sheet columns the section spans (the input sheet is as wide as its widest section;
        a narrower section's last field stretches to the edge)."""
        return sum(f.span for f in self.fields)

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


class Choice(_Model):
    value: str
    label: str = ""
    description: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    row: int = 0

    @property
    def shown(self) -> str:
        return self.label or self.value


class ChoiceList(_Model):
    name: str
    choices: tuple[Choice, ...]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)


class Form(_Model):
    id: str
    version: str
    title: str
    unit: str
    layout: str
    input_sheet: str = DEFAULT_INPUT_SHEET
    sections: tuple[Section, ...]
    lists: tuple[ChoiceList, ...] = ()
    source: str = ""
    """The file it was loaded from."""

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def uses_previous(self) -> bool:
        """Whether a field is pre-filled from last year's answers (初期値 「前年度:…」)."""
        return any(previous_source(f.default) for s in self.sections for f in s.fields)

    @property
    def digest(self) -> str:
        """SHA-256 of what the form says (not where it was read from, nor its rows on 項目):
        two definitions with the same digest produce the same entry workbooks."""
        data = self.model_dump(mode="json", exclude={"source"})
        for s in data["sections"]:
            s.pop("row", None)
            for f in s["fields"]:
                f.pop("row", None)
        for cl in data["lists"]:
            for c in cl["choices"]:
                c.pop("row", None)
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def choice_list(self, name: str) -> ChoiceList | None:
        """A list of 選択肢 by name (compared NFKC, case-folded); None for master lists."""
        n = norm(name)
        return next((c for c in self.lists if norm(c.name) == n), None)

    def is_master_list(self, name: str) -> bool:
        return norm(name) in {norm(m) for m in MASTER_LISTS}

    def resolve(self, name: str, scope: str | None, section: str) -> tuple[Section, Field] | str | None:
        """What a formula reference ``[scope.name]`` written in `section` points at.

        Returns (section, field); the master value's name for ``[マスタ.名前]``; None when
        nothing matches. A name matches a キー first, then a 見出し (NFKC, case-folded)."""
        if scope is not None and norm(scope) in (norm(MASTER_SCOPE), "master"):
            return name if name in MASTER_VALUES else None
        key = section if scope is None else scope
        target = next((s for s in self.sections if s.key == key), None)
        if target is None:
            target = next((s for s in self.sections if norm(s.title) == norm(key)), None)
        if target is None:
            return None
        for f in target.fields:
            if f.key == name:
                return target, f
        for f in target.fields:
            if norm(f.label) == norm(name):
                return target, f
        return None
