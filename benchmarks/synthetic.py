"""A synthetic round of any size: N departments, realistic texts, built from the sample's shapes.

Each department reports two initiatives of one leading project (20 departments per leading
project, the first one leading it) with three projects each, two evaluation paragraphs, three
policy paragraphs and a few SDGs; the lead also writes the summary and the policy intro.
"""

from __future__ import annotations

from xlsheet.models import (
    Assignment,
    Category,
    Department,
    Initiative,
    KnownProject,
    LeadingProject,
    LpEntry,
    Master,
    Paragraph,
    ProjectEntry,
    Submission,
)
from xlsheet.sample import DIRECTION, POLICY_INTRO, SUMMARY, sample_master

DEPTS_PER_LP = 20
BODY = (
    "高齢者になっても住み慣れた地域で暮らし続けるための仕組みである、地域包括ケアシステムの深化・推進にあたって、"
    "各地域包括支援センターに新たに認知症地域支援推進員を配置したほか、生活支援コーディネーターを引き続き配置し、"
    "各地域における認知症ケアの向上、生活支援体制の整備について一層の充実を図った。"
)


def synthetic_master(n: int) -> Master:
    """Master data for `n` departments."""
    base = sample_master()
    n_lp = max(1, -(-n // DEPTS_PER_LP))
    depts = tuple(
        Department(
            code=f"D{i:05d}", name=f"第{i}課", parent=f"第{i // 10}部", emails=(f"d{i:05d}@example.lg.jp",)
        )
        for i in range(n)
    )
    lps, inits, assigns, known = [], [], [], []
    for k in range(n_lp):
        lp = f"LP{k:03d}"
        lead = depts[k * DEPTS_PER_LP].code
        lps.append(
            LeadingProject(
                code=lp, name=f"リーディングプロジェクト{k + 1}", direction=DIRECTION, lead_department=lead
            )
        )
        members = depts[k * DEPTS_PER_LP : (k + 1) * DEPTS_PER_LP]
        for j, d in enumerate(members):
            for m in range(2):
                code = f"{k % 9 + 1}-{(k // 9) % 99 + 1}-{2 * j + m + 1}"
                inits.append(
                    Initiative(
                        code=code,
                        title=f"取り組み{code}の推進",
                        subtitle="地域での見守り・支え合いの体制づくり",
                    )
                )
                cat = Category.MAIN if m == 0 else Category.RELATED
                assigns.append(Assignment(lp=lp, initiative=code, category=cat, department=d.code))
                for p in range(3):
                    known.append(KnownProject(initiative=code, name=f"事業{code}-{p + 1}", department=d.code))
    settings = base.settings.model_copy(update={"round_id": f"BENCH-{n}"})
    return Master(
        settings=settings,
        leading_projects=tuple(lps),
        initiatives=tuple(inits),
        assignments=tuple(assigns),
        departments=depts,
        known_projects=tuple(known),
    )


def synthetic_submissions(master: Master) -> list[Submission]:
    """What every department of `synthetic_master` returns."""
    out = []
    for d in master.participating_departments():
        entries = []
        for lp in master.department_lps(d.code):
            mine = master.department_initiatives(d.code, lp.code)
            lead = lp.lead_department == d.code
            entries.append(
                LpEntry(
                    lp=lp.code,
                    projects=tuple(
                        ProjectEntry(
                            initiative=i.code, category=c, name=f"事業{i.code}-{p + 1}", department=d.name
                        )
                        for i, c in mine
                        for p in range(3)
                    ),
                    evaluations=tuple(
                        Paragraph(initiative=i.code, heading=f"{i.title}", body=BODY) for i, _ in mine
                    ),
                    policies=tuple(
                        Paragraph(initiative=mine[0][0].code, heading=f"方針{p + 1}", body=BODY)
                        for p in range(3)
                    ),
                    summary=SUMMARY if lead else "",
                    policy_intro=POLICY_INTRO if lead else "",
                    sdgs=(3, 11, 17),
                )
            )
        out.append(
            Submission(
                department=d.code, round_id=master.settings.round_id, form_version="1", lps=tuple(entries)
            )
        )
    return out


def synthetic_project_master(departments: int = 60, projects: int = 641) -> Master:
    """Master data of a city-sized 事務事業評価 round: `projects` 事業 (所沢市 evaluates 641 a
    year) spread over `departments` 所属, two initiatives per 所属, each 事業 with a code and a
    budget item."""
    base = sample_master()
    depts = tuple(
        Department(
            code=f"D{i:03d}",
            name=f"第{i + 1}課",
            parent=f"第{i // 6 + 1}部",
            emails=(f"d{i:03d}@example.lg.jp",),
        )
        for i in range(departments)
    )
    inits, assigns, known = [], [], []
    for i, d in enumerate(depts):
        for m in range(2):
            code = f"{i // 20 + 1}-{i % 20 + 1}-{m + 1}"
            inits.append(Initiative(code=code, title=f"取り組み{code}の推進"))
            assigns.append(
                Assignment(
                    lp="LP000",
                    initiative=code,
                    category=Category.MAIN if m == 0 else Category.RELATED,
                    department=d.code,
                )
            )
    for p in range(projects):
        d = depts[p % departments]
        i = depts.index(d)
        known.append(
            KnownProject(
                code=f"J{p + 1:04d}",
                initiative=f"{i // 20 + 1}-{i % 20 + 1}-{p // departments % 2 + 1}",
                name=f"{d.name}の事業{p // departments + 1}",
                department=d.code,
                budget_item="民生費 社会福祉費 社会福祉総務費",
            )
        )
    settings = base.settings.model_copy(
        update={"round_id": f"BENCH-JIMU-{projects}", "average_personnel_cost": 8000}
    )
    return Master(
        settings=settings,
        leading_projects=(
            LeadingProject(
                code="LP000",
                name="リーディングプロジェクト",
                direction=DIRECTION,
                lead_department=depts[0].code,
            ),
        ),
        initiatives=tuple(inits),
        assignments=tuple(assigns),
        departments=depts,
        known_projects=tuple(known),
    )
