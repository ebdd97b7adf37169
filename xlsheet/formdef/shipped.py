"""The form definitions shipped with xlsheet (``workbooks/form-*.xlsx``).

``workbooks/`` sits at the repository root. A checkout (or an editable install) reads it there;
a wheel installs it as data files under ``<prefix>/share/xlsheet/workbooks`` (pyproject's
``[tool.setuptools.data-files]``), found through sysconfig's data paths.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from .load import load_form

FORM_GLOB = "form-*.xlsx"
DATA_SUBDIR = Path("share") / "xlsheet" / "workbooks"


def _candidates() -> list[Path]:
    out = [Path(__file__).resolve().parents[2] / "workbooks"]
    prefixes = {sys.prefix, sys.base_prefix}
    for scheme in (None, f"{os.name}_user"):
        try:
            data = sysconfig.get_path("data", scheme) if scheme else sysconfig.get_path("data")
        except KeyError:
            continue
        if data:
            prefixes.add(data)
    out += [Path(p) / DATA_SUBDIR for p in sorted(prefixes)]
    return out


def workbooks_dir() -> Path:
    """The folder holding the shipped form definitions; FileNotFoundError when none is found."""
    for path in _candidates():
        if path.is_dir() and any(path.glob(FORM_GLOB)):
            return path
    searched = "、".join(str(p) for p in _candidates())
    raise FileNotFoundError(
        f"同梱の様式定義ブックが見つかりません（探した場所: {searched}）。xlsheet を入れ直してください"
    )


@dataclass(frozen=True)
class ShippedForm:
    id: str
    version: str
    title: str
    unit: str
    path: Path


def shipped_forms() -> list[ShippedForm]:
    """Every shipped form that loads without errors, in file name order."""
    out = []
    for path in sorted(workbooks_dir().glob(FORM_GLOB)):
        form = load_form(path).form
        if form is not None:
            out.append(ShippedForm(form.id, form.version, form.title, form.unit, path))
    return out


def shipped_form(form_id: str) -> ShippedForm:
    """A shipped form by 様式ID (or its file name); KeyError names the known IDs."""
    forms = shipped_forms()
    for f in forms:
        if form_id in (f.id, f.path.name, f.path.stem):
            return f
    known = "、".join(f.id for f in forms)
    raise KeyError(
        f"同梱の様式「{form_id}」はありません。`xlsheet form list` の ID を指定してください（{known}）"
    )
