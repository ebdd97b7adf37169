"""The sample round from start to finish: what `xlsheet demo` runs.

First the 事務事業評価 round of the sample's 事業 (in the folder's 事務事業評価/ subfolder, figures
marked 見本: init, generate, every department answers, collect, merge); then the 政策評価表 round,
whose master data names that round so its 事業 come from the accepted evaluations (answer once):
init (the seed's master data) → generate (one entry workbook per department) → send (draft
mails) → the departments fill their workbooks with the seed's own texts, by defined name, as
their Excel would → collect → the one department whose file was rejected sends a corrected one
→ collect again → the lead department's review workbook, sent back as drafted → collect → merge
(book, CSV, and the PDFs when LibreOffice is installed) → publish (the open-data package).

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

from .fill import fill_answers, fill_workbook
from .generate import generate_round, init_round
from .intake.collect import CollectReport, collect_round
from .libreoffice import soffice_path
from .mail.send import send_round
from .master import load_master, write_master
from .merge import MergeResult, merge_round
from .models import Submission
from .paths import RoundPaths
from .publish import publish_round
from .review.steps import review_round
from .round import Round
from .sample import sample_submissions
from .sample_jimu import sample_project_answers

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


PROJECT_ROUND_DIR = "事務事業評価"
"""The 事務事業評価 round's folder inside the demo folder (what the 政策評価表 round's 設定 names)."""
PROJECT_FORM = "xlsheet.jimu-jigyo-hyoka"


@dataclass
class DemoResult:
    root: Path
    first_collect: CollectReport
    second_collect: CollectReport
    merge: MergeResult
    mails: int = 0
    steps: list[str] = field(default_factory=list)
    project_collect: CollectReport | None = None
    project_merge: MergeResult | None = None
    review_collect: CollectReport | None = None
    published: Path | None = None


def run_project_round(root: Path, say: Callable[[str], None]) -> tuple[CollectReport, MergeResult]:
    """The sample's 事務事業評価 round in `root`: every department answers with the sample figures."""
    init_round(root, sample=True, form=PROJECT_FORM)
    rnd = Round(root)
    generated = generate_round(root, issued=ISSUED)
    say(
        f"1. 事務事業評価（見本）: 事業 {sum(1 for k in rnd.master.known_projects if k.code)} 件・"
        f"入力ブック {len(generated)} 件: {rnd.paths.outbox}"
    )
    rnd.paths.inbox.mkdir(parents=True, exist_ok=True)
    for g in generated:
        answers = sample_project_answers(rnd.master, g.department)
        fill_answers(g.path, rnd.paths.inbox / g.path.name, answers, rnd.form)
    report = collect_round(root)
    say(_collect_line("   回収・検証", report))
    merged = merge_round(root, csv=True)
    say(f"   統合ブック（事務事業評価）: {merged.book}")
    return report, merged


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

    project_report, project_merged = run_project_round(root / PROJECT_ROUND_DIR, say)
    init_round(root, sample=True)
    master = load_master(paths.master)
    settings = master.settings.model_copy(update={"project_round": PROJECT_ROUND_DIR})
    write_master(master.model_copy(update={"settings": settings}), paths.master)
    say(
        f"2. マスタデータ（見本: 所沢市 令和２年度 政策評価表）: {paths.master}\n"
        f"   事業は事務事業評価ラウンド（{PROJECT_ROUND_DIR}）で受け付けた評価から記入します"
    )
    generated = generate_round(root, issued=ISSUED)
    say(f"3. 所属ごとの入力ブック {len(generated)} 件（実施した事業と総合評価を記入済み）: {paths.outbox}")
    delivery = send_round(root)
    say(f"4. 送付メールの下書き（.eml）{len(delivery.mails)} 件: {paths.mail_outbox}")

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
        f"5. 各所属が記入して返送（見本の本文そのまま）: {paths.inbox}\n"
        f"   ・高齢者支援課は取り組みコードを全角（{FULLWIDTH_CODE[1]}）で入力\n"
        f"   ・青少年課は一覧にないコード（{WRONG_CODE[1]}）を貼り付けて送信"
    )
    first = collect_round(root)
    say(_collect_line("6. 回収・検証", first))

    assert resend is not None
    src, dst, sub = resend
    fill_workbook(src, dst, sub)
    say(f"7. 青少年課が返却ブックを見て直し、再送: {dst.name}")
    second = collect_round(root)
    say(_collect_line("8. 再回収", second))

    reviews = review_round(root, issued=ISSUED)
    for book in reviews:  # the lead department agrees with the draft as it is and sends it back
        shutil.copyfile(book.path, paths.inbox / book.path.name)
    say(
        f"9. 主管所属の確認ブック {len(reviews)} 冊: {paths.review_outbox}\n"
        "   ・主管所属（地域づくり推進課）は下書きのまま（載せる事業・段落・ＳＤＧｓ）で返送"
    )
    third = collect_round(root)
    say(_collect_line("10. 確認ブックの回収", third))

    want_pdf = soffice_path() is not None if pdf is None else pdf
    merge_round(root, csv=True)
    published = publish_round(root, pdf=want_pdf)
    merged = published.merge
    assert merged is not None
    say(f"11. 統合ブック: {merged.book}")
    if merged.pdf:
        say(f"   PDF（政策評価表）: {merged.pdf}")
        for path in merged.lp_pdfs:
            say(f"   PDF（リーディングプロジェクト別）: {path.name}")
    elif merged.pdf_message:
        say(f"   PDF: {merged.pdf_message}")
    elif pdf is False:
        say("   PDF: 作成していません（--no-pdf）")
    elif not want_pdf:
        say("   PDF: LibreOffice が見つからないため作成していません（統合ブックは Excel で開けます）")
    say(f"   CSV（UTF-8 BOM 付き）: {paths.output / 'csv'}")
    say(f"12. 公開用のオープンデータ（CSV・JSON・datapackage.json・PDF）: {published.folder}")
    return DemoResult(
        root,
        first,
        second,
        merged,
        mails=len(delivery.mails),
        project_collect=project_report,
        project_merge=project_merged,
        review_collect=third,
        published=published.folder,
    )


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
