"""計算式 (calculation), 条件 (constraint) and conditional 必須: one small expression language.

A formula is written the way Excel users write one, with field references in brackets:

    =IF([目標値]=0, "", ROUND([実績値]/[目標値], 3))
    =[人工] * [マスタ.平均人件費]
    =SUM([活動指標.実績値])

- ``[name]`` is a field of the same row (table section) or block, by キー or by 見出し;
  ``${name}`` (XLSForm style) is accepted too.
- ``[section.name]`` is a field of another section: of a block (one row) anywhere, of a table
  only inside an aggregate (SUM, MIN, MAX, AVERAGE, COUNT).
- ``[マスタ.name]`` is a value from master data's 設定 (see `MASTER_VALUES`).
- Numbers, "strings", TRUE/FALSE, + - * / & (text join), = <> < > <= >=, parentheses, and
  the functions in `FUNCTIONS`. Nothing else: the parser builds a small tree, never calls eval().

At write time `to_excel` turns the tree into a live Excel formula, each reference replaced by
its cell (or range); at intake `evaluate` computes the same value in Python so a value typed
over the formula can be found and the right one recomputed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from typing import Any

AGGREGATES = frozenset({"SUM", "MIN", "MAX", "AVERAGE", "COUNT"})

FUNCTIONS: dict[str, tuple[int, int | None]] = {
    # name: (fewest arguments, most arguments or None for any number)
    "IF": (2, 3),
    "AND": (1, None),
    "OR": (1, None),
    "NOT": (1, 1),
    "ROUND": (1, 2),
    "ROUNDUP": (1, 2),
    "ROUNDDOWN": (1, 2),
    "ABS": (1, 1),
    "IFERROR": (2, 2),
    "SUM": (1, None),
    "MIN": (1, None),
    "MAX": (1, None),
    "AVERAGE": (1, None),
    "COUNT": (1, None),
    "LEN": (1, 1),
    "LABEL": (2, 2),
}
"""The functions a formula may call. LABEL([code], "一覧") is the 表示 of a value of a list
(blank for a blank value, #N/A for a value not on the list, as VLOOKUP)."""


class FormulaError(ValueError):
    """A formula that cannot be parsed. `kind` is "syntax" or "function"; `detail` is Japanese."""

    def __init__(self, kind: str, detail: str, position: int = 0, name: str = "") -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.position = position
        self.name = name


class ExcelErrorValue(str):
    """An Excel error value (#DIV/0!, #VALUE!, #N/A) as an evaluation result."""


DIV0 = ExcelErrorValue("#DIV/0!")
VALUE = ExcelErrorValue("#VALUE!")
NA = ExcelErrorValue("#N/A")


# --------------------------------------------------------------------------- tree


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Bool:
    value: bool


@dataclass(frozen=True)
class Ref:
    name: str
    section: str | None = None
    position: int = 0

    @property
    def text(self) -> str:
        return f"[{self.section}.{self.name}]" if self.section else f"[{self.name}]"


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


Node = Num | Str | Bool | Ref | Call | Unary | Binary


@dataclass(frozen=True)
class Formula:
    text: str
    tree: Node

    def refs(self) -> list[tuple[Ref, bool]]:
        """Every reference, with whether it sits inside an aggregate function."""
        out: list[tuple[Ref, bool]] = []

        def walk(node: Node, in_aggregate: bool) -> None:
            if isinstance(node, Ref):
                out.append((node, in_aggregate))
            elif isinstance(node, Call):
                for a in node.args:
                    walk(a, in_aggregate or node.name in AGGREGATES)
            elif isinstance(node, Unary):
                walk(node.operand, in_aggregate)
            elif isinstance(node, Binary):
                walk(node.left, in_aggregate)
                walk(node.right, in_aggregate)

        walk(self.tree, False)
        return out

    def list_names(self) -> list[str]:
        """The lists LABEL(…, "一覧") names."""
        out: list[str] = []

        def walk(node: Node) -> None:
            if isinstance(node, Call):
                if node.name == "LABEL" and len(node.args) == 2 and isinstance(node.args[1], Str):
                    out.append(node.args[1].value)
                for a in node.args:
                    walk(a)
            elif isinstance(node, Unary):
                walk(node.operand)
            elif isinstance(node, Binary):
                walk(node.left)
                walk(node.right)

        walk(self.tree)
        return out


# --------------------------------------------------------------------------- parsing

_OPS2 = ("<>", "<=", ">=")
_OPS1 = "+-*/&=<>(),"
_PRECEDENCE = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4}


def _tokens(text: str) -> list[tuple[str, Any, int]]:
    """(kind, value, position) with kinds num, str, ref, name, op, end."""
    out: list[tuple[str, Any, int]] = []
    i, n = 0, len(text)
    while i < n:
        raw = text[i]
        ch = unicodedata.normalize("NFKC", raw)
        if ch.isspace() or raw == "\u3000":
            i += 1
            continue
        if ch == '"' or raw in "“”":
            j = i + 1
            buf = []
            while True:
                if j >= n:
                    raise FormulaError("syntax", '文字列の「"」が閉じていません', i)
                if text[j] == '"' and j + 1 < n and text[j + 1] == '"':
                    buf.append('"')
                    j += 2
                    continue
                if text[j] in '"“”':
                    break
                buf.append(text[j])
                j += 1
            out.append(("str", "".join(buf), i))
            i = j + 1
            continue
        if ch == "[" or (ch == "$" and i + 1 < n and unicodedata.normalize("NFKC", text[i + 1]) == "{"):
            close = "]" if ch == "[" else "}"
            start = i + (1 if ch == "[" else 2)
            j = start
            while j < n and unicodedata.normalize("NFKC", text[j]) != close:
                j += 1
            if j >= n:
                raise FormulaError("syntax", f"参照の「{close}」が閉じていません", i)
            inner = text[start:j].strip()
            if not inner:
                raise FormulaError("syntax", "空の参照 [] があります", i)
            section, _, name = inner.rpartition(".")
            if not name.strip():
                raise FormulaError("syntax", f"参照「{inner}」の項目名がありません", i)
            out.append(("ref", Ref(name.strip(), section.strip() or None, i), i))
            i = j + 1
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and unicodedata.normalize("NFKC", text[i + 1]).isdigit()):
            j = i
            buf = []
            while j < n:
                c = unicodedata.normalize("NFKC", text[j])
                if c.isdigit() or c == ".":
                    buf.append(c)
                    j += 1
                else:
                    break
            try:
                value = float("".join(buf))
            except ValueError:
                raise FormulaError("syntax", f"数値「{''.join(buf)}」を読めません", i) from None
            out.append(("num", value, i))
            i = j
            continue
        if ch.isalpha() or ch == "_":
            j = i
            while j < n and (unicodedata.normalize("NFKC", text[j]).isalnum() or text[j] == "_"):
                j += 1
            word = unicodedata.normalize("NFKC", text[i:j])
            out.append(("name", word, i))
            i = j
            continue
        two = unicodedata.normalize("NFKC", text[i : i + 2])
        if two in _OPS2:
            out.append(("op", two, i))
            i += 2
            continue
        if ch in _OPS1 or ch == "×" or ch == "÷":
            out.append(("op", {"×": "*", "÷": "/"}.get(ch, ch), i))
            i += 1
            continue
        raise FormulaError("syntax", f"使えない文字「{raw}」があります", i)
    out.append(("end", None, n))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, Any, int]:
        return self.toks[self.i]

    def take(self) -> tuple[str, Any, int]:
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, op: str) -> None:
        kind, value, pos = self.take()
        if kind != "op" or value != op:
            shown = "式の終わり" if kind == "end" else f"「{value}」"
            raise FormulaError("syntax", f"「{op}」があるはずの所に{shown}があります", pos)

    def expr(self, min_prec: int = 1) -> Node:
        left = self.unary()
        while True:
            kind, op, _ = self.peek()
            if kind != "op" or op not in _PRECEDENCE or _PRECEDENCE[op] < min_prec:
                return left
            self.take()
            right = self.expr(_PRECEDENCE[op] + 1)
            left = Binary(op, left, right)

    def unary(self) -> Node:
        kind, op, _ = self.peek()
        if kind == "op" and op in "+-":
            self.take()
            return Unary(op, self.unary())
        return self.primary()

    def primary(self) -> Node:
        kind, value, pos = self.take()
        if kind == "num":
            return Num(value)
        if kind == "str":
            return Str(value)
        if kind == "ref":
            return value
        if kind == "op" and value == "(":
            node = self.expr()
            self.expect(")")
            return node
        if kind == "name":
            upper = value.upper()
            if self.peek()[0] == "op" and self.peek()[1] == "(":
                if upper not in FUNCTIONS:
                    raise FormulaError("function", f"関数「{value}」は使えません", pos, name=value)
                self.take()
                args: list[Node] = []
                if not (self.peek()[0] == "op" and self.peek()[1] == ")"):
                    args.append(self.expr())
                    while self.peek()[0] == "op" and self.peek()[1] == ",":
                        self.take()
                        args.append(self.expr())
                self.expect(")")
                low, high = FUNCTIONS[upper]
                if len(args) < low or (high is not None and len(args) > high):
                    want = f"{low}" if low == high else f"{low}〜{high}" if high else f"{low} 個以上"
                    raise FormulaError(
                        "syntax", f"関数 {upper} の引数は {want} 個です（{len(args)} 個あります）", pos
                    )
                return Call(upper, tuple(args))
            if upper in ("TRUE", "FALSE"):
                return Bool(upper == "TRUE")
            raise FormulaError(
                "syntax",
                f"「{value}」は項目の参照ではありません。項目は [{value}] のように [ ] で囲みます",
                pos,
            )
        shown = "式の終わり" if kind == "end" else f"「{value}」"
        raise FormulaError("syntax", f"{shown}の位置に値か項目があるはずです", pos)


def parse(text: str) -> Formula:
    """Parse a formula (the leading = is optional). Raises FormulaError."""
    body = text.strip()
    if body[:1] in ("=", "＝"):
        body = body[1:]
    if not body.strip():
        raise FormulaError("syntax", "式が空です")
    p = _Parser(body)
    tree = p.expr()
    kind, value, pos = p.peek()
    if kind != "end":
        raise FormulaError("syntax", f"「{value}」から後ろを式として読めません", pos)
    return Formula(text, tree)


# --------------------------------------------------------------------------- Excel


def _excel_number(v: float) -> str:
    return str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)


def to_excel(
    formula: Formula, address: Callable[[Ref, bool], str], list_range: Callable[[str], str] | None = None
) -> str:
    """The live Excel formula: `address(ref, in_aggregate)` gives each reference's cell or range,
    `list_range(name)` the defined name of a list's value|表示 table (for LABEL)."""

    def out(node: Node, in_agg: bool, parent_prec: int = 0) -> str:
        if isinstance(node, Num):
            return _excel_number(node.value)
        if isinstance(node, Str):
            return '"' + node.value.replace('"', '""') + '"'
        if isinstance(node, Bool):
            return "TRUE" if node.value else "FALSE"
        if isinstance(node, Ref):
            return address(node, in_agg)
        if isinstance(node, Unary):
            return node.op + out(node.operand, in_agg, 5)
        if isinstance(node, Binary):
            prec = _PRECEDENCE[node.op]
            text = f"{out(node.left, in_agg, prec)}{node.op}{out(node.right, in_agg, prec + 1)}"
            return f"({text})" if prec < parent_prec else text
        if isinstance(node, Call):
            agg = in_agg or node.name in AGGREGATES
            if node.name == "LABEL":
                if list_range is None or not isinstance(node.args[1], Str):
                    raise ValueError("LABEL needs a list name and list_range")
                key = out(node.args[0], agg)
                return f'IF({key}="","",VLOOKUP({key},{list_range(node.args[1].value)},2,FALSE))'
            return f"{node.name}({','.join(out(a, agg) for a in node.args)})"
        raise TypeError(node)

    return "=" + out(formula.tree, False)


# --------------------------------------------------------------------------- Python


Value = float | str | bool | None


def excel_wildcard(text: str) -> str:
    """An Excel match pattern (* ? with ~ escaping them) as a regular expression."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "~" and i + 1 < len(text) and text[i + 1] in "*?~":
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return "".join(out)


def vlookup(table: Mapping[str, str], key: str) -> Any:
    """VLOOKUP(key, value|表示, 2, FALSE) as Excel computes it: the first value matching ignoring
    case, * ? ~ being wildcards; #N/A when none does."""
    if key in table:
        return table[key]
    pattern = re.compile(excel_wildcard(key.casefold()), re.S)
    return next((label for value, label in table.items() if pattern.fullmatch(value.casefold())), NA)


def _is_error(v: Any) -> bool:
    return isinstance(v, ExcelErrorValue)


def _number(v: Any) -> float | ExcelErrorValue:
    if _is_error(v):
        return v
    if v is None or v == "":
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(unicodedata.normalize("NFKC", str(v)).replace(",", "").strip())
    except ValueError:
        return VALUE


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


def _truth(v: Any) -> bool | ExcelErrorValue:
    if _is_error(v):
        return v
    if isinstance(v, str) and v.upper() in ("TRUE", "FALSE"):
        return v.upper() == "TRUE"
    n = _number(v)
    return n if _is_error(n) else n != 0


def _round(x: float, digits: int, mode: str) -> float:
    try:
        d = Decimal(repr(x)).scaleb(digits).to_integral_value(rounding=mode).scaleb(-digits)
    except InvalidOperation:
        return x
    return float(d)


def _compare(op: str, a: Any, b: Any) -> bool:
    blank_a, blank_b = a is None or a == "", b is None or b == ""
    if blank_a and blank_b:
        x: Any = 0
        y: Any = 0
    else:
        na, nb = _number(a), _number(b)
        if not _is_error(na) and not _is_error(nb) and not isinstance(a, str) and not isinstance(b, str):
            x, y = na, nb
        elif blank_a and not isinstance(b, str):
            x, y = 0.0, nb
        elif blank_b and not isinstance(a, str):
            x, y = na, 0.0
        else:
            x, y = _text(a).casefold(), _text(b).casefold()
    return {
        "=": x == y,
        "<>": x != y,
        "<": x < y,
        ">": x > y,
        "<=": x <= y,
        ">=": x >= y,
    }[op]


def evaluate(
    formula: Formula,
    resolve: Callable[[Ref, bool], Value | Sequence[Value]],
    lists: Mapping[str, Mapping[str, str]] | None = None,
) -> Value | ExcelErrorValue:
    """Compute a formula as Excel would: `resolve(ref, in_aggregate)` gives a reference's value
    (a sequence of values for a table column inside an aggregate); `lists` maps list name →
    value → 表示 for LABEL. Blank counts as 0 in arithmetic and as "" in comparisons."""
    lists = lists or {}

    def flat(args: tuple[Node, ...], agg: bool) -> list[Any]:
        vals: list[Any] = []
        for a in args:
            v = ev(a, agg)
            if isinstance(v, list | tuple):
                vals.extend(v)
            else:
                vals.append(v)
        return vals

    def ev(node: Node, agg: bool) -> Any:
        if isinstance(node, Num | Str | Bool):
            return node.value
        if isinstance(node, Ref):
            return resolve(node, agg)
        if isinstance(node, Unary):
            v = _number(ev(node.operand, agg))
            return v if _is_error(v) else (-v if node.op == "-" else v)
        if isinstance(node, Binary):
            a, b = ev(node.left, agg), ev(node.right, agg)
            if _is_error(a):
                return a
            if _is_error(b):
                return b
            if node.op == "&":
                return _text(a) + _text(b)
            if node.op in ("=", "<>", "<", ">", "<=", ">="):
                return _compare(node.op, a, b)
            x, y = _number(a), _number(b)
            if _is_error(x):
                return x
            if _is_error(y):
                return y
            if node.op == "+":
                return x + y
            if node.op == "-":
                return x - y
            if node.op == "*":
                return x * y
            if y == 0:
                return DIV0
            return x / y
        if isinstance(node, Call):
            return call(node, agg)
        raise TypeError(node)

    def call(node: Call, agg: bool) -> Any:
        name, args = node.name, node.args
        if name == "IF":
            c = _truth(ev(args[0], agg))
            if _is_error(c):
                return c
            if c:
                return ev(args[1], agg)
            return ev(args[2], agg) if len(args) == 3 else False
        if name == "IFERROR":
            v = ev(args[0], agg)
            return ev(args[1], agg) if _is_error(v) else v
        if name in ("AND", "OR"):
            vals = [_truth(v) for v in flat(args, agg)]
            err = next((v for v in vals if _is_error(v)), None)
            if err is not None:
                return err
            return all(vals) if name == "AND" else any(vals)
        if name == "NOT":
            v = _truth(ev(args[0], agg))
            return v if _is_error(v) else not v
        if name == "LEN":
            v = ev(args[0], agg)
            return v if _is_error(v) else float(len(_text(v)))
        if name == "LABEL":
            v = ev(args[0], agg)
            if _is_error(v):
                return v
            if v is None or v == "":
                return ""
            table = lists.get(_text(ev(args[1], agg)), {})
            return vlookup(table, _text(v))
        if name in ("ROUND", "ROUNDUP", "ROUNDDOWN", "ABS"):
            x = _number(ev(args[0], agg))
            if _is_error(x):
                return x
            if name == "ABS":
                return abs(x)
            d = _number(ev(args[1], agg)) if len(args) > 1 else 0.0
            if _is_error(d):
                return d
            mode = {"ROUND": ROUND_HALF_UP, "ROUNDUP": ROUND_UP, "ROUNDDOWN": ROUND_DOWN}[name]
            return _round(x, int(d), mode)
        # aggregates: blanks and text in ranges are skipped, as Excel does
        vals = flat(args, True)
        err = next((v for v in vals if _is_error(v)), None)
        if err is not None:
            return err
        nums = []
        for v in vals:
            if v is None or v == "" or isinstance(v, bool):
                continue
            n = _number(v)
            if not _is_error(n):
                nums.append(n)
        if name == "SUM":
            return math.fsum(nums)
        if name == "COUNT":
            return float(len(nums))
        if name == "AVERAGE":
            return math.fsum(nums) / len(nums) if nums else DIV0
        if not nums:
            return 0.0
        return min(nums) if name == "MIN" else max(nums)

    return ev(formula.tree, False)
