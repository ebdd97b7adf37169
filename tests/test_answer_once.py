"""Answer once: a 政策評価表 round whose master names the same year's 事務事業評価 round takes its
実施した事業 from the evaluations accepted there, and shows each 事業's grade beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import ISSUED
from tests.rounds import answer
from xlsheet.cli import main
from xlsheet.entry.sheets import EVALUATIONS_SHEET
from xlsheet.fill import fill_answers, name_range
from xlsheet.generate import generate_round, init_round
from xlsheet.intake.collect import collect_round
from xlsheet.layout import defined_name
from xlsheet.master import load_master, write_master
from xlsheet.models import FileStatus
from xlsheet.project_results import ProjectRoundError
from xlsheet.review.layout import FIRST_ROW, PROJECT_COLUMNS, SHEET_PROJECTS, Col, col_index
from xlsheet.review.steps import review_round
from xlsheet.round import Round
from xlsheet.sample import LP
from xlsheet.sample_jimu import sample_project_answers

ANSWERING = ("D220", "D410")
"""The departments whose 事務事業評価 arrived before the 政策評価表 books were made."""


def _project_round(root: Path, answering=ANSWERING, year: int | None = None) -> Round:
    init_round(root, sample=True, form="xlsheet.jimu-jigyo-hyoka")
    if year is not None:
        master = load_master(root / "master.xlsx")
        settings = master.settings.model_copy(update={"evaluation_year": year})
        write_master(master.model_copy(update={"settings": settings}), root / "master.xlsx")
    rnd = Round(root)
    for g in generate_round(root, issued=ISSUED):
        if g.department in answering:
            answers = sample_project_answers(rnd.master, g.department)
            if g.department == "D220":
                answers["J0302"]["grade"][0]["grade"] = "B"
            fill_answers(g.path, rnd.paths.inbox / g.path.name, answers, rnd.form)
    assert all(f.status is FileStatus.ACCEPTED for f in collect_round(root).files)
    return Round(root)


def _policy_round(root: Path, project_round: str) -> Round:
    init_round(root, sample=True)
    master = load_master(root / "master.xlsx")
    settings = master.settings.model_copy(update={"project_round": project_round})
    write_master(master.model_copy(update={"settings": settings}), root / "master.xlsx")
    return Round(root)


def _project_rows(book: Path) -> list[tuple]:
    """(取り組みコード, 事業名, 所属名) of the pre-filled 実施した事業 rows, in use only."""
    wb = openpyxl.load_workbook(book)
    form = Round(book.parents[1]).form
    section = form.sections[0]
    sheet, c1, r1, _c2, r2 = name_range(wb, defined_name(LP, section.key))
    cols, col = {}, c1
    for f in section.fields:
        cols[f.key] = col
        col += f.span
    ws = wb[sheet]
    keys = [f.key for f in section.fields if f.default.startswith("マスタ:")]
    rows = [tuple(ws.cell(r, cols[k]).value for k in keys) for r in range(r1, r2 + 1)]
    return [r for r in rows if any(v not in (None, "") for v in r)]


def test_policy_books_take_their_projects_from_the_accepted_evaluations(tmp_path):
    projects = _project_round(tmp_path / "事務事業評価")
    policy = _policy_round(tmp_path / "政策評価", "../事務事業評価")
    generate_round(policy.root, issued=ISSUED)
    accepted = {k.code: k for k in projects.master.known_projects if k.department in ANSWERING}

    # 高齢者支援課 answered: its five 事業 are pre-filled, by initiative, with their department
    rows = _project_rows(next(policy.paths.outbox.glob("D220_*.xlsx")))
    names = [r[-2] for r in rows]
    assert names == [k.name for k in accepted.values() if k.department == "D220"]
    # 地域福祉センター did not: its initiative rows carry the code but no 事業 yet
    rows = _project_rows(next(policy.paths.outbox.glob("D210_*.xlsx")))
    assert rows and all(r[0] == "1-2-2" and r[-2] in (None, "") for r in rows)

    # the lead (地域づくり推進課) sees every accepted 事業 of the leading project with its grade
    wb = openpyxl.load_workbook(next(policy.paths.outbox.glob("D110_*.xlsx")))
    table = list(wb[EVALUATIONS_SHEET].iter_rows(values_only=True))
    head, body = table[0], table[1:]
    grade = head.index("総合評価")
    seen = {row[head.index("事業コード")]: row[grade] for row in body}
    assert set(seen) == set(accepted)
    assert seen["J0302"] == "B"  # what 高齢者支援課 chose, not the sample's own
    # a member department sees only its own 事業
    wb = openpyxl.load_workbook(next(policy.paths.outbox.glob("D410_*.xlsx")))
    own = [r[3] for r in list(wb[EVALUATIONS_SHEET].iter_rows(values_only=True))[1:]]
    assert own == [accepted["J0501"].name]


def test_a_later_evaluation_changes_the_books_on_the_next_generate(tmp_path):
    projects = _project_round(tmp_path / "jimu")
    policy = _policy_round(tmp_path / "seisaku", "../jimu")
    generate_round(policy.root, issued=ISSUED)
    # 地域福祉センター's evaluation arrives
    rnd = Round(projects.root)
    src = next(rnd.paths.outbox.glob("D210_*.xlsx"))
    fill_answers(src, rnd.paths.inbox / src.name, sample_project_answers(rnd.master, "D210"), rnd.form)
    collect_round(projects.root)
    changed = {g.department: g.change.value for g in generate_round(policy.root, issued=ISSUED)}
    assert changed["D210"] != "unchanged" and changed["D410"] == "unchanged"
    names = [r[-2] for r in _project_rows(next(Round(policy.root).paths.outbox.glob("D210_*.xlsx")))]
    assert names == ["社会福祉協議会補助金", "民生委員・児童委員及び協議会活動推進事業"]


@pytest.mark.parametrize(
    ("setting", "year", "expected"),
    [
        ("../nowhere", None, "に master.xlsx がありません"),
        ("../old", 2019, "令和元年度のラウンドです。同じ令和２年度の事務事業評価ラウンドを指定してください"),
    ],
)
def test_a_wrong_project_round_is_named_and_nothing_is_written(tmp_path, setting, year, expected):
    if year is not None:
        _project_round(tmp_path / "old", answering=(), year=year)
    policy = _policy_round(tmp_path / "seisaku", setting)
    with pytest.raises(ProjectRoundError) as err:
        generate_round(policy.root, issued=ISSUED)
    assert expected in str(err.value)
    res = CliRunner().invoke(main, ["generate", str(policy.root)])
    assert res.exit_code == 2 and expected.replace(" ", "") in "".join(res.output.split()), res.output
    assert list(policy.paths.outbox.iterdir()) == []


def test_the_lead_review_shows_each_projects_evaluation(tmp_path):
    """The 主管所属 chooses the three 事業 per initiative with their 総合評価 in view."""
    _project_round(tmp_path / "jimu")
    policy = _policy_round(tmp_path / "seisaku", "../jimu")
    generate_round(policy.root, issued=ISSUED)
    for d in ("D110", "D112", "D210", "D220", "D310", "D320", "D410"):
        answer(policy.root, d, f"{d}.xlsx")
        shutil.copy(policy.root / "answers" / f"{d}.xlsx", policy.paths.inbox / f"{d}.xlsx")
    collect_round(policy.root, workers=1)
    [book] = review_round(policy.root, issued=ISSUED)
    wb = openpyxl.load_workbook(book.path)
    ws = wb[SHEET_PROJECTS]
    name_col = col_index(PROJECT_COLUMNS, Col.NAME) + 1
    eval_col = col_index(PROJECT_COLUMNS, Col.EVALUATION) + 1
    shown = {
        ws.cell(r, name_col).value: ws.cell(r, eval_col).value
        for r in range(FIRST_ROW + 1, ws.max_row + 1)
        if ws.cell(r, name_col).value
    }
    assert "総合評価 B" in shown["在宅医療・介護連携推進事業"]  # 高齢者支援課's own grade
    assert shown["社会福祉協議会補助金"] in (None, "")  # 地域福祉センター has not been evaluated
