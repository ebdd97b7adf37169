"""The issue catalogue: codes as data, Issues built from them."""

from __future__ import annotations

import pytest

from xlsheet import catalogue
from xlsheet.formdef import codes  # noqa: F401  (registers the form-check rows)
from xlsheet.models import Severity


def test_issue_fills_the_templates_and_the_location():
    i = catalogue.issue(
        "FORM_TYPE_UNKNOWN", sheet="項目", cell="F2", value="コートド", did_you_mean="", known="コード"
    )
    assert (i.code, i.sheet, i.cell, i.severity) == ("FORM_TYPE_UNKNOWN", "項目", "F2", Severity.ERROR)
    assert "コートド" in i.message and "コード" in i.hint
    located = catalogue.issue(
        "FORM_EMPTY", at={"lp": "LP1", "section": "projects", "row": 3, "column": "name"}
    )
    assert (located.lp, located.section, located.row, located.column) == ("LP1", "projects", 3, "name")


def test_unknown_code_and_missing_parameter_are_programming_errors():
    with pytest.raises(KeyError):
        catalogue.issue("NO_SUCH_CODE")
    with pytest.raises(KeyError):
        catalogue.issue("FORM_TYPE_UNKNOWN", value="x")


def test_register_refuses_a_code_with_two_texts():
    catalogue.register(("TEST_ONLY_CODE", Severity.WARNING, "m {x}", "h"))
    catalogue.register(("TEST_ONLY_CODE", Severity.WARNING, "m {x}", "h"))  # same row again is fine
    with pytest.raises(ValueError):
        catalogue.register(("TEST_ONLY_CODE", Severity.ERROR, "other", "h"))
    assert catalogue.entry("TEST_ONLY_CODE").fields == {"x"}
    del catalogue.CATALOGUE["TEST_ONLY_CODE"]
