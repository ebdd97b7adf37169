"""The published tables: the consolidated book's content tables and master data, made machine-readable.

Built from the very rows the consolidated book and `merge --csv` are written from
(`xlsheet.merge.sections.book_tables`), then shaped for 総務省's 機械判読 rules:

- one value per cell, a header row of one line, no notes rows, no merged cells (CSV has none);
- every table starts with the municipality and the years: 西暦 as an integer plus the 和暦 label
  in a column of its own (評価年度 2020, 評価年度（和暦） 令和2年度); a date column gets a 和暦
  twin the same way;
- codes stay text (所属コード, 取り組みコード): types come from the Python values and the form's
  field kinds, never from what a text looks like;
- what only the office needs stays out: 提出状況 and 指摘事項, and of the provenance columns the
  file name, SHA-256, receipt time, round id and the office's decisions (報告所属 stays: who
  answered is public).

Each table also says its primary key and foreign keys, kept only when the data satisfies them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..era import date_label, fiscal_year_label
from ..formdef import FieldKind, Form
from ..formdef.model import KIND_JA, PLACEHOLDER_RE
from ..merge.consolidate import Consolidated
from ..merge.frames import csv_names
from ..merge.jimu_tables import LIST_TABLE, list_columns, year_label
from ..merge.sections import book_tables
from ..merge.tables import PROV_HEADERS, Table
from ..models import DepartmentStatus, Master
from ..textsafe import csv_cell

OFFICE_ONLY = frozenset({"status", "issues"})
"""Tables of the consolidated book that are the office's working notes: never published."""
KEPT_PROVENANCE = PROV_HEADERS[:2]
"""報告所属コード, 報告所属: the rest of the provenance (file, SHA-256, time, round, decision) stays home."""

LG_CODE = "全国地方公共団体コード"
MUNICIPALITY = "地方公共団体名"
YEAR = "評価年度"
EVALUATED_YEAR = "評価対象年度"
ERA_SUFFIX = "（和暦）"
LP_COL = "リーディングプロジェクト"
"""The book's column of leading-project codes (`merge.tables`), as named in every table."""
INITIATIVE_COL = "取り組みコード"
REPORTER_COL = PROV_HEADERS[0]
"""報告所属コード."""
UNIT_COL = "回答単位"
"""The answering unit's code in a form section's table (`merge.sections.section_tables`)."""

DEPARTMENTS = "departments"
LEADING_PROJECTS = "leading_projects"
INITIATIVES = "initiatives"

TEXT_KINDS = frozenset(
    {FieldKind.CODE, FieldKind.CHOICE, FieldKind.TEXT, FieldKind.LONGTEXT, FieldKind.FIXED}
)

DESCRIPTIONS = {
    LG_CODE: "総務省の全国地方公共団体コード（6桁、検査数字を含む）。",
    MUNICIPALITY: "評価を行った地方公共団体の名称。",
    YEAR: "評価を行った年度（西暦の年度）。",
    YEAR + ERA_SUFFIX: "評価を行った年度の和暦表記。",
    EVALUATED_YEAR: "評価の対象とした年度（西暦の年度。評価年度の前年度）。",
    EVALUATED_YEAR + ERA_SUFFIX: "評価の対象とした年度の和暦表記。",
    "リーディングプロジェクト": "リーディングプロジェクトのコード（リーディングプロジェクト表の主キー）。",
    "リーディングプロジェクトコード": "リーディングプロジェクトのコード。",
    "リーディングプロジェクト名": "リーディングプロジェクトの名称。",
    "区分": "リーディングプロジェクトにとってその取り組みが「主な取り組み」か「関連する取り組み」か。",
    "取り組みコード": "施策体系上の取り組みのコード（取り組み表の主キー）。",
    "取り組み名": "取り組みの名称。",
    "事業名": "実施した事業の名称。",
    "所属": "事業を実施した所属の名称（報告した所属の記入のまま）。",
    "政策評価表": "公表する政策評価表にこの事業を掲載したか（掲載：1 取り組みにつき 3 事業まで）。",
    "所属内の順番": "報告した所属が記入した順番（1 から）。",
    "種別": "評価（取り組みごとの評価）、総評、今後の方針（前文）、今後の方針のいずれか。",
    "政策評価表での順番": "政策評価表の中での、種別ごとの掲載順（掲載しないものは空欄）。",
    "見出し": "段落の見出し。",
    "本文": "段落の本文（段落内の改行はそのまま）。",
    "目標番号": "SDGs（持続可能な開発目標）の目標番号（1〜17）。",
    "目標": "SDGs の目標の名称。",
    "回答単位": "回答の単位（リーディングプロジェクトなど）のコード。",
    "回答単位の名称": "回答の単位の名称。",
    "行": "その単位の中での行の順番（1 から）。",
    "報告所属コード": "この行を報告した所属のコード（所属表の主キー）。",
    "報告所属": "この行を報告した所属の名称。",
    "所属コード": "所属のコード。",
    "所属名": "所属の名称。",
    "部局名": "所属が属する部局の名称。",
    "名称": "名称。",
    "方向性": "リーディングプロジェクトの方向性。",
    "主管所属コード": "リーディングプロジェクトを主管する所属のコード（総評・今後の方針（前文）を記入）。",
    "副題": "取り組みの副題。",
}


@dataclass
class PublicField:
    name: str
    type: str
    """Table Schema type: string, integer, number, boolean, date, datetime."""
    description: str = ""

    def descriptor(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "title": self.name, "type": self.type}
        if self.description:
            out["description"] = self.description
        if self.type == "string":
            out["format"] = "default"
        return out


@dataclass
class PublicTable:
    """One published table: a CSV file, a JSON array and a Table Schema."""

    name: str
    """Resource name (lower-case ASCII, unique in the package)."""
    path: str
    """CSV file name in the package."""
    title: str
    description: str
    fields: list[PublicField]
    rows: list[tuple]
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)

    def column(self, name: str) -> list[Any]:
        i = [f.name for f in self.fields].index(name)
        return [r[i] for r in self.rows]

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "fields": [f.descriptor() for f in self.fields],
            "missingValues": [""],
        }
        if self.primary_key:
            out["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            out["foreignKeys"] = self.foreign_keys
        return out


# --------------------------------------------------------------------------- values


_CIRCLED = re.compile("[\u2460-\u2473]")
"""①–⑳."""
_DEVICE_DEPENDENT = re.compile("[\u2160-\u217f\u3200-\u33ff]|[\uff61-\uff9f]+")
"""Roman numerals (Ⅰ ⅱ), enclosed and squared letters (㈱ ㍻ ㋿ ㎡ ㌔) and runs of half-width kana."""


def machine_readable(text: str) -> str:
    """機種依存文字 spelled out (総務省's rule): ① → (1), Ⅲ → III, ㈱ → (株), ㍻ → 平成, ㎡ → m2,
    half-width ｶﾞｲﾄﾞ → ガイド. Other text as it is (full-width letters and digits stay)."""
    text = _CIRCLED.sub(lambda m: f"({ord(m[0]) - 0x2460 + 1})", text)
    return _DEVICE_DEPENDENT.sub(lambda m: unicodedata.normalize("NFKC", m[0]), text)


def published_text(value: str) -> str:
    """Text as published: 機種依存文字 spelled out, line breaks as LF, the printed form's indent
    and trailing spaces gone."""
    return machine_readable(value.replace("\r\n", "\n").replace("\r", "\n")).strip(" \t\n\u3000")


def _value(v: Any) -> Any:
    if isinstance(v, str):
        v = published_text(v)
        return v or None
    return v


def value_type(values: list[Any], kind: FieldKind | None = None) -> str:
    """The Table Schema type of a column: from the Python values (a text kind is always text,
    so codes stay codes); a column mixing numbers and text is text."""
    present = [v for v in values if v is not None]
    if kind in TEXT_KINDS:
        return "string"
    if not present:
        return "integer" if kind is FieldKind.INTEGER else "number" if kind is not None else "string"
    if all(isinstance(v, bool) for v in present):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "integer"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "number"
    if all(isinstance(v, dt.datetime) for v in present):
        return "datetime"
    if all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in present):
        return "date"
    return "string"


def as_dates(col: tuple) -> tuple:
    """A 日付 field's column as dates: the ledger keeps answers as JSON, so a date comes back as
    ISO text (2020-06-30). Unchanged when any value is no date (the column stays text)."""
    out = []
    for v in col:
        if isinstance(v, str):
            try:
                v = dt.date.fromisoformat(v[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[0-9:.]*)?", v) else v
            except ValueError:
                return col
        if v is not None and not isinstance(v, dt.date):
            return col
        out.append(v.date() if isinstance(v, dt.datetime) else v)
    return tuple(out)


def _as_type(v: Any, kind: str) -> Any:
    """A value of a column typed `kind`; text columns turn stray numbers into text."""
    if v is None or kind != "string" or isinstance(v, str):
        return v
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return str(v)


def era_date(v: dt.date | None) -> str | None:
    return None if v is None else date_label(v, fullwidth=False, weekday=False)


def era_year(v: int | None) -> str | None:
    """令和2年度 for 2020; None for an empty cell or a number that is no 西暦 year."""
    return fiscal_year_label(v, fullwidth=False) if v is not None and 1868 <= v <= 2200 else None


# --------------------------------------------------------------------------- building


def _lead_columns(master: Master, lg_code: str) -> tuple[list[PublicField], tuple]:
    """The columns every table starts with: municipality and the two years, 西暦 and 和暦."""
    s = master.settings
    fields = []
    values: list[Any] = []
    if lg_code:
        fields.append(PublicField(LG_CODE, "string", DESCRIPTIONS[LG_CODE]))
        values.append(lg_code)
    fields += [
        PublicField(MUNICIPALITY, "string", DESCRIPTIONS[MUNICIPALITY]),
        PublicField(YEAR, "integer", DESCRIPTIONS[YEAR]),
        PublicField(YEAR + ERA_SUFFIX, "string", DESCRIPTIONS[YEAR + ERA_SUFFIX]),
        PublicField(EVALUATED_YEAR, "integer", DESCRIPTIONS[EVALUATED_YEAR]),
        PublicField(EVALUATED_YEAR + ERA_SUFFIX, "string", DESCRIPTIONS[EVALUATED_YEAR + ERA_SUFFIX]),
    ]
    values += [
        s.municipality,
        s.evaluation_year,
        fiscal_year_label(s.evaluation_year, fullwidth=False),
        s.evaluated_year,
        fiscal_year_label(s.evaluated_year, fullwidth=False),
    ]
    return fields, tuple(values)


def _make(
    master: Master,
    lg_code: str,
    name: str,
    path: str,
    title: str,
    description: str,
    headers: list[str],
    rows: list[tuple],
    kinds: dict[str, FieldKind] | None = None,
    descriptions: dict[str, str] | None = None,
    fiscal_years: frozenset[str] = frozenset(),
) -> PublicTable:
    """A public table from headers and rows: typed columns, a 和暦 twin after every date column
    and every fiscal-year column (`fiscal_years`: headers of 西暦 年度 integers), the lead
    columns first."""
    kinds = kinds or {}
    descriptions = {**DESCRIPTIONS, **(descriptions or {})}
    rows = [tuple(_value(v) for v in r) for r in rows]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in headers]
    columns = [
        as_dates(col) if kinds.get(h) is FieldKind.DATE else col
        for h, col in zip(headers, columns, strict=True)
    ]
    fields, cols = [], []
    for h, col in zip(headers, columns, strict=True):
        kind = value_type(list(col), kinds.get(h))
        fields.append(PublicField(h, kind, descriptions.get(h, "")))
        cols.append([_as_type(v, kind) for v in col])
        if kind in ("date", "datetime"):
            fields.append(PublicField(h + ERA_SUFFIX, "string", f"{h}の和暦表記。"))
            cols.append([era_date(v) for v in col])
        elif kind == "integer" and h in fiscal_years:
            twin = h.replace("（西暦）", "") + ERA_SUFFIX
            fields.append(PublicField(twin, "string", f"{h}の和暦表記。"))
            cols.append([era_year(v) for v in col])
    lead_fields, lead = _lead_columns(master, lg_code)
    body = list(zip(*cols, strict=True)) if rows else []
    return PublicTable(
        name=name,
        path=path,
        title=title,
        description=description,
        fields=[*lead_fields, *fields],
        rows=[(*lead, *r) for r in body],
    )


def master_tables(master: Master, lg_code: str = "") -> list[PublicTable]:
    """所属, リーディングプロジェクト and 取り組み from master data: what the codes in the other
    tables refer to (e-mail addresses and the office's settings are not published)."""
    depts = _make(
        master,
        lg_code,
        DEPARTMENTS,
        "所属.csv",
        "所属",
        "評価に参加した所属（報告所属コード・主管所属コードが参照する）。",
        ["所属コード", "所属名", "部局名"],
        [(d.code, d.name, d.parent) for d in master.participating_departments()],
        kinds={"所属コード": FieldKind.CODE},
    )
    depts.primary_key = ["所属コード"]
    lps = _make(
        master,
        lg_code,
        LEADING_PROJECTS,
        "リーディングプロジェクト.csv",
        "リーディングプロジェクト",
        "リーディングプロジェクトと、その方向性・主管所属。",
        ["リーディングプロジェクトコード", "名称", "方向性", "主管所属コード"],
        [(lp.code, lp.name, lp.direction, lp.lead_department) for lp in master.leading_projects],
        kinds={"リーディングプロジェクトコード": FieldKind.CODE, "主管所属コード": FieldKind.CODE},
        descriptions={"名称": "リーディングプロジェクトの名称。"},
    )
    lps.primary_key = ["リーディングプロジェクトコード"]
    lps.foreign_keys = [_fk("主管所属コード", DEPARTMENTS, "所属コード")]
    inits = _make(
        master,
        lg_code,
        INITIATIVES,
        "取り組み.csv",
        "取り組み",
        "施策体系上の取り組み。",
        [INITIATIVE_COL, "名称", "副題"],
        [(i.code, i.title, i.subtitle) for i in master.initiatives],
        kinds={INITIATIVE_COL: FieldKind.CODE},
        descriptions={"名称": "取り組みの名称。"},
    )
    inits.primary_key = [INITIATIVE_COL]
    return [depts, lps, inits]


def _fk(field_name: str, resource: str, ref: str) -> dict[str, Any]:
    return {"fields": [field_name], "reference": {"resource": resource, "fields": [ref]}}


CONTENT_KEYS = {
    "projects": [LP_COL, REPORTER_COL, "所属内の順番"],
    "sdgs": [LP_COL, REPORTER_COL, "目標番号"],
}
CONTENT_REFS = [
    (LP_COL, LEADING_PROJECTS, "リーディングプロジェクトコード"),
    (UNIT_COL, LEADING_PROJECTS, "リーディングプロジェクトコード"),
    (INITIATIVE_COL, INITIATIVES, INITIATIVE_COL),
    (REPORTER_COL, DEPARTMENTS, "所属コード"),
]
CODE_HEADERS = frozenset({LP_COL, INITIATIVE_COL, REPORTER_COL, UNIT_COL})
DESCRIPTION = {
    "projects": "リーディングプロジェクトの取り組みごとに、所属が報告した実施事業（政策評価表に載らない事業も含む）。",
    "evaluations": "取り組みごとの評価、総評、今後の方針の段落。",
    "sdgs": "所属が選んだ、リーディングプロジェクトが貢献する SDGs の目標。",
}


def _resource_name(key: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9._-]+", "-", key.lower()).strip("-") or "table"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def content_tables(
    master: Master,
    cons: Consolidated,
    status: list[DepartmentStatus],
    form: Form | None,
    lg_code: str = "",
) -> list[PublicTable]:
    """The consolidated book's content tables, as published (office-only ones and columns left out)."""
    tables = [t for t in book_tables(master, cons, status, [], form) if t.key not in OFFICE_ONLY]
    names = csv_names(tables)
    taken = {DEPARTMENTS, LEADING_PROJECTS, INITIATIVES}
    out = []
    for t in tables:
        out.append(_content_table(master, t, names[t.key], form, lg_code, taken))
    return out


def header_names(labels: list[str], master: Master, taken: set[str]) -> list[str]:
    """A form's field labels as published column names: year placeholders as 西暦 年度
    (目標値（{評価対象年度-2}） → 目標値（2017年度）), other placeholders dropped, each unique."""
    s = master.settings
    years = {"評価年度": s.evaluation_year, "評価対象年度": s.evaluated_year}

    def one(m: re.Match) -> str:
        y = re.fullmatch(r"\s*(評価年度|評価対象年度)\s*(?:([+-])\s*(\d+))?\s*", m[1])
        if y is None:
            return ""
        year = years[y[1]] + (int(y[3]) if y[2] == "+" else -int(y[3]) if y[2] else 0)
        return f"{year}年度"

    out: list[str] = []
    for label in labels:
        name = csv_cell(machine_readable(PLACEHOLDER_RE.sub(one, label)).strip()) or "項目"
        base, n = name, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        out.append(name)
    return out


def _content_table(
    master: Master, t: Table, path: str, form: Form | None, lg_code: str, taken: set[str]
) -> PublicTable:
    dropped = set(PROV_HEADERS) - set(KEPT_PROVENANCE)
    keep = [i for i, h in enumerate(t.headers) if h not in dropped]
    headers = [t.headers[i] for i in keep]
    kinds = dict.fromkeys(CODE_HEADERS, FieldKind.CODE) | dict.fromkeys(
        ("リーディングプロジェクト名", "回答単位の名称", "報告所属"), FieldKind.TEXT
    )
    descriptions = {}
    years = set()
    section = None
    if form is not None and t.title:  # a table made from a form's section (`section_tables`)
        section = next((s for s in form.sections if s.key == t.key), None)
    if section is not None:
        fixed = [*t.headers[:3], *KEPT_PROVENANCE]  # 回答単位, 回答単位の名称, 行 (`section_tables`)
        names = header_names([f.label for f in section.fields], master, set(fixed))
        for f, name in zip(section.fields, names, strict=True):
            kinds[name] = f.kind
            descriptions[name] = f"様式「{form.title}」の項目「{name}」（{KIND_JA[f.kind]}）。"
            if f.kind is FieldKind.INTEGER and (f.key == "year" or f.key.endswith("_year")):
                years.add(name)
        n = len(section.fields)
        headers = [*headers[:3], *names, *headers[3 + n :]]
    elif form is not None and t.key == LIST_TABLE:  # 事務事業評価一覧: a column per field (and row)
        renamed: dict[str, str] = {}
        for c in list_columns(form, master, []):
            # the book heads 指標 columns in 和暦 (目標値（平成２９年度）); open data in 西暦 (2017年度)
            shown, [public] = year_label(c.field.label, master), header_names([c.field.label], master, set())
            name = c.header.replace(shown, public) if shown and shown in c.header else c.header
            renamed[c.header] = name
            kinds[name] = c.field.kind
            descriptions[name] = f"様式「{form.title}」の項目「{name}」（{KIND_JA[c.field.kind]}）。"
            if c.field.kind is FieldKind.INTEGER and (c.field.key == "year" or c.field.key.endswith("_year")):
                years.add(name)
        headers = [renamed.get(h, h) for h in headers]
    title = t.title or t.sheet
    table = _make(
        master,
        lg_code,
        _resource_name(t.key, taken),
        path,
        title,
        DESCRIPTION.get(t.key, f"様式の「{title}」の回答（所属ごと・行ごと）。"),
        headers,
        [tuple(r[i] for i in keep) for r in t.rows],
        kinds=kinds,
        descriptions=descriptions,
        fiscal_years=frozenset(years),
    )
    table.primary_key = CONTENT_KEYS.get(t.key, [])
    table.foreign_keys = [_fk(h, res, ref) for h, res, ref in CONTENT_REFS if h in headers]
    if UNIT_COL in headers:  # a unit is a leading project only in forms answered per project
        lp_codes = {lp.code for lp in master.leading_projects}
        if not {v for v in table.column(UNIT_COL) if v is not None} <= lp_codes:
            table.foreign_keys = [fk for fk in table.foreign_keys if fk["fields"] != [UNIT_COL]]
    return table


def checked_keys(tables: list[PublicTable]) -> list[str]:
    """Drop a primary or foreign key the rows do not satisfy (a submission the office accepted
    despite an unknown code, say); return what was dropped (Japanese, for the report)."""
    by_name = {t.name: t for t in tables}
    dropped = []
    for t in tables:
        if t.primary_key:
            keys = list(zip(*(t.column(k) for k in t.primary_key), strict=True))
            if any(None in k for k in keys) or len(set(keys)) != len(keys):
                dropped.append(
                    f"{t.title}: 主キー（{'・'.join(t.primary_key)}）が一意でないため宣言していません"
                )
                t.primary_key = []
        kept = []
        for fk in t.foreign_keys:
            (name,) = fk["fields"]
            ref = by_name.get(fk["reference"]["resource"])
            (ref_field,) = fk["reference"]["fields"]
            values = {v for v in t.column(name) if v is not None}
            if ref is not None and values <= set(ref.column(ref_field)):
                kept.append(fk)
            else:
                dropped.append(
                    f"{t.title}: {name} にマスタデータにないコードがあるため外部キーを宣言していません"
                )
        t.foreign_keys = kept
    return dropped
