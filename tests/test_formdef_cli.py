"""`xlsheet form list|new|check` through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.formdef_helpers import SEED, edited_copy
from tests.test_formdef_check import type_unknown
from xlsheet.cli import main
from xlsheet.formdef import read_form


def test_form_list_shows_the_shipped_forms():
    result = CliRunner().invoke(main, ["form", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "版", "様式名"]
    assert any(line.split()[:2] == ["xlsheet.seisaku-hyoka", "1"] and "政策評価表" in line for line in lines)
    assert any(
        line.split()[:2] == ["xlsheet.jimu-jigyo-hyoka", "1"] and "事務事業評価" in line for line in lines
    )


def test_form_new_writes_an_editable_copy_and_refuses_to_overwrite(tmp_path):
    dest = tmp_path / "うちの様式.xlsx"
    runner = CliRunner()
    first = runner.invoke(main, ["form", "new", str(dest), "--from", "xlsheet.seisaku-hyoka"])
    assert first.exit_code == 0, first.output
    assert dest.read_bytes() == SEED.read_bytes()
    assert read_form(dest).id == "xlsheet.seisaku-hyoka"

    dest.write_bytes(b"edited")
    again = runner.invoke(main, ["form", "new", str(dest), "--from", "xlsheet.seisaku-hyoka"])
    assert again.exit_code == 2
    assert "--force" in again.output
    assert dest.read_bytes() == b"edited"

    forced = runner.invoke(main, ["form", "new", str(dest), "--from", "xlsheet.jimu-jigyo-hyoka", "--force"])
    assert forced.exit_code == 0, forced.output
    assert read_form(dest).id == "xlsheet.jimu-jigyo-hyoka"


def test_form_new_with_an_unknown_id_names_the_known_ones(tmp_path):
    result = CliRunner().invoke(main, ["form", "new", str(tmp_path / "x.xlsx"), "--from", "nope"])
    assert result.exit_code == 2
    assert "xlsheet.seisaku-hyoka" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_form_check_clean_exits_0():
    result = CliRunner().invoke(main, ["form", "check", str(SEED)])
    assert result.exit_code == 0, result.output
    assert "問題ありません" in result.output


def test_form_check_reports_code_and_cell_and_exits_2(tmp_path):
    where = []
    path = edited_copy(tmp_path, lambda wb: where.append(type_unknown(wb)))
    result = CliRunner().invoke(main, ["form", "check", str(path)])
    assert result.exit_code == 2
    sheet, cell = where[0]
    line = next(x for x in result.output.splitlines() if "FORM_TYPE_UNKNOWN" in x)
    assert f"{sheet}!{cell}" in line and "もしかして" in line

    as_json = CliRunner().invoke(main, ["form", "check", str(path), "--json"])
    assert as_json.exit_code == 2
    data = json.loads(as_json.output)
    assert {"code": "FORM_TYPE_UNKNOWN", "sheet": sheet, "cell": cell}.items() <= data["issues"][0].items()


def test_form_check_of_a_missing_file(tmp_path):
    result = CliRunner().invoke(main, ["form", "check", str(tmp_path / "ない.xlsx")])
    assert result.exit_code == 2


def test_the_reference_documents_every_code_column_setting_and_kind():
    from tests.formdef_helpers import REPO
    from xlsheet.formdef.codes import CODES
    from xlsheet.formdef.formula import FUNCTIONS
    from xlsheet.formdef.model import KIND_JA, Col, Setting

    doc = (REPO / "docs" / "form-definition.md").read_text(encoding="utf-8")
    missing = [f"`{c}`" for c in CODES if f"`{c}`" not in doc]
    missing += [c.value for c in Col if f"| {c.value} |" not in doc and f" {c.value} |" not in doc]
    missing += [s.value for s in Setting if f"| {s.value} |" not in doc]
    missing += [k for k in KIND_JA.values() if f"| {k} |" not in doc]
    missing += [f for f in FUNCTIONS if f"`{f}`" not in doc]
    assert not missing, missing


def test_the_shipped_workbooks_are_packaged_where_the_finder_looks():
    """pyproject's data-files puts every workbooks/form-*.xlsx where shipped.workbooks_dir() looks
    in an installed xlsheet (the wheel itself is checked by hand: see docs/form-definition.md)."""
    import tomllib
    from fnmatch import fnmatch

    from tests.formdef_helpers import REPO
    from xlsheet.formdef.shipped import DATA_SUBDIR, FORM_GLOB, workbooks_dir

    data_files = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "data-files"
    ]
    globs = data_files[DATA_SUBDIR.as_posix()]
    shipped = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "workbooks").glob(FORM_GLOB))
    assert len(shipped) == 2
    assert all(any(fnmatch(p, g) for g in globs) for p in shipped)
    assert workbooks_dir().resolve() == (REPO / "workbooks").resolve()
