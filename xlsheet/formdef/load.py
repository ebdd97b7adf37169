"""Read a 様式定義ブック into a `Form`, collecting every problem as data.

`load_form(path)` never raises for a bad definition: it returns the problems (each an `Issue`
with sheet, cell, code, Japanese message and hint) and the `Form` when there is no error.
`read_form(path)` is the strict variant for callers that need a form or nothing.

Reading happens here (openpyxl, read-only); the checks that need the whole form (formula
references, cycles, names, limits) are in `check.py`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_cell_to_rowcol

from ..catalogue import issue
from ..errors import XlsheetError
from ..models import Issue, Severity
from . import codes as _codes  # noqa: F401  (registers the form-check rows)
from .cells import ItemRow, col_letter, did_you_mean, is_formula, text
from .check import check_form
from .formula import FUNCTIONS, FormulaError, parse
from .model import (
    CHOICE_ALIASES,
    COL_ALIASES,
    DEFAULT_INPUT_SHEET,
    FILLED_BY_WORDS,
    KIND_ALIASES,
    KIND_JA,
    LAYOUTS,
    LIST_KINDS,
    MASTER_LISTS,
    NO_WORDS,
    REQUIRED_CHOICE_COLS,
    REQUIRED_COLS,
    REQUIRED_SETTINGS,
    SECTION_COLS,
    SETTING_ALIASES,
    SEVERITY_WORDS,
    SHEET_ALIASES,
    SHEET_CHOICES,
    SHEET_ITEMS,
    SHEET_SETTINGS,
    UNITS,
    YES_WORDS,
    Choice,
    ChoiceCol,
    ChoiceList,
    Col,
    Field,
    FieldKind,
    FilledBy,
    Form,
    Section,
    Setting,
    norm,
)


class FormDefinitionError(XlsheetError, ValueError):
    """A form definition with errors; `issues` holds every one of them."""

    def __init__(self, path: Path, issues: list[Issue]) -> None:
        self.path = path
        self.issues = issues
        self.headline = f"様式定義ブック {path} に誤りが {len(issues)} 件あります。何も書き込んでいません。"
        super().__init__(f"様式定義ブック {path} に誤りが {len(issues)} 件あります")

    @property
    def problems(self) -> list[str]:
        return [i.text() for i in self.issues]


@dataclass(frozen=True)
class FormLoad:
    """The outcome of loading a definition: the form (None when there is an error) and issues."""

    path: Path
    form: Form | None
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Ctx:
    issues: list[Issue] = field(default_factory=list)

    def add(self, code: str, sheet: str, cell: str, **params: Any) -> None:
        self.issues.append(issue(code, sheet=sheet, cell=cell, **params))


# --------------------------------------------------------------------------- sheets and headers


def _find_sheet(names: list[str], wanted: str, ctx: _Ctx) -> str | None:
    accepted = {norm(wanted), *(norm(a) for a in SHEET_ALIASES[wanted])}
    for n in names:
        if norm(n) in accepted:
            return n
    ctx.add("FORM_SHEET_MISSING", wanted, "", name=wanted, did_you_mean=did_you_mean(wanted, names))
    return None


def _grid(ws) -> list[list[Any]]:
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    while rows and all(v is None or text(v) == "" for v in rows[-1]):
        rows.pop()
    return rows


def _headers(
    sheet: str,
    header_row: list[Any],
    canon: dict[Any, tuple[str, ...]],
    required: tuple,
    ctx: _Ctx,
    strict: bool,
) -> tuple[dict[Any, int], dict[int, str]]:
    """Map canonical columns to 0-based indexes; `extra` holds unknown headers (filter columns
    on 選択肢). With `strict`, an unknown header is an error; else only a near miss is."""
    lookup: dict[str, Any] = {}
    for col, aliases in canon.items():
        for name in (col.value, *aliases):
            lookup[norm(name)] = col
    all_names = [c.value for c in canon] + [a for al in canon.values() for a in al]
    found: dict[Any, int] = {}
    extra: dict[int, str] = {}
    for i, raw in enumerate(header_row):
        h = text(raw)
        if not h:
            continue
        cell = f"{col_letter(i)}1"
        col = lookup.get(norm(h))
        if col is None:
            hint = did_you_mean(h, all_names)
            if strict or hint:
                ctx.add("FORM_HEADER_UNKNOWN", sheet, cell, header=h, did_you_mean=hint)
            else:
                extra[i] = h
            continue
        if col in found:
            ctx.add("FORM_HEADER_DUPLICATE", sheet, cell, header=h, other=f"{col_letter(found[col])}")
            continue
        found[col] = i
    for col in required:
        if col not in found:
            ctx.add("FORM_HEADER_MISSING", sheet, "A1", header=col.value)
    return found, extra


# --------------------------------------------------------------------------- values


def _flag(value: str) -> bool | None:
    n = norm(value)
    if n in {norm(w) for w in YES_WORDS}:
        return True
    if n in {norm(w) for w in NO_WORDS}:
        return False
    return None


def _kind(value: str) -> FieldKind | None:
    n = norm(value)
    for kind, ja in KIND_JA.items():
        if n == norm(ja) or n in {norm(a) for a in KIND_ALIASES[kind]}:
            return kind
    return None


def _filled_by(value: str) -> FilledBy | None:
    n = norm(value)
    if not n:
        return FilledBy.ALL
    for fb, words in FILLED_BY_WORDS.items():
        if n in {norm(w) for w in words}:
            return fb
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    s = unicodedata.normalize("NFKC", text(value)).replace(",", "")
    pct = s.endswith("%")
    try:
        n = float(s.rstrip("%"))
    except ValueError:
        return None
    return n / 100 if pct else n


def _int(value: Any) -> int | None:
    n = _number(value)
    if n is None or not float(n).is_integer() or text(value).endswith("%"):
        return None
    return int(n)


# --------------------------------------------------------------------------- 設定


_SETTING_EXAMPLES = {
    Setting.ID: "seisaku-hyoka",
    Setting.VERSION: "1",
    Setting.TITLE: "政策評価表",
    Setting.UNIT: "所属×リーディングプロジェクト",
    Setting.LAYOUT: "政策評価表",
}
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _unit_key(value: str) -> str:
    return re.sub(r"[x×*＊・]", "×", norm(value))


def _read_settings(
    grid: list[list[Any]], sheet: str, ctx: _Ctx, rows: dict[Setting, int]
) -> dict[Setting, str]:
    lookup = {}
    for s in Setting:
        for name in (s.value, *SETTING_ALIASES[s]):
            lookup[norm(name)] = s
    got: dict[Setting, tuple[str, int]] = {}
    last = 0
    for r, row in enumerate(grid, start=1):
        name = text(row[0]) if row else ""
        value = text(row[1]) if len(row) > 1 else ""
        if not name:
            continue
        last = r
        if norm(name) in ("項目", "設定", "setting", "name") and r == 1:
            continue  # a header row
        s = lookup.get(norm(name))
        if s is None:
            ctx.add(
                "FORM_SETTING_UNKNOWN",
                sheet,
                f"A{r}",
                setting=name,
                did_you_mean=did_you_mean(name, [x.value for x in Setting]),
                known="・".join(x.value for x in Setting),
            )
            continue
        got[s] = (value, r)
        rows[s] = r
    out: dict[Setting, str] = {}
    for s in Setting:
        value, r = got.get(s, ("", 0))
        if not value:
            if s in REQUIRED_SETTINGS:
                ctx.add(
                    "FORM_SETTING_MISSING",
                    sheet,
                    f"B{r}" if r else f"A{last + 1}",
                    setting=s.value,
                    example=_SETTING_EXAMPLES[s],
                )
            continue
        cell = f"B{r}"
        if s is Setting.ID and not _ID_RE.match(value):
            ctx.add(
                "FORM_SETTING_INVALID",
                sheet,
                cell,
                setting=s.value,
                value=value,
                allowed="半角英数字と . _ - で 64 文字以内（例: seisaku-hyoka）",
            )
        elif s is Setting.UNIT and _unit_key(value) not in {_unit_key(u) for u in UNITS}:
            ctx.add(
                "FORM_SETTING_INVALID", sheet, cell, setting=s.value, value=value, allowed="・".join(UNITS)
            )
        elif s is Setting.LAYOUT and norm(value) not in {norm(x) for x in LAYOUTS}:
            ctx.add(
                "FORM_SETTING_INVALID", sheet, cell, setting=s.value, value=value, allowed="・".join(LAYOUTS)
            )
        if s is Setting.UNIT:
            value = next((u for u in UNITS if _unit_key(u) == _unit_key(value)), value)
        out[s] = value
    return out


# --------------------------------------------------------------------------- 選択肢


def _read_choices(grid: list[list[Any]], sheet: str, ctx: _Ctx) -> list[ChoiceList]:
    if not grid:
        return []
    found, extra = _headers(sheet, grid[0], CHOICE_ALIASES, REQUIRED_CHOICE_COLS, ctx, strict=False)
    if any(c not in found for c in REQUIRED_CHOICE_COLS):
        return []
    lists: dict[str, tuple[str, list[Choice]]] = {}
    seen: dict[tuple[str, str], int] = {}

    def get(row: list[Any], col: ChoiceCol) -> str:
        i = found.get(col)
        return text(row[i]) if i is not None and i < len(row) else ""

    for r, row in enumerate(grid[1:], start=2):
        if all(text(v) == "" for v in row):
            continue
        name, value = get(row, ChoiceCol.LIST), get(row, ChoiceCol.VALUE)
        for col, v in ((ChoiceCol.LIST, name), (ChoiceCol.VALUE, value)):
            if not v:
                ctx.add("FORM_CHOICE_INCOMPLETE", sheet, f"{col_letter(found[col])}{r}", column=col.value)
        if not name or not value:
            continue
        key = (norm(name), value)
        if key in seen:
            ctx.add(
                "FORM_CHOICE_DUPLICATE",
                sheet,
                f"{col_letter(found[ChoiceCol.VALUE])}{r}",
                list=name,
                value=value,
                first=seen[key],
            )
            continue
        seen[key] = r
        spelt = lists.get(norm(name), (name, []))[0]
        if spelt != name:
            ctx.add(
                "FORM_NAME_COLLISION",
                sheet,
                f"{col_letter(found[ChoiceCol.LIST])}{r}",
                value=name,
                other=spelt,
                detail="全角・半角や大文字・小文字だけが違う一覧名は同じ一覧とみなします",
            )
        filters = tuple((h, text(row[i]) if i < len(row) else "") for i, h in extra.items())
        choice = Choice(
            value=value,
            label=get(row, ChoiceCol.LABEL),
            description=get(row, ChoiceCol.DESCRIPTION),
            filters=filters,
            row=r,
        )
        lists.setdefault(norm(name), (name, []))[1].append(choice)
    return [ChoiceList(name=n, choices=tuple(cs)) for n, cs in lists.values()]


# --------------------------------------------------------------------------- 項目


def _read_items(grid: list[list[Any]], sheet: str, ctx: _Ctx) -> list[ItemRow]:
    if not grid:
        ctx.add("FORM_EMPTY", sheet, "A2")
        return []
    found, _ = _headers(sheet, grid[0], COL_ALIASES, REQUIRED_COLS, ctx, strict=True)
    if any(c not in found for c in REQUIRED_COLS):
        return []
    letters = {c: col_letter(i) for c, i in found.items()}
    rows = []
    for r, row in enumerate(grid[1:], start=2):
        values = {c: row[i] for c, i in found.items() if i < len(row)}
        if all(text(v) == "" for v in values.values()):
            continue
        rows.append(ItemRow(r, values, letters))
    if not rows:
        ctx.add("FORM_EMPTY", sheet, "A2")
    return rows


def _check_formula(value: str, column: str, sheet: str, cell: str, ctx: _Ctx) -> bool:
    try:
        parse(value)
    except FormulaError as exc:
        if exc.kind == "function":
            ctx.add(
                "FORM_FORMULA_FUNCTION",
                sheet,
                cell,
                column=column,
                name=exc.name,
                did_you_mean=did_you_mean(exc.name, list(FUNCTIONS)),
                functions="・".join(FUNCTIONS),
            )
        else:
            ctx.add(
                "FORM_FORMULA_SYNTAX",
                sheet,
                cell,
                column=column,
                value=value,
                detail=exc.detail,
                functions="・".join(FUNCTIONS),
            )
        return False
    return True


_INVALID = object()
"""What `_numeric` returns for a value it reported."""


def _numeric(ctx, sheet: str, item, col: Col, conv, valid, want: str):
    """A number in one column of 項目: None when blank; `_INVALID` (reported as
    FORM_NUMBER_INVALID with what is wanted) when `conv` cannot read it or `valid` refuses it."""
    raw = item.raw(col)
    if text(raw) == "":
        return None
    v = conv(raw)
    if v is None or not valid(v):
        ctx.add("FORM_NUMBER_INVALID", sheet, item.cell(col), column=col.value, value=text(raw), want=want)
        return _INVALID
    return v


def _field(item: ItemRow, sheet: str, ctx: _Ctx) -> Field | None:
    ok = True
    key = item.get(Col.KEY)
    if not key:
        ctx.add("FORM_KEY_MISSING", sheet, item.cell(Col.KEY))
        ok = False
    elif not re.fullmatch(r"[a-z][a-z0-9_]{0,29}", key):
        lowered = re.sub(r"[^a-z0-9_]", "_", unicodedata.normalize("NFKC", key).lower()).strip("_")
        suggestion = f"（例: {lowered}）" if re.fullmatch(r"[a-z][a-z0-9_]{0,29}", lowered) else ""
        ctx.add("FORM_KEY_INVALID", sheet, item.cell(Col.KEY), key=key, suggestion=suggestion)
        ok = False
    label = item.get(Col.LABEL)
    if not label:
        ctx.add("FORM_LABEL_MISSING", sheet, item.cell(Col.LABEL))
        ok = False
    kinds_known = "・".join(KIND_JA.values())
    raw_kind = item.get(Col.KIND)
    kind = _kind(raw_kind) if raw_kind else None
    if not raw_kind:
        ctx.add("FORM_TYPE_MISSING", sheet, item.cell(Col.KIND), known=kinds_known)
        ok = False
    elif kind is None:
        names = list(KIND_JA.values()) + [a for al in KIND_ALIASES.values() for a in al]
        ctx.add(
            "FORM_TYPE_UNKNOWN",
            sheet,
            item.cell(Col.KIND),
            value=raw_kind,
            did_you_mean=did_you_mean(raw_kind, names),
            known=kinds_known,
        )
        ok = False

    required, required_if = False, ""
    raw_req = item.get(Col.REQUIRED)
    flag = _flag(raw_req)
    if flag is not None:
        required = flag
    elif is_formula(raw_req):
        if _check_formula(raw_req, "必須", sheet, item.cell(Col.REQUIRED), ctx):
            required_if = raw_req
        else:
            ok = False
    else:
        ctx.add("FORM_REQUIRED_INVALID", sheet, item.cell(Col.REQUIRED), value=raw_req)
        ok = False

    kind_ja = KIND_JA.get(kind, raw_kind) if kind else raw_kind
    list_name = item.get(Col.LIST)
    if kind in LIST_KINDS and not list_name:
        ctx.add("FORM_LIST_MISSING", sheet, item.cell(Col.LIST), kind=kind_ja, master="・".join(MASTER_LISTS))
        ok = False
    elif kind is not None and kind not in LIST_KINDS and list_name:
        ctx.add("FORM_LIST_KIND", sheet, item.cell(Col.LIST), value=list_name, kind=kind_ja)

    limits: dict[str, Any] = {}
    for col, name, want, conv in (
        (Col.MIN, "min", "数値", _number),
        (Col.MAX, "max", "数値", _number),
        (Col.LENGTH, "max_len", "正の整数", _int),
    ):
        v = _numeric(ctx, sheet, item, col, conv, lambda v, name=name: name != "max_len" or v >= 1, want)
        if v is None:
            continue
        if v is _INVALID:
            ok = False
            continue
        limits[name] = v
        if kind is not None:
            if name == "max_len" and kind not in (FieldKind.TEXT, FieldKind.LONGTEXT):
                ctx.add(
                    "FORM_LIMIT_KIND",
                    sheet,
                    item.cell(col),
                    column=col.value,
                    kind=kind_ja,
                    applies="文字・文章",
                )
            if name in ("min", "max") and kind.value not in ("integer", "number", "money", "percent", "calc"):
                ctx.add(
                    "FORM_LIMIT_KIND",
                    sheet,
                    item.cell(col),
                    column=col.value,
                    kind=kind_ja,
                    applies="整数・数値・金額・割合・計算",
                )
    if "min" in limits and "max" in limits and limits["min"] > limits["max"]:
        ctx.add(
            "FORM_RANGE_INVALID",
            sheet,
            item.cell(Col.MIN),
            min=text(item.raw(Col.MIN)),
            max=text(item.raw(Col.MAX)),
        )
        ok = False

    formula = item.get(Col.FORMULA)
    if kind is FieldKind.CALC and not formula:
        ctx.add("FORM_FORMULA_MISSING", sheet, item.cell(Col.FORMULA))
        ok = False
    elif formula and kind is not None and kind is not FieldKind.CALC:
        ctx.add("FORM_FORMULA_KIND", sheet, item.cell(Col.FORMULA), kind=kind_ja)
        ok = False
    elif formula and not _check_formula(formula, "計算式", sheet, item.cell(Col.FORMULA), ctx):
        ok = False
    constraint = item.get(Col.CONSTRAINT)
    if constraint and not _check_formula(constraint, "条件", sheet, item.cell(Col.CONSTRAINT), ctx):
        ok = False
    message = item.get(Col.CONSTRAINT_MESSAGE)
    if constraint and not message:
        ctx.add("FORM_CONSTRAINT_MESSAGE_MISSING", sheet, item.cell(Col.CONSTRAINT_MESSAGE))
    severity = norm(item.get(Col.CONSTRAINT_SEVERITY))
    warns = severity in {norm(w) for w in SEVERITY_WORDS["warning"]}
    if not warns and severity not in {norm(w) for w in SEVERITY_WORDS["error"]}:
        ctx.add(
            "FORM_SEVERITY_INVALID",
            sheet,
            item.cell(Col.CONSTRAINT_SEVERITY),
            value=item.get(Col.CONSTRAINT_SEVERITY),
        )
        ok = False

    span = _numeric(ctx, sheet, item, Col.SPAN, _int, lambda v: v >= 1, "正の整数")
    if span is _INVALID:
        ok = False
    span = span if isinstance(span, int) else 1
    row_key = _flag(item.get(Col.ROW_KEY))
    if row_key is None:
        ctx.add(
            "FORM_FLAG_INVALID",
            sheet,
            item.cell(Col.ROW_KEY),
            column=Col.ROW_KEY.value,
            value=item.get(Col.ROW_KEY),
        )
        ok = False
    if not ok:
        return None
    return Field(
        key=key,
        label=label,
        kind=kind,
        required=required,
        required_if=required_if,
        list=list_name,
        list_filter=item.get(Col.FILTER),
        min=limits.get("min"),
        max=limits.get("max"),
        max_len=limits.get("max_len"),
        formula=formula,
        constraint=constraint,
        constraint_message=message,
        constraint_warns=warns,
        hint=item.get(Col.HINT),
        example=item.get(Col.EXAMPLE),
        default=item.get(Col.DEFAULT),
        span=span,
        row_key=bool(row_key),
        row=item.row,
    )


def _section(rows: list[ItemRow], sheet: str, ctx: _Ctx) -> Section | None:
    first = rows[0]
    key = first.get(Col.SECTION)
    ok = True
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,29}", key):
        ctx.add("FORM_KEY_INVALID", sheet, first.cell(Col.SECTION), key=key, suggestion="")
        ok = False
    for item in rows[1:]:
        for col in SECTION_COLS:
            v, expected = item.get(col), first.get(col)
            if v and norm(v) != norm(expected):
                ctx.add(
                    "FORM_SECTION_CONFLICT",
                    sheet,
                    item.cell(col),
                    section=key,
                    column=col.value,
                    first=first.row,
                    expected=expected,
                    value=v,
                )
    title = first.get(Col.SECTION_TITLE)
    if not title:
        ctx.add("FORM_SECTION_TITLE_MISSING", sheet, first.cell(Col.SECTION_TITLE), section=key)
        ok = False
    filled_by = _filled_by(first.get(Col.FILLED_BY))
    if filled_by is None:
        ctx.add("FORM_FILLED_BY_INVALID", sheet, first.cell(Col.FILLED_BY), value=first.get(Col.FILLED_BY))
        ok = False
    counts: dict[str, int] = {}
    for col, name, low, want, example in (
        (Col.ROWS, "rows", 1, "正の整数", "6"),
        (Col.SPARE_ROWS, "spare_rows", 0, "0 以上の整数", "3"),
    ):
        raw = first.raw(col)
        if text(raw) == "":
            counts[name] = 1 if name == "rows" else 0
            continue
        n = _int(raw)
        if n is None or n < low:
            ctx.add(
                "FORM_ROWS_INVALID",
                sheet,
                first.cell(col),
                column=col.value,
                value=text(raw),
                want=want,
                example=example,
            )
            ok = False
        else:
            counts[name] = n
    height = _numeric(
        ctx, sheet, first, Col.ROW_HEIGHT, _number, lambda v: 0 < v <= 409, "1〜409 の数値（ポイント）"
    )
    if height is _INVALID:
        ok, height = False, None
    show = _flag(first.get(Col.SHOW_HEADER)) if first.get(Col.SHOW_HEADER) else True
    if show is None:
        ctx.add(
            "FORM_FLAG_INVALID",
            sheet,
            first.cell(Col.SHOW_HEADER),
            column=Col.SHOW_HEADER.value,
            value=first.get(Col.SHOW_HEADER),
        )
        ok = False

    fields: list[Field] = []
    seen_keys: dict[str, int] = {}
    seen_labels: dict[str, int] = {}
    for item in rows:
        f = _field(item, sheet, ctx)
        k = item.get(Col.KEY)
        if k:
            if k.casefold() in seen_keys:
                ctx.add(
                    "FORM_KEY_DUPLICATE",
                    sheet,
                    item.cell(Col.KEY),
                    key=k,
                    section=key,
                    first=seen_keys[k.casefold()],
                )
                ok = False
                continue
            seen_keys[k.casefold()] = item.row
        lab = item.get(Col.LABEL)
        if lab:
            if norm(lab) in seen_labels:
                ctx.add(
                    "FORM_LABEL_DUPLICATE",
                    sheet,
                    item.cell(Col.LABEL),
                    label=lab,
                    section=key,
                    first=seen_labels[norm(lab)],
                )
            seen_labels.setdefault(norm(lab), item.row)
        if f is None:
            ok = False
        else:
            fields.append(f)
    if not ok:
        return None
    return Section(
        key=key,
        title=title,
        note=first.get(Col.SECTION_NOTE),
        fields=tuple(fields),
        filled_by=filled_by,
        rows=counts["rows"],
        rows_per=first.get(Col.ROWS_PER),
        spare_rows=counts["spare_rows"],
        row_height=height,
        show_header=bool(show),
        row=first.row,
    )


def _sections(items: list[ItemRow], sheet: str, ctx: _Ctx) -> list[Section] | None:
    groups: list[list[ItemRow]] = []
    started: dict[str, int] = {}
    ok = True
    for item in items:
        key = item.get(Col.SECTION)
        if not key:
            ctx.add("FORM_SECTION_MISSING", sheet, item.cell(Col.SECTION))
            ok = False
            continue
        if groups and groups[-1][0].get(Col.SECTION) == key:
            groups[-1].append(item)
            continue
        if key in started:
            ctx.add("FORM_SECTION_SPLIT", sheet, item.cell(Col.SECTION), section=key, first=started[key])
            ok = False
            continue
        started[key] = item.row
        groups.append([item])
    sections = [_section(g, sheet, ctx) for g in groups]
    if not ok or any(s is None for s in sections):
        return None
    return sections  # type: ignore[return-value]


# --------------------------------------------------------------------------- entry points


def _cell_key(cell: str) -> tuple[int, int]:
    """Sort cells by row, then column (A2 < B2 < A10)."""
    m = re.fullmatch(r"([A-Z]*)(\d*)", cell)
    if not m:
        return (0, 0)
    letters, digits = m.groups()
    return (int(digits or 0), xl_cell_to_rowcol(f"{letters}1")[1] + 1 if letters else 0)


def load_form(path: str | Path) -> FormLoad:
    """Read and check a form definition workbook; every problem comes back as an Issue."""
    path = Path(path)
    ctx = _Ctx()
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # any unreadable file is one issue, never a traceback
        ctx.add("FORM_FILE_UNREADABLE", "", "", name=path.name, detail=type(exc).__name__)
        return FormLoad(path, None, tuple(ctx.issues))
    try:
        names = list(wb.sheetnames)
        s_settings = _find_sheet(names, SHEET_SETTINGS, ctx)
        s_items = _find_sheet(names, SHEET_ITEMS, ctx)
        s_choices = _find_sheet(names, SHEET_CHOICES, ctx)
        setting_rows: dict[Setting, int] = {}
        settings = _read_settings(_grid(wb[s_settings]), s_settings, ctx, setting_rows) if s_settings else {}
        choices = _read_choices(_grid(wb[s_choices]), s_choices, ctx) if s_choices else []
        items = _read_items(_grid(wb[s_items]), s_items, ctx) if s_items else []
    finally:
        wb.close()
    sections = _sections(items, s_items or SHEET_ITEMS, ctx) if items else None
    form = None
    if sections is not None and s_settings and all(s in settings for s in REQUIRED_SETTINGS):
        form = Form(
            id=settings[Setting.ID],
            version=settings[Setting.VERSION],
            title=settings[Setting.TITLE],
            unit=settings[Setting.UNIT],
            layout=settings[Setting.LAYOUT],
            input_sheet=settings.get(Setting.INPUT_SHEET, DEFAULT_INPUT_SHEET),
            sections=tuple(sections),
            lists=tuple(choices),
            source=str(path),
        )
    ctx.issues.extend(
        check_form(
            form,
            items=items,
            choices=choices,
            settings=settings,
            setting_rows=setting_rows,
            sheets=(s_settings or SHEET_SETTINGS, s_items or SHEET_ITEMS, s_choices or SHEET_CHOICES),
        )
    )
    order = {s: n for n, s in enumerate((s_settings, s_items, s_choices))}
    ctx.issues.sort(key=lambda i: (order.get(i.sheet, -1), _cell_key(i.cell)))
    errors = any(i.severity is Severity.ERROR for i in ctx.issues)
    return FormLoad(path, None if errors else form, tuple(ctx.issues))


def read_form(path: str | Path) -> Form:
    """The form of a definition workbook; FormDefinitionError (with every issue) when it has errors."""
    result = load_form(path)
    if result.form is None:
        raise FormDefinitionError(Path(path), list(result.errors))
    return result.form
