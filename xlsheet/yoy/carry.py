"""`xlsheet init NEW --from OLD`: next year's round, its master data carried forward from this one.

What is carried: the settings a year on (評価年度 + 1, a new 回収ラウンドID, the deadline a year
later), the same departments, leading projects, initiatives, assignments and 事業 (their
事業コード kept; last year's 旧事業コード dropped, since that lineage is done), the form definition
(the old round's copy, unless another is named), and a snapshot of last year's accepted answers
(前年度.json) for the pre-fill and the comparison. 事業 that departments reported last year but
master data did not list are added to the 事業 sheet, so they are pre-filled once, not typed
again. The report says what was carried and what the office must check before `generate`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..era import date_label, fiscal_year_label
from ..formdef import Form
from ..master import load_master, write_master
from ..models import KnownProject, Master, Received
from ..paths import RoundPaths
from ..round import Round, keep_form
from ..units import AnswerUnit, unit_kind
from .previous import save_previous, snapshot

MASTER_PROJECT = "マスタ:事業."
"""初期値 prefix of a field pre-filled from master's 事業 sheet."""


def a_year_on(day: dt.date) -> dt.date:
    """The same day a year later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


_ERA_ID = re.compile(r"(?<![A-Za-z])([RH])(\d{1,2})(?!\d)")
_ERA_LETTERS = {"令和": "R", "平成": "H"}


def _era_parts(year: int) -> tuple[str, int]:
    """("R", 2) for fiscal 2020, ("R", 1) for 2019 (令和元年度)."""
    label = fiscal_year_label(year, fullwidth=False)
    era, num = label[:2], label[2:].removesuffix("年度")
    return _ERA_LETTERS.get(era, ""), 1 if num == "元" else int(num)


def next_round_id(round_id: str, year: int) -> str:
    """Next year's 回収ラウンドID: the year in it moved on (2020-… → 2021-…; R02-… → R03-…;
    H30-… → R01-…, since fiscal 2019 is 令和元年度), else ``-<year+1>`` added."""
    if str(year) in round_id:
        return round_id.replace(str(year), str(year + 1))
    m = _ERA_ID.search(round_id)
    if m and (m.group(1), int(m.group(2))) in (_era_parts(year), ("H", year - 1988)):
        letter, n = _era_parts(year + 1)
        return round_id[: m.start()] + f"{letter}{n:0{len(m.group(2))}d}" + round_id[m.end() :]
    return f"{round_id}-{year + 1}"


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).replace(" ", "").replace("　", "")


def carry_master(old: Master) -> Master:
    """Master data a year on: same sheets, settings moved to the next fiscal year."""
    s = old.settings
    settings = s.model_copy(
        update={
            "evaluation_year": s.evaluation_year + 1,
            "round_id": next_round_id(s.round_id, s.evaluation_year),
            "deadline": a_year_on(s.deadline),
            "project_round": "",  # last year's 事務事業評価 round cannot feed this year's
        }
    )
    projects = tuple(
        k.model_copy(update={"previous_codes": (), "evaluation": ()}) for k in old.known_projects
    )
    return old.model_copy(update={"settings": settings, "known_projects": projects, "previous": None})


def reported_projects(master: Master, form: Form, current: list[Received]) -> list[KnownProject]:
    """事業 departments wrote into last year's lists (the fields pre-filled from master's 事業名)
    that master data did not list for that initiative and department, once each."""
    if unit_kind(form) is AnswerUnit.PROJECT:
        return []  # a 事務事業評価's 事業 are master's own
    out: list[KnownProject] = []
    seen: dict[tuple[str, str, str], list[str]] = {}
    """(initiative, department, name) → the leading projects it was reported under."""
    for section in form.sections:
        by_source = {
            f.default[len(MASTER_PROJECT) :]: f.key
            for f in section.fields
            if f.default.startswith(MASTER_PROJECT)
        }
        name_key, code_key = by_source.get("事業名"), by_source.get("取り組みコード")
        owner_key = by_source.get("所属名") or by_source.get("担当所属")
        if not name_key or not code_key:
            continue
        for received in current:
            dept = received.department
            try:
                dname = master.department(dept).name
            except KeyError:
                continue
            for unit, sections in received.submission.answers.items():
                for row in sections.get(section.key, []):
                    name, code = str(row.get(name_key) or "").strip(), str(row.get(code_key) or "").strip()
                    if not name or code not in {i.code for i in master.initiatives}:
                        continue
                    if any(_name_key(k.name) == _name_key(name) for k in master.known_for(code, dept)):
                        continue
                    key = (code, dept, _name_key(name))
                    if key in seen:
                        if unit not in seen[key]:
                            seen[key].append(unit)
                        continue
                    seen[key] = [unit]
                    owner = str(row.get(owner_key) or "").strip() if owner_key else ""
                    out.append(
                        KnownProject(
                            initiative=code, name=name, department=dept, owner="" if owner == dname else owner
                        )
                    )
    # a 事業 reported under one of several leading projects of its initiative belongs to that one
    for i, k in enumerate(out):
        units = seen.get((k.initiative, k.department, _name_key(k.name)), [])
        if len(units) == 1 and len({a.lp for a in master.assignments if a.initiative == k.initiative}) > 1:
            out[i] = k.model_copy(update={"lp": units[0]})
    return out


@dataclass
class CarryReport:
    """What `init --from` carried and what the office must check (Japanese lines)."""

    source: Path
    target: Path
    old_year: int
    new_year: int
    round_id: str
    carried: list[tuple[str, int]] = field(default_factory=list)
    """(what, how many) carried."""
    added_projects: list[KnownProject] = field(default_factory=list)
    answered: int = 0
    """Departments whose accepted answers were kept for pre-fill and comparison."""
    checks: list[str] = field(default_factory=list)

    @property
    def old_label(self) -> str:
        return fiscal_year_label(self.old_year)

    @property
    def new_label(self) -> str:
        return fiscal_year_label(self.new_year)


def start_from(
    root: Path, old_root: Path, *, force: bool = False, form: str | Path | None = None
) -> CarryReport:
    """Create next year's round at `root` from the round at `old_root`; return the report."""
    old = Round.open(Path(old_root))
    paths = RoundPaths(Path(root))
    if paths.master.exists() and not force:
        raise FileExistsError(f"{paths.master} はすでにあります（上書きするには --force を付けてください）")
    if Path(root).resolve() == old.root.resolve():
        raise FileExistsError(
            "前年度と同じフォルダは指定できません。新しいラウンドのフォルダ名を指定してください"
        )
    current: list[Received] = []
    if old.paths.ledger.exists():
        with old.ledger() as ledger:
            current = ledger.current()
    old_master = old.master.model_copy(update={"previous": None})
    # carried from master.xlsx as the office keeps it (not with the 事業 a 事務事業評価 round gave)
    new_master = carry_master(load_master(old.paths.master))
    added = reported_projects(new_master, old.form, current)
    if added:
        new_master = new_master.model_copy(update={"known_projects": (*new_master.known_projects, *added)})
    keep_form(paths, form if form is not None else old.paths.form)
    write_master(new_master, paths.master)
    save_previous(paths, snapshot(old.root, old_master, old.form, current))
    for d in (paths.outbox, paths.inbox):
        d.mkdir(parents=True, exist_ok=True)
    return _report(old.root, paths.root, old_master, new_master, added, current)


def _report(
    source: Path,
    target: Path,
    old: Master,
    new: Master,
    added: list[KnownProject],
    current: list[Received],
) -> CarryReport:
    s, o = new.settings, old.settings
    report = CarryReport(
        source=source,
        target=target,
        old_year=o.evaluation_year,
        new_year=s.evaluation_year,
        round_id=s.round_id,
        carried=[
            ("所属", len(new.departments)),
            ("リーディングプロジェクト", len(new.leading_projects)),
            ("取り組み", len(new.initiatives)),
            ("取り組み割当", len(new.assignments)),
            ("事業", len(new.known_projects) - len(added)),
        ],
        added_projects=added,
        answered=len(current),
    )
    checks = report.checks
    checks.append(
        f"評価年度: {fiscal_year_label(o.evaluation_year)} → {fiscal_year_label(s.evaluation_year)}"
        f"（評価対象年度 {fiscal_year_label(s.evaluated_year)}）。設定シートで確かめてください"
    )
    old_era, new_era = report.old_label[:2], report.new_label[:2]
    if old_era != new_era:
        checks.append(
            f"元号が変わります（{old_era}→{new_era}）。年度は自動で「{report.new_label}」と表示します。"
            "様式定義や master.xlsx の文章に年度を直接書いていれば直してください"
        )
    checks.append(
        f"回収ラウンドID: {o.round_id} → {s.round_id}。ほかのラウンドと重ならない ID にしてください"
    )
    weekend = "。土日にあたります" if s.deadline.weekday() >= 5 else ""
    checks.append(
        f"提出期限: {date_label(s.deadline)}（前年度の 1 年後）{weekend}。今年度の日程に合わせて直してください"
    )
    if o.project_round:
        checks.append(
            f"前年度は事務事業評価ラウンド「{o.project_round}」から事業を取っていました。設定の「事務事業評価ラウンド」は"
            "空にしてあります。今年度の事務事業評価ラウンドを作ったら、そのフォルダを書いてください"
        )
    checks.append(
        "事業シート: 名称変更・統合・分割した事業は事業コードを変えずに直すか、新しい事業コードの行の「旧事業コード」に"
        "前年度の事業コードを書いてください（統合は「A; B」）。終了した事業は行を消してください"
    )
    no_code = [k for k in new.known_projects if not k.code]
    if no_code:
        checks.append(
            f"事業コードのない事業が {len(no_code)} 件あります。事業コードを付けると、来年度も名称変更・統合を追えます"
        )
    if added:
        checks.append(
            f"前年度に所属が記入した事業のうち事業シートになかった {len(added)} 件を事業シートに加えました"
            "（下の一覧）。続ける事業か確かめ、終了した事業は行を消してください"
        )
    if not current:
        checks.append(
            f"前年度（{source}）には受理した提出がありません。前年度の内容はあらかじめ記入されません"
        )
    else:
        missing = [
            d.code for d in new.participating_departments() if d.code not in {r.department for r in current}
        ]
        if missing:
            checks.append(
                f"前年度に受理した提出のない所属: {'、'.join(missing)}（前年度の内容はあらかじめ記入されません）"
            )
    checks.append(
        "連絡先（担当課・担当者・メール・電話）と所属のメールアドレスが今年度も正しいか確かめてください"
    )
    return report
