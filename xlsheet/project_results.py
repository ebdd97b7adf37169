"""Answer once: a 政策評価表 round takes its 事業 from the same year's 事務事業評価 round.

DESIGN §13: the 政策評価表's 実施した事業 per initiative are exactly the accepted 事務事業評価
sheets of that initiative's 事業. When master's 設定 names the 事務事業評価 round's folder, the
round's master data is read with the 事業 sheet replaced by the 事業 accepted there (names,
departments and initiatives as that round's master has them), each carrying what its evaluation
chose (every choice field of a single-row section of that form: 総合評価, 今後の方向性, 実施方法 …),
which the entry workbook shows beside the 事業 (`entry.sheets.evaluations_sheet`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from .errors import XlsheetError
from .formdef.model import FieldKind, Form
from .master import MasterDataError
from .models import KnownProject, Master
from .units import AnswerUnit, unit_kind


class OpenRound(Protocol):
    """What this module reads of a round (xlsheet.round.Round, which imports this module)."""

    master: Master
    form: Form
    paths: Any

    def ledger(self) -> Any: ...


class ProjectRoundError(XlsheetError):
    """The 事務事業評価 round named in master's 設定 cannot be used."""

    headline = "事務事業評価ラウンドを読めません。"


def project_round_path(master: Master, root: Path) -> Path:
    """Where the 事務事業評価 round named in 設定 lives (relative to this round's folder)."""
    return (Path(root) / master.settings.project_round).resolve()


def evaluation_of(form: Form, values: dict[str, list[dict]]) -> tuple[tuple[str, str], ...]:
    """(見出し, 値) of every choice field of the form's single-row sections, in form order."""
    out = []
    for section in form.sections:
        if not section.is_block:
            continue
        row = (values.get(section.key) or [{}])[0]
        for f in section.fields:
            if f.kind is FieldKind.CHOICE and row.get(f.key) not in (None, ""):
                out.append((f.label, str(row[f.key])))
    return tuple(out)


def with_project_results(master: Master, root: Path, other: OpenRound) -> Master:
    """`master` with its 事業 replaced by those accepted in the 事務事業評価 round `other` (the
    one its 設定 names, opened by the caller)."""
    where = project_round_path(master, root)
    label = f"設定「事務事業評価ラウンド」の「{master.settings.project_round}」"
    if not (where / "master.xlsx").is_file():
        raise ProjectRoundError(f"{label}（{where}）に master.xlsx がありません。フォルダを確かめてください")
    try:
        theirs = other.master
    except MasterDataError as exc:
        raise ProjectRoundError(f"{label}のマスタデータに誤りがあります: {exc.problems[0]}") from exc
    if unit_kind(other.form) is not AnswerUnit.PROJECT:
        raise ProjectRoundError(f"{label}は事務事業評価（回答単位 所属×事業）のラウンドではありません")
    if theirs.settings.evaluation_year != master.settings.evaluation_year:
        raise ProjectRoundError(
            f"{label}は{theirs.settings.evaluation_label}のラウンドです。"
            f"同じ{master.settings.evaluation_label}の事務事業評価ラウンドを指定してください"
        )
    accepted: dict[str, tuple[tuple[str, str], ...]] = {}
    if other.paths.ledger.exists():
        with other.ledger() as ledger:
            for received in ledger.current():
                for code, values in (received.submission.answers or {}).items():
                    accepted[code] = evaluation_of(other.form, values)
    initiatives = {i.code for i in master.initiatives}
    departments = {d.code for d in master.departments}
    projects = tuple(
        KnownProject(**{**k.model_dump(), "evaluation": accepted[k.code]})
        for k in theirs.known_projects
        if k.code in accepted and k.initiative in initiatives and k.department in departments
    )
    return master.model_copy(update={"known_projects": projects})
