"""Pydantic models: the typed truth for master data, submissions and issues."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .era import fiscal_year_label

CODE_RE = re.compile(r"^\d{1,2}-\d{1,2}-\d{1,2}$")
"""An initiative code (取り組みコード) such as 1-4-2."""

LP_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,9}$")
"""A leading-project code: ASCII, used inside defined names (LP1, KIZUNA)."""

DEPT_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
PROJECT_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
"""事業コード: stable across years (half-width letters, digits, - and _)."""
"""A department code: ASCII, used in file names and defined names."""

EMAIL_RE = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")


class Category(StrEnum):
    """Whether an initiative is main (主な) or related (関連する) for a leading project."""

    MAIN = "主な取り組み"
    RELATED = "関連する取り組み"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    FIXED = "fixed"


SEVERITY_JA = {Severity.ERROR: "エラー", Severity.WARNING: "注意", Severity.FIXED: "自動修正"}

SDG_GOALS: tuple[str, ...] = (
    "貧困をなくそう",
    "飢餓をゼロに",
    "すべての人に健康と福祉を",
    "質の高い教育をみんなに",
    "ジェンダー平等を実現しよう",
    "安全な水とトイレを世界中に",
    "エネルギーをみんなにそしてクリーンに",
    "働きがいも経済成長も",
    "産業と技術革新の基盤を作ろう",
    "人や国の不平等をなくそう",
    "住み続けられるまちづくりを",
    "つくる責任 つかう責任",
    "気候変動に具体的な対策を",
    "海の豊かさを守ろう",
    "陸の豊かさを守ろう",
    "平和と公平をすべての人に",
    "パートナーシップで目標を達成しよう",
)
"""The 17 goals as the seed form names them (index 0 is goal 1)."""

SDG_MARK = "○"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- master data


class Settings(_Model):
    """The round's settings (設定 sheet)."""

    municipality: str = Field(description="自治体名")
    evaluation_year: int = Field(description="評価を行う年度（西暦）, e.g. 2020 for 令和２年度")
    round_id: str = Field(description="回収ラウンドID")
    deadline: dt.date = Field(description="提出期限")
    office_name: str = Field(description="担当課（企画課）")
    office_contact: str = Field(description="担当者")
    office_email: str = Field(description="連絡先メール")
    office_phone: str = Field(default="", description="電話")
    sheet_password: str = Field(default="", description="シート保護パスワード（空欄で無し）")
    average_personnel_cost: float | None = Field(
        default=None, description="平均人件費（千円／人・年）: what one person-year (人工) costs"
    )
    project_round: str = Field(
        default="",
        description="事務事業評価ラウンド: the folder of the same year's 事務事業評価 round whose accepted "
        "results pre-fill this round's 事業 (relative to this round's folder)",
    )

    @property
    def evaluated_year(self) -> int:
        """The fiscal year being evaluated: the year before the evaluation year."""
        return self.evaluation_year - 1

    @property
    def evaluation_label(self) -> str:
        return fiscal_year_label(self.evaluation_year)

    @property
    def evaluated_label(self) -> str:
        return fiscal_year_label(self.evaluated_year)


class Department(_Model):
    code: str
    name: str
    parent: str = ""
    emails: tuple[str, ...] = ()


class LeadingProject(_Model):
    code: str
    name: str
    direction: str = Field(description="リーディングプロジェクトの方向性")
    lead_department: str = Field(description="主管所属コード")


class Initiative(_Model):
    code: str
    title: str
    subtitle: str = ""


class Assignment(_Model):
    """Initiative `initiative` belongs to leading project `lp` as `category`, reported by `department`."""

    lp: str
    initiative: str
    category: Category
    department: str


class KnownProject(_Model):
    """A project (事業) of master's 事業 sheet: the unit of a 事務事業評価 and the pre-fill of the
    政策評価表's 実施した事業 rows."""

    initiative: str
    name: str
    department: str = Field(description="報告所属コード: whose workbook pre-fills it")
    owner: str = Field(default="", description="所属名 shown on the form; blank means the department's name")
    code: str = Field(default="", description="事業コード, stable across years")
    lp: str = Field(
        default="", description="リーディングプロジェクトコード; blank: every one of the initiative"
    )
    budget_item: str = Field(default="", description="予算の細目")
    previous_codes: tuple[str, ...] = Field(
        default=(), description="旧事業コード: the codes this 事業 continues (rename, merger or split)"
    )
    evaluation: tuple[tuple[str, str], ...] = Field(
        default=(),
        description="(見出し, 値) of the 事業's accepted 事務事業評価 (総合評価, 今後の方向性 …), when this "
        "round takes its 事業 from one; never written to master.xlsx",
    )

    def serves(self, lp: str) -> bool:
        """Whether the project belongs to leading project `lp` (blank: to all of them)."""
        return not self.lp or self.lp == lp


class PreviousAnswers(_Model):
    """Last year's accepted answers, as a round started with `xlsheet init --from` keeps them
    (ROUND/前年度.json): what the form's 初期値 「前年度:…」 pre-fills."""

    round_id: str
    evaluation_year: int
    answers: dict[str, dict[str, dict[str, list[dict[str, Any]]]]] = Field(default_factory=dict)
    """department → unit (leading project or 事業コード) → section key → rows → field → value."""


class Master(_Model):
    settings: Settings
    leading_projects: tuple[LeadingProject, ...]
    initiatives: tuple[Initiative, ...]
    assignments: tuple[Assignment, ...]
    departments: tuple[Department, ...]
    known_projects: tuple[KnownProject, ...] = ()
    previous: PreviousAnswers | None = None
    """Last year's accepted answers when the round has a previous one (not from master.xlsx:
    `Round.master` adds them from ROUND/前年度.json)."""

    @cached_property
    def _index(self) -> _MasterIndex:
        return _MasterIndex(self)

    def model_copy(self, *, update=None, deep: bool = False) -> Master:
        """A copy whose lookup index is rebuilt from its own fields (not the original's)."""
        copy = super().model_copy(update=update, deep=deep)
        copy.__dict__.pop("_index", None)
        return copy

    def department(self, code: str) -> Department:
        return self._index.departments[code]

    def initiative(self, code: str) -> Initiative:
        return self._index.initiatives[code]

    def leading_project(self, code: str) -> LeadingProject:
        return self._index.lps[code]

    def lp_initiatives(self, lp: str) -> list[tuple[Initiative, Category]]:
        """The leading project's initiatives in sheet order, main ones first, each once."""
        return list(self._index.lp_initiatives.get(lp, ()))

    def department_lps(self, dept: str) -> list[LeadingProject]:
        """Leading projects the department reports on or leads, in master order."""
        return list(self._index.dept_lps.get(dept, ()))

    def department_initiatives(self, dept: str, lp: str) -> list[tuple[Initiative, Category]]:
        """Initiatives the department reports for one leading project, in leading-project order."""
        mine = self._index.dept_initiatives.get((dept, lp), set())
        return [(i, c) for i, c in self._index.lp_initiatives.get(lp, ()) if i.code in mine]

    def known_for(self, initiative: str, dept: str, lp: str | None = None) -> list[KnownProject]:
        """Projects of one initiative reported by one department, in master order; with `lp`,
        only those that belong to that leading project."""
        known = self._index.known.get((initiative, dept), ())
        return [k for k in known if lp is None or k.serves(lp)]

    def project(self, code: str) -> KnownProject:
        """A 事業 by its 事業コード."""
        return self._index.projects[code]

    def predecessors(self, code: str) -> tuple[str, ...]:
        """The 事業コード last year's answers of 事業 `code` are filed under: its 旧事業コード (a
        merger lists several; a split names the same old code on several 事業), else its own."""
        k = self._index.projects.get(code)
        return k.previous_codes if k is not None and k.previous_codes else (code,)

    def previous_for(self, dept: str, unit: str) -> dict[str, list[dict[str, Any]]]:
        """Last year's accepted answers for this year's unit: the department's own for a leading
        project; for a 事業, those of its predecessors (whichever department answered them), rows
        of a merger's predecessors one after another. Empty without a previous round."""
        if self.previous is None:
            return {}
        answers = self.previous.answers
        if unit not in self._index.projects:
            return answers.get(dept, {}).get(unit, {})
        by_unit = self._index.previous_units
        out: dict[str, list[dict[str, Any]]] = {}
        for old in self.predecessors(unit):
            for section, rows in by_unit.get(old, {}).items():
                out.setdefault(section, []).extend(rows)
        return out

    def department_projects(self, dept: str) -> list[KnownProject]:
        """The 事業 a department answers for (those with a 事業コード), in master order."""
        return [k for k in self.known_projects if k.code and k.department == dept]

    def participating_departments(self) -> list[Department]:
        """Departments that get an entry workbook: they report something or lead a project."""
        return [d for d in self.departments if d.code in self._index.dept_lps]


class _MasterIndex:
    """Lookups over a Master, built once (master data is immutable)."""

    def __init__(self, m: Master):
        self.departments = {d.code: d for d in m.departments}
        self.initiatives = {i.code: i for i in m.initiatives}
        self.lps = {lp.code: lp for lp in m.leading_projects}
        self.known: dict[tuple[str, str], list[KnownProject]] = {}
        self.projects = {k.code: k for k in m.known_projects if k.code}
        self.previous_units: dict[str, dict[str, list[dict[str, Any]]]] = {}
        if m.previous is not None:
            for units in m.previous.answers.values():
                for unit, sections in units.items():
                    self.previous_units.setdefault(unit, sections)
        for k in m.known_projects:
            self.known.setdefault((k.initiative, k.department), []).append(k)
        first: dict[str, dict[str, Category]] = {}
        self.dept_initiatives: dict[tuple[str, str], set[str]] = {}
        lp_codes: dict[str, set[str]] = {}
        for a in m.assignments:
            first.setdefault(a.lp, {}).setdefault(a.initiative, a.category)
            self.dept_initiatives.setdefault((a.department, a.lp), set()).add(a.initiative)
            lp_codes.setdefault(a.department, set()).add(a.lp)
        for lp in m.leading_projects:
            lp_codes.setdefault(lp.lead_department, set()).add(lp.code)
        self.lp_initiatives: dict[str, tuple[tuple[Initiative, Category], ...]] = {}
        for lp, cats in first.items():
            ordered = [c for c in cats if cats[c] is Category.MAIN] + [
                c for c in cats if cats[c] is Category.RELATED
            ]
            self.lp_initiatives[lp] = tuple((self.initiatives[c], cats[c]) for c in ordered)
        self.dept_lps = {
            d: tuple(lp for lp in m.leading_projects if lp.code in codes) for d, codes in lp_codes.items()
        }


# --------------------------------------------------------------------------- submissions


class ProjectEntry(_Model):
    """One project (事業) row: which initiative, main/related, name and owning department."""

    initiative: str
    category: Category | None = None
    name: str
    department: str = Field(description="所属名 as shown on the form")


class Paragraph(_Model):
    """A ● paragraph: heading and body, optionally tied to an initiative code."""

    initiative: str | None = None
    heading: str
    body: str


class LpEntry(_Model):
    """Everything one department reports for one leading project."""

    lp: str
    projects: tuple[ProjectEntry, ...] = ()
    evaluations: tuple[Paragraph, ...] = ()
    policies: tuple[Paragraph, ...] = ()
    summary: str = Field(default="", description="●総評 (lead department only)")
    policy_intro: str = Field(default="", description="今後の方針 opening text (lead department only)")
    sdgs: tuple[int, ...] = ()


class Submission(_Model):
    """What one department's workbook says, after normalization."""

    department: str
    round_id: str
    form_version: str
    lps: tuple[LpEntry, ...] = ()
    answers: dict[str, dict[str, list[dict[str, Any]]]] = Field(default_factory=dict)
    """Everything read, as the form names it: unit (leading project, 事業 …) → section key →
    rows → field key → value. New fields need no migration: the ledger stores this as JSON."""

    def lp(self, code: str) -> LpEntry | None:
        return next((e for e in self.lps if e.lp == code), None)


class Issue(_Model):
    """One finding about an incoming file: where, what, how to fix, how bad."""

    file: str = ""
    sheet: str = ""
    cell: str = ""
    field: str = ""
    code: str
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR
    # Where the value sits in the form, independent of the file's own row numbers; lets a
    # feedback workbook annotate the same value even when the department had inserted rows.
    lp: str = ""
    section: str = ""
    row: int | None = None
    column: str = ""

    def text(self) -> str:
        """One line for people: セルC12: message。hint"""
        where = f"シート「{self.sheet}」" if self.sheet else ""
        if self.cell:
            where += f"セル{self.cell}"
        head = f"{where}: " if where else ""
        return f"{head}{self.message}" + (f" {self.hint}" if self.hint else "")


# --------------------------------------------------------------------------- intake results


class FileStatus(StrEnum):
    """What became of one incoming file (intake's verdict, then the ledger's election)."""

    ACCEPTED = "accepted"
    """Valid, and the department's current submission."""
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    """Valid, but another submission of the department counts."""
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    HELD = "held"
    """Valid, but who sent it is in doubt (the witnesses disagree): waits for the office's accept."""
    UNANSWERED = "unanswered"
    """Returned with nothing entered beyond what generate pre-filled."""
    WITHDRAWN = "withdrawn"
    """Withdrawn by the office (`xlsheet withdraw`); never counts again unless accepted."""


FILE_STATUS_JA = {
    FileStatus.ACCEPTED: "受理",
    FileStatus.REJECTED: "差し戻し",
    FileStatus.SUPERSEDED: "新しい提出で置き換え",
    FileStatus.DUPLICATE: "重複（前に受け取ったファイルと同じ内容）",
    FileStatus.IGNORED: "対象外",
    FileStatus.HELD: "確認待ち",
    FileStatus.UNANSWERED: "未記入",
    FileStatus.WITHDRAWN: "取り下げ",
}

VALID_VERDICTS = frozenset({FileStatus.ACCEPTED, FileStatus.SUPERSEDED})
"""Verdicts whose submission may count without an office decision."""

TO_FIX = frozenset({FileStatus.REJECTED, FileStatus.UNANSWERED})
"""Statuses that ask the department for a new file (feedback book, reminder)."""


class DeptState(StrEnum):
    """Where one department stands in the round (the status table's 状態)."""

    NOT_SENT = "not_sent"
    NOT_SUBMITTED = "not_submitted"
    ACCEPTED = "accepted"
    ACCEPTED_WARNINGS = "accepted_warnings"
    PINNED = "pinned"
    """Accepted because the office chose this file (`xlsheet accept`)."""
    NEEDS_FIX = "needs_fix"
    NEEDS_FIX_HAS_ACCEPTED = "needs_fix_has_accepted"
    UNANSWERED = "unanswered"
    HELD = "held"

    @property
    def done(self) -> bool:
        """The department's part is in: a submission counts and nothing newer is open."""
        return self in (DeptState.ACCEPTED, DeptState.ACCEPTED_WARNINGS, DeptState.PINNED)

    @property
    def ja(self) -> str:
        return DEPT_STATE_JA[self]


DEPT_STATE_JA = {
    DeptState.NOT_SENT: "未送付",
    DeptState.NOT_SUBMITTED: "未提出",
    DeptState.ACCEPTED: "受理",
    DeptState.ACCEPTED_WARNINGS: "受理（注意あり）",
    DeptState.PINNED: "受理（企画課が指定）",
    DeptState.NEEDS_FIX: "要修正",
    DeptState.NEEDS_FIX_HAS_ACCEPTED: "要修正（以前の提出を受理済み）",
    DeptState.UNANSWERED: "未記入",
    DeptState.HELD: "確認待ち",
}


class MailKind(StrEnum):
    """What a mail to a department is (the ledger's `sent.kind`; drafts add DRAFT_SUFFIX)."""

    ROUND = "round"
    REMINDER = "reminder"
    FEEDBACK = "feedback"
    REVIEW = "review"
    """The review workbooks to a lead department (`xlsheet review`)."""

    def recorded(self, sent: bool) -> str:
        """The kind as the ledger records it: "round" when sent over SMTP, "round-draft" when drafted."""
        return self.value if sent else f"{self.value}{DRAFT_SUFFIX}"


DRAFT_SUFFIX = "-draft"


class SendState(StrEnum):
    """What became of one outgoing mail."""

    SENT = "sent"
    DRAFT = "draft"
    PARTLY_SENT = "partly_sent"
    FAILED = "failed"

    @property
    def ja(self) -> str:
        return SEND_STATE_JA[self]


SEND_STATE_JA = {
    SendState.SENT: "送信",
    SendState.DRAFT: "下書き",
    SendState.PARTLY_SENT: "一部送信",
    SendState.FAILED: "送信失敗",
}


class Basis(StrEnum):
    """Which witness dated a submission (what orders a department's files)."""

    SAVED = "saved"
    MAIL = "mail"
    ARRIVAL = "arrival"


BASIS_JA = {
    Basis.SAVED: "ブックの保存日時",
    Basis.MAIL: "メールの送信日時",
    Basis.ARRIVAL: "受け取った順",
}


class Received(_Model):
    """A department's current accepted submission with its provenance (what merge consumes)."""

    department: str
    file: str = Field(description="original file name (inside a mail or zip: mail.eml/attachment.xlsx)")
    sha256: str
    received_at: dt.datetime
    round_id: str
    submission: Submission
    issues: tuple[Issue, ...] = ()
    decision: str = ""
    """The office's decision that made this file count, if any (Japanese, for provenance)."""


class DepartmentStatus(_Model):
    """One row of the submission status table."""

    department: str
    name: str
    sent_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    state: DeptState = DeptState.NOT_SUBMITTED
    errors: int = 0
    warnings: int = 0
    fixed: int = 0
    file: str = ""
    """The file the status is about (the current one, or a newer one that needs fixing)."""
    why: str = ""
    """Why that file counts, for people (Japanese)."""
    current: str = ""
    """The file whose content counts ("" when none)."""
    decision: str = ""
    """The office's decision on the department's files (Japanese), if any."""
    held: int = 0
    """Files of the department waiting for the office's decision (確認待ち)."""

    @property
    def status(self) -> str:
        """The state in Japanese (未提出 / 受理 / 要修正 …)."""
        return self.state.ja

    @property
    def done(self) -> bool:
        return self.state.done
