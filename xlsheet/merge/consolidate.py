"""Put every current submission in order: the pure middle of the merge (no I/O).

`consolidate(master, received)` gives, per leading project, what its 政策評価表 shows and, for
all leading projects, the flat rows (projects, paragraphs, SDG choices) with provenance and the
merge's own issues. The form sheet, the Excel tables and the DataFrames are all written from
this one result, so they always agree.

Ordering (the seed's): initiatives in the leading project's order (`Master.lp_initiatives`);
projects per initiative in assignment (department) order, then the department's row order;
paragraphs by the initiative they name (or the department's first initiative), then the same
department order, then row order; the lead's ●総評 after the evaluations and its 今後の方針
intro before the policy paragraphs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from ..catalogue import issue
from ..era import to_fullwidth
from ..formdef import Form
from ..models import (
    SDG_GOALS,
    Category,
    Department,
    DepartmentStatus,
    DeptState,
    Initiative,
    Issue,
    LeadingProject,
    Master,
    Paragraph,
    Received,
    Severity,
)
from ..units import participating_departments
from .draft import (
    EVALUATION_KEY,
    POLICY_KEY,
    PROJECT_KEY,
    Draft,
    DraftParagraph,
    DraftProject,
    DraftSdg,
    ParagraphAction,
    Review,
    ordered,
)
from .merge_codes import CODES as CODES  # (importing it registers the rows used here)

LOCAL_TZ = ZoneInfo("Asia/Tokyo")
"""Times in the book are Japan time; Excel cells cannot carry a time zone."""

KIND_EVALUATION = "評価"
KIND_SUMMARY = "総評"
KIND_POLICY_INTRO = "今後の方針（前文）"
KIND_POLICY = "今後の方針"

PROJECTS_PER_INITIATIVE = 3
"""The 政策評価表 print layout shows at most three projects per initiative (its 「最大３つまで」);
the rest stay in 事業一覧 as NOT_SHOWN. The print layout's rule, not the form's: an office may give
the form's 事業 section more rows, the printed sheet still has three lines per initiative."""

SHOWN = "掲載"
NOT_SHOWN = f"非掲載（{to_fullwidth(str(PROJECTS_PER_INITIATIVE + 1))}件目以降）"
NOT_PLACED = "非掲載（取り組みが一覧にない）"
NOT_CHOSEN = "非掲載（主管所属が選ばず）"


def local_time(value: dt.datetime | None) -> dt.datetime | None:
    """A naive Japan-time datetime for Excel (aware times are converted, naive ones kept)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None)


@dataclass(frozen=True)
class Provenance:
    """Where a row came from: the department's accepted file in the ledger."""

    department: str
    department_name: str
    file: str
    sha256: str
    received_at: dt.datetime | None
    round_id: str
    decision: str = ""
    """The office's decision that made the file count (`xlsheet accept`), if any."""


@dataclass(frozen=True)
class ProjectRow:
    lp: str
    lp_name: str
    category: str
    initiative: str
    initiative_title: str
    name: str
    owner: str
    shown: str
    row: int
    """Row order within the department's section (1-based)."""
    prov: Provenance


@dataclass(frozen=True)
class ParagraphRow:
    lp: str
    lp_name: str
    kind: str
    order: int
    """Position on the 政策評価表 within its kind (1-based; 0 when not on the form)."""
    initiative: str
    heading: str
    body: str
    prov: Provenance


@dataclass(frozen=True)
class SdgRow:
    lp: str
    lp_name: str
    goal: int
    goal_name: str
    prov: Provenance


@dataclass
class InitiativeBlock:
    initiative: Initiative
    category: Category
    projects: list[ProjectRow] = field(default_factory=list)
    """The projects the form shows (at most three)."""
    hidden: int = 0
    """How many more the department(s) reported; they are in the flat table."""


@dataclass
class LpForm:
    """Everything one 政策評価表 sheet shows, in order."""

    lp: LeadingProject
    blocks: list[InitiativeBlock]
    evaluations: list[ParagraphRow]
    summary: ParagraphRow | None
    policy_intro: ParagraphRow | None
    policies: list[ParagraphRow]
    sdgs: frozenset[int]
    sdg_counts: dict[int, int]

    @property
    def main(self) -> list[InitiativeBlock]:
        return [b for b in self.blocks if b.category is Category.MAIN]

    @property
    def related(self) -> list[InitiativeBlock]:
        return [b for b in self.blocks if b.category is Category.RELATED]


@dataclass
class Consolidated:
    master: Master
    forms: list[LpForm]
    projects: list[ProjectRow]
    paragraphs: list[ParagraphRow]
    sdgs: list[SdgRow]
    issues: list[Issue]
    """The merge's own findings (what was not placed on a form, what is missing)."""
    received: list[Received]
    drafts: dict[str, Draft] = field(default_factory=dict)
    """Per leading project, the merged draft before the lead's decisions (the review stage)."""
    reviewed: dict[str, Review] = field(default_factory=dict)
    """Per leading project, the lead's review that decided what its form shows."""


class _Index:
    """Master lookups by code, built once (Master's own lookups scan lists)."""

    def __init__(self, master: Master):
        self.master = master
        self.dept_pos = {d.code: i for i, d in enumerate(master.departments)}
        self.depts: dict[str, Department] = {d.code: d for d in master.departments}
        self.inits = {i.code: i for i in master.initiatives}
        self.lps = {lp.code: lp for lp in master.leading_projects}
        # lp -> initiative -> [departments in assignment order]; lp -> ordered initiatives
        self.assigned: dict[str, dict[str, list[str]]] = {}
        cats: dict[str, dict[str, Category]] = {}
        for a in master.assignments:
            depts = self.assigned.setdefault(a.lp, {}).setdefault(a.initiative, [])
            if a.department not in depts:
                depts.append(a.department)
            cats.setdefault(a.lp, {}).setdefault(a.initiative, a.category)
        self.order: dict[str, list[tuple[Initiative, Category]]] = {}
        for lp, seen in cats.items():
            ordered = [c for c in seen if seen[c] is Category.MAIN] + [
                c for c in seen if seen[c] is Category.RELATED
            ]
            self.order[lp] = [(self.inits[c], seen[c]) for c in ordered if c in self.inits]
        self.pos = {lp: {i.code: n for n, (i, _) in enumerate(items)} for lp, items in self.order.items()}
        self.category = {lp: {i.code: c for i, c in items} for lp, items in self.order.items()}

    def dept_name(self, code: str) -> str:
        d = self.depts.get(code)
        return d.name if d else code

    def dept_rank(self, lp: str, initiative: str, dept: str) -> tuple[int, int]:
        """Assignment order for the initiative first, then everyone else in master order."""
        assigned = self.assigned.get(lp, {}).get(initiative, [])
        if dept in assigned:
            return (0, assigned.index(dept))
        return (1, self.dept_pos.get(dept, len(self.dept_pos)))

    def first_initiative(self, lp: str, dept: str) -> str | None:
        for i, _ in self.order.get(lp, []):
            if dept in self.assigned[lp].get(i.code, []):
                return i.code
        return None


def _issue(code: str, prov: Provenance | None, lp: str = "", section: str = "", **params: Any) -> Issue:
    """The catalogue's `code` about a submission's file (`prov`), at a leading project and section."""
    return issue(code, file=prov.file if prov else "", at={"lp": lp, "section": section}, **params)


class _Collector:
    """Collects every department's rows, then lays them out per leading project."""

    def __init__(self, master: Master, reviews: dict[str, Review] | None = None, review_stage: bool = False):
        self.master = master
        self.reviews = reviews or {}
        self.review_stage = review_stage or bool(self.reviews)
        self.applied: dict[str, Review] = {}
        self.ix = _Index(master)
        self.issues: list[Issue] = []
        self.projects: list[ProjectRow] = []
        self.paragraphs: list[ParagraphRow] = []
        self.sdgs: list[SdgRow] = []
        # lp -> (sort key, row) collected across departments
        self.proj_by_lp: dict[str, list[tuple[tuple, ProjectRow]]] = {}
        self.eval_by_lp: dict[str, list[tuple[tuple, ParagraphRow]]] = {}
        self.pol_by_lp: dict[str, list[tuple[tuple, ParagraphRow]]] = {}
        self.summary: dict[str, ParagraphRow] = {}
        self.intro: dict[str, ParagraphRow] = {}
        self.sdg_counts: dict[str, dict[int, int]] = {}

    # -- one department's submission ----------------------------------------------------------
    def add(self, rec: Received) -> None:
        ix = self.ix
        dname = ix.dept_name(rec.department)
        prov = Provenance(
            department=rec.department,
            department_name=dname,
            file=rec.file,
            sha256=rec.sha256,
            received_at=local_time(rec.received_at),
            round_id=rec.round_id,
            decision=rec.decision,
        )
        if rec.department not in ix.depts:
            self.issues.append(_issue("merge.unknown_department", prov, department=rec.department))
        for entry in rec.submission.lps:
            lp = ix.lps.get(entry.lp)
            if lp is None:
                self.issues.append(
                    _issue("merge.unknown_lp", prov, entry.lp, department=dname, lp_code=entry.lp)
                )
            lp_name = lp.name if lp else entry.lp
            self._projects(rec, entry, lp, lp_name, prov)
            self._paragraphs(rec, entry, lp, lp_name, prov)
            self._lead_texts(rec, entry, lp, lp_name, prov)
            self._sdgs(entry, lp_name, prov)

    def _projects(self, rec: Received, entry, lp, lp_name: str, prov: Provenance) -> None:
        ix = self.ix
        pos = ix.pos.get(entry.lp, {})
        dname = prov.department_name
        for n, p in enumerate(entry.projects, start=1):
            init = ix.inits.get(p.initiative)
            cat = p.category.value if p.category else ""
            known = lp is not None and p.initiative in pos
            if known:
                cat = ix.category[entry.lp][p.initiative].value
            row = ProjectRow(
                lp=entry.lp,
                lp_name=lp_name,
                category=cat,
                initiative=p.initiative,
                initiative_title=init.title if init else "",
                name=p.name,
                owner=p.department,
                shown=SHOWN if known else NOT_PLACED,
                row=n,
                prov=prov,
            )
            if known:
                key = (pos[p.initiative], ix.dept_rank(entry.lp, p.initiative, rec.department), n)
                self.proj_by_lp.setdefault(entry.lp, []).append((key, row))
                continue
            self.projects.append(row)
            if lp is not None:
                self.issues.append(
                    _issue(
                        "merge.unknown_initiative",
                        prov,
                        entry.lp,
                        "projects",
                        department=dname,
                        project=p.name,
                        initiative=p.initiative,
                        lp_name=lp_name,
                    )
                )

    def _paragraphs(self, rec: Received, entry, lp, lp_name: str, prov: Provenance) -> None:
        first = self.ix.first_initiative(entry.lp, rec.department) if lp is not None else None
        for kind, paras, bucket in (
            (KIND_EVALUATION, entry.evaluations, self.eval_by_lp),
            (KIND_POLICY, entry.policies, self.pol_by_lp),
        ):
            for n, p in enumerate(paras, start=1):
                row = ParagraphRow(entry.lp, lp_name, kind, 0, p.initiative or "", p.heading, p.body, prov)
                if lp is not None:
                    key = _para_key(self.ix, entry.lp, rec.department, first, p, n)
                    bucket.setdefault(entry.lp, []).append((key, row))
                else:
                    self.paragraphs.append(row)

    def _lead_texts(self, rec: Received, entry, lp, lp_name: str, prov: Provenance) -> None:
        """●総評 and the 今後の方針 opening: the lead department's; anyone else's is listed only."""
        is_lead = lp is not None and lp.lead_department == rec.department
        for kind, text, target in (
            (KIND_SUMMARY, entry.summary, self.summary),
            (KIND_POLICY_INTRO, entry.policy_intro, self.intro),
        ):
            if not text:
                continue
            row = ParagraphRow(entry.lp, lp_name, kind, 0, "", kind, text, prov)
            if is_lead:
                target[entry.lp] = row
                continue
            self.paragraphs.append(row)
            if lp is not None:
                self.issues.append(
                    _issue(
                        "merge.not_lead",
                        prov,
                        entry.lp,
                        department=prov.department_name,
                        kind=kind,
                        lead=self.ix.dept_name(lp.lead_department),
                    )
                )

    def _sdgs(self, entry, lp_name: str, prov: Provenance) -> None:
        counts = self.sdg_counts.setdefault(entry.lp, {})
        for goal in sorted(set(entry.sdgs)):
            if 1 <= goal <= len(SDG_GOALS):
                counts[goal] = counts.get(goal, 0) + 1
                self.sdgs.append(SdgRow(entry.lp, lp_name, goal, SDG_GOALS[goal - 1], prov))
            else:
                self.issues.append(
                    _issue(
                        "merge.bad_sdg",
                        prov,
                        entry.lp,
                        "sdgs",
                        department=prov.department_name,
                        goal=goal,
                        goals=len(SDG_GOALS),
                    )
                )

    # -- the draft and the lead's review -----------------------------------------------------
    def draft(self, lp: LeadingProject) -> Draft:
        """The leading project's merged draft before any decision, every item keyed."""
        code = lp.code
        per_init: dict[str, int] = {}
        projects = []
        for n, (_, row) in enumerate(sorted(self.proj_by_lp.get(code, []), key=lambda kr: kr[0]), start=1):
            per_init[row.initiative] = per_init.get(row.initiative, 0) + 1
            projects.append(
                DraftProject(
                    key=f"{PROJECT_KEY}{n:02d}",
                    initiative=row.initiative,
                    name=row.name,
                    owner=row.owner,
                    department=row.prov.department,
                    default_shown=per_init[row.initiative] <= PROJECTS_PER_INITIATIVE,
                    row=row,
                )
            )
        paragraphs = []
        for prefix, keyed in ((EVALUATION_KEY, self.eval_by_lp), (POLICY_KEY, self.pol_by_lp)):
            for n, row in enumerate(_ordered(keyed.get(code, [])), start=1):
                paragraphs.append(
                    DraftParagraph(
                        f"{prefix}{n:02d}",
                        row.kind,
                        row.initiative,
                        row.heading,
                        row.body,
                        row.prov.department,
                        row,
                    )
                )
        marked: dict[int, list[str]] = {}
        for r in self.sdgs:
            if r.lp == code and r.prov.department not in marked.setdefault(r.goal, []):
                marked[r.goal].append(r.prov.department)
        dept_pos = self.ix.dept_pos
        sdgs = [
            DraftSdg(g, tuple(sorted(ds, key=lambda d: dept_pos.get(d, len(dept_pos)))))
            for g, ds in sorted(marked.items())
        ]
        return Draft(code, projects, paragraphs, sdgs)

    def _review(self, lp: LeadingProject, draft: Draft) -> Review | None:
        """The lead's review to apply, or None (with a warning saying why) once reviews are due."""
        review = self.reviews.get(lp.code)
        lead = self.ix.dept_name(lp.lead_department)
        if review is not None and review.draft == draft.fingerprint:
            self.applied[lp.code] = review
            return review
        if review is not None:
            self.issues.append(
                _issue(
                    "merge.review_outdated",
                    None,
                    lp.code,
                    lp_name=lp.name,
                    lead=lead,
                    review_file=review.file,
                )
            )
        elif self.review_stage:
            self.issues.append(
                _issue(
                    "merge.review_missing",
                    None,
                    lp.code,
                    lp_name=lp.name,
                    lead=lead,
                    limit=PROJECTS_PER_INITIATIVE,
                )
            )
        return None

    def _reviewed_paragraphs(self, draft: Draft, review: Review, prefix: str) -> list[ParagraphRow]:
        """One kind's paragraphs as the lead decided: adopted ones (edited, merged bodies appended)
        in the lead's order; dropped and merged ones go to the flat table only (order 0)."""
        items = [p for p in draft.paragraphs if p.key.startswith(prefix)]
        by_key = {p.key: p for p in items}
        choice = review.paragraphs
        adopted = [p.key for p in items if p.key in choice and choice[p.key].action is ParagraphAction.ADOPT]
        bodies = {k: choice[k].body for k in adopted}
        for p in items:
            c = choice.get(p.key)
            merging = c is not None and c.action is ParagraphAction.MERGE and c.into in bodies
            if merging and c.body.strip():
                bodies[c.into] = f"{bodies[c.into]}\n{c.body}" if bodies[c.into] else c.body
        keys = ordered(adopted, {k: choice[k].order for k in adopted})
        out = []
        for n, k in enumerate(keys, start=1):
            out.append(_replace(by_key[k].row, order=n, heading=choice[k].heading, body=bodies[k]))
        for p in items:
            if p.key not in adopted:
                self.paragraphs.append(_replace(p.row, order=0))
        return out

    # -- one leading project's form -------------------------------------------------------------
    def form(self, lp: LeadingProject, draft: Draft | None = None) -> LpForm:
        draft = draft or self.draft(lp)
        review = self._review(lp, draft)
        blocks = self._blocks(lp, draft, review)
        if review is None:
            evaluations = _ordered(self.eval_by_lp.get(lp.code, []))
            policies = _ordered(self.pol_by_lp.get(lp.code, []))
        else:
            evaluations = self._reviewed_paragraphs(draft, review, EVALUATION_KEY)
            policies = self._reviewed_paragraphs(draft, review, POLICY_KEY)
        s = self.summary.get(lp.code)
        pi = self.intro.get(lp.code)
        s = _replace(s, order=1) if s else None
        pi = _replace(pi, order=1) if pi else None
        lead_name = self.ix.dept_name(lp.lead_department)
        for text, what in ((s, "●総評"), (pi, "今後の方針の前文")):
            if text is None:
                self.issues.append(
                    _issue(
                        "merge.missing_lead_text", None, lp.code, lp_name=lp.name, what=what, lead=lead_name
                    )
                )
        self.paragraphs.extend([*evaluations, *([s] if s else []), *([pi] if pi else []), *policies])
        counts = self.sdg_counts.get(lp.code, {})
        sdgs = frozenset(counts)
        if review is not None:
            sdgs = frozenset(g for g, keep in review.sdgs.items() if keep and 1 <= g <= len(SDG_GOALS))
        return LpForm(
            lp=lp,
            blocks=blocks,
            evaluations=evaluations,
            summary=s,
            policy_intro=pi,
            policies=policies,
            sdgs=sdgs,
            sdg_counts=dict(sorted(counts.items())),
        )

    def _blocks(
        self, lp: LeadingProject, draft: Draft, review: Review | None = None
    ) -> list[InitiativeBlock]:
        """The initiatives with at most PROJECTS_PER_INITIATIVE projects each: the ones the lead
        chose, in the lead's order, or (no review) the first ones in department order."""
        ix = self.ix
        blocks = [InitiativeBlock(i, c) for i, c in ix.order.get(lp.code, [])]
        by_code = {b.initiative.code: b for b in blocks}
        if review is not None:
            return self._reviewed_blocks(lp, blocks, draft, review)
        for _, row in sorted(self.proj_by_lp.get(lp.code, []), key=lambda kr: kr[0]):
            block = by_code[row.initiative]
            if len(block.projects) < PROJECTS_PER_INITIATIVE:
                block.projects.append(row)
                self.projects.append(row)
            else:
                block.hidden += 1
                self.projects.append(_replace(row, shown=NOT_SHOWN))
        for block in blocks:
            code = block.initiative.code
            if block.hidden:
                shown = "、".join(f"「{p.name}」" for p in block.projects)
                self.issues.append(
                    _issue(
                        "merge.too_many_projects",
                        None,
                        lp.code,
                        "projects",
                        lp_name=lp.name,
                        initiative=code,
                        count=len(block.projects) + block.hidden,
                        limit=PROJECTS_PER_INITIATIVE,
                        shown=shown,
                        hidden=block.hidden,
                    )
                )
            elif not block.projects:
                self._no_projects(lp, code)
        return blocks

    def _no_projects(self, lp: LeadingProject, code: str) -> None:
        """An initiative of the leading project with no 事業 yet: say who reports it."""
        who = "、".join(self.ix.dept_name(d) for d in self.ix.assigned[lp.code].get(code, []))
        self.issues.append(
            _issue("merge.no_projects", None, lp.code, "projects", lp_name=lp.name, initiative=code, who=who)
        )

    def _reviewed_blocks(
        self, lp: LeadingProject, blocks: list[InitiativeBlock], draft: Draft, review: Review
    ) -> list[InitiativeBlock]:
        """The projects the lead chose per initiative (○ in the review workbook), in its order."""
        choice = review.projects
        by_key = {p.key: p for p in draft.projects}
        for block in blocks:
            code = block.initiative.code
            items = [p.key for p in draft.projects if p.initiative == code]
            if not items:
                self._no_projects(lp, code)
            chosen = [k for k in items if k in choice and choice[k].chosen]
            keys = ordered(chosen, {k: choice[k].order for k in chosen})[:PROJECTS_PER_INITIATIVE]
            block.projects = [by_key[k].row for k in keys]
            block.hidden = len(items) - len(keys)
        shown = {id(r) for b in blocks for r in b.projects}
        for p in draft.projects:
            self.projects.append(p.row if id(p.row) in shown else _replace(p.row, shown=NOT_CHOSEN))
        return blocks


def _ordered(keyed: list[tuple[tuple, ParagraphRow]]) -> list[ParagraphRow]:
    return [_replace(r, order=n) for n, (_, r) in enumerate(sorted(keyed, key=lambda kr: kr[0]), start=1)]


def consolidate(
    master: Master,
    received: list[Received],
    reviews: dict[str, Review] | None = None,
    *,
    review_stage: bool = False,
) -> Consolidated:
    """Order every current submission into forms and flat rows; say what could not be placed.

    `reviews`: per leading project, the lead department's decisions (the review stage): where one
    was made from the current draft, the form shows exactly what it decides. With
    `review_stage` (review workbooks were issued) a leading project without one is a warning."""
    c = _Collector(master, reviews, review_stage)
    received = sorted(
        received, key=lambda r: (c.ix.dept_pos.get(r.department, len(c.ix.dept_pos)), r.department)
    )
    for rec in received:
        c.add(rec)
    drafts = {lp.code: c.draft(lp) for lp in master.leading_projects}
    forms = [c.form(lp, drafts[lp.code]) for lp in master.leading_projects]
    lp_pos = {lp.code: n for n, lp in enumerate(master.leading_projects)}
    kind_pos = {KIND_EVALUATION: 0, KIND_SUMMARY: 1, KIND_POLICY_INTRO: 2, KIND_POLICY: 3}
    # Flat tables: leading project order, then form order; rows not on a form come last.
    projects = _stable_by_lp(c.projects, lp_pos)
    paragraphs = sorted(
        c.paragraphs,
        key=lambda r: (lp_pos.get(r.lp, len(lp_pos)), r.order == 0, kind_pos[r.kind], r.order),
    )
    sdgs = sorted(
        c.sdgs, key=lambda r: (lp_pos.get(r.lp, len(lp_pos)), r.goal, c.ix.dept_pos.get(r.prov.department, 0))
    )
    return Consolidated(master, forms, projects, paragraphs, sdgs, c.issues, received, drafts, c.applied)


def _para_key(ix: _Index, lp: str, dept: str, first: str | None, p: Paragraph, n: int) -> tuple:
    """Initiative named (else the department's first), then department order, then row order."""
    pos = ix.pos.get(lp, {})
    code = p.initiative if p.initiative in pos else first
    at = pos.get(code, len(pos)) if code else len(pos)
    return (at, ix.dept_rank(lp, code or "", dept), n)


def _stable_by_lp(rows: list[ProjectRow], lp_pos: dict[str, int]) -> list[ProjectRow]:
    return sorted(rows, key=lambda r: (lp_pos.get(r.lp, len(lp_pos)), r.shown == NOT_PLACED))


def _replace(row, **changes):
    return replace(row, **changes)


def derived_status(
    master: Master, received: list[Received], form: Form | None = None
) -> list[DepartmentStatus]:
    """The submission status from the received list alone (when no ledger status is given)."""
    got = {r.department: r for r in received}
    out = []
    depts = (
        participating_departments(form, master) if form is not None else master.participating_departments()
    )
    for d in depts:
        r = got.get(d.code)
        if r is None:
            out.append(DepartmentStatus(department=d.code, name=d.name, state=DeptState.NOT_SUBMITTED))
            continue
        counts = {s: sum(1 for i in r.issues if i.severity is s) for s in Severity}
        out.append(
            DepartmentStatus(
                department=d.code,
                name=d.name,
                received_at=r.received_at,
                state=DeptState.ACCEPTED,
                errors=counts[Severity.ERROR],
                warnings=counts[Severity.WARNING],
                fixed=counts[Severity.FIXED],
                file=r.file,
                current=r.file,
            )
        )
    return out
