"""scripts/build_form_workbooks.py: the 事務事業評価 definition it writes is the shipped one, and
--fix-fonts puts an existing workbook's fonts in Office's order without touching anything else."""

from __future__ import annotations

import importlib.util
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.formdef_helpers import JIMU, REPO, SEED
from xlsheet.formdef import read_form

SCRIPT = REPO / "scripts" / "build_form_workbooks.py"


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("build_form_workbooks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fonts(path: Path) -> list[list[str]]:
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
    return [re.findall(r"<(\w+)\b", body) for body in re.findall(r"<font>(.*?)</font>", styles, re.S)]


def _in_order(fonts: list[list[str]], order: list[str]) -> bool:
    return all(f == sorted(f, key=order.index) for f in fonts)


def test_jimu_definition_written_by_the_script_is_the_shipped_one(build, tmp_path):
    path = tmp_path / "jimu.xlsx"
    build.write_definition(path, *build.jimu_items())
    assert _in_order(_fonts(path), build.FONT_ORDER)
    written, shipped = read_form(path), read_form(JIMU)
    assert written.model_dump(exclude={"source"}) == shipped.model_dump(exclude={"source"})


def test_fix_fonts_reorders_an_existing_workbook_in_place(build, tmp_path):
    path = tmp_path / "edited.xlsx"
    shutil.copy(SEED, path)
    openpyxl.load_workbook(path).save(path)  # an office's edit saved through openpyxl
    assert not _in_order(_fonts(path), build.FONT_ORDER)
    before = read_form(path)
    build.main(["--fix-fonts", str(path)])
    assert _in_order(_fonts(path), build.FONT_ORDER)
    assert read_form(path).model_dump(exclude={"source"}) == before.model_dump(exclude={"source"})


def test_fix_fonts_refuses_a_missing_file(build, tmp_path):
    with pytest.raises(SystemExit):
        build.main(["--fix-fonts", str(tmp_path / "nope.xlsx")])
