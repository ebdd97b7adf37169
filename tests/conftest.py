"""Shared fixtures: the sample round on disk, and where ../shared is."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from xlsheet.generate import generate_round, init_round
from xlsheet.libreoffice import soffice_path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
ISSUED = dt.date(2020, 5, 1)


def shared_dir() -> Path:
    """../shared beside the repository; tests that need it skip with the reason where it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} がありません（CI では常にあります。利用者の手元の clone では省略します）")
    return SHARED


needs_libreoffice = pytest.mark.skipif(
    soffice_path() is None, reason="LibreOffice (soffice) が入っていません"
)


@pytest.fixture(scope="session")
def sample_round_template(tmp_path_factory) -> Path:
    """A generated sample round, made once; copy it with `sample_round` before changing anything."""
    root = tmp_path_factory.mktemp("sample-round")
    init_round(root, sample=True)
    generate_round(root, issued=ISSUED)
    return root


@pytest.fixture
def sample_round(sample_round_template, tmp_path) -> Path:
    """A private copy of the generated sample round."""
    dest = tmp_path / "round"
    shutil.copytree(sample_round_template, dest)
    return dest
