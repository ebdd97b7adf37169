"""One `Round`: the folder, its master data, its form and its ledger, opened once per step.

A round keeps a copy of the form definition it uses (`ROUND/様式定義.xlsx`): `xlsheet init`
writes it (the shipped 政策評価表, or the definition given with `--form`), and every step reads
the form from there, so editing a shipped form later never changes a running round.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from .errors import XlsheetError
from .formdef import Form, read_form, shipped_form
from .master import load_master
from .models import Master
from .paths import RoundPaths, require_round
from .project_results import project_round_path, with_project_results
from .yoy.previous import PreviousRound, load_previous


class FormNotFound(XlsheetError):
    """The form a round was asked to use does not exist (Japanese message)."""


DEFAULT_FORM_ID = "xlsheet.seisaku-hyoka"
"""The form a round uses when it names none: the seed's 政策評価表."""


def form_source(form: str | Path | None) -> Path:
    """The definition workbook to copy into a new round: a file, a shipped form's ID, or the default."""
    if form is None:
        return shipped_form(DEFAULT_FORM_ID).path
    path = Path(form)
    if path.suffix.lower() == ".xlsx" and path.exists():
        return path
    try:
        return shipped_form(str(form)).path
    except KeyError as exc:
        raise FormNotFound(
            f"様式「{form}」が見つかりません。様式定義ブック（.xlsx）のパスか、`xlsheet form list` の ID を指定してください"
        ) from exc


def keep_form(paths: RoundPaths, form: str | Path | None = None) -> Path:
    """Check the definition (FormDefinitionError lists every problem) and keep a copy in the round."""
    source = form_source(form)
    read_form(source)
    paths.root.mkdir(parents=True, exist_ok=True)
    if source.resolve() != paths.form.resolve():
        shutil.copyfile(source, paths.form)
    round_form(paths)  # and its parsed copy, so no later step loads the workbook again
    return paths.form


def round_form(paths: RoundPaths) -> Form:
    """The round's form: its own copy, or (a round made before rounds kept one) the default.

    Read once per process while the file stays the same (path, size and modification time):
    a step that asks again, as collect's feedback does, gets the same object."""
    own = paths.form.exists()
    path = paths.form if own else form_source(None)
    st = path.stat()
    return _read_form_cached(str(path.resolve()), st.st_size, st.st_mtime_ns, own)


@lru_cache(maxsize=8)
def _read_form_cached(path: str, size: int, mtime_ns: int, keep_parsed: bool) -> Form:
    """The definition; a round's own copy is read from its parsed copy beside it when that was
    made of the same bytes (collect then never loads the workbook with openpyxl), else read and
    the parsed copy refreshed. A shipped definition is only read (its folder may be read-only)."""
    source = Path(path)
    if not keep_parsed:
        return read_form(source)
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    cache = source.with_name(f".{source.stem}.json")
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved["sha256"] == digest:
            return Form.model_validate(saved["form"])
    form = read_form(source)
    with contextlib.suppress(OSError):
        tmp = cache.with_name(cache.name + f".{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps({"sha256": digest, "form": form.model_dump(mode="json")}, ensure_ascii=False),
            encoding="utf-8",
        )
        os.replace(tmp, cache)
    return form


@dataclass
class Round:
    """A round folder opened for one step; master data and form are read once, when first used."""

    root: Path
    paths: RoundPaths = field(init=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.paths = RoundPaths(self.root)

    @classmethod
    def open(cls, root: Path) -> Round:
        """The round at `root`; RoundNotFound (with nearby rounds) when it is not one."""
        require_round(root)
        return cls(Path(root))

    @cached_property
    def master(self) -> Master:
        """master.xlsx; with a 事務事業評価ラウンド named in its 設定, the 事業 are that round's
        accepted ones, each with its evaluation (answer once: `project_results`); with last
        year's accepted answers when the round has a previous one and its form pre-fills from
        them (初期値 「前年度:…」)."""
        master = load_master(self.paths.master)
        if master.settings.project_round:
            other = Round(project_round_path(master, self.root))
            master = with_project_results(master, self.root, other)
        previous = self.previous if self.paths.previous.is_file() and self.form.uses_previous else None
        if previous is not None:
            master = master.model_copy(update={"previous": previous.answers_model()})
        return master

    @cached_property
    def previous(self) -> PreviousRound | None:
        """The round this one was started from (`xlsheet init --from`), as kept in 前年度.json."""
        return load_previous(self.paths)

    @cached_property
    def form(self) -> Form:
        return round_form(self.paths)

    def ledger(self):
        """The round's ledger (a context manager)."""
        from .intake.ledger import Ledger

        return Ledger(self.paths.ledger)


@lru_cache(maxsize=1)
def default_form() -> Form:
    """The shipped 政策評価表, for library callers that name no form (tests, the legacy defaults).

    Every step of a round passes the round's own form (`Round.form`); this is only the fallback
    of a keyword argument left out, read once from the shipped workbook."""
    return read_form(form_source(None))
