"""The sample round from start to finish: what `xlsheet demo` runs.

init (the seed's master data) → generate (one entry workbook per department) → send (draft
mails) → the departments fill their workbooks with the seed's own texts, by defined name, as
their Excel would → collect → the one department whose file was rejected sends a corrected one
→ collect again → merge (book, CSV, and the PDF when LibreOffice is installed).

Two realistic mistakes show what intake does with them:
- 高齢者支援課 types its codes in full width (１－４－３): intake normalizes them and says so;
- 青少年課 first pastes a code that is not in the list (2-1-9): the file is rejected and a
  feedback workbook is written; its corrected resend is accepted and, being newest, wins.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .fill import fill_workbook
from .generate import generate_round, init_round
from .intake.collect import CollectReport, collect_round
from .libreoffice import soffice_path
from .mail.send import send_round
from .master import load_master
from .merge import MergeResult, merge_round
from .models import Submission
from .paths import RoundPaths
from .sample import sample_submissions

DEFAULT_DIR = Path("demo-round")
MARKER = ".xlsheet-demo"
"""A demo folder carries this file; only such a folder is cleared on a re-run."""
ISSUED = dt.date(2020, 5, 1)

FULLWIDTH_DEPT = "D220"  # 高齢者支援課
FULLWIDTH_CODE = ("1-4-3", "１－４－３")
RESEND_DEPT = "D320"  # 青少年課
WRONG_CODE = ("2-1-3", "2-1-9")


class DemoFolderError(FileExistsError):
    """The folder holds something other than an earlier demo: nothing is deleted."""


@dataclass
class DemoResult:
    root: Path
    first_collect: CollectReport
    second_collect: CollectReport
    merge: MergeResult
    mails: int = 0
    steps: list[str] = field(default_factory=list)


def prepare_folder(root: Path) -> None:
    """Make `root` an empty demo folder; clear it only when an earlier demo made it."""
    root = Path(root)
    if root.exists():
        if (root / MARKER).is_file():
            shutil.rmtree(root)
        elif any(root.iterdir()):
            raise DemoFolderError(
                f"{root} は空ではなく、以前の demo のフォルダでもありません。消さないように止めました。"
                "別のフォルダ名を指定してください（例: xlsheet demo demo-round2）"
            )
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text(
        "xlsheet demo がこのフォルダを作りました。再実行すると作り直します。\n", "utf-8"
    )


def _with_code(sub: Submission, old: str, new: str) -> Submission:
    """The submission with initiative code `old` typed as `new` (projects and paragraphs)."""
    lps = []
    for e in sub.lps:
        projects = tuple(
            p.model_copy(update={"initiative": new}) if p.initiative == old else p for p in e.projects
        )
        evaluations = tuple(
            p.model_copy(update={"initiative": new}) if p.initiative == old else p for p in e.evaluations
        )
        policies = tuple(
            p.model_copy(update={"initiative": new}) if p.initiative == old else p for p in e.policies
        )
        lps.append(
            e.model_copy(update={"projects": projects, "evaluations": evaluations, "policies": policies})
        )
    return sub.model_copy(update={"lps": tuple(lps)})


def run_demo(
    root: Path = DEFAULT_DIR, *, pdf: bool | None = None, say: Callable[[str], None] | None = None
) -> DemoResult:
    """Run the whole sample round in `root` (cleared first if an earlier demo made it).

    `pdf` None means: a PDF when LibreOffice is installed. `say` gets one Japanese line per step.
    """
    say = say or (lambda text: None)
    root = Path(root)
    paths = RoundPaths(root)
    prepare_folder(root)

    init_round(root, sample=True)
    say(f"1. マスタデータ（見本: 所沢市 令和２年度 政策評価表）: {paths.master}")
    generated = generate_round(root, issued=ISSUED)
    say(f"2. 所属ごとの入力ブック {len(generated)} 件: {paths.outbox}")
    delivery = send_round(root)
    say(f"3. 送付メールの下書き（.eml）{len(delivery.mails)} 件: {paths.mail_outbox}")

    master = load_master(paths.master)
    entry = {g.department: g.path for g in generated}
    paths.inbox.mkdir(parents=True, exist_ok=True)
    resend: tuple[Path, Path, Submission] | None = None
    for sub in sample_submissions(master):
        src = entry[sub.department]
        dst = paths.inbox / src.name
        if sub.department == FULLWIDTH_DEPT:
            fill_workbook(src, dst, _with_code(sub, *FULLWIDTH_CODE))
        elif sub.department == RESEND_DEPT:
            fill_workbook(src, dst, _with_code(sub, *WRONG_CODE))
            resend = (src, paths.inbox / f"{src.stem}_修正版.xlsx", sub)
        else:
            fill_workbook(src, dst, sub)
    say(
        f"4. 各所属が記入して返送（見本の本文そのまま）: {paths.inbox}\n"
        f"   ・高齢者支援課は取り組みコードを全角（{FULLWIDTH_CODE[1]}）で入力\n"
        f"   ・青少年課は一覧にないコード（{WRONG_CODE[1]}）を貼り付けて送信"
    )
    first = collect_round(root)
    say(_collect_line("5. 回収・検証", first))

    assert resend is not None
    src, dst, sub = resend
    fill_workbook(src, dst, sub)
    say(f"6. 青少年課が返却ブックを見て直し、再送: {dst.name}")
    second = collect_round(root)
    say(_collect_line("7. 再回収", second))

    want_pdf = soffice_path() is not None if pdf is None else pdf
    merged = merge_round(root, pdf=want_pdf, csv=True)
    say(f"8. 統合ブック: {merged.book}")
    if merged.pdf:
        say(f"   PDF（政策評価表）: {merged.pdf}")
        for path in merged.lp_pdfs:
            say(f"   PDF（リーディングプロジェクト別）: {path.name}")
    elif merged.pdf_message:
        say(f"   PDF: {merged.pdf_message}")
    elif not want_pdf:
        say("   PDF: LibreOffice が見つからないため作成していません（統合ブックは Excel で開けます）")
    if merged.csv:
        say(f"   CSV（UTF-8 BOM 付き）: {merged.csv[0].parent}")
    return DemoResult(root, first, second, merged, mails=len(delivery.mails))


def _collect_line(label: str, report: CollectReport) -> str:
    from .models import FILE_STATUS_JA, FileStatus, Severity

    counts = report.counts()
    summary = "、".join(f"{FILE_STATUS_JA[s]} {n} 件" for s, n in counts.items() if n)
    lines = [f"{label}: {summary or 'なし'}"]
    for f in report.files:
        if f.status is FileStatus.REJECTED:
            errs = [i for i in f.issues if i.severity is Severity.ERROR]
            lines.append(f"   ・差し戻し {Path(f.path).name}: {errs[0].text() if errs else ''}")
        fixed = [i for i in f.issues if i.severity is Severity.FIXED]
        if fixed and f.status is not FileStatus.REJECTED:
            lines.append(
                f"   ・自動修正 {Path(f.path).name}: {fixed[0].text()}"
                + (f" ほか {len(fixed) - 1} 件" if len(fixed) > 1 else "")
            )
    if report.feedback:
        lines.append(f"   返却ブック: {', '.join(p.name for p in report.feedback)}")
    return "\n".join(lines)
