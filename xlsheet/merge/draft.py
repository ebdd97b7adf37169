"""The merged draft of one leading project and its lead department's review decisions.

The review stage (docs/review.md): after the departments answer, the lead department (主管所属)
of each leading project gets a review workbook of the merged draft (`xlsheet review`), chooses
the ≤ 3 projects per initiative that print, edits, merges, reorders or drops the ● paragraphs
and decides the SDG goals; the returned workbook goes through intake and `merge` prints exactly
its decisions. This module is the data both sides share (no I/O):

- `Draft`: the draft as `consolidate` collects it before any decision, every item with a key
  (P01…, E01…, H01…) and a fingerprint of its content: a review made from another draft (the
  departments' answers changed since) is refused at intake and not applied by merge.
- `Review`: the lead's decisions, stored generically in the ledger like a department's answers
  (`Submission.answers`: leading project → section → rows → field → value).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

REVIEW_UNIT_PREFIX = "review:"
"""The ledger's election unit of a review: `review:<LP code>` (a department's answers: "")."""

PROJECT_KEY, EVALUATION_KEY, POLICY_KEY = "P", "E", "H"
"""Key prefixes of the draft's items: 事業, ●評価 paragraphs, ●今後の方針 paragraphs."""


def review_unit(lp: str) -> str:
    """The ledger unit a leading project's review is elected in."""
    return f"{REVIEW_UNIT_PREFIX}{lp}"


class ReviewSection(StrEnum):
    """Section keys of a stored review (`Submission.answers[lp]`)."""

    META = "review"
    PROJECTS = "review_projects"
    PARAGRAPHS = "review_paragraphs"
    SDGS = "review_sdgs"


class ReviewField(StrEnum):
    """Field keys of a stored review's rows."""

    DRAFT = "draft"
    KEY = "key"
    CHOSEN = "chosen"
    ORDER = "order"
    ACTION = "action"
    INTO = "into"
    HEADING = "heading"
    BODY = "body"
    GOAL = "goal"
    KEEP = "keep"
    IDENT = "ident"


class ParagraphAction(StrEnum):
    """What the lead decided for one ● paragraph."""

    ADOPT = "adopt"
    """Print it (with the heading and body as edited in the review workbook)."""
    MERGE = "merge"
    """Append its body to another adopted paragraph (統合先) and print it no more on its own."""
    DROP = "drop"
    """Do not print it (it stays in the 評価・方針 table)."""


ACTION_JA = {ParagraphAction.ADOPT: "採用", ParagraphAction.MERGE: "統合", ParagraphAction.DROP: "削除"}
ACTION_BY_JA = {v: k for k, v in ACTION_JA.items()}


@dataclass(frozen=True)
class DraftProject:
    key: str
    initiative: str
    name: str
    owner: str
    department: str
    """The reporting department's code."""
    default_shown: bool
    """Whether the merge prints it without a review (the first three in department order)."""
    row: Any = None
    """The merge's ProjectRow (kept out of the fingerprint)."""

    @property
    def ident(self) -> str:
        """What the item is, apart from its key (carries a decision over to a newer draft)."""
        return "\t".join((self.initiative, self.department, self.name))


@dataclass(frozen=True)
class DraftParagraph:
    key: str
    kind: str
    initiative: str
    heading: str
    body: str
    department: str
    row: Any = None
    """The merge's ParagraphRow (kept out of the fingerprint)."""

    @property
    def ident(self) -> str:
        """What the item is, apart from its key (carries a decision over to a newer draft)."""
        return "\t".join((self.kind, self.department, self.initiative, self.heading))


@dataclass(frozen=True)
class DraftSdg:
    goal: int
    departments: tuple[str, ...]
    """Codes of the departments that marked the goal, in master order."""


@dataclass
class Draft:
    """Everything the lead decides on for one leading project, in the merge's order."""

    lp: str
    projects: list[DraftProject] = field(default_factory=list)
    paragraphs: list[DraftParagraph] = field(default_factory=list)
    sdgs: list[DraftSdg] = field(default_factory=list)

    def bare(self) -> Draft:
        """The draft without the merge's rows (what intake checks a review against, sent to its
        worker processes)."""
        return Draft(
            self.lp,
            [replace(p, row=None) for p in self.projects],
            [replace(p, row=None) for p in self.paragraphs],
            list(self.sdgs),
        )

    @property
    def fingerprint(self) -> str:
        """SHA-256 (first 16 hex digits) of the draft's content and keys."""
        data = {
            "lp": self.lp,
            "projects": [(p.key, p.initiative, p.name, p.owner, p.department) for p in self.projects],
            "paragraphs": [
                (p.key, p.kind, p.initiative, p.heading, p.body, p.department) for p in self.paragraphs
            ],
            "sdgs": [(s.goal, list(s.departments)) for s in self.sdgs],
        }
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ProjectChoice:
    chosen: bool
    order: int | None = None
    ident: str = ""


@dataclass(frozen=True)
class ParagraphChoice:
    action: ParagraphAction
    heading: str
    body: str
    into: str = ""
    order: int | None = None
    ident: str = ""


@dataclass
class Review:
    """The lead department's decisions for one leading project."""

    lp: str
    draft: str
    """The fingerprint of the draft the review workbook was made from."""
    projects: dict[str, ProjectChoice] = field(default_factory=dict)
    paragraphs: dict[str, ParagraphChoice] = field(default_factory=dict)
    sdgs: dict[int, bool] = field(default_factory=dict)
    department: str = ""
    file: str = ""

    def answers(self) -> dict[str, list[dict[str, Any]]]:
        """The decisions as generic section rows (what the ledger stores)."""
        F = ReviewField
        return {
            ReviewSection.META: [{F.DRAFT: self.draft}],
            ReviewSection.PROJECTS: [
                {F.KEY: k, F.CHOSEN: c.chosen, F.ORDER: c.order, F.IDENT: c.ident}
                for k, c in self.projects.items()
            ],
            ReviewSection.PARAGRAPHS: [
                {
                    F.KEY: k,
                    F.ACTION: c.action.value,
                    F.INTO: c.into,
                    F.ORDER: c.order,
                    F.HEADING: c.heading,
                    F.BODY: c.body,
                    F.IDENT: c.ident,
                }
                for k, c in self.paragraphs.items()
            ],
            ReviewSection.SDGS: [{F.GOAL: g, F.KEEP: keep} for g, keep in self.sdgs.items()],
        }

    @classmethod
    def from_answers(
        cls, lp: str, sections: dict[str, list[dict[str, Any]]], department: str = "", file: str = ""
    ) -> Review:
        """Read back what `answers` stored."""
        F = ReviewField
        meta = sections.get(ReviewSection.META) or [{}]
        return cls(
            lp=lp,
            draft=str(meta[0].get(F.DRAFT, "")),
            projects={
                str(r[F.KEY]): ProjectChoice(bool(r.get(F.CHOSEN)), r.get(F.ORDER), str(r.get(F.IDENT, "")))
                for r in sections.get(ReviewSection.PROJECTS, [])
            },
            paragraphs={
                str(r[F.KEY]): ParagraphChoice(
                    ParagraphAction(r[F.ACTION]),
                    str(r.get(F.HEADING, "")),
                    str(r.get(F.BODY, "")),
                    str(r.get(F.INTO) or ""),
                    r.get(F.ORDER),
                    str(r.get(F.IDENT, "")),
                )
                for r in sections.get(ReviewSection.PARAGRAPHS, [])
            },
            sdgs={int(r[F.GOAL]): bool(r.get(F.KEEP)) for r in sections.get(ReviewSection.SDGS, [])},
            department=department,
            file=file,
        )


def carried(review: Review, draft: Draft) -> Review:
    """The decisions of a review made from an older draft, moved onto `draft`'s keys where the
    item is still there (same department, initiative and name or heading); the rest left out."""
    projects = {c.ident: c for c in review.projects.values() if c.ident}
    paragraphs = {c.ident: (k, c) for k, c in review.paragraphs.items() if c.ident}
    new_key = {k: p.key for p in draft.paragraphs if (hit := paragraphs.get(p.ident)) for k in (hit[0],)}
    out = Review(lp=draft.lp, draft=draft.fingerprint, department=review.department, file=review.file)
    for p in draft.projects:
        if p.ident in projects:
            out.projects[p.key] = projects[p.ident]
    for p in draft.paragraphs:
        if p.ident in paragraphs:
            c = paragraphs[p.ident][1]
            out.paragraphs[p.key] = replace(c, into=new_key.get(c.into, ""))
    out.sdgs = dict(review.sdgs)
    return out


def ordered(keys: list[str], order: dict[str, int | None]) -> list[str]:
    """Keys by the lead's 順番 (blank last), ties in draft order."""
    big = 1 << 30
    return [k for _, _, k in sorted((order.get(k) or big, n, k) for n, k in enumerate(keys))]
