"""Sample answers of a 事務事業評価 round for the sample round's 事業 (見本).

The figures are made up and every text says so (「（見本）」): they let `xlsheet demo` run the
事務事業評価 round end to end and feed the 政策評価表 round with grades. Keys are those of the
shipped form `xlsheet.jimu-jigyo-hyoka` (this module is sample content for that form, as
`sample.py` is for the seed).
"""

from __future__ import annotations

from typing import Any

from .models import Master
from .sample import sample_master

SAMPLE_MARK = "（見本）"
RATIOS = (1.15, 1.02, 0.93, 0.84, 0.55)
"""成果指標's 達成率 in the evaluated year, cycled over the 事業 (gives S, A, A, B and C)."""
GRADE_RULE = ((1.1, "S"), (0.9, "A"), (0.6, "B"), (0.0, "C"))
DIRECTION_BY_GRADE = {"S": "拡充", "A": "継続", "B": "改善", "C": "縮小"}

Rows = list[dict[str, Any]]


SAMPLE_ROUND_ID = "R02-jimu-jigyo-hyoka"


def sample_project_master() -> Master:
    """The sample round's master data for a 事務事業評価 round (its own round ID)."""
    master = sample_master()
    return master.model_copy(
        update={"settings": master.settings.model_copy(update={"round_id": SAMPLE_ROUND_ID})}
    )


def grade_for(rate: float) -> str:
    """The sample's own rule of grade by 達成率 (DESIGN §13's example, shifted to S–C)."""
    return next(g for floor, g in GRADE_RULE if rate >= floor)


def sample_project_answers(master: Master, dept: str) -> dict[str, dict[str, Rows]]:
    """Answers per 事業コード for the 事業 of one department."""
    codes = [k.code for k in master.known_projects if k.code]
    out: dict[str, dict[str, Rows]] = {}
    for k in master.department_projects(dept):
        i = codes.index(k.code)
        ratio = RATIOS[i % len(RATIOS)]
        grade = grade_for(ratio)
        activity_target = 10 + 2 * i
        outcome_target = 200 + 50 * i
        outcome_actual = round(outcome_target * ratio)
        out[k.code] = {
            "basis": [
                {"law": f"{SAMPLE_MARK}{k.name}実施要綱", "start_year": 2010 + i % 8, "method": "直営"}
            ],
            "purpose": [
                {
                    "target": f"{SAMPLE_MARK}市民",
                    "intent": f"{SAMPLE_MARK}{k.name}により、地域で安心して暮らせる状態にする",
                    "means": f"{SAMPLE_MARK}講座・相談・支援を実施する",
                }
            ],
            "activity": [
                {
                    "name": f"{SAMPLE_MARK}講座・相談の実施回数",
                    "unit": "回",
                    **_years(activity_target, (1.0, 0.95, 1.0)),
                }
            ],
            "outcome": [
                {
                    "name": f"{SAMPLE_MARK}参加者数",
                    "unit": "人",
                    **_years(outcome_target, (0.9, 0.97, ratio)),
                }
            ],
            "cost": [
                {
                    "national_prefectural": 1000 * (i % 3),
                    "bonds": 0,
                    "other": 100 * (i % 2),
                    "general": 2000 + 300 * i,
                    "person_years": round(0.5 + 0.1 * (i % 6), 1),
                    "unit_count": outcome_actual,
                }
            ],
            "grade": [{"grade": grade, "reason": f"{SAMPLE_MARK}成果指標の達成率は{ratio:.0%}だった。"}],
            "direction": [
                {
                    "direction": DIRECTION_BY_GRADE[grade],
                    "plan": f"{SAMPLE_MARK}{DIRECTION_BY_GRADE[grade]}の方向で取り組む。",
                }
            ],
            "comment": [{"comment": f"{SAMPLE_MARK}{k.name}は計画どおり進めている。"}],
        }
    return out


def _years(target: int, ratios: tuple[float, float, float]) -> dict[str, Any]:
    """目標値 and 実績値 of three fiscal years (the target grows 5 % a year)."""
    out: dict[str, Any] = {}
    for n, ratio in enumerate(ratios, start=1):
        goal = round(target * (1 + 0.05 * (n - 3)))
        out[f"target_{n}"] = goal
        out[f"actual_{n}"] = round(goal * ratio)
    return out
