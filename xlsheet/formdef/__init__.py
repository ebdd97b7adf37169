"""Forms as data: the 様式定義ブック (form definition workbook) and the `Form` it loads into.

    from xlsheet.formdef import load_form, read_form, shipped_forms
    result = load_form("様式.xlsx")      # FormLoad: .form (or None) and .issues
    form = read_form("様式.xlsx")        # Form, or FormDefinitionError with every issue

The writer, reader and merge still use `xlsheet.form.FORM`; switching them over is the next step
(docs/form-definition.md says what works today).
"""

from .load import FormDefinitionError, FormLoad, load_form, read_form
from .model import Choice, ChoiceList, Field, FieldKind, FilledBy, Form, Section
from .shipped import ShippedForm, shipped_form, shipped_forms, workbooks_dir

__all__ = [
    "Choice",
    "ChoiceList",
    "Field",
    "FieldKind",
    "FilledBy",
    "Form",
    "FormDefinitionError",
    "FormLoad",
    "Section",
    "ShippedForm",
    "load_form",
    "read_form",
    "shipped_form",
    "shipped_forms",
    "workbooks_dir",
]
