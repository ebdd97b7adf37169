"""What a round keeps of the round it was started from: ROUND/前年度.json.

`xlsheet init NEW --from OLD` takes a snapshot of OLD: its master data, its form's ID and every
department's accepted answers (the ledger's current submissions). Pre-fill (初期値 「前年度:…」)
and the 前年度比較 sheet read the snapshot, so they never depend on OLD staying where it was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import XlsheetError
from ..formdef import Form
from ..models import Master, PreviousAnswers, Received
from ..paths import RoundPaths
from ..xlsxout import atomic_path

SNAPSHOT_VERSION = 1


class PreviousRoundError(XlsheetError):
    """前年度.json is damaged (Japanese message with the fix)."""


class PreviousRound(BaseModel):
    """A snapshot of last year's round."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    version: int = SNAPSHOT_VERSION
    root: str = Field(description="where the round was when the snapshot was taken")
    form_id: str = ""
    form: Form | None = None
    """The form last year's answers were given in (for comparing them section by section)."""
    master: Master
    answers: dict[str, dict[str, dict[str, list[dict[str, Any]]]]] = Field(default_factory=dict)
    """department → unit → section → rows, of the accepted submissions."""
    files: dict[str, str] = Field(default_factory=dict)
    """department → the accepted file's name (provenance)."""

    @property
    def round_id(self) -> str:
        return self.master.settings.round_id

    @property
    def evaluation_year(self) -> int:
        return self.master.settings.evaluation_year

    def answers_model(self) -> PreviousAnswers:
        """The answers as master data carries them for pre-fill."""
        return PreviousAnswers(
            round_id=self.round_id, evaluation_year=self.evaluation_year, answers=self.answers
        )


def snapshot(root: Path, master: Master, form: Form, current: list[Received]) -> PreviousRound:
    """The snapshot of a round from its master data and its current (accepted) submissions."""
    return PreviousRound(
        root=str(Path(root).resolve()),
        form_id=form.id,
        form=form,
        master=master.model_copy(update={"previous": None}),
        answers={r.department: r.submission.answers for r in current},
        files={r.department: r.file for r in current},
    )


def save_previous(paths: RoundPaths, previous: PreviousRound) -> Path:
    """Write 前年度.json into the round (atomically)."""
    with atomic_path(paths.previous) as tmp:
        tmp.write_text(previous.model_dump_json(), encoding="utf-8")
    return paths.previous


def load_previous(paths: RoundPaths) -> PreviousRound | None:
    """The round's snapshot of last year's round; None when it was not started from one."""
    if not paths.previous.is_file():
        return None
    try:
        return PreviousRound.model_validate(json.loads(paths.previous.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise PreviousRoundError(
            f"{paths.previous} を読めません（{type(exc).__name__}）。"
            "`xlsheet init フォルダ --from 前年度のフォルダ --force` で作り直すか、前年度と比べないならこのファイルを消してください"
        ) from exc
