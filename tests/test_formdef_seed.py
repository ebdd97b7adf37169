"""The shipped form definitions: the 政策評価表 workbook says what xlsheet/form.py says, the
事務事業評価 workbook checks clean, and an office can add a 成果指標 section without Python."""

from __future__ import annotations

import pytest

from tests.formdef_helpers import JIMU, SEED, append_rows, edited_copy
from xlsheet import form as legacy
from xlsheet.formdef import FieldKind, load_form, read_form
from xlsheet.formdef.formula import evaluate, parse, to_excel
from xlsheet.models import SDG_GOALS, SDG_MARK
from xlsheet.sample import sample_master

KINDS = {
    legacy.Kind.CODE: FieldKind.CODE,
    legacy.Kind.CHOICE: FieldKind.CHOICE,
    legacy.Kind.TEXT: FieldKind.TEXT,
    legacy.Kind.LONGTEXT: FieldKind.LONGTEXT,
    legacy.Kind.LOOKUP: FieldKind.CALC,
    legacy.Kind.FIXED: FieldKind.FIXED,
}
LISTS = {
    legacy.ListKey.CODES: "取り組みコード",
    legacy.ListKey.CATEGORY: "区分",
    legacy.ListKey.DEPARTMENTS: "所属",
    legacy.ListKey.MARK: "貢献",
}


@pytest.fixture(scope="module")
def seed():
    result = load_form(SEED)
    assert result.issues == (), [i.text() for i in result.issues]
    return result.form


def test_seed_settings_match_form_py(seed):
    assert (seed.id, seed.version) == (legacy.FORM_ID, legacy.FORM_VERSION)
    assert seed.input_sheet == legacy.SHEET_INPUT
    assert seed.unit == "所属×リーディングプロジェクト" and seed.layout == "政策評価表"


def test_seed_sections_match_form_py_section_by_section(seed):
    assert [s.key for s in seed.sections] == [s.key for s in legacy.FORM.sections]
    for old, new in zip(legacy.FORM.sections, seed.sections, strict=True):
        assert new.title == old.title.replace("{evaluated}", "{評価対象年度}"), old.key
        assert new.note == old.note, old.key
        assert new.lead_only == old.lead_only, old.key
        assert new.required == old.required, old.key
        assert new.show_header == old.show_header, old.key
        assert new.row_height == old.row_height, old.key
        assert new.example == old.example, old.key
        assert new.width == legacy.SHEET_COLUMNS, old.key


def test_seed_rows_match_form_py_capacity(seed):
    """行数 × 行数の基準 + 予備行 gives the rows sheet_layout gives, for every department."""
    master = sample_master()
    checked = 0
    for lp in master.leading_projects:
        for dept in {a.department for a in master.assignments if a.lp == lp.code}:
            for old, new in zip(legacy.FORM.sections, seed.sections, strict=True):
                per = len(master.department_initiatives(dept, lp.code)) if new.rows_per else 1
                if new.rows_per:
                    assert new.rows_per == "取り組みコード"
                assert new.rows * per + new.spare_rows == legacy.section_capacity(old, master, dept, lp.code)
                checked += 1
    assert checked
    assert seed.section("sdgs").rows == len(SDG_GOALS)


def test_seed_columns_match_form_py_column_by_column(seed):
    for old, new in zip(legacy.FORM.sections, seed.sections, strict=True):
        assert [f.key for f in new.fields] == [c.key for c in old.columns], old.key
        for c, f in zip(old.columns, new.fields, strict=True):
            where = f"{old.key}.{c.key}"
            assert f.label == c.label, where
            assert f.kind is KINDS[c.kind], where
            assert f.required == c.required and not f.required_if, where
            assert f.list == (LISTS[c.list] if c.list else ""), where
            assert (f.max_len or 0) == c.max_len, where
            assert f.hint == c.prompt, where
            assert f.example == c.example, where
            assert f.span == c.span, where
            assert f.row_key == c.key_column, where
            assert f.is_input == c.is_input, where
            assert f.min is None and f.max is None, where


def test_seed_choice_lists_match_form_py(seed):
    master = sample_master()
    lp = master.leading_projects[0].code
    assert seed.choice_list("区分").values == legacy.list_values(master, legacy.ListKey.CATEGORY, lp)
    assert seed.choice_list("貢献").values == (SDG_MARK,)
    for name in ("取り組みコード", "所属"):
        assert seed.is_master_list(name)


def test_seed_title_lookup_formula_matches_the_writer(seed):
    """The 取り組み名 column's 計算式 is today's VLOOKUP, in Excel and in Python."""
    f = parse(seed.section("projects").field("title").formula)
    excel = to_excel(f, lambda ref, agg: "A9", lambda name: "xs_list_initiatives_LP1")
    assert (
        excel == '=IFERROR(IF(A9="","",VLOOKUP(A9,xs_list_initiatives_LP1,2,FALSE)),"（一覧にないコード）")'
    )
    titles = {"取り組みコード": {"1-4-2": "住み慣れた自宅や地域で暮らし続けるための取り組みの推進"}}
    assert evaluate(f, lambda r, a: "1-4-2", titles).startswith("住み慣れた")
    assert evaluate(f, lambda r, a: "9-9-9", titles) == "（一覧にないコード）"
    assert evaluate(f, lambda r, a: None, titles) == ""


def test_jimu_jigyo_definition_checks_clean():
    result = load_form(JIMU)
    assert result.issues == (), [i.text() for i in result.issues]
    form = result.form
    assert form.unit == "所属×事業" and form.layout == "事務事業評価シート"
    assert [c.value for c in form.choice_list("総合評価").choices] == ["S", "A", "B", "C"]
    assert all(c.description for c in form.choice_list("総合評価").choices)
    assert form.choice_list("方向性").values == ("拡充", "継続", "改善", "縮小", "休止・廃止")
    cost = form.section("cost")
    assert cost.is_block
    values = {"person_years": 0.5, "project_cost": 2000.0}
    master = {"平均人件費": 8000}

    def resolve(ref, agg):
        return master[ref.name] if ref.section == "マスタ" else values[ref.name]

    assert evaluate(parse(cost.field("personnel_cost").formula), resolve) == 4000
    rate = parse(form.section("outcome").field("rate_3").formula)
    assert evaluate(rate, lambda r, a: {"target_3": 200, "actual_3": 150}[r.name]) == 0.75
    assert evaluate(rate, lambda r, a: {"target_3": 0, "actual_3": 150}[r.name]) == ""


SEIKA = [
    {
        "セクション": "outcomes",
        "セクション見出し": "【成果指標】",
        "セクションの説明": "取り組みの成果を表す指標を記載してください。",
        "記入者": "全所属",
        "行数": 3,
        "キー": "indicator",
        "見出し": "指標名",
        "種類": "文字",
        "必須": "○",
        "文字数": 60,
        "行の判定": "○",
        "入力の説明": "成果指標の名前を入力してください。",
        "記入例": "認知症サポーター数",
    },
    {"セクション": "outcomes", "キー": "unit", "見出し": "単位", "種類": "文字", "必須": "○", "文字数": 10},
    {"セクション": "outcomes", "キー": "target", "見出し": "目標値", "種類": "数値", "必須": "○", "最小": 0},
    {"セクション": "outcomes", "キー": "actual", "見出し": "実績値", "種類": "数値", "必須": "○", "最小": 0},
    {
        "セクション": "outcomes",
        "キー": "rate",
        "見出し": "達成率",
        "種類": "計算",
        "計算式": 'IF([目標値]=0,"",ROUND([実績値]/[目標値],3))',
    },
    {
        "セクション": "outcomes",
        "キー": "grade",
        "見出し": "評価",
        "種類": "選択",
        "必須": "○",
        "一覧": "評価",
    },
]


def add_seika(wb) -> None:
    append_rows(wb["項目"], SEIKA)
    ch = wb["選択肢"]
    for value, desc in (
        ("A", "110% 以上"),
        ("B", "80% 以上 110% 未満"),
        ("C", "50% 以上 80% 未満"),
        ("D", "50% 未満"),
    ):
        ch.append(["評価", value, value, desc])


def test_adding_a_seika_section_to_a_copy_checks_clean(tmp_path):
    path = edited_copy(tmp_path, add_seika)
    result = load_form(path)
    assert result.issues == (), [i.text() for i in result.issues]
    section = result.form.section("outcomes")
    assert [f.key for f in section.fields] == ["indicator", "unit", "target", "actual", "rate", "grade"]
    assert section.field("rate").kind is FieldKind.CALC
    assert result.form.choice_list("評価").values == ("A", "B", "C", "D")
    assert section.width == 6  # wider than the others: the input sheet widens, no error
    rate = parse(section.field("rate").formula)
    cells = {"目標値": "C40", "実績値": "D40"}
    assert to_excel(rate, lambda r, a: cells[r.name]) == '=IF(C40=0,"",ROUND(D40/C40,3))'
    assert evaluate(rate, lambda r, a: {"目標値": 1500, "実績値": 1234}[r.name]) == 0.823


def test_removing_a_field_from_a_copy_checks_clean(tmp_path):
    def drop_category(wb):
        ws = wb["項目"]
        from tests.formdef_helpers import row_of

        ws.delete_rows(row_of(ws, "キー", "projects", "category"))
        ch = wb["選択肢"]
        ch.delete_rows(2, 2)  # the 区分 list goes with it

    form = read_form(edited_copy(tmp_path, drop_category))
    assert [f.key for f in form.section("projects").fields] == ["code", "title", "name", "owner"]
    assert form.choice_list("区分") is None


@pytest.mark.parametrize("path", [SEED, JIMU], ids=["seisaku", "jimu"])
def test_every_shipped_formula_resolves_to_a_field_or_master_value(path):
    form = read_form(path)
    seen = 0
    for section in form.sections:
        for f in section.fields:
            for text in (f.formula, f.constraint, f.required_if):
                if not text:
                    continue
                for ref, in_agg in parse(text).refs():
                    target = form.resolve(ref.name, ref.section, section.key)
                    assert target is not None, (section.key, f.key, ref.text)
                    if isinstance(target, tuple) and target[0].key != section.key:
                        assert target[0].is_block or in_agg
                    seen += 1
    assert seen


def test_resolve_by_key_label_and_master():
    form = read_form(JIMU)
    cost = form.section("cost")
    assert form.resolve("person_years", None, "cost") == (cost, cost.field("person_years"))
    assert form.resolve("人工（人）", None, "cost") == (cost, cost.field("person_years"))
    assert form.resolve("平均人件費", "マスタ", "cost") == "平均人件費"
    assert form.resolve("actual_3", "activity", "cost")[1].key == "actual_3"
    assert form.resolve("nope", None, "cost") is None
