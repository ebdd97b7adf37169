"""Forms as data: the 様式定義ブック (form definition workbook) and the `Form` it loads into.

    from xlsheet.formdef import load_form, read_form, shipped_forms
    result = load_form("様式.xlsx")      # FormLoad: .form (or None) and .issues
    form = read_form("様式.xlsx")        # Form, or FormDefinitionError with every issue

The writer, layout, fill and intake take the round's `Form` explicitly (`xlsheet.layout`,
`xlsheet.entry_writer`, `xlsheet.intake`); the merge side still knows the seed's sections
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
