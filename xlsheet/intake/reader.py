"""Read one returned workbook into a `Submission` and its issues.

Order: triage (container, zip limits, XML prologs), parts (defined names, custom properties),
manifest (form, version, round, department), structure (what the department changed, against
the JSON in the very hidden `_xlsheet` sheet), values (python-calamine, found through the
defined names, normalized), validation. Whatever can still be read is read.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ValidationError
from python_calamine import CalamineWorkbook

from ..catalogue import issue
from ..entry_writer import default_values, fill_placeholders, master_values
from ..formdef.model import Field, FieldKind, Form, Section
from ..given import given_print
from ..layout import (
    SHEET_MANIFEST,
    cell_ref,
    defined_name,
    fixed_rows,
    section_shown,
    sheet_columns,
    sheet_layout,
)
from ..manifest import KIND_REVIEW, ROW_GIVEN, ROW_MANIFEST, ROW_STRUCTURE, Manifest, fingerprint
from ..models import (
    Category,
    FileStatus,
    Issue,
    LpEntry,
    Master,
    Paragraph,
    ProjectEntry,
    Severity,
    Submission,
)
from ..units import AnswerUnit, unit_kind, unit_of
from . import integrity_codes, read_codes  # noqa: F401  (register the codes raised here)
from .answered import outdated_issues, untouched
from .extent import MAX_CELLS, Extent, check_extent, trim
from .normalize import (
    Change,
    Normalized,
    money_unit,
    normalize_choice,
    normalize_code,
    normalize_date,
    normalize_longtext,
    normalize_number,
    normalize_text,
    strip_controls,
)
from .parts import WorkbookParts, read_parts, workbook_part
from .structure import Ref, compare_structure, parse_ref, shift_before
from .triage import (
    IntakeError,
    check_workbook_xml,
    open_zip,
    package_kind,
    refuse,
    refuse_ole,
    refuse_other,
    refuse_package,
    sniff,
)
from .validate import CellRow, Lists, ReadSection, is_mark_list, section_label, validate_unit

WORKBOOK_NAME_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm", ".csv", ".ods", ".numbers"}
"""Names of files meant as a workbook: whatever they hold, their sender is told what to fix."""


_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*?)(?:/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?c>)", re.S)
_REF_ATTR = re.compile(rb'\br="([A-Z]{1,3}\d{1,7})"')
_T_ERROR = re.compile(rb'\bt="e"')
_V = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>([^<]*)</", re.S)
_F = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f\b[^>]*>([^<]*)</", re.S)


MANIFEST_ROWS, MANIFEST_COLS = 20, 10
"""Bounds of the very hidden `_xlsheet` sheet (its structure JSON sits in A2)."""
INSERTED_ROWS = 2_000
"""Rows a department may have inserted below the form's last placed row and still be read."""


@dataclass
class ReadResult:
    """What intake learned from one workbook."""

    status: FileStatus
    issues: list[Issue] = field(default_factory=list)
    submission: Submission | None = None
    manifest: Manifest | None = None
    department: str = ""
    saved: dt.datetime | None = None
    """When the workbook was last saved (docProps/core.xml), if it says."""
    given: str = ""
    """The master data stamped into the workbook (`xlsheet.given` JSON), "" when absent."""
    unit: str = ""
    """What the file answers: "" a department's answers, `review:<LP>` a review workbook."""

    @property
    def errors(self) -> int:
        return sum(i.severity is Severity.ERROR for i in self.issues)


# --------------------------------------------------------------------------- the reader


class _Reader:
    def __init__(self, data: bytes, master: Master, form: Form, workbook_name: bool = True):
        self.data = data
        self.form = form
        self.workbook_name = workbook_name
        self.master = master
        self.issues: list[Issue] = []
        self._sheets: dict[str, list[list[Any]]] = {}
        self._special: dict[str, dict[tuple[int, int], tuple[str, str]]] = {}
        self._formulas: dict[str, set[tuple[int, int]]] = {}
        self.recorded: dict[str, Any] | None = None
        self.dept = ""
        self.held = False
        """Set when the witnesses of who made the file disagree (`doubt`)."""
        self.given_text = ""

    def note(self, code: str, *, sheet: str = "", cell: str = "", **params: Any) -> None:
        self.issues.append(issue(code, sheet=sheet, cell=cell, **params))

    # -- triage ------------------------------------------------------------------------------
    def open(self) -> WorkbookParts:
        kind = sniff(self.data)
        if kind.startswith("ole"):
            raise refuse_ole(kind)
        if kind != "zip":
            raise refuse_other(self.data, self.workbook_name)
        self.zf = open_zip(self.data, "ブック")
        refusal = refuse_package(package_kind(self.zf))
        if refusal is not None:
            raise refusal
        part = workbook_part(self.zf)
        if part is None:
            raise refuse("not_workbook")  # a zip without a workbook part
        try:
            parts = read_parts(self.zf, part)
        except Exception as exc:  # a damaged part: defusedxml/ElementTree/zip errors
            if "Forbidden" in type(exc).__name__:
                check_workbook_xml(self.zf)  # names the part declaring them
                raise refuse("xml_entities", member=part) from exc
            raise refuse("corrupt_zip", what="ブックの部品", error=exc) from exc
        # Our own parts go through defusedxml; every part of the package is checked for a DOCTYPE
        # as well (python-calamine's parser, or Excel when the office opens the file).
        check_workbook_xml(self.zf)
        self.parts = parts
        if parts.macros:
            self.note("macro_project")
        return parts

    def manifest(self, parts: WorkbookParts) -> Manifest:
        try:
            manifest = Manifest.from_properties(parts.props)
        except ValidationError:
            manifest = None
        if manifest is None:
            raise refuse("not_xlsheet")
        s = self.master.settings
        if manifest.form_id != self.form.id:
            raise refuse("other_form", form_id=manifest.form_id)
        if manifest.round_id != s.round_id:
            raise refuse("other_round", round_id=manifest.round_id, current=s.round_id)
        if manifest.form_version != self.form.version:
            raise refuse("other_form_version", version=manifest.form_version, current=self.form.version)
        try:
            self.master.department(manifest.department)
        except KeyError:
            raise refuse("unknown_department", department=manifest.department) from None
        return manifest

    # -- cells -------------------------------------------------------------------------------
    def open_values(self) -> None:
        try:
            self.book = CalamineWorkbook.from_filelike(io.BytesIO(self.data))
        except Exception as exc:
            raise refuse("corrupt_zip", what="ブックのシート", error=exc) from exc

    def sheet(self, name: str) -> list[list[Any]] | None:
        if name not in self._sheets:
            info = self.parts.sheet(name)
            if info is None:
                return None
            book = self.book
            if info.part:
                book = self.check_extent(name, info.part) or book
            try:
                self._sheets[name] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception:
                return None
        return self._sheets[name]

    def form_bounds(self, name: str) -> tuple[int, int] | None:
        """The last row and column (0-based) the form places on a sheet, with room for rows a
        department inserted; from the fingerprinted structure, never from the file's own names."""
        if name == SHEET_MANIFEST:
            return MANIFEST_ROWS, MANIFEST_COLS
        refs = [parse_ref(t) for t in (self.recorded or {}).get("names", {}).values()]
        refs = [r for r in refs if r is not None]
        if not refs:
            return None
        return max(r.r2 for r in refs) + INSERTED_ROWS, max(
            sheet_columns(self.form) - 1, max(r.c2 for r in refs)
        )

    def check_extent(self, name: str, part: str) -> Any:
        """Python-calamine allocates the whole rectangle up to a sheet's farthest cell (a cell at
        XFD1048576 asks for 512 GiB). A sheet reaching far beyond the form is read from a copy
        holding only the form's rows and columns (the book returned), with a note; refused when
        the form's bounds are unknown. None: read the sheet as it is."""
        try:
            xml = self.zf.read(part)
            extent = check_extent(xml)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
            raise refuse("corrupt_part", member=part, error=exc) from exc
        if extent is None or extent.cells <= MAX_CELLS:
            return None
        bounds = self.form_bounds(name)
        cut = trim(xml, *bounds) if bounds else None
        if cut is not None and (check_extent(cut[0]) or Extent(1, 1, "A1")).cells <= MAX_CELLS:
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
                for info in self.zf.infolist():
                    copy.writestr(info.filename, cut[0] if info.filename == part else self.zf.read(info))
            try:
                book = CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue()))
            except Exception:
                book = None
            if book is not None:
                self.note(
                    "outside_form", sheet=name, cell=extent.far, name=name, far=extent.far, count=cut[1]
                )
                return book
        if extent.cells > MAX_CELLS:
            raise refuse("sheet_too_large", name=name, far=extent.far, rows=extent.rows, cols=extent.cols)

    def special_cells(self, sheet: str) -> dict[tuple[int, int], tuple[str, str]]:
        """Cells of a sheet holding an error value or a formula without a result: (row, col) ->
        ("error", "#REF!") or ("formula", "A1&B1"). python-calamine reads both as empty; read
        only when something was found empty (a rare path: one regex pass over the sheet)."""
        if sheet not in self._special:
            info = self.parts.sheet(sheet)
            found: dict[tuple[int, int], tuple[str, str]] = {}
            if info is not None and info.part:
                for m in _CELL.finditer(self.zf.read(info.part)):
                    head, body = m.group(1), m.group(2) or b""
                    ref = _REF_ATTR.search(head)
                    if ref is None:
                        continue
                    pos = parse_ref(f"x!{ref.group(1).decode()}")
                    value = _V.search(body)
                    v = unescape(value.group(1).decode("utf-8", "replace")) if value else ""
                    if _T_ERROR.search(head):
                        found[(pos.r1, pos.c1)] = ("error", v or "#VALUE!")
                    elif b"<f" in body and not v:
                        f = _F.search(body)
                        found[(pos.r1, pos.c1)] = (
                            "formula",
                            unescape(f.group(1).decode("utf-8", "replace")) if f else "",
                        )
            self._special[sheet] = found
        return self._special[sheet]

    def explain_empty(self, issues: list[Issue], ref: Ref | None) -> list[Issue]:
        """Say what an empty-looking required cell really holds: an error value such as #REF!, or
        a formula whose result was never saved; never 「入力されていません」 for those."""
        out = []
        for i in issues:
            if i.code != "required" or ref is None:
                out.append(i)
                continue
            special = self.special_cells(ref.sheet)
            hit = None
            pos = parse_ref(f"x!{i.cell}") if i.cell else None
            if pos is not None and (pos.r1, pos.c1) in special:
                hit = (pos.r1, pos.c1)
            elif i.row == 0 and special and i.cell == cell_ref(ref.r1, ref.c1):  # a whole section
                hit = next(
                    (k for k in sorted(special) if ref.r1 <= k[0] <= ref.r2 and ref.c1 <= k[1] <= ref.c2),
                    None,
                )
            if hit is None:
                out.append(i)
                continue
            kind, text = special[hit]
            where = cell_ref(*hit)
            label = i.field or "この欄"
            if kind == "error":
                found = issue("cell_error", ref=where, label=label, value=text)
            else:
                found = issue("formula_no_value", ref=where, label=label, formula=text[:60])
            keep = {"file": i.file, "sheet": i.sheet, "field": i.field}
            at = {"lp": i.lp, "section": i.section, "row": i.row, "column": i.column}
            out.append(found.model_copy(update={**keep, "cell": where, **at}))
        return out

    @staticmethod
    def value(rows: list[list[Any]], r: int, c: int) -> Any:
        if r < len(rows) and c < len(rows[r]):
            return rows[r][c]
        return ""

    # -- structure ---------------------------------------------------------------------------
    def recorded_structure(self, manifest: Manifest) -> dict[str, Any] | None:
        rows = self.sheet(SHEET_MANIFEST)
        if rows is None:
            self.note("manifest_sheet_missing")
            return None
        try:
            structure, taken = _recorded(self.value(rows, ROW_STRUCTURE, 0))
        except (TypeError, ValueError):
            self.note("manifest_sheet_broken")
            return None
        if taken != manifest.fingerprint:
            self.doubt(issue("fingerprint_mismatch"))
        self.check_witnesses(manifest, rows)
        return structure

    def doubt(self, finding: Issue) -> None:
        """A witness of who made the file disagrees: the file waits for the office (確認待ち)."""
        self.held = True
        self.issues.append(finding)

    def check_witnesses(self, manifest: Manifest, rows: list[list[Any]]) -> None:
        """The manifest in the custom properties against its copy on the very hidden sheet, and
        the stamped master data against its fingerprint."""
        try:
            copy = json.loads(self.value(rows, ROW_MANIFEST, 0) or "null")
        except (TypeError, ValueError):
            copy = None
        if isinstance(copy, dict):
            for key, what in (
                ("department", "所属コード"),
                ("round_id", "回"),
                ("fingerprint", "構造の指紋"),
            ):
                if key in copy and str(copy[key]) != str(getattr(manifest, key)):
                    stamped = getattr(manifest, key)
                    self.doubt(issue("identity_conflict", what=what, stamped=stamped, recorded=copy[key]))
        text = self.value(rows, ROW_GIVEN, 0)
        self.given_text = text if isinstance(text, str) else ""
        if manifest.master_print and given_print(self.given_text) != manifest.master_print:
            self.doubt(issue("given_mismatch"))

    # -- sections ----------------------------------------------------------------------------
    def locate(
        self,
        parts: WorkbookParts,
        recorded: dict[str, Any] | None,
        renamed: dict[str, str],
        lp: str,
        section: Section,
    ) -> Ref | None:
        name = defined_name(lp, section.key)
        label = fill_placeholders(section.title, self.master, self.dept, lp)
        old = parse_ref(recorded["names"][name]) if recorded and name in recorded.get("names", {}) else None
        ref = parse_ref(parts.names.get(name, ""))
        if ref is not None and parts.sheet(ref.sheet) is not None:
            if old is not None and ref.rows != old.rows:
                diff = ref.rows - old.rows
                self.note(
                    "rows_inserted" if diff > 0 else "rows_deleted",
                    sheet=ref.sheet,
                    cell=cell_ref(ref.r1, ref.c1),
                    label=label,
                    count=abs(diff),
                )
            elif old is not None and ref.r1 != old.r1:
                self.note(
                    "rows_moved",
                    sheet=ref.sheet,
                    cell=cell_ref(ref.r1, ref.c1),
                    label=label,
                    shift=ref.r1 - old.r1,
                )
            return ref
        if old is None:
            old = self.layout_ref(lp, section)
            if old is None:
                return None
        sheet = renamed.get(old.sheet, old.sheet)
        shift = shift_before(parts, recorded, renamed, old)
        fallback = Ref(sheet, old.c1, old.r1 + shift, old.c2, old.r2 + shift)
        if parts.sheet(sheet) is None:
            return fallback  # the sheet is gone: read_section reports the section as missing
        start = cell_ref(fallback.r1, fallback.c1)
        self.note("name_deleted", sheet=sheet, cell=start, name=name, label=label, start=start)
        return fallback

    def layout_ref(self, lp: str, section: Section) -> Ref | None:
        """Where the form layout puts a section in a fresh workbook of this department."""
        dept = self.dept
        try:
            filled = {k: len(v) for k, v in default_values(self.master, dept, lp, self.form).items()}
            layout = sheet_layout(self.form, self.master, dept, lp, filled)
        except (KeyError, ValueError):
            return None
        p = layout.placement(section.key)
        return Ref(layout.sheet, 0, p.first_row, layout.width - 1, p.last_row) if p else None

    def read_section(
        self, ref: Ref | None, lp: str, section: Section, lists: Lists, date1904: bool
    ) -> ReadSection:
        sheet = ref.sheet if ref else ""
        sec = ReadSection(lp, section, sheet, cell_ref(ref.r1, ref.c1) if ref else "")
        sec.fill = lambda text: fill_placeholders(text, self.master, self.dept, lp)
        rows = self.sheet(sheet) if ref else None
        if rows is None:
            sec.readable = False
            self.issues.append(
                issue(
                    "section_missing",
                    sheet=sec.sheet,
                    cell=sec.first_cell,
                    field=section_label(section),
                    at={"lp": lp},
                    label=fill_placeholders(section.title, self.master, self.dept, lp),
                )
            )
            return sec
        columns, keys, key_fields, positions = _plan(section, ref.c1)

        def convert(col: Field, raw: Any) -> Normalized:
            kind = col.kind
            if kind is FieldKind.CODE:
                return normalize_code(raw, lists.items(col.list) if col.list else lists.codes, date1904)
            if kind is FieldKind.CHOICE:
                items = lists.items(col.list)
                return normalize_choice(raw, items, col.label, is_mark_list(items))
            if kind is FieldKind.LONGTEXT:
                return normalize_longtext(raw, col.label)
            if kind is FieldKind.DATE:
                return normalize_date(raw, col.label, date1904)
            if kind in NUMBER_KINDS:
                unit = money_unit(col.label + col.hint) if kind is FieldKind.MONEY else 1
                return normalize_number(raw, kind.value, col.label, unit)
            return normalize_text(raw, col.label)

        fixed_section = fixed_rows(section)
        sec.holds_formula = lambda r, c: (r, c) in self.formula_cells(sheet)
        index = 0
        for r in range(ref.r1, min(ref.r2 + 1, len(rows))):  # rows past the data are empty
            line = rows[r]
            width = len(line)
            if all(k >= width or line[k] == "" or line[k] is None for k in keys):
                continue  # not in use: every key column empty
            values: dict[str, Any] = {}
            changes: list[tuple[Field, Change]] = []
            typed: dict[str, Any] = {}
            for col, start, how in columns:
                raw = line[start] if start < width else ""
                if how == "calc":
                    if raw != "" and raw is not None:
                        typed[col.key] = (raw, r, start)
                    continue
                if type(raw) is str:
                    raw, fix = strip_controls(raw, col.label)
                    if fix:
                        changes.append((col, fix))
                if raw == "" or raw is None:
                    values[col.key] = ""
                elif how == "fixed":
                    values[col.key] = (
                        raw if not isinstance(raw, float) or not raw.is_integer() else str(int(raw))
                    )
                else:
                    n = convert(col, raw)
                    values[col.key] = n.value
                    if n.changes:
                        changes.extend((col, ch) for ch in n.changes)
            if not any(values.get(k) not in ("", None) for k in key_fields):
                continue
            row = CellRow(index, values, r, dict(positions))
            if fixed_section:
                row.index = r - ref.r1
            for key, value in typed.items():
                sec.typed_calc[(len(sec.rows), key)] = value
            for col, ch in changes:
                self.issues.append(sec.coded(row, col, ch.code, **ch.values))
            sec.rows.append(row)
            index += 1
        return sec

    def formula_cells(self, sheet: str) -> set[tuple[int, int]]:
        """Cells of a sheet that hold a formula (read only when a 計算 cell holds a value other
        than the recomputed one, to tell a typed-over formula from a stale cached result: one
        regex pass over the sheet, once)."""
        if sheet in self._formulas:
            return self._formulas[sheet]
        info = self.parts.sheet(sheet)
        found: set[tuple[int, int]] = set()
        if info is not None and info.part:
            for m in _CELL.finditer(self.zf.read(info.part)):
                head, body = m.group(1), m.group(2) or b""
                ref = _REF_ATTR.search(head)
                if ref is not None and b"<f" in body:
                    pos = parse_ref(f"x!{ref.group(1).decode()}")
                    found.add((pos.r1, pos.c1))
        self._formulas[sheet] = found
        return found


NUMBER_KINDS = frozenset({FieldKind.INTEGER, FieldKind.NUMBER, FieldKind.MONEY, FieldKind.PERCENT})


@functools.lru_cache(maxsize=64)
def _recorded(text: Any) -> tuple[Any, str]:
    """The structure JSON of the `_xlsheet` sheet parsed, and its fingerprint; memoized by the text
    (every workbook of a layout carries the same). Shared between files: read it, never change it."""
    structure = json.loads(text)
    return structure, fingerprint(structure)


_PLANS: dict[tuple[int, int], tuple[Section, tuple]] = {}


def _plan(section: Section, first_col: int) -> tuple:
    """Per section and first column: ((field, start, how) to read, key starts, key fields, positions)."""
    hit = _PLANS.get((id(section), first_col))
    if hit is None or hit[0] is not section:
        starts, c = [], first_col
        for col in section.fields:
            starts.append(c)
            c += col.span
        pairs = list(zip(section.fields, starts, strict=True))
        keyed = [(col, start) for col, start in pairs if col.row_key] or [
            (col, start) for col, start in pairs if col.is_input
        ]
        how = {FieldKind.FIXED: "fixed", FieldKind.CALC: "calc"}
        plan = (
            tuple((col, start, how.get(col.kind, "input")) for col, start in pairs),
            tuple(start for _, start in keyed),
            tuple(col.key for col, _ in keyed),
            {col.key: start for col, start in pairs},
        )
        if len(_PLANS) > 256:
            _PLANS.clear()
        hit = _PLANS[(id(section), first_col)] = (section, plan)
    return hit[1]


def lp_entry(lp: str, answers: dict[str, list[dict[str, Any]]]) -> LpEntry:
    """The seed print layout's view of one unit's answers (the 政策評価表 sections): the one
    place that maps the seed form's section and field keys onto `LpEntry`."""

    def rows(key: str) -> list[dict[str, Any]]:
        return answers.get(key, [])

    def text(v: Any) -> str:
        return "" if v is None else str(v)

    def category(v: Any) -> Category | None:
        return Category(v) if v in Category._value2member_map_ else None

    def paragraphs(key: str) -> tuple[Paragraph, ...]:
        return tuple(
            Paragraph(
                initiative=text(r.get("code")) or None,
                heading=text(r.get("heading", "")),
                body=text(r.get("body", "")),
            )
            for r in rows(key)
        )

    def goal(r: dict[str, Any]) -> int | None:
        g = text(r.get("goal"))
        return int(g) if g.isdigit() else None

    return LpEntry(
        lp=lp,
        projects=tuple(
            ProjectEntry(
                initiative=text(r.get("code", "")),
                category=category(r.get("category", "")),
                name=text(r.get("name", "")),
                department=text(r.get("owner", "")),
            )
            for r in rows("projects")
        ),
        evaluations=paragraphs("evaluations"),
        policies=paragraphs("policies"),
        summary=text(rows("summary")[0].get("body", "")) if rows("summary") else "",
        policy_intro=text(rows("policy_intro")[0].get("body", "")) if rows("policy_intro") else "",
        sdgs=tuple(sorted({g for r in rows("sdgs") if r.get("mark") == "○" and (g := goal(r))})),
    )


def read_workbook(
    source: bytes | Path,
    master: Master,
    *,
    file: str = "",
    form: Form | None = None,
    drafts: dict[str, Any] | None = None,
) -> ReadResult:
    """Read one workbook (bytes or path) against the master data and the round's form (default:
    the shipped 政策評価表); never raises for bad input. A review workbook (`xlsheet review`) is
    checked against `drafts`, the current merged draft per leading project (None: no review
    workbooks were issued)."""
    if form is None:
        from ..round import default_form

        form = default_form()
    data = Path(source).read_bytes() if isinstance(source, Path) else source
    suffix = PurePosixPath(file).suffix.lower() if file else ".xlsx"
    reader = _Reader(data, master, form, workbook_name=suffix in WORKBOOK_NAME_SUFFIXES)
    manifest = None
    try:
        parts = reader.open()
        manifest = reader.manifest(parts)
        reader.open_values()
        if manifest.kind == KIND_REVIEW:
            return _review(reader, manifest, master, drafts, file)
        recorded = reader.recorded = reader.recorded_structure(manifest)
        renamed = compare_structure(reader.zf, parts, recorded, reader.issues) if recorded else {}
        dept = reader.dept = manifest.department
        by_lp = unit_kind(form) is AnswerUnit.LEADING_PROJECT
        entries = []
        answers: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for lp in [c for c in manifest.lps.split(",") if c]:
            try:
                unit = unit_of(form, master, lp)
            except KeyError:
                reader.note("unknown_lp", lp=lp)
                continue
            lists = Lists.cached(form, master, lp)
            sections: dict[str, ReadSection] = {}
            refs: dict[str, Ref | None] = {}
            for section in form.sections:
                if not section_shown(section, master, unit.lead_department == dept, dept, lp):
                    continue
                ref = refs[section.key] = reader.locate(parts, recorded, renamed, lp, section)
                sections[section.key] = reader.read_section(ref, lp, section, lists, parts.date1904)
            found, values = validate_unit(form, sections, master, dept, lists, master_values(master))
            for key, issues in found.items():
                reader.issues.extend(reader.explain_empty(issues, refs[key]))
            answers[lp] = values
            if by_lp:
                entries.append(lp_entry(lp, values))
        submission = Submission(
            department=dept,
            round_id=manifest.round_id,
            form_version=manifest.form_version,
            lps=tuple(entries),
            answers=answers,
        )
    except IntakeError as exc:
        issues = [*reader.issues, exc.issue]
        return ReadResult(
            exc.status,
            _with_file(issues, file),
            None,
            manifest,
            manifest.department if manifest else "",
            getattr(reader, "parts", None) and reader.parts.modified,
        )
    except Exception as exc:  # a file no rule foresaw must not stop the other files
        failed = issue("unreadable", error=f"{type(exc).__name__}: {exc}")
        return ReadResult(
            FileStatus.REJECTED,
            _with_file([*reader.issues, failed], file),
            None,
            manifest,
            manifest.department if manifest else "",
        )
    reader.issues.extend(outdated_issues(reader.given_text, master, dept))
    blank = untouched(master, submission, form)
    if blank is not None:
        reader.issues.insert(0, blank)
    issues = _with_file(reader.issues, file)
    if reader.held:  # who made it is in doubt: the office decides, no feedback to anyone
        status = FileStatus.HELD
    elif blank is not None:
        status = FileStatus.UNANSWERED
    elif any(i.severity is Severity.ERROR for i in issues):
        status = FileStatus.REJECTED
    else:
        status = FileStatus.ACCEPTED
    return ReadResult(
        status, issues, submission, manifest, submission.department, parts.modified, reader.given_text
    )


def _review(
    reader: _Reader, manifest: Manifest, master: Master, drafts: dict | None, file: str
) -> ReadResult:
    """A lead department's review workbook: its manifest witnesses checked as an entry workbook's,
    its decisions read and checked by `xlsheet.review.read`."""
    from ..review.read import read_review

    reader.recorded = reader.recorded_structure(manifest)
    got = read_review(reader.sheet, manifest, master, drafts)
    issues = _with_file([*reader.issues, *got.issues], file)
    status = got.status
    if reader.held and status is FileStatus.ACCEPTED:
        status = FileStatus.HELD
    elif any(i.severity is Severity.ERROR for i in issues):
        status = FileStatus.REJECTED
    return ReadResult(
        status, issues, got.submission, manifest, manifest.department, reader.parts.modified, "", got.unit
    )


def _with_file(issues: list[Issue], file: str) -> list[Issue]:
    return [i.model_copy(update={"file": file}) for i in issues] if file else list(issues)


__all__ = ["ReadResult", "Ref", "parse_ref", "read_workbook"]
