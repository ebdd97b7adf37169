"""What changed between two rounds: `xlsheet diff OLD NEW` and the book's 前年度比較 sheet.

Master data gives the 事業 that are new, ended, renamed, merged or split (this year's 旧事業コード
says which old 事業 a new one continues). The accepted answers give, section by section as the
form defines them (no section key is named here; a section's role follows from its fields):

- lists of 事業 (fields pre-filled from master's 事業名 and 取り組みコード): per initiative, 事業
  added or dropped (a renamed 事業 counts under its new name, so it is not reported twice);
- selections from a list (a 固定 column pre-filled from 「一覧:…」 and an input beside it, the
  17 SDGs): items chosen or no longer chosen;
- choices of a block (総合評価, 今後の方向性): old → new;
- indicators (a table of rows with a name and numbers whose 見出し carry a year, 指標): the
  latest figure against last year's, with the series;
- paragraphs (a table with a heading and a body, the ● headings): new, ended and changed
  headings, with how much of the body changed and a short excerpt of what changed.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..era import fiscal_year_label
from ..errors import XlsheetError
from ..formdef import Form, Section
from ..formdef.model import NUMERIC_KINDS, PLACEHOLDER_RE, FieldKind, year_of
from ..layout import section_label
from ..models import KnownProject, Master
from ..round import Round
from ..units import AnswerUnit, unit_kind, unit_of

Answers = dict[str, dict[str, dict[str, list[dict[str, Any]]]]]
"""department → unit → section key → rows → field key → value."""

MASTER_PROJECT = "マスタ:事業."
LIST_PREFIX = "一覧:"
EXCERPT = 40
"""Characters of changed text shown per paragraph."""
SERIES = 4
"""Fiscal years of an indicator's series shown in a trend's note."""
RENAME_SIMILARITY = 0.6
"""How alike two bodies under different headings of one initiative must be to count as one
paragraph whose heading was reworded."""


class ChangeKind(StrEnum):
    PROJECT_NEW = "project_new"
    PROJECT_ENDED = "project_ended"
    PROJECT_RENAMED = "project_renamed"
    PROJECT_MERGED = "project_merged"
    PROJECT_SPLIT = "project_split"
    LIST_ADDED = "list_added"
    LIST_DROPPED = "list_dropped"
    CHOSEN = "chosen"
    UNCHOSEN = "unchosen"
    CHOICE_CHANGED = "choice_changed"
    TREND = "trend"
    TEXT_NEW = "text_new"
    TEXT_ENDED = "text_ended"
    HEADING_CHANGED = "heading_changed"
    TEXT_CHANGED = "text_changed"

    @property
    def ja(self) -> str:
        return CHANGE_JA[self]


CHANGE_JA = {
    ChangeKind.PROJECT_NEW: "新規事業",
    ChangeKind.PROJECT_ENDED: "終了した事業",
    ChangeKind.PROJECT_RENAMED: "名称変更",
    ChangeKind.PROJECT_MERGED: "統合",
    ChangeKind.PROJECT_SPLIT: "分割",
    ChangeKind.LIST_ADDED: "取り組みの事業の追加",
    ChangeKind.LIST_DROPPED: "取り組みの事業の削除",
    ChangeKind.CHOSEN: "選択の追加",
    ChangeKind.UNCHOSEN: "選択の取り消し",
    ChangeKind.CHOICE_CHANGED: "評価・方向性の変更",
    ChangeKind.TREND: "指標の推移",
    ChangeKind.TEXT_NEW: "新しい見出し",
    ChangeKind.TEXT_ENDED: "なくなった見出し",
    ChangeKind.HEADING_CHANGED: "見出しの変更",
    ChangeKind.TEXT_CHANGED: "本文の変更",
}

CHANGE_ORDER = tuple(ChangeKind)


@dataclass(frozen=True)
class Change:
    """One difference between the two rounds (texts Japanese, for people)."""

    kind: ChangeKind
    unit: str = ""
    """The leading project or 事業 it is about (code and name)."""
    department: str = ""
    subject: str = ""
    """What changed: a 事業, an initiative, a field, an indicator, a heading."""
    before: str = ""
    after: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        d = asdict(self)
        d["kind"] = self.kind.value
        d["kind_ja"] = self.kind.ja
        return d


@dataclass(frozen=True)
class RoundSide:
    """What one round says, for the comparison: master data, form and accepted answers."""

    master: Master
    form: Form
    answers: Answers = field(default_factory=dict)

    @property
    def label(self) -> str:
        return fiscal_year_label(self.master.settings.evaluation_year)

    def unit_name(self, code: str) -> str:
        try:
            u = unit_of(self.form, self.master, code)
        except KeyError:
            return code
        return f"{u.code} {u.name}" if u.kind is AnswerUnit.PROJECT else u.name

    def dept_name(self, code: str) -> str:
        try:
            return self.master.department(code).name
        except KeyError:
            return code


@dataclass
class RoundDiff:
    """Every change from `old` to `new`, in CHANGE_ORDER."""

    old_round: str
    new_round: str
    old_label: str
    new_label: str
    changes: list[Change] = field(default_factory=list)

    def of(self, kind: ChangeKind) -> list[Change]:
        return [c for c in self.changes if c.kind is kind]

    def counts(self) -> dict[ChangeKind, int]:
        return {k: n for k in CHANGE_ORDER if (n := len(self.of(k)))}

    def as_dict(self) -> dict[str, Any]:
        return {
            "old_round": self.old_round,
            "new_round": self.new_round,
            "old_label": self.old_label,
            "new_label": self.new_label,
            "changes": [c.as_dict() for c in self.changes],
        }


# --------------------------------------------------------------------------- reading rounds


def round_side(root: Path) -> RoundSide:
    """A round folder's master data, form and accepted answers (the ledger's current ones)."""
    rnd = Round.open(Path(root))
    answers: Answers = {}
    if rnd.paths.ledger.exists():
        with rnd.ledger() as ledger:
            answers = {r.department: r.submission.answers for r in ledger.current()}
    return RoundSide(rnd.master.model_copy(update={"previous": None}), rnd.form, answers)


def diff_rounds(old_root: Path, new_root: Path) -> RoundDiff:
    """`xlsheet diff OLD NEW`: what changed from the round at `old_root` to the one at `new_root`."""
    return compare(round_side(old_root), round_side(new_root))


class NoPreviousRound(XlsheetError):
    """`xlsheet diff NEW` on a round not made with `init --from` (Japanese message)."""


def diff_with_previous(root: Path) -> RoundDiff:
    """`xlsheet diff NEW`: the round against last year's as it was kept when it was made
    (前年度.json), so the old folder need not be at hand."""
    rnd = Round.open(Path(root))
    previous = rnd.previous
    if previous is None:
        raise NoPreviousRound(
            f"{rnd.root} は前年度のラウンドから作ったラウンドではありません（前年度.json がありません）。"
            "`xlsheet diff 前年度のフォルダ {rnd.root}` のように 2 つのフォルダを指定してください"
        )
    old = RoundSide(previous.master, previous.form or rnd.form, previous.answers)
    return compare(old, round_side(root))


# --------------------------------------------------------------------------- comparing


def _key(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).replace(" ", "").replace("　", "").strip()


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def compare(old: RoundSide, new: RoundSide) -> RoundDiff:
    """The changes from `old` to `new`."""
    diff = RoundDiff(old.master.settings.round_id, new.master.settings.round_id, old.label, new.label)
    renamed = _project_changes(old, new, diff.changes)
    for dept, unit, before, after in _paired_units(old, new):
        where = {"unit": new.unit_name(unit), "department": new.dept_name(dept)}
        for section in new.form.sections:
            old_section = _same_section(old.form, section)
            rows_old = before.get(old_section.key, []) if old_section else []
            rows_new = after.get(section.key, [])
            _lists(section, rows_old, rows_new, renamed, where, diff.changes)
            _selections(section, rows_old, rows_new, where, diff.changes)
            _choices(section, rows_old, rows_new, where, diff.changes)
            if old_section is not None:
                _trends(old, new, old_section, section, rows_old, rows_new, where, diff.changes)
            _texts(section, rows_old, rows_new, where, diff.changes)
    diff.changes.sort(key=lambda c: CHANGE_ORDER.index(c.kind))
    return diff


def _same_section(form: Form, section: Section) -> Section | None:
    return next((s for s in form.sections if s.key == section.key), None)


def _paired_units(old: RoundSide, new: RoundSide):
    """(department, unit, last year's sections, this year's sections) for every unit answered
    this year; a 事業's last year follows its 旧事業コード (a merger's predecessors concatenated)."""
    by_unit: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for units in old.answers.values():
        for unit, sections in units.items():
            by_unit.setdefault(unit, sections)
    projects = unit_kind(new.form) is AnswerUnit.PROJECT
    for dept, units in new.answers.items():
        for unit, sections in units.items():
            if projects:
                before: dict[str, list[dict[str, Any]]] = {}
                for code in new.master.predecessors(unit):
                    for key, rows in by_unit.get(code, {}).items():
                        before.setdefault(key, []).extend(rows)
            else:
                before = old.answers.get(dept, {}).get(unit, {})
            yield dept, unit, before, sections


def _project_label(k: KnownProject) -> str:
    return f"{k.code} {k.name}" if k.code else k.name


def _project_changes(old: RoundSide, new: RoundSide, out: list[Change]) -> dict[tuple[str, str], str]:
    """New, ended, renamed, merged and split 事業 of master data; returns old name → new name
    per (initiative, normalized old name) for the 事業 that carry on under another name."""
    old_by_code = {k.code: k for k in old.master.known_projects if k.code}
    old_by_name = {(k.initiative, k.department, _key(k.name)): k for k in old.master.known_projects}
    continued: set[str] = set()
    renamed: dict[tuple[str, str], str] = {}
    feeders: dict[str, list[KnownProject]] = {}
    for k in new.master.known_projects:
        for p in k.previous_codes:
            feeders.setdefault(p, []).append(k)

    def dept(k: KnownProject, side: RoundSide) -> str:
        return side.dept_name(k.department)

    for k in new.master.known_projects:
        preds = [old_by_code[p] for p in k.previous_codes if p in old_by_code]
        if not preds and k.code in old_by_code:
            preds = [old_by_code[k.code]]
        if not preds and not k.code and (k.initiative, k.department, _key(k.name)) in old_by_name:
            continue  # the same 事業 without a code
        continued.update(p.code for p in preds)
        if not preds:
            missing = [p for p in k.previous_codes if p not in old_by_code]
            note = f"旧事業コード {'、'.join(missing)} は前年度の事業シートにありません" if missing else ""
            out.append(
                Change(
                    ChangeKind.PROJECT_NEW,
                    department=dept(k, new),
                    subject=_project_label(k),
                    after=k.name,
                    note=note,
                )
            )
            continue
        for p in preds:
            if _key(p.name) != _key(k.name):
                renamed[(p.initiative, _key(p.name))] = k.name
        if len(preds) > 1:
            out.append(
                Change(
                    ChangeKind.PROJECT_MERGED,
                    department=dept(k, new),
                    subject=_project_label(k),
                    before="、".join(_project_label(p) for p in preds),
                    after=_project_label(k),
                )
            )
        elif len(feeders.get(preds[0].code, [])) > 1:
            if feeders[preds[0].code][0] is k:
                out.append(
                    Change(
                        ChangeKind.PROJECT_SPLIT,
                        department=dept(k, new),
                        subject=_project_label(preds[0]),
                        before=_project_label(preds[0]),
                        after="、".join(_project_label(n) for n in feeders[preds[0].code]),
                    )
                )
        elif preds[0].code != k.code or _key(preds[0].name) != _key(k.name):
            note = "事業コードも変更" if preds[0].code != k.code else ""
            out.append(
                Change(
                    ChangeKind.PROJECT_RENAMED,
                    department=dept(k, new),
                    subject=_project_label(k),
                    before=_project_label(preds[0]),
                    after=_project_label(k),
                    note=note,
                )
            )
    new_names = {(k.initiative, k.department, _key(k.name)) for k in new.master.known_projects}
    for k in old.master.known_projects:
        gone = (
            k.code not in continued if k.code else (k.initiative, k.department, _key(k.name)) not in new_names
        )
        if gone:
            out.append(
                Change(
                    ChangeKind.PROJECT_ENDED,
                    department=dept(k, old),
                    subject=_project_label(k),
                    before=k.name,
                )
            )
    return renamed


def _field_by_default(section: Section, default: str):
    return next((f for f in section.fields if f.default == default), None)


def _lists(section, rows_old, rows_new, renamed, where, out: list[Change]) -> None:
    """Per initiative, 事業 added to or dropped from a list pre-filled from master's 事業."""
    name_f = _field_by_default(section, MASTER_PROJECT + "事業名")
    code_f = _field_by_default(section, MASTER_PROJECT + "取り組みコード")
    if name_f is None or code_f is None or section.is_block:
        return

    def names(rows, rename: bool) -> dict[str, dict[str, str]]:
        out_: dict[str, dict[str, str]] = {}
        for r in rows:
            name, code = str(r.get(name_f.key) or "").strip(), str(r.get(code_f.key) or "").strip()
            if not name:
                continue
            if rename:
                name = renamed.get((code, _key(name)), name)
            out_.setdefault(code, {})[_key(name)] = name
        return out_

    before, after = names(rows_old, True), names(rows_new, False)
    for code in sorted(set(before) | set(after)):
        b, a = before.get(code, {}), after.get(code, {})
        for k in a.keys() - b.keys():
            out.append(Change(ChangeKind.LIST_ADDED, **where, subject=code, after=a[k]))
        for k in b.keys() - a.keys():
            out.append(Change(ChangeKind.LIST_DROPPED, **where, subject=code, before=b[k]))


def _selections(section, rows_old, rows_new, where, out: list[Change]) -> None:
    """Items of a fixed list (the 17 SDGs) chosen this year and not last year, or the reverse."""
    value_f = next(
        (
            f
            for f in section.fields
            if f.kind is FieldKind.FIXED and f.default.startswith(LIST_PREFIX) and "." not in f.default
        ),
        None,
    )
    if value_f is None:
        return
    label_f = next(
        (
            f
            for f in section.fields
            if f.kind is FieldKind.FIXED
            and f.default.startswith(LIST_PREFIX + value_f.default[len(LIST_PREFIX) :] + ".")
        ),
        None,
    )
    inputs = [f for f in section.fields if f.is_input]
    if not inputs:
        return

    def chosen(rows) -> dict[str, str]:
        return {
            str(r.get(value_f.key)): str(r.get(label_f.key) or "") if label_f else ""
            for r in rows
            if not _blank(r.get(value_f.key)) and any(not _blank(r.get(f.key)) for f in inputs)
        }

    b, a = chosen(rows_old), chosen(rows_new)
    title = section_label(section)

    def order(v: str):
        return (0, int(v)) if v.isdigit() else (1, v)

    for v in sorted(a.keys() - b.keys(), key=order):
        out.append(Change(ChangeKind.CHOSEN, **where, subject=title, after=f"{v} {a[v]}".strip()))
    for v in sorted(b.keys() - a.keys(), key=order):
        out.append(Change(ChangeKind.UNCHOSEN, **where, subject=title, before=f"{v} {b[v]}".strip()))


def _choices(section, rows_old, rows_new, where, out: list[Change]) -> None:
    """A block's choices (総合評価 S/A/B/C, 今後の方向性) that changed."""
    if not section.is_block or not rows_old or not rows_new:
        return
    for f in section.fields:
        if f.kind is not FieldKind.CHOICE:
            continue
        before = "／".join(dict.fromkeys(str(r.get(f.key)) for r in rows_old if not _blank(r.get(f.key))))
        after = str(rows_new[0].get(f.key) or "")
        if before and after and before != after:
            out.append(
                Change(ChangeKind.CHOICE_CHANGED, **where, subject=f.label, before=before, after=after)
            )


def _label_year(label: str, evaluation_year: int) -> tuple[str, int | None]:
    """A 見出し's stem and the fiscal year its placeholder names: 「実績値（{評価対象年度-2}）」 in
    the 令和２年度 round → ("実績値", 2017)."""
    years = [
        y for m in PLACEHOLDER_RE.finditer(label) if (y := year_of(m.group(1), evaluation_year)) is not None
    ]
    stem = re.sub(r"[（(]?\{[^}]*\}[）)]?", "", label).strip()
    return stem, years[0] if years else None


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or _blank(v):
        return None
    try:
        return float(str(v).replace(",", ""))
    except ValueError:
        return None


def _fmt(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}".rstrip("0")


def _trends(old: RoundSide, new: RoundSide, old_section, section, rows_old, rows_new, where, out) -> None:
    """Indicators: per named row and per kind of figure (目標値, 実績値), last year's figure of the
    latest year against this year's, with the series of both rounds."""
    if section.is_block:
        return
    name_f = next((f for f in section.fields if f.kind is FieldKind.TEXT), None)
    if name_f is None:
        return

    def series(side: RoundSide, sec: Section, rows) -> dict[tuple[str, str], dict[int, float]]:
        out_: dict[tuple[str, str], dict[int, float]] = {}
        for f in sec.fields:
            if f.kind not in NUMERIC_KINDS:
                continue
            stem, year = _label_year(f.label, side.master.settings.evaluation_year)
            if year is None:
                continue
            for r in rows:
                name, v = str(r.get(name_f.key) or "").strip(), _number(r.get(f.key))
                if name and v is not None:
                    out_.setdefault((_key(name), stem), {})[year] = v
        return out_

    names = {
        _key(r.get(name_f.key)): str(r.get(name_f.key)).strip()
        for r in rows_new
        if not _blank(r.get(name_f.key))
    }
    before, after = series(old, old_section, rows_old), series(new, section, rows_new)
    for key, values in after.items():
        if key not in before:
            continue
        merged = {**before[key], **values}
        latest = max(values)
        prev = max((y for y in before[key] if y < latest), default=None)
        if prev is None:
            continue
        a, b = values[latest], before[key][prev]
        arrow = "→" if a == b else "↑" if a > b else "↓"
        rate = f" {(a - b) / b:+.1%}" if b else ""
        trail = "、".join(f"{fiscal_year_label(y)} {_fmt(v)}" for y, v in sorted(merged.items())[-SERIES:])
        out.append(
            Change(
                ChangeKind.TREND,
                **where,
                subject=f"{names.get(key[0], key[0])}・{key[1]}",
                before=f"{fiscal_year_label(prev)} {_fmt(b)}",
                after=f"{fiscal_year_label(latest)} {_fmt(a)}",
                note=f"{arrow}{rate}（{trail}）",
            )
        )


def excerpt(before: str, after: str, limit: int = EXCERPT) -> str:
    """A short account of what changed in a text: 「＋…」 for added, 「－…」 for removed words."""
    parts: list[str] = []
    m = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in m.get_opcodes():
        if op in ("delete", "replace") and before[i1:i2].strip():
            parts.append("－「" + before[i1:i2].strip()[:limit] + "」")
        if op in ("insert", "replace") and after[j1:j2].strip():
            parts.append("＋「" + after[j1:j2].strip()[:limit] + "」")
        if sum(len(p) for p in parts) >= limit * 2:
            parts.append("…")
            break
    return " ".join(parts)


def _texts(section, rows_old, rows_new, where, out: list[Change]) -> None:
    """Paragraphs: a table of heading + body (the ● headings), or a block of one text (●総評)."""
    head_f = next((f for f in section.fields if f.kind is FieldKind.TEXT), None)
    body_f = next((f for f in section.fields if f.kind is FieldKind.LONGTEXT), None)
    if body_f is None:
        return
    title = section_label(section)
    if section.is_block:
        if head_f is not None or len([f for f in section.fields if f.is_input]) != 1:
            return
        b = "\n".join(str(r.get(body_f.key) or "") for r in rows_old).strip()
        a = "\n".join(str(r.get(body_f.key) or "") for r in rows_new).strip()
        if b and a and b != a:
            ratio = difflib.SequenceMatcher(None, b, a, autojunk=False).ratio()
            out.append(
                Change(
                    ChangeKind.TEXT_CHANGED,
                    **where,
                    subject=f"●{title}",
                    before=f"{len(b)} 字",
                    after=f"{len(a)} 字",
                    note=f"同じ部分 {ratio:.0%}。{excerpt(b, a)}",
                )
            )
        return
    if head_f is None:
        return
    code_f = next((f for f in section.fields if f.kind is FieldKind.CODE), None)

    def paragraphs(rows) -> dict[tuple[str, str], tuple[str, str]]:
        out_: dict[tuple[str, str], tuple[str, str]] = {}
        for r in rows:
            head = str(r.get(head_f.key) or "").strip()
            if not head:
                continue
            code = str(r.get(code_f.key) or "") if code_f else ""
            out_[(code, _key(head))] = (head, str(r.get(body_f.key) or "").strip())
        return out_

    b, a = paragraphs(rows_old), paragraphs(rows_new)

    def subject(key: tuple[str, str], head: str) -> str:
        return f"{title}：{key[0] + ' ' if key[0] else ''}●{head}"

    def similarity(x: str, y: str) -> float:
        return difflib.SequenceMatcher(None, x, y, autojunk=False).ratio()

    # a heading reworded over much the same body (same initiative) is one paragraph, renamed
    renamed: dict[tuple[str, str], tuple[str, str]] = {}
    gone = [k for k in b if k not in a]
    for key in [k for k in a if k not in b]:
        best = max(
            (k for k in gone if k[0] == key[0] and k not in renamed.values()),
            key=lambda k: similarity(b[k][1], a[key][1]),
            default=None,
        )
        if best is not None and similarity(b[best][1], a[key][1]) >= RENAME_SIMILARITY:
            renamed[key] = best
    for key in a:
        head, body = a[key]
        old_key = renamed.get(key, key)
        if old_key not in b:
            out.append(
                Change(ChangeKind.TEXT_NEW, **where, subject=subject(key, head), after=f"{len(body)} 字")
            )
            continue
        old_head, old_body = b[old_key]
        if old_key != key:
            ratio = similarity(old_body, body)
            note = f"本文の同じ部分 {ratio:.0%}" + (
                f"。{excerpt(old_body, body)}" if old_body != body else ""
            )
            out.append(
                Change(
                    ChangeKind.HEADING_CHANGED,
                    **where,
                    subject=subject(key, head),
                    before=f"●{old_head}",
                    after=f"●{head}",
                    note=note,
                )
            )
        elif old_body != body:
            ratio = similarity(old_body, body)
            out.append(
                Change(
                    ChangeKind.TEXT_CHANGED,
                    **where,
                    subject=subject(key, head),
                    before=f"{len(old_body)} 字",
                    after=f"{len(body)} 字",
                    note=f"同じ部分 {ratio:.0%}。{excerpt(old_body, body)}",
                )
            )
    for key in b.keys() - a.keys() - set(renamed.values()):
        head, body = b[key]
        out.append(
            Change(ChangeKind.TEXT_ENDED, **where, subject=subject(key, head), before=f"{len(body)} 字")
        )
