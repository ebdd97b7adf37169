"""Every issue code production code can emit is a catalogue row, and every row's templates
format with the fields they declare (issue 12: one catalogue as data; tests assert codes).

Codes are found with `ast`: the code argument of `issue(`, `catalogue_issue(`, `refuse(`,
`_issue(`, `note(`/`self.note(`, `_note(` (a normalizer's change), intake validation's
`sec.coded(row, field, code, …)`, the form check's `add(`/`ctx.add(`, and `Issue(code=…)`. A code given as a literal, a conditional of literals, or a lookup in a
module-level table of literals (`PACKAGE_CODES[kind]`, `SPECIAL_CODES.get(kind, …)`) is
resolved; a wrapper passing its own parameter on (`issue(code, …)` inside `def _issue(code, …)`)
is skipped, and so is a value's own `.code` passed on (`sec.coded(row, col, change.code, …)`: the
change's code was checked where `_note(` made it); anything else fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

import xlsheet
from xlsheet import catalogue

PACKAGE = Path(xlsheet.__file__).resolve().parent
ROOT = PACKAGE.parent

CALLS = {"issue", "catalogue_issue", "refuse", "_issue", "note", "_note", "coded"}
"""Functions whose first argument (or `code=`) is an issue code (`coded`: its third)."""
CODE_POSITION = {"coded": 2}
FORM_CHECK_ADDERS = {"add", "ctx.add", "self.add"}
"""The form check's `add(code, sheet, cell, …)` (a set's `seen.add(x)` is not one)."""
LOCATION = {"file", "sheet", "cell", "field", "at", "code"}
"""catalogue.issue's own keywords: a template field of that name could never be filled."""


class _Any:
    """A template value that takes any format spec (`{count:,}` as well as `{name}`)."""

    def __format__(self, spec: str) -> str:
        return "x"


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _tables(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level `NAME = value` assignments."""
    out: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.value is not None:
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
            out[node.target.id] = node.value
    return out


def _strings(node: ast.expr) -> set[str]:
    """String literals of a table: a dict's values (its keys are lookup keys), anything else whole."""
    if isinstance(node, ast.Dict):
        return set().union(*(_strings(v) for v in node.values)) if node.values else set()
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _resolve(expr: ast.expr, tables: dict[str, ast.expr], params: set[str]) -> set[str] | None:
    """The codes `expr` can be; None when it cannot be told from the source."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        a, b = _resolve(expr.body, tables, params), _resolve(expr.orelse, tables, params)
        return None if a is None or b is None else a | b
    if isinstance(expr, ast.Name) and expr.id in tables and expr.id not in params:
        return _strings(tables[expr.id])
    if isinstance(expr, ast.Subscript):
        return _resolve(expr.value, tables, params)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get":
        found = _resolve(expr.func.value, tables, params)
        if found is None:
            return None
        for default in expr.args[1:]:
            more = _resolve(default, tables, params)
            if more is None:
                return None
            found |= more
        return found
    return None


def _code_arg(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == "code":
            return kw.value
    at = CODE_POSITION.get(name, 0)
    if name == "Issue" or len(call.args) <= at or isinstance(call.args[at], ast.Starred):
        return None
    return call.args[at]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def scan(path: Path) -> tuple[set[str], list[str]]:
    """(codes emitted, call sites whose code cannot be told) of one module."""
    return scan_source(path.read_text(encoding="utf-8"), _rel(path))


def scan_source(source: str, rel: str) -> tuple[set[str], list[str]]:
    tree = ast.parse(source)
    tables = _tables(tree)
    adders = FORM_CHECK_ADDERS if rel.startswith("xlsheet/formdef/") else set()
    codes: set[str] = set()
    unknown: list[str] = []

    def visit(node: ast.AST, wrapper: str, params: set[str]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
            for child in node.body:
                visit(child, node.name, names)
            return
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in CALLS or name == "Issue" or ast.unparse(node.func) in adders:
                arg = _code_arg(node, name)
                if arg is not None:
                    found = _resolve(arg, tables, params)
                    passed_on = (
                        isinstance(arg, ast.Name) and arg.id in params and wrapper in CALLS | {"Issue", "add"}
                    ) or (isinstance(arg, ast.Attribute) and arg.attr == "code")
                    if found is not None:
                        codes.update(found)
                    elif not passed_on:
                        unknown.append(f"{rel}:{node.lineno} {ast.unparse(arg)}")
        for child in ast.iter_child_nodes(node):
            visit(child, wrapper, params)

    visit(tree, "", set())
    return codes, unknown


def production_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_code_production_code_emits_is_in_the_catalogue():
    catalogue.load_all()
    emitted: dict[str, str] = {}
    unknown: list[str] = []
    for path in production_modules():
        codes, blind = scan(path)
        unknown += blind
        for code in codes:
            emitted.setdefault(code, _rel(path))
    assert not unknown, f"issue codes this test cannot tell (use a literal or a table of literals): {unknown}"
    missing = {code: where for code, where in emitted.items() if code not in catalogue.CATALOGUE}
    assert not missing, f"codes emitted but not in the catalogue: {missing}"
    # The scan itself works: it sees codes of every kind of call site.
    for code in (
        "corrupt_zip",
        "not_workbook_ignored",
        "special_link",
        "no_attachment",
        "merge.bad_sdg",
        "FORM_EMPTY",
        "not_xlsheet",
        "cell_error",
        "rows_deleted",
        "not_an_integer",
        "longtext_trimmed",
        "sdg_mark",
        "too_long_for_excel",
        "constraint_warning",
    ):
        assert code in emitted, code
    assert {"encrypted", "not_workbook_ole", "word_document", "cover_pdf", "outdated_workbook"} <= set(
        emitted
    )


def test_the_scan_refuses_a_code_it_cannot_tell():
    source = (
        "TABLE = {'a': 'listed_code'}\n"
        "def f(kind, made):\n"
        "    issue(TABLE[kind])\n"
        "    issue('literal_code' if kind else 'other_code')\n"
        "    Issue(code='built_code', message='m')\n"
        "    issue(made + '_x')\n"
        "def _issue(code, prov):\n"
        "    return issue(code, file=prov)\n"
    )
    codes, unknown = scan_source(source, "xlsheet/probe.py")
    assert codes == {"listed_code", "literal_code", "other_code", "built_code"}
    assert unknown == ["xlsheet/probe.py:6 made + '_x'"]


def test_every_module_with_catalogue_rows_is_listed():
    """`catalogue.load_all` (and the listing) sees every row: each module calling `register(` is
    one of `CATALOGUE_MODULES`."""
    registering = set()
    for path in production_modules():
        if path.name == "catalogue.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.Call) and _name(n.func) == "register" for n in ast.walk(tree)):
            registering.add(_rel(path).removesuffix(".py").replace("/", "."))
    assert registering == set(catalogue.CATALOGUE_MODULES)


def test_every_template_formats_with_its_declared_fields():
    catalogue.load_all()
    for code, e in catalogue.CATALOGUE.items():
        values = dict.fromkeys(e.fields, _Any())
        e.message.format(**values)
        e.hint.format(**values)
        assert e.message.strip(), code
        assert not (LOCATION & e.fields), (code, LOCATION & e.fields)
        assert code == code.strip() and " " not in code, code


def test_catalogue_listing_prints_every_code(capsys):
    catalogue.main(["--hint"])
    out = capsys.readouterr().out
    for code, e in catalogue.CATALOGUE.items():
        assert code in out and e.message in out and e.hint in out


def test_issues_are_built_from_the_catalogue_only():
    """No call site writes an Issue's prose: `Issue(` is built by `catalogue.issue` alone, and
    `refuse(` gets a code and parameters, never a message."""
    built: set[tuple[str, str]] = set()
    prose: list[str] = []

    def visit(node: ast.AST, rel: str, where: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            where = node.name
        if isinstance(node, ast.Call):
            if _name(node.func) == "Issue" and any(k.arg == "message" for k in node.keywords):
                built.add((rel, where))
            if _name(node.func) == "refuse" and len(node.args) > 1:
                prose.append(f"{rel}:{node.lineno}")
        for child in ast.iter_child_nodes(node):
            visit(child, rel, where)

    for path in production_modules():
        visit(ast.parse(path.read_text(encoding="utf-8")), _rel(path), "<module>")
    assert built == {("xlsheet/catalogue.py", "issue")}
    assert not prose, prose


def test_python_m_xlsheet_catalogue_lists_the_rows():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "xlsheet.catalogue"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "legacy_xls" in out and "merge.no_projects" in out and "FORM_EMPTY" in out and "エラー" in out
