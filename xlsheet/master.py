"""Master data in Excel (master.xlsx): written from models, read back with every error named.

The planning office edits master.xlsx in Excel. One schema below (sheet names, column labels)
drives both the writer and the reader. Reading collects every problem with its sheet, row and
column, and raises `MasterDataError` with all of them; nothing is written from bad master data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from python_calamine import CalamineWorkbook

from .errors import XlsheetError
from .formdef.model import FieldKind
from .intake.normalize import money_unit, normalize_number
from .layout import cell_ref
from .models import (
    CODE_RE,
    DEPT_CODE_RE,
    EMAIL_RE,
    LP_CODE_RE,
    PROJECT_CODE_RE,
    Assignment,
    Category,
    Department,
    Initiative,
    KnownProject,
    LeadingProject,
    Master,
    Settings,
)
from .paths import RoundNotFound, missing_round_message
from .xlsxout import Book, atomic_path


@dataclass(frozen=True)
class MasterColumn:
    key: str
    label: str
    width: float = 16
    required: bool = True
    code: bool = False  # written as text so 1-4-2 never becomes a date


@dataclass(frozen=True)
class MasterSheet:
    key: str
    name: str
    note: str
    columns: tuple[MasterColumn, ...]


C = MasterColumn
SETTINGS_SHEET = "設定"
SETTINGS_FIELDS: tuple[tuple[str, str], ...] = (
    ("municipality", "自治体名"),
    ("evaluation_year", "評価年度（西暦）"),
    ("round_id", "回収ラウンドID"),
    ("deadline", "提出期限"),
    ("office_name", "担当課"),
    ("office_contact", "担当者"),
    ("office_email", "連絡先メール"),
    ("office_phone", "電話"),
    ("sheet_password", "シート保護パスワード"),
    ("average_personnel_cost", "平均人件費（千円）"),
    ("project_round", "事務事業評価ラウンド"),
)
OPTIONAL_SETTINGS = {"office_phone", "sheet_password", "average_personnel_cost", "project_round"}

SHEETS: tuple[MasterSheet, ...] = (
    MasterSheet(
        "leading_projects",
        "リーディングプロジェクト",
        "コードは半角英数字（先頭は英字、10文字以内）。主管所属は「所属」シートのコード。",
        (
            C("code", "コード", 12, code=True),
            C("name", "名称", 30),
            C("direction", "方向性", 80),
            C("lead_department", "主管所属コード", 16, code=True),
        ),
    ),
    MasterSheet(
        "initiatives",
        "取り組み",
        "施策体系の取り組み。コードは「1-4-2」の形式。",
        (
            C("code", "コード", 12, code=True),
            C("title", "名称", 50),
            C("subtitle", "副題", 50, required=False),
        ),
    ),
    MasterSheet(
        "assignments",
        "取り組み割当",
        "どのリーディングプロジェクトのどの取り組みを、どの所属が報告するか。区分は「主な取り組み」か「関連する取り組み」。",
        (
            C("lp", "リーディングプロジェクトコード", 16, code=True),
            C("initiative", "取り組みコード", 14, code=True),
            C("category", "区分", 18),
            C("department", "報告所属コード", 16, code=True),
        ),
    ),
    MasterSheet(
        "departments",
        "所属",
        "入力ブックを送る所属。メールアドレスは複数なら ; で区切る。",
        (
            C("code", "コード", 12, code=True),
            C("name", "名称", 24),
            C("parent", "上位所属", 16, required=False),
            C("emails", "メールアドレス", 40, required=False),
        ),
    ),
    MasterSheet(
        "known_projects",
        "事業",
        "事業の一覧。政策評価表の「実施した事業」にあらかじめ記入され、事務事業評価では 1 事業 1 シートになります。"
        "事業コードは年度をまたいで変えません。リーディングプロジェクトコードが空欄なら、その取り組みのすべてのリーディングプロジェクトに記入します。"
        "旧事業コードは名称変更・統合・分割の前の事業コード（複数は ; で区切る）。",
        (
            C("code", "事業コード", 14, required=False, code=True),
            C("name", "事業名", 50),
            C("initiative", "取り組みコード", 14, code=True),
            C("department", "報告所属コード", 16, code=True),
            C("lp", "リーディングプロジェクトコード", 16, required=False, code=True),
            C("budget_item", "予算の細目", 24, required=False),
            C("previous_codes", "旧事業コード", 18, required=False, code=True),
            C("owner", "所属名（表示）", 24, required=False),
        ),
    ),
)
SHEET_BY_KEY = {s.key: s for s in SHEETS}
HEADER_ROW = 1
"""0-based row of column labels; row 0 holds the sheet's note."""


class MasterDataError(XlsheetError):
    """Master data that cannot be used; `problems` lists every one in Japanese."""

    headline = "マスタデータに誤りがあります。何も書き込んでいません。"

    def __init__(self, problems: list[str]):
        self._problems = problems
        super().__init__("マスタデータに誤りがあります:\n" + "\n".join(f"- {p}" for p in problems))

    @property
    def problems(self) -> list[str]:
        return self._problems


# --------------------------------------------------------------------------- writing


def write_master(master: Master, path: Path) -> None:
    """Write master.xlsx (atomically) for the planning office to edit in Excel."""
    rows: dict[str, list[dict[str, Any]]] = {
        "leading_projects": [lp.model_dump() for lp in master.leading_projects],
        "initiatives": [i.model_dump() for i in master.initiatives],
        "assignments": [{**a.model_dump(), "category": a.category.value} for a in master.assignments],
        "departments": [{**d.model_dump(), "emails": "; ".join(d.emails)} for d in master.departments],
        "known_projects": [
            {**k.model_dump(exclude={"evaluation"}), "previous_codes": "; ".join(k.previous_codes)}
            for k in master.known_projects
        ],
    }
    with atomic_path(path) as tmp:
        book = Book(tmp)
        head = book.fmt(bold=True, bg_color="#D9E1F2", border=1)
        note = book.fmt(italic=True, font_color="#404040")
        text = book.fmt(num_format="@", border=1)
        wrap = book.fmt(text_wrap=True, border=1)
        date = book.fmt(num_format="yyyy/mm/dd", border=1, align="left")

        ws = book.add_sheet(SETTINGS_SHEET)
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 40)
        book.write(ws, 0, 0, "ラウンドの設定。項目名（A列）は変えないでください。", note)
        book.write(ws, HEADER_ROW, 0, "項目", head)
        book.write(ws, HEADER_ROW, 1, "値", head)
        for r, (key, label) in enumerate(SETTINGS_FIELDS, start=HEADER_ROW + 1):
            value = getattr(master.settings, key)
            value = "" if value is None else value
            book.write(ws, r, 0, label, head)
            book.write(
                ws,
                r,
                1,
                value,
                date if isinstance(value, dt.date) else text if isinstance(value, str) else wrap,
            )

        for sheet in SHEETS:
            ws = book.add_sheet(sheet.name)
            book.write(ws, 0, 0, sheet.note, note)
            data = rows[sheet.key]
            for c, col in enumerate(sheet.columns):
                ws.set_column(c, c, col.width, text if col.code else wrap)
            for r, row in enumerate(data, start=HEADER_ROW + 1):
                for c, col in enumerate(sheet.columns):
                    book.write(ws, r, c, row.get(col.key, ""), text if col.code else wrap)
            ws.add_table(
                HEADER_ROW,
                0,
                HEADER_ROW + max(len(data), 1),
                len(sheet.columns) - 1,
                {
                    "name": f"tbl_{sheet.key}",
                    "style": "Table Style Light 9",
                    "columns": [{"header": col.label} for col in sheet.columns],
                },
            )
            ws.freeze_panes(HEADER_ROW + 1, 0)
        book.close()


# --------------------------------------------------------------------------- reading


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().replace("\r\n", "\n")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _code(value: Any) -> str:
    """A code cell as text: NFKC and dash look-alikes folded (full-width １－４－２ is 1-4-2)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for dash in "ー−‐―–—－":
        text = text.replace(dash, "-")
    return text


def checked_copy_path(path: Path) -> Path:
    """Where a checked master is kept beside its workbook (`.master.json`: a line with the
    workbook's SHA-256, then the master data as JSON)."""
    return path.with_name(f".{path.stem}.json")


def load_master(path: Path) -> Master:
    """Read master.xlsx; raise MasterDataError naming sheet, row and column of every problem.

    Master data that passed every check is kept beside the workbook as JSON with the workbook's
    SHA-256, and read from there while the workbook's bytes are unchanged: collect, status and
    merge of a large round read it several times (2,000 departments: 0.33 s from the workbook,
    0.05 s from the copy). A copy that is missing, stale or unreadable is simply rebuilt."""
    path = Path(path)
    if not path.exists():
        raise RoundNotFound(missing_round_message(path.parent) or f"{path} がありません")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    copy = checked_copy_path(path)
    stamp = json.dumps({"sha256": digest, "version": CHECKED_COPY_VERSION})
    try:
        head, _, body = copy.read_text(encoding="utf-8").partition("\n")
        if head == stamp:
            return Master.model_validate_json(body)
    except (OSError, ValueError, ValidationError):
        pass
    master = _load_workbook(path)
    try:  # a read-only round still works, only slower
        with atomic_path(copy) as tmp:
            tmp.write_text(stamp + "\n" + master.model_dump_json(), encoding="utf-8")
    except OSError:
        pass
    return master


CHECKED_COPY_VERSION = 3
"""Bump when Master's fields change, so older copies are rebuilt."""


def _load_workbook(path: Path) -> Master:
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise MasterDataError([f"{path.name} を Excel ブックとして開けません（{exc}）"]) from exc
    problems: list[str] = []
    names = set(wb.sheet_names)
    for expected in [SETTINGS_SHEET, *(s.name for s in SHEETS)]:
        if expected not in names:
            problems.append(
                f"シート「{expected}」がありません（あるシート: {'、'.join(wb.sheet_names)}）。"
                "シート名を元に戻してください"
            )
    if problems:
        raise MasterDataError(problems)

    settings = _read_settings(wb.get_sheet_by_name(SETTINGS_SHEET).to_python(skip_empty_area=False), problems)
    tables: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    columns: dict[str, dict[str, int]] = {}
    for sheet in SHEETS:
        tables[sheet.key] = _read_table(
            sheet, wb.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False), problems, columns
        )
    master = _build(settings, tables, problems, columns)
    if problems or master is None:
        raise MasterDataError(problems)
    return master


def _where(sheet: str, row: int, col: int | None = None, label: str = "") -> str:
    cell = cell_ref(row, col) if col is not None else f"{row + 1}行目"
    return f"シート「{sheet}」{cell}" + (f"（{label}）" if label else "")


def _read_settings(grid: list[list[Any]], problems: list[str]) -> dict[str, Any]:
    by_label = {}
    for r, row in enumerate(grid):
        if r > HEADER_ROW and row and isinstance(row[0], str) and row[0].strip():
            by_label[row[0].strip()] = (r, _clean(row[1]) if len(row) > 1 else "")
    out: dict[str, Any] = {}
    for key, label in SETTINGS_FIELDS:
        if label not in by_label:
            if key not in OPTIONAL_SETTINGS:
                problems.append(
                    f"シート「{SETTINGS_SHEET}」: 項目「{label}」がありません。A列に「{label}」の行を戻してください"
                )
            continue
        r, value = by_label[label]
        where = _where(SETTINGS_SHEET, r, 1, label)
        if value in ("", None):
            if key not in OPTIONAL_SETTINGS:
                problems.append(f"{where}: 値が空欄です。入力してください")
            continue
        if key == "evaluation_year":
            if not isinstance(value, int) or not 1989 <= value <= 2100:
                problems.append(f"{where}: 「{value}」は西暦の年度（例: 2020）ではありません")
                continue
        elif key == "deadline":
            if isinstance(value, dt.datetime):
                value = value.date()
            if not isinstance(value, dt.date):
                problems.append(
                    f"{where}: 「{value}」は日付ではありません。2020/6/30 のように入力してください"
                )
                continue
        elif (
            key == "average_personnel_cost"
        ):  # read as a 金額 field counted in 千円 (「８,５００」「8500千円」)
            read = normalize_number(value, FieldKind.MONEY.value, label, money_unit(label))
            number = read.value if isinstance(read.value, int | float) else None
            if number is None or number < 0:
                problems.append(f"{where}: 「{value}」は金額（千円、0 以上の数値。例: 8000）ではありません")
                continue
            value = number
        elif key == "office_email":
            if not EMAIL_RE.match(str(value)):
                problems.append(f"{where}: 「{value}」はメールアドレスの形式ではありません")
                continue
        else:
            value = str(value)
        out[key] = value
    return out


def _read_table(
    sheet: MasterSheet, grid: list[list[Any]], problems: list[str], columns: dict[str, dict[str, int]]
) -> list[tuple[int, dict[str, Any]]]:
    """The sheet's rows as (0-based row, column key -> value); `columns` gets where each column is."""
    if len(grid) <= HEADER_ROW:
        problems.append(f"シート「{sheet.name}」: 見出し行（{HEADER_ROW + 1}行目）がありません")
        return []
    header = [str(_clean(v)) if v is not None else "" for v in grid[HEADER_ROW]]
    positions: dict[str, int] = {}
    missing = False
    for col in sheet.columns:
        if col.label in header:
            positions[col.key] = header.index(col.label)
        elif col.required:  # an optional column may be absent (master data of an older version)
            missing = True
            problems.append(
                f"シート「{sheet.name}」{HEADER_ROW + 1}行目: 列「{col.label}」がありません。見出しを元に戻してください"
            )
    if missing:
        return []
    columns[sheet.key] = positions
    out = []
    for r in range(HEADER_ROW + 1, len(grid)):
        row = grid[r]
        values = {k: _clean(row[c]) if c < len(row) else "" for k, c in positions.items()}
        if all(v in ("", None) for v in values.values()):
            continue
        ok = True
        for col in sheet.columns:
            v = values.get(col.key, "")
            if v in ("", None):
                values[col.key] = ""
                if col.required:
                    problems.append(
                        f"{_where(sheet.name, r, positions[col.key], col.label)}: 空欄です。入力してください"
                    )
                    ok = False
            elif col.code:
                values[col.key] = _code(v)
            else:
                values[col.key] = str(v)
        if ok:
            out.append((r, values))
    return out


class _Checks:
    """Cross-sheet checks of master data; every problem goes to `problems` (sheet, row, column)."""

    def __init__(
        self,
        tables: dict[str, list[tuple[int, dict[str, Any]]]],
        problems: list[str],
        columns: dict[str, dict[str, int]] | None = None,
    ):
        self.tables = tables
        self.problems = problems
        self.columns = columns or {}

    def where(self, key: str, r: int, col_key: str) -> str:
        sheet = SHEET_BY_KEY[key]
        i = next(i for i, col in enumerate(sheet.columns) if col.key == col_key)
        c = self.columns.get(key, {}).get(col_key, i)
        return _where(sheet.name, r, c, sheet.columns[i].label)

    def unique(self, key: str, col: str, pattern=None, example: str = "") -> dict[str, int]:
        """Values of one column that must be unique (and match `pattern`): value -> row."""
        seen: dict[str, int] = {}
        for r, row in self.tables[key]:
            v = row[col]
            if pattern is not None and not pattern.match(v):
                self.problems.append(
                    f"{self.where(key, r, col)}: 「{v}」は形式が正しくありません（例: {example}）"
                )
            elif v in seen:
                self.problems.append(f"{self.where(key, r, col)}: 「{v}」は{seen[v] + 1}行目と重複しています")
            else:
                seen[v] = r
        return seen

    def ref(
        self, key: str, r: int, row: dict[str, Any], col: str, known: dict[str, int], target: str
    ) -> bool:
        """A code that must be on another sheet."""
        v = row[col]
        if v not in known:
            self.problems.append(
                f"{self.where(key, r, col)}: 「{v}」は「{target}」シートにありません。{target}シートのコードを入力してください"
            )
            return False
        return True

    def assignments(self, lps: dict[str, int], inits: dict[str, int], depts: dict[str, int]) -> set[str]:
        """Check 取り組み割当; the departments that report something."""
        reporting: set[str] = set()
        keys: dict[tuple[str, str, str], int] = {}
        categories: dict[tuple[str, str], str] = {}
        valid = {c.value for c in Category}
        for r, row in self.tables["assignments"]:
            ok = self.ref("assignments", r, row, "lp", lps, "リーディングプロジェクト")
            ok &= self.ref("assignments", r, row, "initiative", inits, "取り組み")
            ok &= self.ref("assignments", r, row, "department", depts, "所属")
            if row["category"] not in valid:
                self.problems.append(
                    f"{self.where('assignments', r, 'category')}: 「{row['category']}」は「主な取り組み」か「関連する取り組み」にしてください"
                )
                ok = False
            k = (row["lp"], row["initiative"], row["department"])
            if k in keys:
                self.problems.append(f"{_where('取り組み割当', r)}: {keys[k] + 1}行目と同じ割当です")
            keys.setdefault(k, r)
            prev = categories.setdefault(k[:2], row["category"])
            if ok and prev != row["category"]:
                self.problems.append(
                    f"{self.where('assignments', r, 'category')}: 同じ取り組みの区分が行によって違います（{prev}／{row['category']}）"
                )
            if ok:
                reporting.add(row["department"])
        return reporting

    def projects(self, lps: dict[str, int], inits: dict[str, int], depts: dict[str, int]) -> None:
        """Check 事業: references, unique 事業コード, lineage, and one 事業 listed twice for the same
        initiative, department and leading project (it would be pre-filled twice)."""
        key = "known_projects"
        lp_inits = {(row["lp"], row["initiative"]) for _, row in self.tables["assignments"]}
        codes: dict[str, int] = {}
        seen: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
        for r, row in self.tables[key]:
            row["previous_codes"] = tuple(
                c for c in (_code(p) for p in str(row["previous_codes"]).replace("；", ";").split(";")) if c
            )
            self.ref(key, r, row, "initiative", inits, "取り組み")
            self.ref(key, r, row, "department", depts, "所属")
            if (
                row["lp"]
                and self.ref(key, r, row, "lp", lps, "リーディングプロジェクト")
                and (row["lp"], row["initiative"]) not in lp_inits
            ):
                self.problems.append(
                    f"{self.where(key, r, 'lp')}: 取り組み {row['initiative']} はリーディングプロジェクト"
                    f"「{row['lp']}」の取り組みではありません（取り組み割当シート）。空欄にするか正しいコードにしてください"
                )
            code = row["code"]
            if code:
                if not PROJECT_CODE_RE.match(code):
                    self.problems.append(
                        f"{self.where(key, r, 'code')}: 「{code}」は事業コードの形式ではありません（半角英数字と - _、20文字以内。例: J0101）"
                    )
                elif code in codes:
                    self.problems.append(
                        f"{self.where(key, r, 'code')}: 事業コード「{code}」は{codes[code] + 1}行目と重複しています"
                    )
                else:
                    codes[code] = r
            for old in row["previous_codes"]:
                if old == code:
                    self.problems.append(
                        f"{self.where(key, r, 'previous_codes')}: 旧事業コードに自分の事業コード「{code}」があります。名称変更だけなら旧事業コードは空欄にしてください"
                    )
            name = unicodedata.normalize("NFKC", row["name"]).replace(" ", "").replace("　", "")
            group = seen.setdefault((row["initiative"], row["department"], name), [])
            for prev_r, prev_lp in group:
                if not prev_lp or not row["lp"] or prev_lp == row["lp"]:
                    self.problems.append(
                        f"{self.where(key, r, 'name')}: 事業「{row['name']}」は{prev_r + 1}行目と同じ取り組み・報告所属・リーディングプロジェクトで重複しています"
                        "（入力ブックに2回記入されます）。どちらかの行を消すか、リーディングプロジェクトコードで分けてください"
                    )
                    break
            group.append((r, row["lp"]))

    def emails(self, reporting: set[str]) -> None:
        """Split each department's addresses; a department that gets a workbook needs one."""
        for r, row in self.tables["departments"]:
            emails = [
                e.strip() for e in row["emails"].replace("；", ";").replace(",", ";").split(";") if e.strip()
            ]
            row["emails"] = tuple(emails)
            for e in emails:
                if not EMAIL_RE.match(e):
                    self.problems.append(
                        f"{self.where('departments', r, 'emails')}: 「{e}」はメールアドレスの形式ではありません"
                    )
            if not emails and row["code"] in reporting:
                self.problems.append(
                    f"{self.where('departments', r, 'emails')}: 入力ブックを送る所属なのにメールアドレスがありません"
                )


def _build(
    settings: dict[str, Any],
    tables: dict[str, list[tuple[int, dict[str, Any]]]],
    problems: list[str],
    columns: dict[str, dict[str, int]] | None = None,
) -> Master | None:
    check = _Checks(tables, problems, columns)
    depts = check.unique("departments", "code", DEPT_CODE_RE, "D220")
    lps = check.unique("leading_projects", "code", LP_CODE_RE, "KIZUNA")
    inits = check.unique("initiatives", "code", CODE_RE, "1-4-2")
    check.unique("departments", "name")
    reporting = check.assignments(lps, inits, depts)
    for r, row in tables["leading_projects"]:
        if check.ref("leading_projects", r, row, "lead_department", depts, "所属"):
            reporting.add(row["lead_department"])
    check.projects(lps, inits, depts)
    check.emails(reporting)
    if not tables["leading_projects"]:
        problems.append("シート「リーディングプロジェクト」: 1件もありません")
    if problems:
        return None
    return Master(
        settings=Settings(**settings),
        leading_projects=tuple(LeadingProject(**row) for _, row in tables["leading_projects"]),
        initiatives=tuple(Initiative(**row) for _, row in tables["initiatives"]),
        assignments=tuple(
            Assignment(**{**row, "category": Category(row["category"])}) for _, row in tables["assignments"]
        ),
        departments=tuple(Department(**row) for _, row in tables["departments"]),
        known_projects=tuple(KnownProject(**row) for _, row in tables["known_projects"]),
    )
