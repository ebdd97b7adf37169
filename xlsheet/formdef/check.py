"""Whole-definition checks: references between fields, lists, names and Excel's limits (DESIGN §5).

They run on the rows as read (so every problem is found even when the `Form` could not be
built) and return Issues; `load_form` calls them. Nothing here writes anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..catalogue import issue
from ..limits import _CONTROL, ERROR_TEXT_MAX, PROMPT_MAX, TITLE_MAX, ExcelLimitError, check_sheet_names
from ..models import Issue
from . import codes as _codes  # noqa: F401  (registers the form-check rows)
from .cells import ItemRow, did_you_mean, is_formula, text
from .formula import AGGREGATES, FormulaError, parse
from .model import (
    MASTER_LISTS,
    MASTER_SCOPE,
    MASTER_SOURCES,
    MASTER_VALUES,
    PLACEHOLDER_RE,
    PLACEHOLDERS,
    PREVIOUS_SOURCE,
    YEAR_OFFSET_RE,
    YEAR_PLACEHOLDERS,
    ChoiceList,
    Col,
    Form,
    Setting,
    norm,
    previous_source,
)

INLINE_ITEM_MAX = 255
"""One item of a validation list (Excel's limit for a list entry)."""
LP_SUFFIX = 11
"""An input sheet per leading project is named ``<入力シート名>_<LP>`` with LP up to 10 characters."""
RESERVED_SHEETS = ("はじめに", "_lists", "_xlsheet", "入力チェック結果")
"""Sheets every entry workbook has besides the input sheets."""


@dataclass(frozen=True)
class _F:
    """A field as read: enough to resolve references."""

    section: str
    key: str
    label: str
    kind: str
    row: ItemRow


def _groups(items: list[ItemRow]) -> dict[str, list[ItemRow]]:
    out: dict[str, list[ItemRow]] = {}
    for it in items:
        s = it.get(Col.SECTION)
        if s:
            out.setdefault(s, []).append(it)
    return out


def _is_table(rows: list[ItemRow]) -> bool:
    first = rows[0]
    n = text(first.raw(Col.ROWS))
    return (
        (n not in ("", "1"))
        or bool(first.get(Col.ROWS_PER))
        or text(first.raw(Col.SPARE_ROWS)) not in ("", "0")
    )


def check_form(
    form: Form | None,
    *,
    items: list[ItemRow],
    choices: list[ChoiceList],
    settings: dict[Setting, str],
    setting_rows: dict[Setting, int],
    sheets: tuple[str, str, str],
) -> list[Issue]:
    s_settings, s_items, s_choices = sheets
    out: list[Issue] = []

    def add(code: str, sheet: str, cell: str, **params: Any) -> None:
        out.append(issue(code, sheet=sheet, cell=cell, **params))

    groups = _groups(items)
    fields: dict[str, list[_F]] = {
        s: [_F(s, it.get(Col.KEY), it.get(Col.LABEL), it.get(Col.KIND), it) for it in rows if it.get(Col.KEY)]
        for s, rows in groups.items()
    }
    tables = {s for s, rows in groups.items() if _is_table(rows)}
    master_lists = [m for m in MASTER_LISTS]
    list_names = [c.name for c in choices] + master_lists

    def list_known(name: str) -> bool:
        return norm(name) in {norm(n) for n in list_names}

    def unknown_list(name: str, sheet: str, cell: str) -> None:
        add(
            "FORM_LIST_UNKNOWN",
            sheet,
            cell,
            value=name,
            did_you_mean=did_you_mean(name, list_names),
            master="・".join(MASTER_LISTS),
        )

    used_lists: set[str] = set()

    # --- lists, filters, defaults, placeholders, limits: row by row
    for it in items:
        name = it.get(Col.LIST)
        if name:
            if list_known(name):
                used_lists.add(norm(name))
            else:
                unknown_list(name, s_items, it.cell(Col.LIST))
        per = it.get(Col.ROWS_PER)
        if per:
            if list_known(per):
                used_lists.add(norm(per))
            else:
                unknown_list(per, s_items, it.cell(Col.ROWS_PER))
        flt = it.get(Col.FILTER)
        if flt:
            _check_filter(flt, it, choices, fields.get(it.get(Col.SECTION), []), s_items, add)
        default = it.get(Col.DEFAULT)
        if default:
            used = _check_default(default, it, list_names, s_items, add, fields)
            if used:
                used_lists.add(norm(used))
        for col in (
            Col.SECTION_TITLE,
            Col.SECTION_NOTE,
            Col.LABEL,
            Col.DEFAULT,
            Col.HINT,
            Col.CONSTRAINT_MESSAGE,
        ):
            for m in PLACEHOLDER_RE.finditer(it.get(col)):
                if not _placeholder_known(m.group(1)):
                    add(
                        "FORM_PLACEHOLDER_UNKNOWN",
                        s_items,
                        it.cell(col),
                        name=m.group(1),
                        did_you_mean=did_you_mean(m.group(1), list(PLACEHOLDERS)),
                        known="・".join("{" + p + "}" for p in PLACEHOLDERS),
                    )
        hint = it.get(Col.HINT)
        length = text(it.raw(Col.LENGTH))
        suffix = f"（{int(float(length)):,} 文字以内）" if re.fullmatch(r"\d+(\.0)?", length) else ""
        if hint and len(hint + suffix) > PROMPT_MAX:
            add(
                "FORM_PROMPT_TOO_LONG",
                s_items,
                it.cell(Col.HINT),
                length=len(hint + suffix),
                limit=PROMPT_MAX,
            )
        label = it.get(Col.LABEL)
        if len(label) > TITLE_MAX:
            add(
                "FORM_TITLE_TOO_LONG",
                s_items,
                it.cell(Col.LABEL),
                value=label,
                length=len(label),
                limit=TITLE_MAX,
            )
        msg = it.get(Col.CONSTRAINT_MESSAGE)
        if len(msg) > ERROR_TEXT_MAX:
            add(
                "FORM_ERROR_TEXT_TOO_LONG",
                s_items,
                it.cell(Col.CONSTRAINT_MESSAGE),
                length=len(msg),
                limit=ERROR_TEXT_MAX,
            )
        for col, value in it.values.items():
            _control(text(value), s_items, it.cell(col), add)
        for col in (Col.FORMULA, Col.CONSTRAINT, Col.REQUIRED):
            for lst in _label_lists(it.get(col)):
                if list_known(lst):
                    used_lists.add(norm(lst))
                else:
                    unknown_list(lst, s_items, it.cell(col))

    # --- choices: limits and collisions with master lists
    for cl in choices:
        for c in cl.choices:
            if len(c.value) > INLINE_ITEM_MAX:
                add(
                    "FORM_CHOICE_TOO_LONG", s_choices, f"B{c.row}", length=len(c.value), limit=INLINE_ITEM_MAX
                )
            for v in (c.value, c.label, c.description):
                _control(v, s_choices, f"A{c.row}", add)
        for m in MASTER_LISTS:
            if norm(m) == norm(cl.name):
                add(
                    "FORM_NAME_COLLISION",
                    s_choices,
                    f"A{cl.choices[0].row}",
                    value=cl.name,
                    other=m,
                    detail="マスタの一覧と同じ名前です",
                )
        if norm(cl.name) not in used_lists:
            add("FORM_LIST_UNUSED", s_choices, f"A{cl.choices[0].row}", value=cl.name)

    # --- settings: the input sheet's name and reserved names
    sheet_name = settings.get(Setting.INPUT_SHEET)
    if sheet_name:
        try:
            check_sheet_names([sheet_name])
            if len(sheet_name) + LP_SUFFIX > 31:
                raise ExcelLimitError(
                    f"リーディングプロジェクトが複数の所属では「{sheet_name}_コード」となり 31 文字を超えます。"
                    f"{31 - LP_SUFFIX} 文字以内にしてください"
                )
        except ExcelLimitError as exc:
            add(
                "FORM_SHEET_NAME_INVALID",
                s_settings,
                f"B{setting_rows.get(Setting.INPUT_SHEET, 1)}",
                value=sheet_name,
                detail=str(exc),
            )
        for r in RESERVED_SHEETS:
            if norm(r) == norm(sheet_name):
                add(
                    "FORM_NAME_COLLISION",
                    s_settings,
                    f"B{setting_rows.get(Setting.INPUT_SHEET, 1)}",
                    value=sheet_name,
                    other=r,
                    detail="入力ブックが使うシート名です",
                )

    # --- section keys that collide with xlsheet's own defined names
    for s, rows in groups.items():
        if s == "list":
            add(
                "FORM_NAME_COLLISION",
                s_items,
                rows[0].cell(Col.SECTION),
                value=s,
                other="xs_list_…",
                detail="一覧の名前付き範囲と区別できません",
            )

    # --- formulas: references, scope and cycles
    deps: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for s, rows in groups.items():
        for it in rows:
            for col in (Col.FORMULA, Col.CONSTRAINT, Col.REQUIRED):
                value = it.get(col)
                if not value or (col is Col.REQUIRED and not is_formula(value)):
                    continue
                try:
                    formula = parse(value)
                except FormulaError:
                    continue  # reported while reading the row
                for ref, in_agg in formula.refs():
                    target = _resolve(ref, s, fields, groups)
                    if target is None:
                        add(
                            "FORM_FORMULA_REF",
                            s_items,
                            it.cell(col),
                            column=col.value,
                            ref=ref.text,
                            did_you_mean=_ref_suggestion(ref, s, fields),
                            master="・".join(MASTER_VALUES),
                        )
                        continue
                    if target == MASTER_SCOPE:
                        continue
                    ts, tk = target
                    if ts != s and ts in tables and not in_agg:
                        add(
                            "FORM_FORMULA_SCOPE",
                            s_items,
                            it.cell(col),
                            column=col.value,
                            ref=ref.text,
                            ref_inner=ref.text[1:-1],
                            aggregates="・".join(sorted(AGGREGATES)),
                        )
                    if col is Col.FORMULA and it.get(Col.KEY):
                        deps.setdefault((s, it.get(Col.KEY)), set()).add((ts, tk))
    cycle = _find_cycle(deps)
    if cycle:
        s, k = cycle[0]
        row = next(f.row for f in fields[s] if f.key == k)
        add(
            "FORM_FORMULA_CYCLE",
            s_items,
            row.cell(Col.FORMULA),
            cycle=" → ".join(f"[{a}.{b}]" for a, b in cycle),
        )
    return out


def _control(value: str, sheet: str, cell: str, add) -> None:
    m = _CONTROL.search(value)
    if m:
        add("FORM_CONTROL_CHAR", sheet, cell, codepoint=f"{ord(m.group()):04X}")


def _placeholder_known(name: str) -> bool:
    name = name.strip()
    if name in PLACEHOLDERS:
        return True
    m = YEAR_OFFSET_RE.fullmatch(name)
    return bool(m and m.group(1) in YEAR_PLACEHOLDERS)


def _label_lists(value: str) -> list[str]:
    if not value or "LABEL" not in value.upper():
        return []
    try:
        return parse(value).list_names()
    except FormulaError:
        return []


def _check_filter(
    value: str, it: ItemRow, choices: list[ChoiceList], fields: list[_F], sheet: str, add
) -> None:
    cell = it.cell(Col.FILTER)
    m = re.fullmatch(r"\s*([^=]+?)\s*=\s*(\[.+\]|\$\{.+\})\s*", value)
    if not m:
        add("FORM_FILTER_INVALID", sheet, cell, value=value, detail="「列名=[キー]」の形ではありません")
        return
    column, ref = m.group(1), m.group(2).strip("[]${}")
    cl = next((c for c in choices if norm(c.name) == norm(it.get(Col.LIST))), None)
    columns = {norm(h) for c in (cl.choices if cl else ()) for h, _ in c.filters}
    if cl is None or norm(column) not in columns:
        add(
            "FORM_FILTER_INVALID",
            sheet,
            cell,
            value=value,
            detail=f"選択肢シートに列「{column}」がありません",
        )
        return
    if not any(f.key == ref or norm(f.label) == norm(ref) for f in fields):
        add(
            "FORM_FILTER_INVALID",
            sheet,
            cell,
            value=value,
            detail=f"同じセクションに項目 [{ref}] がありません",
        )


def _check_default(
    value: str, it: ItemRow, list_names: list[str], sheet: str, add, fields: dict[str, list[_F]] | None = None
) -> str:
    """Check a 初期値; return the list it names (if any)."""
    cell = it.cell(Col.DEFAULT)
    sources = "・".join(f"マスタ:{t}.{c}" for t, cols in MASTER_SOURCES.items() for c in cols[:1])
    sources += f"・{PREVIOUS_SOURCE}:キー・{PREVIOUS_SOURCE}:セクション.キー"
    head, sep, rest = value.replace("：", ":").partition(":")
    if not sep:
        return ""
    previous = previous_source(value)
    if previous is not None and fields is not None:
        section, key = previous
        own = section or it.get(Col.SECTION)
        detail = ""
        if own not in fields:
            detail = f"セクション「{section}」がありません。" + did_you_mean(section, list(fields))
        elif key not in {f.key for f in fields[own]}:
            detail = f"セクション「{own}」にキー「{key}」がありません。" + did_you_mean(
                key, [f.key for f in fields[own]]
            )
        if detail:
            add("FORM_DEFAULT_INVALID", sheet, cell, value=value, detail=detail.strip(), sources=sources)
        return ""
    if norm(head) == norm("一覧"):
        name, _, part = rest.partition(".")
        if norm(name) not in {norm(n) for n in list_names}:
            add(
                "FORM_DEFAULT_INVALID",
                sheet,
                cell,
                value=value,
                detail=f"一覧「{name}」がありません",
                sources=sources,
            )
            return ""
        if part and part not in ("値", "表示"):
            add(
                "FORM_DEFAULT_INVALID",
                sheet,
                cell,
                value=value,
                detail="一覧の後は .値 か .表示 です",
                sources=sources,
            )
        return name
    if norm(head) == norm("マスタ"):
        table, _, column = rest.partition(".")
        cols = MASTER_SOURCES.get(table.strip())
        if cols is None or column.strip() not in cols:
            add(
                "FORM_DEFAULT_INVALID",
                sheet,
                cell,
                value=value,
                detail=f"マスタの表・列「{rest}」はありません",
                sources=sources,
            )
    return ""


def _resolve(ref, section: str, fields: dict[str, list[_F]], groups) -> tuple[str, str] | str | None:
    if ref.section is not None and norm(ref.section) in (norm(MASTER_SCOPE), "master"):
        return MASTER_SCOPE if ref.name in MASTER_VALUES else None
    s = section if ref.section is None else ref.section
    if s not in fields:
        s = next((k for k, rows in groups.items() if norm(rows[0].get(Col.SECTION_TITLE)) == norm(s)), s)
    for f in fields.get(s, []):
        if f.key == ref.name:
            return s, f.key
    for f in fields.get(s, []):
        if norm(f.label) == norm(ref.name):
            return s, f.key
    return None


def _ref_suggestion(ref, section: str, fields: dict[str, list[_F]]) -> str:
    if ref.section is not None and norm(ref.section) in (norm(MASTER_SCOPE), "master"):
        return did_you_mean(ref.name, list(MASTER_VALUES))
    s = section if ref.section is None else ref.section
    names = [f.key for f in fields.get(s, [])] + [f.label for f in fields.get(s, [])]
    if ref.section is None:
        names += [f"{o}.{f.key}" for o, fs in fields.items() if o != s for f in fs]
    elif s not in fields:
        return did_you_mean(s, list(fields))
    return did_you_mean(ref.name if ref.section is None or s in fields else ref.text, names)


def _find_cycle(deps: dict[tuple[str, str], set[tuple[str, str]]]) -> list[tuple[str, str]]:
    state: dict[tuple[str, str], int] = {}
    stack: list[tuple[str, str]] = []

    def visit(node: tuple[str, str]) -> list[tuple[str, str]]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(deps.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(deps):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []
