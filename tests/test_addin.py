"""Desktop add-in: macros/ text files, the built .xlam package and its VBA callbacks (no Excel needed).

The ribbon XML is checked against macros/customui14-subset.xsd, a subset of the customUI14
schema written for these tests (Microsoft's own customUI14.xsd is not shipped), plus
namespace and structure checks; the VBA is read back from the built add-in with oletools.
"""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner
from lxml import etree

from tests.conftest import shared_dir
from tests.ooxml import CONTENT_TYPES_XSD, schema
from xlsheet.cli import main as cli
from xlsheet.ribbon import ACTION_LABELS, BUTTONS
from xlsheet.ribbon import main as ribbon_main
from xlsheet.ribbon.xlam import (
    CUSTOMUI14_NS,
    CUSTOMUI14_PART,
    CUSTOMUI14_REL,
    FULL_XML,
    SINGLE_XML,
    TEMPLATE_CALLBACK,
    VBA_FILE,
    VBA_MODULE,
    AddinError,
    addin_vba,
    bas_callbacks,
    build_addin,
    callback,
    on_actions,
    ribbon_xml,
    template_path,
    vba_callbacks,
    write_macros,
)

REPO = Path(__file__).resolve().parents[1]
MACROS = REPO / "macros"
SCHEMA = xmlschema.XMLSchema(str(MACROS / "customui14-subset.xsd"))
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def check_customui(xml: bytes) -> etree._Element:
    """Well-formed, customUI14 namespace, valid against the subset schema, unique ids, one tab 評価."""
    root = etree.fromstring(xml)
    assert root.tag == f"{{{CUSTOMUI14_NS}}}customUI"
    assert {el.tag.split("}")[0][1:] for el in root.iter()} == {CUSTOMUI14_NS}
    SCHEMA.validate(etree.tostring(root).decode())
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    tabs = root.findall(f".//{{{CUSTOMUI14_NS}}}tab")
    assert [t.get("label") for t in tabs] == ["評価"]
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("addin") / "xlsheet_ribbon.xlam"
    return build_addin(out)


def test_macros_folder_is_what_the_code_writes(tmp_path):
    written = write_macros(tmp_path)
    for path in written:
        assert (MACROS / path.name).read_bytes() == path.read_bytes(), (
            f"macros/{path.name} is stale: run `xlsheet addin macros macros`"
        )


def test_every_onaction_in_macros_has_its_callback_in_the_bas():
    bas = (MACROS / VBA_FILE).read_bytes()
    bas.decode("ascii")  # VBA imports in the PC's ANSI code page
    assert b"\r\n" in bas and b"\n" not in bas.replace(b"\r\n", b"")
    have = bas_callbacks(bas.decode("ascii"))
    actions = on_actions((MACROS / FULL_XML).read_bytes())
    assert sorted(actions) == sorted(callback(b) for b in BUTTONS)
    assert all(a.startswith(VBA_MODULE + ".") for a in actions)
    assert set(actions) <= have
    # each callback runs its own button through RunPython
    text = bas.decode("ascii")
    for b in BUTTONS:
        body = text.split(f"Public Sub {b.vba}(control As IRibbonControl)")[1].split("End Sub")[0]
        assert f"xlsheet.ribbon.run_caller('{b.key}')" in body and "RunPython" in body


def test_single_button_xml_uses_only_the_template_callback():
    template = vba_callbacks(addin_vba(template_path()))
    assert TEMPLATE_CALLBACK in template
    assert on_actions((MACROS / SINGLE_XML).read_bytes()) == [TEMPLATE_CALLBACK]
    # the template really lacks the per-button callbacks: that is why the single button exists
    assert not any(callback(b) in template for b in BUTTONS)


@pytest.mark.parametrize("name", [FULL_XML, SINGLE_XML])
def test_ribbon_xml_is_valid_customui14(name):
    root = check_customui((MACROS / name).read_bytes())
    buttons = root.findall(f".//{{{CUSTOMUI14_NS}}}button")
    if name == FULL_XML:
        assert [b.get("label") for b in buttons] == [b.label for b in BUTTONS]
        groups = {g.get("label"): g for g in root.iter(f"{{{CUSTOMUI14_NS}}}group")}
        for group, el in groups.items():
            assert [b.get("id") for b in el] == [f"xlsheet_{b.key}" for b in BUTTONS if b.group == group]
        assert {"xlsheet_review", "xlsheet_publish"} <= {b.get("id") for b in groups["企画課"]}
    else:
        assert [b.get("label") for b in buttons] == ["評価"]
        tip = buttons[0].get("supertip")  # names every step the control workbook can choose
        assert (
            all(label in tip for label in ACTION_LABELS)
            and "確認ブック作成" in tip
            and "公開データ作成" in tip
        )


def test_subset_schema_rejects_what_excel_rejects():
    bad_size = ribbon_xml(True).replace('size="large"', 'size="huge"', 1)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        SCHEMA.validate(bad_size.split("\n", 1)[1])
    unknown = ribbon_xml(True).replace("<button ", "<knopf ", 1)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        SCHEMA.validate(unknown.split("\n", 1)[1])
    duplicate_id = ribbon_xml(True).replace('id="xlsheet_collect"', 'id="xlsheet_generate"')
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        SCHEMA.validate(duplicate_id.split("\n", 1)[1])


def test_built_xlam_is_a_wellformed_package_with_the_ribbon_related(built):
    with zipfile.ZipFile(built.path) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        types = etree.fromstring(z.read("[Content_Types].xml"))
        rels = etree.fromstring(z.read("_rels/.rels"))
        ribbon = z.read(CUSTOMUI14_PART)
        for part in names - {"[Content_Types].xml"}:
            if part.endswith((".xml", ".rels")):
                etree.fromstring(z.read(part))  # every XML part is well-formed
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{CT_NS}Default")}
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT_NS}Override")}
    assert defaults["xml"] == "application/xml" and defaults["rels"].endswith("relationships+xml")
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    for part in overrides:
        assert part.lstrip("/") in names, f"content type for a missing part {part}"
    ui = [r for r in rels.iter(f"{RELS_NS}Relationship") if "ui/extensibility" in r.get("Type")]
    assert [(r.get("Type"), r.get("Target")) for r in ui] == [(CUSTOMUI14_REL, CUSTOMUI14_PART)]
    for r in rels.iter(f"{RELS_NS}Relationship"):
        assert r.get("Target").lstrip("/") in names
    ids = [r.get("Id") for r in rels.iter(f"{RELS_NS}Relationship")]
    assert len(ids) == len(set(ids))
    assert not any(n.startswith("customUI/") and n != CUSTOMUI14_PART for n in names)
    check_customui(ribbon)


def test_built_xlam_package_parts_validate_against_ecma376(built):
    """The package parts the build writes or relies on, against the ECMA-376 OPC schemas.
    (The template's Excel-written sheet and styles carry mc:Ignorable markup-compatibility
    attributes that plain schema validation rejects; they are xlwings' bytes, copied as is.)"""
    xsd = shared_dir() / "ooxml-xsd"
    rels = schema(xsd, "opc-xsd/opc-relationships.xsd")
    with zipfile.ZipFile(built.path) as z:
        for part, s in (
            ("[Content_Types].xml", schema(xsd, CONTENT_TYPES_XSD)),
            ("_rels/.rels", rels),
            ("xl/_rels/workbook.xml.rels", rels),
        ):
            assert s.validate(etree.fromstring(z.read(part))), (part, s.error_log)


def test_every_onaction_in_the_built_xlam_is_in_its_own_vba(built):
    with zipfile.ZipFile(built.path) as z:
        actions = on_actions(z.read(CUSTOMUI14_PART))
    vba = addin_vba(built.path)  # read back from the add-in's vbaProject.bin with olevba
    assert "RibbonMyAddin" in vba and "xlwings" in vba
    assert actions and set(actions) <= vba_callbacks(vba)
    assert built.per_button is False and list(built.callbacks) == actions


def test_build_writes_the_module_runmain_imports_and_the_bas(built):
    # RunMain runs "import <add-in name>; <add-in name>.main()"
    spec = importlib.util.spec_from_file_location(built.path.stem, built.shim)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main is ribbon_main
    assert built.bas.read_bytes() == (MACROS / VBA_FILE).read_bytes()


def test_per_button_ribbon_needs_the_imported_module(tmp_path, built):
    # The built add-in itself lacks XlsheetRibbon: rebuilding from it keeps the single button.
    again = build_addin(tmp_path / "again.xlam", source=built.path)
    assert again.per_button is False
    # The .bas has every callback the per-button ribbon names, so an add-in with it imported
    # gets one button per step.
    assert set(on_actions(ribbon_xml(True))) <= bas_callbacks((MACROS / VBA_FILE).read_text("ascii"))


def test_build_refuses_bad_names_and_sources_without_vba(tmp_path, sample_round):
    with pytest.raises(AddinError, match="半角英数字"):
        build_addin(tmp_path / "評価.xlam")
    with pytest.raises(AddinError, match=".xlam"):
        build_addin(tmp_path / "ribbon.xlsm")
    with pytest.raises(AddinError, match="VBA がありません"):
        build_addin(tmp_path / "ok.xlam", source=sample_round / "master.xlsx")
    assert not (tmp_path / "ok.xlam").exists()


def test_cli_build_and_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["addin", "build", str(tmp_path / "xlsheet_ribbon.xlam")])
    assert result.exit_code == 0, result.output
    assert "評価" in result.output and (tmp_path / "xlsheet_ribbon.xlam").exists()
    result = runner.invoke(cli, ["addin", "build", str(tmp_path / "bad name.xlam")])
    assert result.exit_code == 2 and "半角英数字" in result.output
