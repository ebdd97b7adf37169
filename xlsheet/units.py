"""What one input sheet is for (the form's 回答単位): a leading project or a 事業.

The seed's 政策評価表 asks each department one sheet per leading project it reports on
(所属×リーディングプロジェクト); a 事務事業評価 asks one sheet per 事業 the department is in charge
of (所属×事業). Everything that lays out, pre-fills, reads or merges a sheet asks this module
which units a department answers for and what a unit is called, instead of assuming leading
projects.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .formdef.model import Form, norm
from .models import Department, KnownProject, Master


class AnswerUnit(StrEnum):
    """回答単位 of a form."""

    LEADING_PROJECT = "lp"
    PROJECT = "project"

    @property
    def ja(self) -> str:
        return UNIT_JA[self]

    @property
    def noun(self) -> str:
        """What one unit is called in messages and headings."""
        return UNIT_NOUN[self]

    @classmethod
    def parse(cls, text: str) -> AnswerUnit | None:
        """The unit a definition's 回答単位 names (Japanese or the enum value), else None."""
        n = norm(text).replace("x", "×").replace("*", "×")
        for unit, ja in UNIT_JA.items():
            if n in (norm(ja), unit.value):
                return unit
        return None


UNIT_JA = {
    AnswerUnit.LEADING_PROJECT: "所属×リーディングプロジェクト",
    AnswerUnit.PROJECT: "所属×事業",
}
UNIT_NOUN = {AnswerUnit.LEADING_PROJECT: "リーディングプロジェクト", AnswerUnit.PROJECT: "事業"}


@dataclass(frozen=True)
class Unit:
    """One answering unit: a leading project or a 事業."""

    code: str
    kind: AnswerUnit
    name: str
    lead_department: str
    """Who answers the sections marked 主管所属: the leading project's 主管所属, or the 事業's own
    担当所属."""
    note_title: str
    note: str
    """What the sheet shows under its title for reference (the leading project's 方向性, the
    事業's 取り組み)."""
    project: KnownProject | None = None


def unit_title(unit: Unit) -> str:
    """How a unit is named to people: a leading project by its name, a 事業 by code and name."""
    return f"{unit.code} {unit.name}" if unit.kind is AnswerUnit.PROJECT else unit.name


def unit_kind(form: Form) -> AnswerUnit:
    return AnswerUnit.parse(form.unit) or AnswerUnit.LEADING_PROJECT


def _lp_unit(master: Master, code: str) -> Unit:
    lp = master.leading_project(code)
    return Unit(
        code=lp.code,
        kind=AnswerUnit.LEADING_PROJECT,
        name=lp.name,
        lead_department=lp.lead_department,
        note_title="【リーディングプロジェクトの方向性】（参考）",
        note=lp.direction,
    )


def _project_unit(master: Master, project: KnownProject) -> Unit:
    initiative = master.initiative(project.initiative)
    note = f"{initiative.code}　{initiative.title}" + (
        f"（{initiative.subtitle}）" if initiative.subtitle else ""
    )
    if project.budget_item:
        note += f"\n予算の細目: {project.budget_item}"
    return Unit(
        code=project.code,
        kind=AnswerUnit.PROJECT,
        name=project.name,
        lead_department=project.department,
        note_title="【施策体系の取り組み】（参考）",
        note=note,
        project=project,
    )


def unit_of(form: Form, master: Master, code: str) -> Unit:
    """The unit with this code (a leading project's or a 事業's); KeyError when unknown."""
    if unit_kind(form) is AnswerUnit.PROJECT:
        return _project_unit(master, master.project(code))
    return _lp_unit(master, code)


def department_units(form: Form, master: Master, dept: str) -> list[Unit]:
    """The units a department answers for, in master order."""
    if unit_kind(form) is AnswerUnit.PROJECT:
        return [_project_unit(master, k) for k in master.department_projects(dept)]
    return [_lp_unit(master, lp.code) for lp in master.department_lps(dept)]


def unit_codes(form: Form, master: Master, dept: str) -> list[str]:
    return [u.code for u in department_units(form, master, dept)]


def participating_departments(form: Form, master: Master) -> list[Department]:
    """Departments that get an entry workbook: those with at least one unit."""
    if unit_kind(form) is AnswerUnit.PROJECT:
        owners = {k.department for k in master.known_projects if k.code}
        return [d for d in master.departments if d.code in owners]
    return master.participating_departments()
