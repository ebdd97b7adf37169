"""Calculated fields from the Form: the Excel formula the writer will use and the values intake
will recompute, on the shipped 事務事業評価 definition."""

from __future__ import annotations

from tests.formdef_helpers import JIMU, SEED
from xlsheet.formdef import read_form
from xlsheet.formdef.compute import calc_order, excel_formula, recompute


def test_excel_formulas_point_at_cells_ranges_and_master_names():
    form = read_form(JIMU)
    cost = form.section("cost")
    cols = {f.key: chr(ord("A") + i) for i, f in enumerate(cost.fields)}

    def address(section, field, whole):
        if section.key == "cost":
            return f"{cols[field.key]}30"
        return "$E$12:$E$14" if whole else "E12"

    def excel(key):
        return excel_formula(form, cost, cost.field(key).formula, address, lambda n: f"xs_master_{n}", str)

    assert excel("project_cost") == "=A30+B30+C30+D30"
    assert excel("personnel_cost") == "=ROUND(F30*xs_master_平均人件費,0)"
    assert excel("unit_cost") == '=IF(OR(I30="",I30=0),"",ROUND(H30/I30,1))'
    total = excel_formula(form, cost, "SUM([activity.actual_3])", address, str, str)
    assert total == "=SUM($E$12:$E$14)"


def test_calc_order_puts_inputs_first():
    order = [(s.key, f.key) for s, f in calc_order(read_form(JIMU))]
    assert order.index(("cost", "project_cost")) < order.index(("cost", "total_cost"))
    assert order.index(("cost", "personnel_cost")) < order.index(("cost", "total_cost"))
    assert order.index(("cost", "total_cost")) < order.index(("cost", "unit_cost"))


def test_recompute_replaces_values_typed_over_formulas():
    form = read_form(JIMU)
    data = {
        "cost": [
            {
                "national_prefectural": 1200,
                "bonds": 0,
                "other": "",
                "general": 800,
                "project_cost": 9999,  # typed over the formula
                "person_years": 0.5,
                "unit_count": 1500,
            }
        ],
        "outcome": [
            {"name": "サポーター数", "unit": "人", "target_3": 2000, "actual_3": 1800},
            {"name": "相談件数", "unit": "件", "target_3": 0, "actual_3": 5},
        ],
    }
    out = recompute(form, data, master={"平均人件費": 8000})
    cost = out["cost"][0]
    assert cost["project_cost"] == 2000
    assert cost["personnel_cost"] == 4000
    assert cost["total_cost"] == 6000
    assert cost["unit_cost"] == 4.0
    assert [r["rate_3"] for r in out["outcome"]] == [0.9, ""]
    assert out["activity"] == []
    assert data["cost"][0]["project_cost"] == 9999  # the input is not changed


def test_seed_title_lookup_recomputes_from_the_master_list():
    form = read_form(SEED)
    out = recompute(
        form,
        {"projects": [{"code": "1-4-2"}, {"code": "9-9-9"}, {"code": ""}]},
        lists={"取り組みコード": {"1-4-2": "住み慣れた自宅や地域で暮らし続けるための取り組みの推進"}},
    )
    assert [r["title"] for r in out["projects"]] == [
        "住み慣れた自宅や地域で暮らし続けるための取り組みの推進",
        "（一覧にないコード）",
        "",
    ]


def test_digest_follows_content_not_file_or_row(tmp_path):
    import shutil

    from tests.formdef_helpers import cell, edited_copy

    copy = tmp_path / "copy.xlsx"
    shutil.copyfile(SEED, copy)
    assert read_form(copy).digest == read_form(SEED).digest

    def hint(wb):
        ws = wb["項目"]
        ws[cell(ws, "入力の説明", "projects", "name")] = "事業名を入力してください。"

    changed = read_form(edited_copy(tmp_path, hint))
    assert changed.digest != read_form(SEED).digest
    assert len(changed.digest) == 64


def test_rules_required_constraints_and_the_grade_warning():
    from xlsheet.formdef.compute import rule_findings

    form = read_form(JIMU)
    data = {
        "basis": [{"start_year": 2015, "end_year": 2010, "method": "直営"}],
        "outcome": [
            {"name": "サポーター数", "unit": "人", "target_3": 2000, "actual_3": 1800},
            {"name": "", "unit": ""},  # an unused row: nothing required
        ],
        "grade": [{"grade": "S", "reason": "よくできた"}],
    }
    found = {(k, s.key, i, f.key) for k, s, i, f in rule_findings(form, recompute(form, data))}
    assert ("constraint", "basis", 0, "end_year") in found
    assert ("constraint_warning", "grade", 0, "grade") in found  # S with every 達成率 under 100 %
    assert ("required", "purpose", 0, "target") in found
    assert not any(s == "outcome" and i == 1 for _, s, i, _ in found)
    assert ("required", "outcome", 0, "actual_3") not in found

    data["grade"] = [{"grade": "A", "reason": "おおむね"}]
    data["basis"][0]["end_year"] = 2030
    found = {(k, s.key, i, f.key) for k, s, i, f in rule_findings(form, recompute(form, data))}
    assert not {x for x in found if x[0] != "required"}
