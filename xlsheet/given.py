"""What master data gives one department: the content its entry workbook was made from.

Stamped into every entry workbook (JSON on the manifest sheet, its hash in the custom
properties), so that when master.xlsx changes mid-round `generate` rewrites only the workbooks
that changed, `send` sends only those, and intake tells a department exactly what is new
(「取り組み 4-1-4 が追加されています。新しい入力ブックで報告してください」).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .models import Master, Severity


def given(master: Master, dept: str, projects: bool = False) -> dict[str, Any]:
    """The department's share of master data, in the order its workbook shows it: its leading
    projects, initiatives and known 事業 or, with `projects` (a form answered per 事業), its 事業."""
    if projects:
        return _with_previous(
            master,
            dept,
            {
                "round": master.settings.round_id,
                "projects": [
                    [k.code, k.name, k.initiative, k.budget_item] for k in master.department_projects(dept)
                ],
            },
            [k.code for k in master.department_projects(dept)],
        )
    known = {}
    lps = []
    for lp in master.department_lps(dept):
        initiatives = master.department_initiatives(dept, lp.code)
        for i, _ in initiatives:
            known[i.code] = [
                [k.name, k.owner, k.lp] if k.lp else [k.name, k.owner] for k in master.known_for(i.code, dept)
            ]
        lps.append(
            {
                "lp": lp.code,
                "name": lp.name,
                "lead": lp.lead_department == dept,
                "initiatives": [[i.code, c.value, i.title] for i, c in initiatives],
            }
        )
    return _with_previous(
        master,
        dept,
        {"round": master.settings.round_id, "lps": lps, "known": known},
        [lp["lp"] for lp in lps],
    )


def _with_previous(master: Master, dept: str, out: dict[str, Any], units: list[str]) -> dict[str, Any]:
    """With a previous round, the fingerprint of last year's answers the workbook is pre-filled
    from (「前年度:…」), so a workbook is rewritten when its lineage in master data changes."""
    if master.previous is not None:
        carried = {u: master.previous_for(dept, u) for u in units}
        text = json.dumps(carried, ensure_ascii=False, sort_keys=True, default=str)
        out["previous"] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def given_json(master: Master, dept: str, projects: bool = False) -> str:
    return json.dumps(
        given(master, dept, projects), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def given_print(text: str) -> str:
    """The fingerprint of `given_json` text (16 hex digits)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Change:
    code: str
    severity: Severity
    message: str
    """Japanese, for people."""


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What changed between the master data a workbook was made from and today's."""
    out: list[Change] = _project_changes(old, new) if "projects" in old else []
    old_lps = {x["lp"]: x for x in old.get("lps", [])}
    new_lps = {x["lp"]: x for x in new.get("lps", [])}
    for code, lp in new_lps.items():
        if code not in old_lps:
            out.append(
                Change(
                    "lp_added", Severity.ERROR, f"リーディングプロジェクト「{lp['name']}」が追加されています"
                )
            )
            continue
        before = old_lps[code]
        if lp["lead"] and not before["lead"]:
            out.append(
                Change(
                    "lead_added",
                    Severity.ERROR,
                    f"「{lp['name']}」の主管所属になっています（総評などの記入が必要です）",
                )
            )
        was = {i[0]: i for i in before["initiatives"]}
        now = {i[0]: i for i in lp["initiatives"]}
        for c in now:
            if c not in was:
                out.append(Change("initiative_added", Severity.ERROR, f"取り組み {c} が追加されています"))
            elif was[c][1] != now[c][1]:
                out.append(
                    Change(
                        "category_changed",
                        Severity.WARNING,
                        f"取り組み {c} の区分が「{was[c][1]}」から「{now[c][1]}」に変わっています",
                    )
                )
            elif was[c][2] != now[c][2]:
                out.append(
                    Change(
                        "title_changed",
                        Severity.WARNING,
                        f"取り組み {c} の名称が「{now[c][2]}」に変わっています",
                    )
                )
        for c in was:
            if c not in now:
                out.append(
                    Change(
                        "initiative_removed",
                        Severity.WARNING,
                        f"取り組み {c} はこの所属の担当から外れています",
                    )
                )
    for code, lp in old_lps.items():
        if code not in new_lps:
            out.append(
                Change(
                    "lp_removed",
                    Severity.WARNING,
                    f"リーディングプロジェクト「{lp['name']}」はこの所属の担当から外れています",
                )
            )
    if old.get("known", {}) != new.get("known", {}) and not out:
        out.append(
            Change("known_changed", Severity.WARNING, "前年度の事業一覧（初期表示の事業名）が変わっています")
        )
    return out


def _project_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Changes to a department's 事業 (a form answered per 事業)."""
    out: list[Change] = []
    was = {p[0]: p for p in old.get("projects", [])}
    now = {p[0]: p for p in new.get("projects", [])}
    for code, p in now.items():
        if code not in was:
            out.append(Change("project_added", Severity.ERROR, f"事業「{p[1]}」（{code}）が追加されています"))
        elif was[code][1:] != p[1:]:
            out.append(
                Change(
                    "project_changed",
                    Severity.WARNING,
                    f"事業 {code} の事業名・取り組みコード・予算の細目が「{p[1]}／{p[2]}／{p[3]}」に変わっています",
                )
            )
    for code, p in was.items():
        if code not in now:
            out.append(
                Change(
                    "project_removed",
                    Severity.WARNING,
                    f"事業「{p[1]}」（{code}）はこの所属の担当から外れています",
                )
            )
    return out


def must_answer(given_text: str, master: Master, dept: str) -> list[str]:
    """The changes since `given_text` that the department must report on ([] when none or unknown)."""
    if not given_text:
        return []
    try:
        old = json.loads(given_text)
    except ValueError:
        return []
    try:
        new = given(master, dept, "projects" in old)
    except KeyError:
        return []
    return [c.message for c in changes(old, new) if c.severity is Severity.ERROR]
