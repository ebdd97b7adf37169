"""The shipped form definitions: the 政策評価表 workbook holds the sections, fields and lists
written out below, the 事務事業評価 workbook checks clean, and an office can add a 成果指標 section without Python."""

from __future__ import annotations

import importlib

import pytest

from tests.formdef_helpers import JIMU, SEED, append_rows, edited_copy
from xlsheet.formdef import FieldKind, FilledBy, load_form, read_form
from xlsheet.formdef.formula import evaluate, parse, to_excel
from xlsheet.models import SDG_GOALS, SDG_MARK, Category

# The 政策評価表 as shipped (what the Python form said before the workbook became the source).
SECTIONS = [  # key, 記入者, 行数, 行数の基準, 予備行, 行の高さ, 見出し行, 記入例の行, 必須
    ("projects", "all", 3, "取り組みコード", 3, None, True, True, False),
    ("previous_policies", "all", 10, "", 0, None, True, False, False),
    ("evaluations", "all", 6, "", 0, 96.0, True, True, False),
    ("summary", "lead", 1, "", 0, 120.0, False, False, True),
    ("policy_intro", "lead", 1, "", 0, 90.0, False, False, True),
    ("policies", "all", 10, "", 0, 80.0, True, True, False),
    ("sdgs", "all", 17, "", 0, None, True, False, False),
]
TITLES = {  # key: (見出し, 説明)
    "projects": (
        "【{評価対象年度}に実施した事業】",
        "取り組みごとに事業名と所属を記載してください（1つの取り組みにつき最大３つまで）。",
    ),
    "previous_policies": (
        "【前年度の今後の方針】（参考）",
        "前年度（{評価年度-1}）の評価で示した今後の方針です（前年度に受理した内容。変更できません）。"
        "今年度の評価の参考にしてください。",
    ),
    "evaluations": (
        "【評価及び今後の方針】\u3000{評価対象年度}の取り組みに対する評価",
        "施策評価、事務事業評価を踏まえた分析を、見出しと本文に分けて記載してください。",
    ),
    "summary": ("●総評", "リーディングプロジェクト全体の総評を記載してください（主管所属のみ）。"),
    "policy_intro": ("今後の方針（前文）", "今後の方針の冒頭の文章を記載してください（主管所属のみ）。"),
    "policies": ("今後の方針", "今後の方針を、見出しと本文に分けて記載してください。"),
    "sdgs": ("【ＳＤＧｓへの貢献】", "あてはまる目標の「貢献」欄でプルダウンから ○ を選んでください。"),
}
FIELDS = {  # key, 見出し, 種類, 必須, 一覧, 文字数, 列数, 行の判定, 初期値
    "projects": [
        (
            "code",
            "取り組みコード",
            "code",
            True,
            "取り組みコード",
            None,
            1,
            True,
            "マスタ:事業.取り組みコード",
        ),
        ("category", "区分", "choice", True, "区分", None, 1, False, "マスタ:事業.区分"),
        ("title", "取り組み名（自動表示）", "calc", False, "", None, 1, False, ""),
        ("name", "事業名", "text", True, "", 100, 1, True, "マスタ:事業.事業名"),
        ("owner", "所属", "choice", True, "所属", None, 1, False, "マスタ:事業.所属名"),
    ],
    "previous_policies": [  # last year's 今後の方針, read-only (a round made with init --from)
        ("code", "取り組みコード", "fixed", False, "", None, 1, False, "前年度:policies.code"),
        ("heading", "見出し（●の後）", "fixed", False, "", None, 2, True, "前年度:policies.heading"),
        ("body", "本文", "fixed", False, "", None, 2, False, "前年度:policies.body"),
    ],
    "evaluations": [
        ("code", "取り組みコード", "code", False, "取り組みコード", None, 1, False, ""),
        ("heading", "見出し（●の後）", "text", True, "", 100, 2, True, ""),
        ("body", "本文", "longtext", True, "", 2000, 2, True, ""),
    ],
    "summary": [
        ("body", "総評", "longtext", True, "", 3000, 5, True, ""),
    ],
    "policy_intro": [
        ("body", "今後の方針（前文）", "longtext", True, "", 3000, 5, True, ""),
    ],
    "policies": [
        ("code", "取り組みコード", "code", False, "取り組みコード", None, 1, False, ""),
        ("heading", "見出し（●の後）", "text", True, "", 100, 2, True, ""),
        ("body", "本文", "longtext", True, "", 2000, 2, True, ""),
    ],
    "sdgs": [
        ("goal", "番号", "fixed", False, "", None, 1, False, "一覧:ＳＤＧｓ"),
        ("name", "目標", "fixed", False, "", None, 3, False, "一覧:ＳＤＧｓ.表示"),
        ("mark", "貢献", "choice", False, "貢献", None, 1, True, ""),
    ],
}
HINTS = {  # section.key: (入力の説明, 記入例)
    "projects.code": ("プルダウンから取り組みコードを選んでください（例: 1-4-2）。", "1-4-2"),
    "projects.category": ("主な取り組み／関連する取り組みをプルダウンから選んでください。", "主な取り組み"),
    "projects.title": ("", "住み慣れた自宅や地域で…"),
    "projects.name": ("事業名を入力してください（1つの取り組みにつき最大３つまで）。", "認知症施策推進事業"),
    "projects.owner": ("事業を担当する所属をプルダウンから選んでください。", "高齢者支援課"),
    "previous_policies.code": ("", ""),
    "previous_policies.heading": ("", ""),
    "previous_policies.body": ("", ""),
    "evaluations.code": ("関係する取り組みコードをプルダウンから選んでください（任意）。", "1-4-2"),
    "evaluations.heading": ("● の後に続く見出しを入力してください（● は不要）。", "認知症施策の推進"),
    "evaluations.body": (
        "取り組みの評価を入力してください。セル内の改行は Alt+Enter です。",
        "認知症地域支援推進員を配置し、…",
    ),
    "summary.body": ("リーディングプロジェクト全体の総評を入力してください。", ""),
    "policy_intro.body": ("今後の方針の冒頭の文章を入力してください。", ""),
    "policies.code": ("関係する取り組みコードをプルダウンから選んでください（任意）。", "1-4-2"),
    "policies.heading": ("● の後に続く見出しを入力してください（● は不要）。", "認知症施策の推進"),
    "policies.body": (
        "今後の方針を入力してください。セル内の改行は Alt+Enter です。",
        "認知症の方やその家族に対して効果的な支援が行われる体制を構築する。",
    ),
    "sdgs.goal": ("", ""),
    "sdgs.name": ("", ""),
    "sdgs.mark": ("この目標に貢献する場合は ○ を選んでください。", ""),
}


@pytest.fixture(scope="module")
def seed():
    result = load_form(SEED)
    assert result.issues == (), [i.text() for i in result.issues]
    return result.form


def test_seed_settings(seed):
    assert (seed.id, seed.version, seed.title) == ("xlsheet.seisaku-hyoka", "1", "政策評価表")
    assert seed.input_sheet == "評価入力"
    assert seed.unit == "所属×リーディングプロジェクト" and seed.layout == "政策評価表"


def test_seed_sections_in_order_with_their_rows(seed):
    assert [s.key for s in seed.sections] == [row[0] for row in SECTIONS]
    for s, (key, filled_by, rows, rows_per, spare, height, header, example, required) in zip(
        seed.sections, SECTIONS, strict=True
    ):
        got = (s.key, s.filled_by, s.rows, s.rows_per, s.spare_rows, s.row_height, s.show_header)
        assert got == (key, FilledBy(filled_by), rows, rows_per, spare, height, header), key
        assert (s.example, s.required) == (example, required), key
        assert s.lead_only == (filled_by == "lead"), key
        assert (s.title, s.note) == TITLES[key], key
        assert s.width == 5, key  # the input sheet's columns A–E
    assert [s.key for s in seed.sections if s.lead_only] == ["summary", "policy_intro"]
    assert [s.key for s in seed.sections if s.carried] == ["previous_policies"]
    assert seed.section("sdgs").rows == len(SDG_GOALS)


def test_seed_projects_rows_are_the_print_layouts_three(seed):
    """「最大３つまで」: the 政策評価表 print layout shows three projects per initiative, and the
    seed form gives each initiative three rows (plus three spare) on the input sheet."""
    consolidate = importlib.import_module("xlsheet.merge.consolidate")
    assert seed.section("projects").rows == consolidate.PROJECTS_PER_INITIATIVE == 3


def test_seed_fields_section_by_section(seed):
    for s in seed.sections:
        assert [f.key for f in s.fields] == [row[0] for row in FIELDS[s.key]], s.key
        for f, (key, label, kind, required, lst, max_len, span, row_key, default) in zip(
            s.fields, FIELDS[s.key], strict=True
        ):
            where = f"{s.key}.{key}"
            assert (f.label, f.kind, f.required, f.list) == (label, FieldKind(kind), required, lst), where
            assert (f.max_len, f.span, f.row_key, f.default) == (max_len, span, row_key, default), where
            assert (f.hint, f.example) == HINTS[where], where
            assert f.min is None and f.max is None and not f.required_if and not f.constraint, where
            assert f.is_input == (f.kind not in (FieldKind.CALC, FieldKind.FIXED)), where
            assert bool(f.formula) == (f.kind is FieldKind.CALC), where


def test_seed_choice_lists(seed):
    assert [c.name for c in seed.lists] == ["区分", "貢献"]
    assert seed.choice_list("区分").values == ("主な取り組み", "関連する取り組み")
    assert seed.choice_list("区分").values == tuple(c.value for c in Category)
    assert [(c.value, c.description) for c in seed.choice_list("貢献").choices] == [
        (SDG_MARK, "この目標に貢献する")
    ]
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
