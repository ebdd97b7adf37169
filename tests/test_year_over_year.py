"""Year over year: two consecutive rounds (令和２年度, then 令和３年度 made with `init --from`),
with a renamed, a merged and an ended 事業 between them, run through generate → fill → collect
(→ merge); the pre-fill, `xlsheet diff` and the book's 前年度比較 sheet checked against the inputs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.formdef_helpers import JIMU, cell, edited_copy
from xlsheet.cli import main
from xlsheet.entry.values import default_values
from xlsheet.fill import fill_answers, fill_workbook, name_range
from xlsheet.formdef import load_form
from xlsheet.generate import generate_round, init_round
from xlsheet.intake.collect import collect_round
from xlsheet.master import load_master, write_master
from xlsheet.merge.book import merge_round
from xlsheet.models import FileStatus, Paragraph
from xlsheet.round import Round
from xlsheet.sample import sample_submissions
from xlsheet.sample_jimu import sample_project_answers
from xlsheet.yoy.carry import a_year_on, next_round_id, start_from
from xlsheet.yoy.diff import ChangeKind, diff_rounds

JIMU_FORM = "xlsheet.jimu-jigyo-hyoka"
RENAMED = ("J0401", "ファミリーサポート事業", "ファミリー・サポート・センター事業")
MERGED_FROM = ("J0302", "J0303")
MERGED = ("J0306", "在宅医療・生活支援体制推進事業")
ENDED = ("J0402", "子ども広場設置・整備費補助金")
WRITTEN_IN = "見守りネットワーク事業"


def _collect_all(root: Path) -> None:
    files = collect_round(root).files
    assert files and all(f.status is FileStatus.ACCEPTED for f in files), [
        (f.path, f.status, [i.text() for i in f.issues]) for f in files
    ]


def _next_year_master(root: Path) -> None:
    """The office's edits between the years: one 事業 renamed (same code), two merged into a new
    code (旧事業コード "J0302; J0303"), one ended (its row deleted)."""
    m = load_master(root / "master.xlsx")
    projects = []
    for k in m.known_projects:
        if k.code == RENAMED[0]:
            k = k.model_copy(update={"name": RENAMED[2]})
        elif k.code in (MERGED_FROM[0], ENDED[0]):
            continue
        elif k.code == MERGED_FROM[1]:
            k = k.model_copy(update={"code": MERGED[0], "name": MERGED[1], "previous_codes": MERGED_FROM})
        projects.append(k)
    write_master(m.model_copy(update={"known_projects": tuple(projects)}), root / "master.xlsx")


# --------------------------------------------------------------------------- 事務事業評価 rounds


@pytest.fixture(scope="module")
def jimu_rounds(tmp_path_factory):
    base = tmp_path_factory.mktemp("jimu")
    old, new = base / "R02", base / "R03"
    init_round(old, sample=True, form=JIMU_FORM)
    generate_round(old)
    rnd = Round(old)
    for g in generate_round(old):
        fill_answers(
            g.path, old / "inbox" / g.path.name, sample_project_answers(rnd.master, g.department), rnd.form
        )
    _collect_all(old)
    report = start_from(new, old)
    _next_year_master(new)
    generated = generate_round(new)
    rnd2 = Round(new)
    prefill = {code: default_values(rnd2.master, "D220", code, rnd2.form) for code in ("J0301", MERGED[0])}
    for g in generated:
        answers = sample_project_answers(rnd2.master, g.department)
        for code, sections in answers.items():
            carried = default_values(rnd2.master, g.department, code, rnd2.form)
            for key in ("activity", "outcome"):
                rows = [dict(r) for r in carried[key]]
                for r in rows:
                    r["target_3"] = r["target_2"] + 10
                    r["actual_3"] = r["actual_2"] + 20
                sections[key] = rows
            if code == "J0301":
                sections["grade"] = [{"grade": "A", "reason": "参加者が増えた"}]
                sections["direction"] = [{"direction": "拡充", "plan": "対象を広げる"}]
        fill_answers(g.path, new / "inbox" / g.path.name, answers, rnd2.form)
    _collect_all(new)
    return old, new, report, generated, prefill


def test_init_from_carries_master_a_year_on(jimu_rounds):
    old, new, report, _, _ = jimu_rounds
    a, b = Round(old).master, load_master(new / "master.xlsx")
    assert b.settings.evaluation_year == a.settings.evaluation_year + 1 == 2021
    assert a.settings.round_id.startswith("R02-")
    assert b.settings.round_id == a.settings.round_id.replace("R02-", "R03-", 1)
    assert b.settings.deadline == dt.date(2021, 6, 30)
    assert [d.code for d in b.departments] == [d.code for d in a.departments]
    assert b.leading_projects == a.leading_projects and b.initiatives == a.initiatives
    assert (new / "様式定義.xlsx").read_bytes() == (old / "様式定義.xlsx").read_bytes()
    assert (report.old_label, report.new_label) == ("令和２年度", "令和３年度")
    assert report.answered == len(list((old / "inbox").glob("*.xlsx"))) == 7
    assert any("提出期限" in c and "令和３年６月３０日（水）" in c for c in report.checks)
    snapshot = json.loads((new / "前年度.json").read_text(encoding="utf-8"))
    assert snapshot["master"]["settings"]["round_id"] == a.settings.round_id
    assert set(snapshot["answers"]["D220"]) == {"J0301", "J0302", "J0303", "J0304", "J0305"}


def test_indicator_history_prefilled_following_lineage(jimu_rounds):
    old, new, _, generated, prefill = jimu_rounds
    last_year = {}
    with Round(old).ledger() as ledger:
        for r in ledger.current():
            last_year.update(r.submission.answers)
    # this year's 2 years ago is last year's 1 year ago; last year's latest year is now 1 year ago
    for code, sources in (("J0301", ("J0301",)), (MERGED[0], MERGED_FROM)):
        expected = []
        for src in sources:
            for r in last_year[src]["activity"]:
                expected.append(
                    (r["name"], r["unit"], r["target_2"], r["actual_2"], r["target_3"], r["actual_3"])
                )
        got = [
            (r["name"], r["unit"], r["target_1"], r["actual_1"], r["target_2"], r["actual_2"])
            for r in prefill[code]["activity"]
        ]
        assert got == expected
    # in the workbook sent out: the merged 事業's indicator rows hold both predecessors' history
    book = next(g.path for g in generated if g.department == "D220")
    wb = openpyxl.load_workbook(book)
    sheet, c1, r1, _, _ = name_range(wb, f"xs_{MERGED[0]}_activity")
    ws = wb[sheet]
    names = [ws.cell(r1 + i, c1).value for i in range(2)]
    assert names == [
        last_year[MERGED_FROM[0]]["activity"][0]["name"],
        last_year[MERGED_FROM[1]]["activity"][0]["name"],
    ]
    assert ws.cell(r1, c1 + 2).value == last_year[MERGED_FROM[0]]["activity"][0]["target_2"]
    steps = [c.value for row in wb["はじめに"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(
        t.startswith("前年度（令和２年度）に受理した内容をあらかじめ記入しています（活動指標・成果指標）")
        for t in steps
    )
    # the ended 事業 was D320's only one: no workbook; the renamed one keeps its code
    assert "D320" not in {g.department for g in generated}
    d310 = openpyxl.load_workbook(next(g.path for g in generated if g.department == "D310"))
    assert f"xs_{RENAMED[0]}_activity" in d310.defined_names


def test_diff_of_the_jimu_rounds(jimu_rounds):
    old, new, _, _, _ = jimu_rounds
    diff = diff_rounds(old, new)
    assert (diff.old_label, diff.new_label) == ("令和２年度", "令和３年度")
    renamed = diff.of(ChangeKind.PROJECT_RENAMED)
    assert [(c.before, c.after) for c in renamed] == [
        (f"{RENAMED[0]} {RENAMED[1]}", f"{RENAMED[0]} {RENAMED[2]}")
    ]
    merged = diff.of(ChangeKind.PROJECT_MERGED)
    assert [(c.subject, c.before) for c in merged] == [
        (f"{MERGED[0]} {MERGED[1]}", "J0302 在宅医療・介護連携推進事業、J0303 生活支援体制整備事業")
    ]
    assert [c.subject for c in diff.of(ChangeKind.PROJECT_ENDED)] == [f"{ENDED[0]} {ENDED[1]}"]
    assert diff.of(ChangeKind.PROJECT_NEW) == []
    grades = {(c.unit.split()[0], c.subject): (c.before, c.after) for c in diff.of(ChangeKind.CHOICE_CHANGED)}
    assert grades[("J0301", "総合評価")] == ("C", "A")
    assert grades[("J0301", "今後の方向性")] == ("縮小", "拡充")
    # 指標: last year's latest 実績値 against this year's (+20 by the fill above)
    with Round(old).ledger() as ledger:
        j0301 = next(r for r in ledger.current() if r.department == "D220").submission.answers["J0301"]
    old_actual = j0301["outcome"][0]["actual_3"]
    trend = next(
        c
        for c in diff.of(ChangeKind.TREND)
        if c.unit.startswith("J0301") and c.subject.endswith("実績値") and "参加者" in c.subject
    )
    assert trend.before == f"令和元年度 {int(float(old_actual)):,}"
    assert trend.after == f"令和２年度 {int(float(old_actual)) + 20:,}"
    assert trend.note.startswith("↑")


def test_init_from_command_reports_what_to_check(jimu_rounds, tmp_path):
    old, _, _, _, _ = jimu_rounds
    result = CliRunner().invoke(
        main, ["init", str(tmp_path / "R03"), "--from", str(old)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "令和３年度 のラウンドを 令和２年度 から作成しました" in result.output
    assert "確かめること" in result.output and "提出期限" in result.output
    again = CliRunner().invoke(main, ["init", str(tmp_path / "R03"), "--from", str(old)])
    assert again.exit_code == 2 and "--force" in again.output


def test_lineage_changed_after_generate_rewrites_the_book(jimu_rounds):
    from xlsheet.given import given

    _, new, _, _, _ = jimu_rounds
    master = Round(new).master
    relinked = master.model_copy(
        update={
            "known_projects": tuple(
                k.model_copy(update={"previous_codes": (MERGED_FROM[0],)}) if k.code == MERGED[0] else k
                for k in master.known_projects
            )
        }
    )
    assert given(relinked, "D220", True) != given(master, "D220", True)
    assert given(relinked, "D110", True) == given(master, "D110", True)


def test_diff_command_json_and_table(jimu_rounds):
    old, new, _, _, _ = jimu_rounds
    runner = CliRunner()
    result = runner.invoke(main, ["diff", str(old), str(new), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    kinds = {c["kind"] for c in data["changes"]}
    assert {"project_renamed", "project_merged", "project_ended", "choice_changed", "trend"} <= kinds
    assert data["old_label"] == "令和２年度"
    # one folder: against last year's as kept in 前年度.json, the old folder not needed
    moved = old.with_name("R02-moved")
    old.rename(moved)
    try:
        alone = runner.invoke(main, ["diff", str(new), "--json"])
    finally:
        moved.rename(old)
    assert alone.exit_code == 0, alone.output
    assert json.loads(alone.output)["changes"] == data["changes"]
    first = runner.invoke(main, ["diff", str(old)])
    assert first.exit_code == 2 and "前年度.json がありません" in first.output
    table = runner.invoke(main, ["diff", str(old), str(new)], env={"COLUMNS": "250"})
    assert table.exit_code == 0
    assert "統合" in table.output and "J0306" in table.output and "終了した事業" in table.output


# --------------------------------------------------------------------------- 政策評価表 rounds


def _edited_seed(subs, master):
    """This year's answers of the sample departments: the 事業 lists as master now has them, D110
    drops SDG 17 and rewrites a ● heading, D220 adds a new heading and changes a body."""
    out = []
    names = {k.initiative: [] for k in master.known_projects}
    for k in master.known_projects:
        names[k.initiative].append(k)
    for s in subs:
        e = s.lps[0]
        projects = tuple(
            p.model_copy(update={"name": k.name})
            for p in e.projects
            for k in [
                next((k for k in master.known_for(p.initiative, s.department) if k.name == p.name), None)
            ]
            if k is not None
        )
        projects += tuple(
            p.model_copy(update={"name": RENAMED[2]}) for p in e.projects if p.name == RENAMED[1]
        )
        projects += tuple(
            p.model_copy(update={"name": MERGED[1]}) for p in e.projects if p.name == "生活支援体制整備事業"
        )
        update = {"projects": projects}
        if s.department == "D110":
            update["projects"] = (*projects, e.projects[0].model_copy(update={"name": WRITTEN_IN}))
            update["sdgs"] = (11,)
            update["policies"] = (
                e.policies[0],
                Paragraph(
                    initiative="1-1-1", heading="まちづくりセンターの機能強化", body=e.policies[1].body
                ),
            )
        if s.department == "D210":
            update["policies"] = ()
        if s.department == "D220":
            update["evaluations"] = (
                e.evaluations[0].model_copy(
                    update={"body": e.evaluations[0].body + "さらに相談件数が増えた。"}
                ),
            )
            update["policies"] = (
                *e.policies,
                Paragraph(initiative="1-4-3", heading="介護人材の確保", body="研修を行う。"),
            )
        out.append(s.model_copy(update={"lps": (e.model_copy(update=update),)}))
    return out


@pytest.fixture(scope="module")
def seed_rounds(tmp_path_factory):
    base = tmp_path_factory.mktemp("seed")
    old, new = base / "R02", base / "R03"
    init_round(old, sample=True)
    rnd = Round(old)
    books = {g.department: g.path for g in generate_round(old)}
    for sub in sample_submissions(rnd.master):
        if sub.department == "D110":  # a 事業 the department wrote in that master data did not list
            e = sub.lps[0]
            extra = e.projects[0].model_copy(update={"name": WRITTEN_IN})
            sub = sub.model_copy(update={"lps": (e.model_copy(update={"projects": (*e.projects, extra)}),)})
        fill_workbook(books[sub.department], old / "inbox" / books[sub.department].name, sub, rnd.form)
    _collect_all(old)
    first_books = books
    SEED_BOOKS["report"] = start_from(new, old)
    _next_year_master(new)
    rnd2 = Round(new)
    books = {g.department: g.path for g in generate_round(new)}
    subs = [
        s.model_copy(update={"round_id": rnd2.master.settings.round_id})
        for s in sample_submissions(rnd2.master)
    ]
    for sub in _edited_seed(subs, rnd2.master):
        fill_workbook(books[sub.department], new / "inbox" / books[sub.department].name, sub, rnd2.form)
    _collect_all(new)
    SEED_BOOKS.update(first=first_books, second=books)
    return old, new


SEED_BOOKS: dict = {}


def test_a_project_written_in_last_year_is_carried_into_master_once(seed_rounds):
    _, new = seed_rounds
    report = SEED_BOOKS["report"]
    assert [(k.initiative, k.name, k.department) for k in report.added_projects] == [
        ("1-1-1", WRITTEN_IN, "D110")
    ]
    assert any("事業シートになかった 1 件" in c for c in report.checks)
    master = load_master(new / "master.xlsx")
    assert [k.name for k in master.known_for("1-1-1", "D110")].count(WRITTEN_IN) == 1
    rows = default_values(Round(new).master, "D110", "KIZUNA", Round(new).form)["projects"]
    assert [r["name"] for r in rows].count(WRITTEN_IN) == 1


def test_last_years_policies_shown_read_only_beside_this_years_evaluation(seed_rounds):
    """The PDCA view: the seed form's previous_policies section (固定, 初期値 前年度:policies.…)
    appears only in the round made with --from, just above this year's 評価, locked."""
    old, _ = seed_rounds
    first = openpyxl.load_workbook(SEED_BOOKS["first"]["D110"])
    assert not any("previous_policies" in n for n in first.defined_names)
    wb = openpyxl.load_workbook(SEED_BOOKS["second"]["D110"])
    sheet, c1, r1, c2, r2 = name_range(wb, "xs_KIZUNA_previous_policies")
    ws = wb[sheet]
    with Round(old).ledger() as ledger:
        policies = next(r for r in ledger.current() if r.department == "D110").submission.answers["KIZUNA"][
            "policies"
        ]
    shown = [
        (ws.cell(r, c1).value, ws.cell(r, c1 + 1).value, ws.cell(r, c1 + 3).value) for r in range(r1, r2 + 1)
    ]
    assert shown == [(p["code"], p["heading"], p["body"]) for p in policies]
    assert all(ws.cell(r, c).protection.locked for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
    assert "前年度（令和２年度）の評価で示した今後の方針" in ws.cell(r1 - 2, 1).value
    _, _, e1, _, _ = name_range(wb, "xs_KIZUNA_evaluations")
    assert r2 < e1  # right above this year's 評価
    steps = [c.value for row in wb["はじめに"].iter_rows() for c in row if isinstance(c.value, str)]
    assert (
        "前年度（令和２年度）に受理した内容をあらかじめ記入しています。「前年度の今後の方針（参考）」は前年度の内容で、変更できません。"
        in steps
    )
    assert not any("前年度" in str(c.value) for row in first["はじめに"].iter_rows() for c in row)


def test_seed_prefill_lists_this_years_projects_once(seed_rounds):
    _, new = seed_rounds
    rnd = Round(new)
    rows = default_values(rnd.master, "D220", "KIZUNA", rnd.form)["projects"]
    names = [r["name"] for r in rows]
    assert MERGED[1] in names and "在宅医療・介護連携推進事業" not in names
    assert len(names) == len(set(names))


def test_diff_of_the_seed_rounds(seed_rounds):
    old, new = seed_rounds
    diff = diff_rounds(old, new)
    unchosen = [(c.department, c.before) for c in diff.of(ChangeKind.UNCHOSEN)]
    assert unchosen == [("地域づくり推進課", "17 パートナーシップで目標を達成しよう")]
    assert diff.of(ChangeKind.CHOSEN) == []
    new_heads = {(c.department, c.subject) for c in diff.of(ChangeKind.TEXT_NEW)}
    assert new_heads == {("高齢者支援課", "今後の方針：1-4-3 ●介護人材の確保")}
    ended = {(c.department, c.subject) for c in diff.of(ChangeKind.TEXT_ENDED)}
    assert ended == {("地域福祉センター", "今後の方針：1-2-2 ●地域での見守り・支え合いの体制づくり")}
    # a heading reworded over the same body: one paragraph renamed, not one new and one ended
    renamed = [(c.department, c.before, c.after, c.note) for c in diff.of(ChangeKind.HEADING_CHANGED)]
    assert renamed == [
        (
            "地域づくり推進課",
            "●まちづくりセンターのあり方の検討",
            "●まちづくりセンターの機能強化",
            "本文の同じ部分 100%",
        )
    ]
    changed = diff.of(ChangeKind.TEXT_CHANGED)
    assert [(c.department, c.subject) for c in changed] == [
        (
            "高齢者支援課",
            "取り組みに対する評価：1-4-2 ●住み慣れた自宅や地域で暮らし続けるための取り組みの推進・地域の課題を解決するための体制づくり",
        )
    ]
    assert "＋「さらに相談件数が増えた。」" in changed[0].note
    # per initiative: the ended 事業 dropped; the renamed and the merged ones carry on (reported
    # as such above, not as added and dropped)
    dropped = [(c.unit, c.department, c.subject, c.before) for c in diff.of(ChangeKind.LIST_DROPPED)]
    assert dropped == [("絆を紡ぐまちづくり", "青少年課", "2-1-3", ENDED[1])]
    assert diff.of(ChangeKind.LIST_ADDED) == []
    assert [c.after for c in diff.of(ChangeKind.PROJECT_RENAMED)] == [f"{RENAMED[0]} {RENAMED[2]}"]


# --------------------------------------------------------------------------- pieces


def test_round_id_and_deadline_a_year_on():
    assert next_round_id("R02-seisaku-hyoka", 2020) == "R03-seisaku-hyoka"
    assert next_round_id("H30-seisaku", 2018) == "R01-seisaku"  # 平成31年度 is 令和元年度
    assert next_round_id("H31-seisaku", 2019) == "R02-seisaku"
    assert next_round_id("R01-seisaku", 2019) == "R02-seisaku"
    assert next_round_id("2020-seisaku-hyoka", 2020) == "2021-seisaku-hyoka"
    assert next_round_id("seisaku", 2020) == "seisaku-2021"
    assert a_year_on(dt.date(2020, 2, 29)) == dt.date(2021, 2, 28)


def test_form_check_names_a_wrong_previous_source(tmp_path):
    def edit(wb):
        ws = wb["項目"]
        ws[cell(ws, "初期値", "activity", "target_1")] = "前年度:target_9"
        ws[cell(ws, "初期値", "outcome", "name")] = "前年度:nosuch.name"

    path = edited_copy(tmp_path, edit, JIMU)
    result = load_form(path)
    ws = openpyxl.load_workbook(JIMU)["項目"]
    found = {(i.code, i.sheet, i.cell): i.text() for i in result.issues}
    hit = found[("FORM_DEFAULT_INVALID", "項目", cell(ws, "初期値", "activity", "target_1"))]
    assert "target_9" in hit and "target_2" in hit  # with a suggestion
    assert ("FORM_DEFAULT_INVALID", "項目", cell(ws, "初期値", "outcome", "name")) in found
    assert result.form is None


def _sheet_rows(path: Path, sheet: str) -> list[tuple]:
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    return [tuple("" if v is None else v for v in row) for row in ws.iter_rows(values_only=True)]


def test_consolidated_book_compares_with_last_year(seed_rounds):
    old, new = seed_rounds
    first = merge_round(old)
    assert not {"前年度比較", "前年度の今後の方針 （参考）"} & set(
        openpyxl.load_workbook(first.book, read_only=True).sheetnames
    )
    result = merge_round(new, csv=True)
    names = openpyxl.load_workbook(result.book, read_only=True).sheetnames
    assert names[-1] == "前年度比較" and "前年度の今後の方針 （参考）" in names
    assert names[0] == "政策評価表_絆を紡ぐまちづくり"
    rows = _sheet_rows(result.book, "前年度比較")
    assert rows[0] == ("区分", "対象", "所属", "項目", "前年度", "今年度", "備考")
    diff = diff_rounds(old, new)
    assert rows[1:] == [
        (c.kind.ja, c.unit, c.department, c.subject, c.before, c.after, c.note) for c in diff.changes
    ]
    kinds = {r[0] for r in rows[1:]}
    assert {
        "名称変更",
        "統合",
        "終了した事業",
        "選択の取り消し",
        "新しい見出し",
        "見出しの変更",
        "本文の変更",
    } <= kinds
    from xlsheet.merge import round_frames

    frame = round_frames(new)["comparison"]
    assert list(frame["区分"]) == [c.kind.ja for c in diff.changes]
    csv = next(p for p in result.csv if p.name.startswith("前年度比較"))
    assert "ファミリー・サポート・センター事業" in csv.read_text(encoding="utf-8-sig")


def test_jimu_book_compares_grades_and_indicators(jimu_rounds):
    _, new, _, _, _ = jimu_rounds
    rows = _sheet_rows(merge_round(new).book, "前年度比較")
    grade = next(
        r for r in rows if r[0] == "評価・方向性の変更" and r[1].startswith("J0301") and r[3] == "総合評価"
    )
    assert (grade[4], grade[5]) == ("C", "A")
    assert any(r[0] == "指標の推移" and r[1].startswith(MERGED[0]) for r in rows)


# --------------------------------------------------------------------------- 元年 and 平成／令和

ERA_YEARS = {  # evaluation year: (評価年度, 評価対象年度, 評価対象年度-1, 評価対象年度-2, round ID, next year)
    2018: ("平成３０年度", "平成２９年度", "平成２８年度", "平成２７年度", "H30-seisaku-hyoka", "令和元年度"),
    2019: ("令和元年度", "平成３０年度", "平成２９年度", "平成２８年度", "R01-seisaku-hyoka", "令和２年度"),
    2020: ("令和２年度", "令和元年度", "平成３０年度", "平成２９年度", "R02-seisaku-hyoka", "令和３年度"),
}
DEADLINES = {  # 30 April of the year, and a year on (平成 ended on 30 April 2019)
    2018: ("平成３０年４月３０日（月）", "平成３１年４月３０日（火）"),
    2019: ("平成３１年４月３０日（火）", "令和２年４月３０日（木）"),
    2020: ("令和２年４月３０日（木）", "令和３年４月３０日（金）"),
}


@pytest.mark.parametrize("year", sorted(ERA_YEARS))
def test_years_labelled_right_everywhere(tmp_path, year):
    """Fiscal 2019 is 令和元年度 (never 平成31年度); every place a year is shown says so: the entry
    workbook, the mails, the consolidated book and its tables, the CSV headers, init --from."""
    from xlsheet.mail.compose import round_body, round_subject
    from xlsheet.merge.sections import section_tables
    from xlsheet.round import form_source, read_form

    evaluation, evaluated, minus1, minus2, round_id, following = ERA_YEARS[year]
    root = tmp_path / round_id
    init_round(root, sample=True)
    m = load_master(root / "master.xlsx")
    settings = m.settings.model_copy(
        update={"evaluation_year": year, "round_id": round_id, "deadline": dt.date(year, 4, 30)}
    )
    write_master(m.model_copy(update={"settings": settings}), root / "master.xlsx")
    books = {g.department: g.path for g in generate_round(root)}
    rnd = Round(root)
    # the entry workbook
    ws = openpyxl.load_workbook(books["D110"])[rnd.form.input_sheet]
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert f"{evaluation} 政策評価表　入力シート" in texts
    assert f"【{evaluated}に実施した事業】" in texts
    assert any(DEADLINES[year][0] in t for t in texts)
    # the mails
    dept = rnd.master.department("D110")
    assert round_subject(rnd.master, dept).startswith(f"【{evaluation}政策評価】")
    body = round_body(rnd.master, dept, books["D110"].name)
    assert f"{evaluation}の政策評価（{evaluated}の取り組みの評価）" in body
    assert DEADLINES[year][0] in body
    # the consolidated book
    for sub in sample_submissions(rnd.master):
        sub = sub.model_copy(update={"round_id": round_id})
        fill_workbook(books[sub.department], root / "inbox" / books[sub.department].name, sub, rnd.form)
    _collect_all(root)
    book = merge_round(root).book
    wb = openpyxl.load_workbook(book)
    printed = {c.value for row in wb.worksheets[0].iter_rows() for c in row if isinstance(c.value, str)}
    assert f"{evaluation} 政策評価表" in printed and f"【{evaluated}に実施した事業】" in printed
    assert wb.properties.title.startswith(evaluation)
    assert not any("平成３１年度" in t or "平成31年度" in t for t in (*texts, *printed, body))
    # a form's year columns (指標 of the 事務事業評価) in the book's tables and CSV headers
    jimu = read_form(form_source(JIMU_FORM))
    headers = next(t for t in section_tables(jimu, rnd.master, [], set()) if t.key == "activity").headers
    assert {f"目標値（{minus2}）", f"実績値（{minus1}）", f"達成率（{evaluated}）"} <= set(headers)
    # next year's round
    report = start_from(tmp_path / "next", root)
    assert (report.old_label, report.new_label) == (evaluation, following)
    nxt = load_master(tmp_path / "next" / "master.xlsx").settings
    assert nxt.evaluation_label == following
    assert nxt.round_id == {2018: "R01", 2019: "R02", 2020: "R03"}[year] + "-seisaku-hyoka"
    assert any(DEADLINES[year][1] in c for c in report.checks)
    assert any("元号が変わります（平成→令和）" in c for c in report.checks) == (year == 2018)


def test_next_years_books_are_valid_open_xml(seed_rounds, jimu_rounds):
    """The books with last year's content in them (read-only 今後の方針, carried 指標, the
    前年度比較 sheet) pass Microsoft's Open XML validator."""
    from tests.validator import validate_all, validator_path

    exe = validator_path()
    if exe is None:
        pytest.skip("ooxml-validator がありません（bash scripts/setup.sh）")
    _, new = seed_rounds
    _, jnew, _, generated, _ = jimu_rounds
    books = [SEED_BOOKS["second"]["D110"], next(g.path for g in generated if g.department == "D220")]
    books += [merge_round(new).book, merge_round(jnew).book]
    assert validate_all(books, exe) == []


def test_a_split_feeds_each_new_project_and_is_reported_once():
    """One old 事業 split in two: both new ones are pre-filled from it, the diff says 分割 once."""
    from xlsheet.models import PreviousAnswers
    from xlsheet.round import form_source, read_form
    from xlsheet.sample import sample_master
    from xlsheet.yoy.diff import RoundSide, compare

    old = sample_master()
    jimu = read_form(form_source(JIMU_FORM))
    split_from = next(k for k in old.known_projects if k.code == "J0501")
    parts = tuple(
        split_from.model_copy(update={"code": code, "name": name, "previous_codes": ("J0501",)})
        for code, name in (("J0502", "健康診査事業"), ("J0503", "健康教育事業"))
    )
    new = old.model_copy(
        update={"known_projects": (*(k for k in old.known_projects if k.code != "J0501"), *parts)}
    )
    last = sample_project_answers(old, "D410")
    carried = new.model_copy(
        update={"previous": PreviousAnswers(round_id="R02", evaluation_year=2020, answers={"D410": last})}
    )
    for code in ("J0502", "J0503"):
        rows = default_values(carried, "D410", code, jimu)["outcome"]
        assert [r["actual_1"] for r in rows] == [r["actual_2"] for r in last["J0501"]["outcome"]]
    diff = compare(RoundSide(old, jimu, {"D410": last}), RoundSide(new, jimu, {}))
    split = diff.of(ChangeKind.PROJECT_SPLIT)
    assert [(c.before, c.after) for c in split] == [
        ("J0501 健康づくり推進事業", "J0502 健康診査事業、J0503 健康教育事業")
    ]
    assert diff.of(ChangeKind.PROJECT_ENDED) == [] and diff.of(ChangeKind.PROJECT_NEW) == []


def test_a_round_taking_its_projects_from_a_jimu_round_is_carried_without_it(jimu_rounds, tmp_path):
    """Answer once: last year's 政策評価表 round took its 事業 from last year's 事務事業評価 round;
    next year's starts without that setting (it would give last year's 事業) and says so."""
    import os

    jimu_old = jimu_rounds[0]
    policy = tmp_path / "政策R02"
    init_round(policy, sample=True)
    m = load_master(policy / "master.xlsx")
    link = os.path.relpath(jimu_old, policy)
    write_master(
        m.model_copy(update={"settings": m.settings.model_copy(update={"project_round": link})}),
        policy / "master.xlsx",
    )
    assert Round(policy).master.known_projects != m.known_projects  # the accepted ones, evaluated
    report = start_from(tmp_path / "政策R03", policy)
    carried = load_master(tmp_path / "政策R03" / "master.xlsx")
    assert carried.settings.project_round == ""
    assert carried.known_projects == m.known_projects  # the 事業 sheet as the office keeps it
    assert any("事務事業評価ラウンド" in c and link in c for c in report.checks)
    assert Round(tmp_path / "政策R03").master.settings.evaluation_year == 2021


def test_no_empty_box_of_last_years_policies_where_there_were_none(seed_rounds):
    """D310 wrote no 今後の方針 last year: its book has no 前年度の今後の方針 section, and says so."""
    _, new = seed_rounds
    wb = openpyxl.load_workbook(SEED_BOOKS["second"]["D310"])
    assert "xs_KIZUNA_previous_policies" not in wb.defined_names
    assert "xs_KIZUNA_evaluations" in wb.defined_names
    steps = [c.value for row in wb["はじめに"].iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("前年度の今後の方針" in t for t in steps)
