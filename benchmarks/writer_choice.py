"""Writer choice by measurement: the same department workbook with XlsxWriter and with openpyxl.

    python3 -m benchmarks.writer_choice              # the sample round's lead department, N=30
    python3 -m benchmarks.writer_choice -n 100 --dept D220

xlsheet writes the entry workbook once while recording every XlsxWriter call it makes
(benchmarks.replay). The recording is then written N times by

- xlsheet       `write_entry_workbook` itself (layout, limit checks, models, XlsxWriter);
- XlsxWriter    the recorded calls replayed on a bare XlsxWriter workbook;
- openpyxl      the same calls translated to openpyxl: the same cells, merges, styles
                (font, fill, border, alignment, number format, locking), validations,
                conditional formats, defined names, properties, protection and print setup.

Before timing, both outputs are opened with openpyxl and compared cell by cell (values,
styles), merge by merge, validation by validation and name by name; the script stops if they
differ. Times are per workbook (median and fastest of N), in one process, after one warm-up each;
the fastest run is the least disturbed by other work on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule, Rule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from benchmarks.replay import Op, recording, replay
from xlsheet.entry_writer import write_entry_workbook
from xlsheet.sample import sample_master

# --------------------------------------------------------------------------- ops -> openpyxl


def _color(c: str) -> str:
    return "FF" + c.lstrip("#").upper()


class _Style:
    """An XlsxWriter format's properties as openpyxl style objects (built once per format)."""

    def __init__(self, props: dict[str, Any]):
        self.props = props
        p = props
        self.font = Font(
            name=p.get("font_name", "Calibri"),
            size=p.get("font_size", 11),
            bold=p.get("bold", False),
            italic=p.get("italic", False),
            color=_color(p["font_color"]) if "font_color" in p else None,
        )
        self.fill = (
            PatternFill("solid", fgColor=_color(p["bg_color"])) if "bg_color" in p else PatternFill(None)
        )
        side = {1: Side("thin"), 2: Side("medium")}.get(p.get("border", 0), Side(None))
        self.border = Border(left=side, right=side, top=side, bottom=side)
        valign = {"vcenter": "center"}.get(p.get("valign", ""), p.get("valign"))
        self.alignment = Alignment(horizontal=p.get("align"), vertical=valign, wrap_text=p.get("text_wrap"))
        self.protection = Protection(locked=p.get("locked", True))
        self.number_format = p.get("num_format", "General")
        self.dxf = DifferentialStyle(
            fill=PatternFill(bgColor=_color(p["bg_color"])) if "bg_color" in p else None,
            font=Font(color=_color(p["font_color"])) if "font_color" in p else None,
        )

    def apply(self, cell) -> None:
        cell.font = self.font
        cell.fill = self.fill
        cell.border = self.border
        cell.alignment = self.alignment
        cell.protection = self.protection
        cell.number_format = self.number_format


_OPERATORS = {"<=": "lessThanOrEqual", ">=": "greaterThanOrEqual", "<": "lessThan", ">": "greaterThan"}


class _Sheet:
    """Applies recorded Worksheet calls to an openpyxl worksheet."""

    def __init__(self, wb: openpyxl.Workbook, ws):
        self.wb, self.ws = wb, ws

    def _cell(self, row: int, col: int, value: Any = None, fmt: _Style | None = None, set_value: bool = True):
        cell = self.ws.cell(row + 1, col + 1)
        if set_value:
            cell.value = value
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
        if fmt is not None:
            fmt.apply(cell)
        return cell

    def write_string(self, row, col, value, fmt=None):
        self._cell(row, col, value, fmt)

    write_number = write_boolean = write_datetime = write_string

    def write_blank(self, row, col, value=None, fmt=None):
        self._cell(row, col, None, fmt, set_value=False)

    def write_formula(self, row, col, formula, fmt=None, value=None):
        self.ws.cell(row + 1, col + 1).value = formula
        if fmt is not None:
            fmt.apply(self.ws.cell(row + 1, col + 1))

    def merge_range(self, r1, c1, r2, c2, data, fmt=None):
        self.ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                cell = self.ws.cell(r + 1, c + 1)
                if fmt is not None:
                    fmt.apply(cell)
        if data is not None:
            self._cell(r1, c1, data, None)

    def _range(self, r1, c1, r2, c2) -> str:
        a = f"{get_column_letter(c1 + 1)}{r1 + 1}"
        b = f"{get_column_letter(c2 + 1)}{r2 + 1}"
        return a if a == b else f"{a}:{b}"

    def data_validation(self, r1, c1, r2, c2, o):
        if o["validate"] == "list":
            src = o["source"]
            formula = src[1:] if isinstance(src, str) else '"' + ",".join(src) + '"'
            dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        else:
            kind = {"length": "textLength"}.get(o["validate"], o["validate"])
            dv = DataValidation(
                type=kind, operator=_OPERATORS[o["criteria"]], formula1=str(o["value"]), allow_blank=True
            )
        dv.promptTitle, dv.prompt = o.get("input_title"), o.get("input_message")
        dv.errorTitle, dv.error = o.get("error_title"), o.get("error_message")
        dv.errorStyle = o.get("error_type", "stop")
        dv.showErrorMessage = dv.showInputMessage = True
        dv.add(self._range(r1, c1, r2, c2))
        self.ws.add_data_validation(dv)

    def conditional_format(self, r1, c1, r2, c2, o):
        rng = self._range(r1, c1, r2, c2)
        fmt: _Style = o["format"]
        if o["type"] == "formula":
            rule = FormulaRule(formula=[o["criteria"].lstrip("=")], fill=fmt.dxf.fill, font=fmt.dxf.font)
        else:  # blanks
            top = self._range(r1, c1, r1, c1)
            rule = Rule(type="containsBlanks", formula=[f"LEN(TRIM({top}))=0"], dxf=fmt.dxf)
        self.ws.conditional_formatting.add(rng, rule)

    def set_column(self, c1, c2, width, fmt=None):
        # Excel stores a width in characters plus the cell padding, as XlsxWriter does for us.
        stored = int((int(width * 7 + 0.5) + 5) / 7 * 256) / 256
        for c in range(c1, c2 + 1):
            self.ws.column_dimensions[get_column_letter(c + 1)].width = stored

    def set_row(self, row, height, fmt=None):
        if height != 15:  # the default height: XlsxWriter writes nothing for it either
            # Excel keeps row heights in whole pixels (0.75 pt), as XlsxWriter rounds them.
            self.ws.row_dimensions[row + 1].height = int(height / 0.75 + 0.5) * 0.75

    def protect(self, password="", options=None):
        prot = self.ws.protection
        prot.sheet = True
        if password:
            prot.password = password
        o = options or {}
        prot.formatRows = not o.get("format_rows", False)
        prot.formatColumns = not o.get("format_columns", False)
        prot.autoFilter = not o.get("autofilter", False)
        prot.sort = not o.get("sort", False)

    def write_comment(self, row, col, text, options=None):
        self.ws.cell(row + 1, col + 1).comment = Comment(text, "xlsheet")

    def very_hidden(self):
        self.ws.sheet_state = "veryHidden"

    def hide(self):
        self.ws.sheet_state = "hidden"

    def activate(self):
        self.wb.active = self.wb.worksheets.index(self.ws)

    def set_paper(self, size):
        self.ws.page_setup.paperSize = size

    def set_portrait(self):
        self.ws.page_setup.orientation = "portrait"

    def set_landscape(self):
        self.ws.page_setup.orientation = "landscape"

    def fit_to_pages(self, width, height):
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.page_setup.fitToWidth, self.ws.page_setup.fitToHeight = width, height

    def set_print_scale(self, scale):
        self.ws.page_setup.scale = scale

    def set_margins(self, left=0.7, right=0.7, top=0.75, bottom=0.75):
        m = self.ws.page_margins
        m.left, m.right, m.top, m.bottom = left, right, top, bottom

    def repeat_rows(self, first, last=None):
        self.ws.print_title_rows = f"{first + 1}:{(last if last is not None else first) + 1}"

    def set_footer(self, text, options=None):
        self.ws.oddFooter.center.text = text.removeprefix("&C")

    def freeze_panes(self, row, col):
        self.ws.freeze_panes = f"{get_column_letter(col + 1)}{row + 1}"

    def set_h_pagebreaks(self, rows):
        for r in rows:
            self.ws.row_breaks.append(Break(id=r))

    def autofilter(self, r1, c1, r2, c2):
        self.ws.auto_filter.ref = self._range(r1, c1, r2, c2)


def replay_openpyxl(ops: list[Op], path: Path) -> None:
    """Write the recorded XlsxWriter calls with openpyxl."""
    objs: dict[int, Any] = {}
    wb = None
    pending: Any = None

    def dec(v: Any) -> Any:
        if isinstance(v, tuple) and len(v) == 2 and v[0] == "ref":
            return objs[v[1]]
        if isinstance(v, dict):
            return {k: dec(x) for k, x in v.items()}
        if isinstance(v, list):
            return [dec(x) for x in v]
        return v

    for kind, oid, name, args, kwargs in ops:
        if kind == "book" and name == "__init__":
            wb = openpyxl.Workbook()
            wb.remove(wb.active)
            objs[oid] = wb
            continue
        if kind == "result":
            objs[oid] = pending
            continue
        args, kwargs = dec(args), dec(kwargs)
        assert wb is not None
        if kind == "format":  # the default format's font (cells written without a format)
            font = wb._fonts[0]
            if name == "set_font_name":
                font = Font(name=args[0], sz=font.sz, family=font.family)
            elif name == "set_font_size":
                font = Font(name=font.name, sz=args[0], family=font.family)
            wb._fonts = IndexedList([font])
            pending = None
        elif kind == "book":
            if name == "add_worksheet":
                pending = _Sheet(wb, wb.create_sheet(args[0]))
            elif name == "add_format":
                pending = _Style(args[0] if args else {})
            elif name == "define_name":
                wb.defined_names[args[0]] = DefinedName(args[0], attr_text=args[1].lstrip("="))
            elif name == "set_custom_property":
                wb.custom_doc_props.append(StringProperty(name=args[0], value=str(args[1])))
            elif name == "set_properties":
                for k, v in args[0].items():
                    if hasattr(wb.properties, k):
                        setattr(wb.properties, k, v)
            else:
                raise NotImplementedError(name)
        else:
            pending = getattr(objs[oid], name)(*args, **kwargs)
    assert wb is not None
    wb.save(path)


# --------------------------------------------------------------------------- comparison


def _style_key(cell) -> tuple:
    f, fill, a = cell.font, cell.fill, cell.alignment
    return (
        f.name,
        f.sz,
        bool(f.b),
        bool(f.i),
        f.color.rgb if f.color is not None and f.color.type == "rgb" else None,
        fill.fgColor.rgb if fill.fill_type == "solid" else None,
        cell.border.left.style,
        a.horizontal,
        a.vertical,
        bool(a.wrap_text),
        cell.protection.locked,
        cell.number_format,
    )


def compare(a: Path, b: Path) -> list[str]:
    """Differences between two workbooks as openpyxl sees them (empty when the same)."""
    wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
    diffs = []
    if wa.sheetnames != wb.sheetnames:
        return [f"sheets {wa.sheetnames} != {wb.sheetnames}"]
    na = {n: d.attr_text for n, d in wa.defined_names.items()}
    nb = {n: d.attr_text for n, d in wb.defined_names.items()}
    if na != nb:
        diffs.append(f"names differ: {set(na.items()) ^ set(nb.items())}")
    pa = {p.name: p.value for p in wa.custom_doc_props}
    pb = {p.name: p.value for p in wb.custom_doc_props}
    if pa != pb:
        diffs.append("custom properties differ")
    for sa, sb in zip(wa.worksheets, wb.worksheets, strict=True):
        t = sa.title
        if sa.sheet_state != sb.sheet_state or sa.protection.sheet != sb.protection.sheet:
            diffs.append(f"{t}: state/protection")
        if sorted(map(str, sa.merged_cells.ranges)) != sorted(map(str, sb.merged_cells.ranges)):
            diffs.append(f"{t}: merges")
        dva = sorted(
            (str(d.sqref), d.type, d.formula1, d.prompt, d.error) for d in sa.data_validations.dataValidation
        )
        dvb = sorted(
            (str(d.sqref), d.type, d.formula1, d.prompt, d.error) for d in sb.data_validations.dataValidation
        )
        if dva != dvb:
            diffs.append(f"{t}: validations")
        cfa = sorted((str(r.sqref), len(r.rules)) for r in sa.conditional_formatting)
        cfb = sorted((str(r.sqref), len(r.rules)) for r in sb.conditional_formatting)
        if cfa != cfb:
            diffs.append(f"{t}: conditional formats {cfa} != {cfb}")
        if sa.freeze_panes != sb.freeze_panes or sa.print_title_rows != sb.print_title_rows:
            diffs.append(f"{t}: freeze panes / print titles")
        for c in range(1, 8):
            letter = get_column_letter(c)
            if sa.column_dimensions[letter].width != sb.column_dimensions[letter].width:
                diffs.append(f"{t}: width of {letter}")
        for r in range(1, max(sa.max_row, sb.max_row) + 1):
            if sa.row_dimensions[r].height != sb.row_dimensions[r].height:
                diffs.append(f"{t}: height of row {r}")
            for c in range(1, max(sa.max_column, sb.max_column) + 1):
                ca, cb = sa.cell(r, c), sb.cell(r, c)
                if ca.value != cb.value or _style_key(ca) != _style_key(cb):
                    diffs.append(
                        f"{t}!{ca.coordinate}: {ca.value!r}/{_style_key(ca)} != {cb.value!r}/{_style_key(cb)}"
                    )
    return diffs


# --------------------------------------------------------------------------- timing


def _time(fn: Callable[[Path], None], out: Path, n: int) -> list[float]:
    fn(out)  # warm-up
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn(out)
        times.append(time.perf_counter() - t0)
    return times


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=30, help="workbooks written per writer (default 30)")
    ap.add_argument("--dept", default=None, help="department code (default: the lead department)")
    args = ap.parse_args(argv)
    master = sample_master()
    dept = args.dept or master.leading_projects[0].lead_department

    with tempfile.TemporaryDirectory(prefix="writer-choice-") as tmp:
        d = Path(tmp)
        with recording() as rec:
            write_entry_workbook(master, dept, d / "xlsheet.xlsx")
        ops = rec.books[0]
        replay(ops, d / "xlsxwriter.xlsx")
        replay_openpyxl(ops, d / "openpyxl.xlsx")
        diffs = compare(d / "xlsxwriter.xlsx", d / "openpyxl.xlsx")
        if diffs:
            raise SystemExit("openpyxl の出力が XlsxWriter と違います:\n" + "\n".join(diffs[:20]))
        cells = sum(1 for o in ops if o[2].startswith("write_") or o[2] == "merge_range")
        print(
            f"workbook: {dept} {master.department(dept).name} ({len(ops)} calls, {cells} cell writes/merges)"
        )
        print(
            "same content: XlsxWriter and openpyxl outputs compared cell by cell, merges, validations, names"
        )
        results = {
            "xlsheet (write_entry_workbook)": _time(
                lambda p: write_entry_workbook(master, dept, p), d / "a.xlsx", args.n
            ),
            "XlsxWriter (replayed calls)": _time(lambda p: replay(ops, p), d / "b.xlsx", args.n),
            "openpyxl (same calls translated)": _time(
                lambda p: replay_openpyxl(ops, p), d / "c.xlsx", args.n
            ),
        }
    med = {k: statistics.median(v) * 1000 for k, v in results.items()}
    print(
        f"N = {args.n} per writer; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, XlsxWriter {xlsxwriter.__version__}, openpyxl {openpyxl.__version__}"
    )
    for k, v in med.items():
        print(f"  {k:34s} {v:8.1f} ms per workbook (min {min(results[k]) * 1000:.1f})")
    xw, op = results["XlsxWriter (replayed calls)"], results["openpyxl (same calls translated)"]
    print(
        f"openpyxl / XlsxWriter = {statistics.median(op) / statistics.median(xw):.1f}x (median), "
        f"{min(op) / min(xw):.1f}x (fastest of each)"
    )


if __name__ == "__main__":
    main()
