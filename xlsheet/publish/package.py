"""Step `publish`: the round's records as open data, in one folder a city can put on its portal.

The folder holds, from the same records as the consolidated book (`tables.py`):

- one CSV per table (UTF-8 with BOM, CRLF rows, RFC 4180 quoting, a one-line header);
- `datapackage.json`: a Frictionless Data Package with a Table Schema per CSV (types, Japanese
  titles and descriptions, primary and foreign keys), the license, and every file's size and
  SHA-256;
- one JSON file with the same records (the same values as the CSV cells);
- `pdf/`: every PDF the merge wrote (the 政策評価表 as printed).

Every text cell goes through `textsafe.csv_cell`: text starting with = + - @ (or tab, CR) gets a
leading ', so a spreadsheet never runs it. The folder is built beside the target and moved into
place only when complete: a failed publish leaves the previous package as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import XlsheetError
from ..formdef import Form
from ..leftovers import STALE_SECONDS
from ..merge.book import MergeResult, merge_round
from ..merge.consolidate import LOCAL_TZ, Consolidated
from ..merge.printed import document_date
from ..models import DepartmentStatus, Master
from ..round import Round
from ..textsafe import csv_cell
from ..xlsxout import _umask
from .tables import PublicTable, checked_keys, content_tables, master_tables

PACKAGE_FILE = "datapackage.json"
PDF_FOLDER = "pdf"
CSV_ENCODING = "utf-8-sig"
"""UTF-8 with a BOM: Excel (the tool most readers open a CSV with) reads it as UTF-8 only with
the BOM; pandas, frictionless and most tools skip it. The package declares `utf-8`."""
DEFAULT_FOLDER = "opendata"
"""Default target: ROUND/output/opendata."""


@dataclass(frozen=True)
class License:
    name: str
    path: str
    title: str


LICENSES = {
    lic.name: lic
    for lic in (
        License(
            "CC-BY-4.0",
            "https://creativecommons.org/licenses/by/4.0/",
            "クリエイティブ・コモンズ 表示 4.0 国際",
        ),
        License(
            "CC0-1.0",
            "https://creativecommons.org/publicdomain/zero/1.0/",
            "CC0 1.0 全世界 パブリック・ドメイン提供",
        ),
        License(
            "ODC-BY-1.0",
            "https://opendatacommons.org/licenses/by/1-0/",
            "Open Data Commons 表示ライセンス 1.0",
        ),
    )
}
DEFAULT_LICENSE = "CC-BY-4.0"
"""CC BY 4.0: what the 政府標準利用規約（第2.0版） is compatible with and what most 自治体 use."""


class PublishError(XlsheetError):
    """The package cannot be written as asked (Japanese message saying what to change)."""


@dataclass
class PublishResult:
    folder: Path
    tables: list[PublicTable]
    csv: list[Path]
    json: Path
    pdfs: list[Path]
    merge: MergeResult | None = None
    notes: list[str] = field(default_factory=list)
    """What the person should know (Japanese): no PDF, a key not declared, departments waiting."""
    kept: Path | None = None
    """Where a package edited by hand was kept before it was replaced (`…_編集版_<time>`)."""

    @property
    def package(self) -> Path:
        return self.folder / PACKAGE_FILE


# --------------------------------------------------------------------------- cells


def cell(value: Any) -> Any:
    """A table value as published in the CSV and the JSON: text neutralised (csv_cell), dates in
    ISO 8601, numbers as they are, None for an empty cell."""
    if isinstance(value, str):
        return csv_cell(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def csv_text(value: Any) -> str:
    v = cell(value)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def write_table_csv(table: PublicTable, path: Path) -> None:
    with path.open("w", encoding=CSV_ENCODING, newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow([f.name for f in table.fields])
        for row in table.rows:
            w.writerow([csv_text(v) for v in row])


def table_records(table: PublicTable) -> list[dict[str, Any]]:
    names = [f.name for f in table.fields]
    return [dict(zip(names, (cell(v) for v in row), strict=True)) for row in table.rows]


# --------------------------------------------------------------------------- the package


def package_name(master: Master) -> str:
    """A Data Package name (lower-case ASCII, - . _): from the round id."""
    name = re.sub(r"[^a-z0-9._-]+", "-", master.settings.round_id.lower()).strip("-")
    return name or f"seisaku-hyoka-{master.settings.evaluation_year}"


def _file_facts(path: Path) -> dict[str, Any]:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return {"bytes": path.stat().st_size, "hash": f"sha256:{h.hexdigest()}"}


def _created(master: Master, cons: Consolidated) -> str:
    when = document_date(master, cons.received)
    return when.replace(tzinfo=LOCAL_TZ).isoformat()


def write_package(
    folder: Path,
    master: Master,
    cons: Consolidated,
    status: list[DepartmentStatus],
    form: Form | None,
    *,
    pdfs: Sequence[Path] = (),
    license: str = DEFAULT_LICENSE,
    lg_code: str = "",
) -> tuple[list[PublicTable], list[Path], Path, list[Path], list[str]]:
    """Write the CSV files, the JSON, the PDFs and datapackage.json into the (empty) `folder`.

    Returns (tables, csv paths, json path, pdf paths, notes)."""
    lic = _license(license)
    tables = [*master_tables(master, lg_code), *content_tables(master, cons, status, form, lg_code)]
    notes = checked_keys(tables)
    name = package_name(master)
    s = master.settings
    title = f"{s.municipality} {s.evaluation_label} {form.title if form is not None else '政策評価表'}"
    resources: list[dict[str, Any]] = []
    csv_paths = []
    for t in tables:
        path = folder / t.path
        write_table_csv(t, path)
        csv_paths.append(path)
        resources.append(
            {
                "name": t.name,
                "type": "table",
                "path": t.path,
                "title": t.title,
                "description": t.description,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                **_file_facts(path),
                "schema": t.schema(),
            }
        )
    json_path = folder / f"{name}.json"
    records = {
        "name": name,
        "title": title,
        "license": lic.name,
        "tables": {t.name: {"title": t.title, "path": t.path, "records": table_records(t)} for t in tables},
    }
    json_path.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    resources.append(
        {
            "name": "records-json",
            "type": "json",
            "path": json_path.name,
            "title": "全表の JSON",
            "description": "CSV と同じ値を表ごとに並べたもの（tables.<表の name>.records）。",
            "format": "json",
            "mediatype": "application/json",
            "encoding": "utf-8",
            **_file_facts(json_path),
        }
    )
    pdf_paths = []
    if pdfs:
        (folder / PDF_FOLDER).mkdir()
    for n, (src, pdf_name) in enumerate(zip(pdfs, pdf_names(pdfs), strict=True), start=1):
        dst = folder / PDF_FOLDER / pdf_name
        shutil.copyfile(src, dst)
        pdf_paths.append(dst)
        resources.append(
            {
                "name": f"pdf-{n}",
                "type": "file",
                "path": f"{PDF_FOLDER}/{pdf_name}",
                "title": src.stem,
                "format": "pdf",
                "mediatype": "application/pdf",
                **_file_facts(dst),
            }
        )
    descriptor = {
        "name": name,
        "title": title,
        "description": (
            f"{s.municipality}の{s.evaluation_label}の政策評価（{s.evaluated_label}の取り組みの評価）を、"
            "公表用の政策評価表と同じ記録から機械判読できる形にしたものです。各 CSV は UTF-8（BOM 付き）、"
            "1 行目が項目名、1 セル 1 データです。年度は西暦の整数と和暦の列の両方で示します。"
            "= + - @ で始まる文字列には、表計算ソフトが数式として実行しないよう先頭に ' を付けています。"
        ),
        "created": _created(master, cons),
        "keywords": ["政策評価", s.municipality, s.evaluation_label],
        "licenses": [{"name": lic.name, "path": lic.path, "title": lic.title}],
        "contributors": [{"title": s.municipality, "role": "publisher"}],
        "resources": resources,
    }
    (folder / PACKAGE_FILE).write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return tables, csv_paths, json_path, pdf_paths, notes


def _license(name: str) -> License:
    lic = LICENSES.get(name) or next((v for k, v in LICENSES.items() if k.lower() == name.lower()), None)
    if lic is None:
        raise PublishError(
            f"ライセンス「{name}」は選べません。{'・'.join(LICENSES)} のいずれかを指定してください"
            f"（既定は {DEFAULT_LICENSE}）。"
        )
    return lic


def check_lg_code(code: str) -> str:
    """総務省の全国地方公共団体コード: 6 digits whose last is the check digit (or "" for none)."""
    code = code.strip()
    if not code:
        return ""
    if not re.fullmatch(r"[0-9]{6}", code):
        raise PublishError(
            f"全国地方公共団体コード「{code}」は 6 桁の数字ではありません（例: 所沢市は 112089）。"
        )
    digits = [int(c) for c in code[:5]]
    check = (11 - sum(d * w for d, w in zip(digits, (6, 5, 4, 3, 2), strict=True)) % 11) % 10
    if check != int(code[5]):
        raise PublishError(
            f"全国地方公共団体コード「{code}」の検査数字（6 桁目）が合いません。総務省の一覧で確かめてください。"
        )
    return code


# --------------------------------------------------------------------------- the folder


class PackageEdited(PublishError):
    """The previous package was changed by hand since publish wrote it (Japanese message)."""

    def __init__(self, target: Path, changed: list[str]):
        self.target = target
        self.changed = changed
        shown = "、".join(changed[:5]) + (f" ほか {len(changed) - 5} 件" if len(changed) > 5 else "")
        super().__init__(
            f"公開用のフォルダ {target} は、前回の publish の後に変更されています（{shown}）。上書きすると変更が"
            "失われるため、作り直していません。作り直すには --force を付けてください（変更されたフォルダは"
            "「…_編集版_日時」として残します）。"
        )


def _check_target(target: Path, root: Path) -> None:
    if target.resolve() in (root.resolve(), *root.resolve().parents):
        raise PublishError(
            f"ラウンドのフォルダ {target} には公開できません。別のフォルダを指定してください。"
        )
    if not target.exists():
        return
    if not target.is_dir():
        raise PublishError(f"公開用のフォルダ {target} はファイルです。別のフォルダを指定してください。")
    if any(target.iterdir()) and not (target / PACKAGE_FILE).is_file():
        raise PublishError(
            f"フォルダ {target} には公開用データ以外のファイルがあります。上書きしないので、"
            "空のフォルダか新しいフォルダ名を指定してください。"
        )


def package_changes(target: Path) -> list[str]:
    """What changed in a package since publish wrote it: files whose size or SHA-256 differ
    from datapackage.json, files gone, files added (paths relative to the package)."""
    package = target / PACKAGE_FILE
    if not package.is_file():
        return []
    try:
        resources = json.loads(package.read_text("utf-8")).get("resources", [])
        listed = {r["path"]: r.get("hash", "") for r in resources}
    except (ValueError, KeyError, TypeError, AttributeError):
        return [PACKAGE_FILE]
    changed = []
    for rel, recorded in listed.items():
        path = target / rel
        if not path.is_file() or (recorded and _file_facts(path)["hash"] != recorded):
            changed.append(rel)
    present = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    changed += sorted(present - set(listed) - {PACKAGE_FILE})
    return changed


def _keep_edited(target: Path, force: bool) -> Path | None:
    """Guard a package edited by hand: PackageEdited unless `force`; with it, the folder is
    kept as `<name>_編集版_<time>` beside it."""
    changed = package_changes(target)
    if not changed:
        return None
    if not force:
        raise PackageEdited(target, changed)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = target.with_name(f"{target.name}_編集版_{stamp}")
    shutil.copytree(target, kept)
    return kept


def _clean_stale_builds(target: Path) -> None:
    """Remove what a killed publish left beside `target` (its `.name.XXXX.tmp` build folders and
    `.name.old-XXXX.tmp` previous packages), once older than `STALE_SECONDS`; nothing else."""
    now = time.time()
    for p in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        try:
            if p.is_dir() and not p.is_symlink() and now - p.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            continue


def replace_folder(built: Path, target: Path) -> None:
    """Move the finished folder `built` to `target`, the previous package out of the way first."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}.tmp")
        try:
            os.replace(target, old)
        except PermissionError as exc:  # Windows: a file of the old package is open somewhere
            raise PublishError(
                f"公開用のフォルダ {target} を置き換えられません（中のファイルを Excel や PDF の表示ソフトが"
                "開いているか、エクスプローラーで開いています）。閉じてから、もう一度実行してください。"
                "前回の公開用データはそのまま残っています。"
            ) from exc
    try:
        os.replace(built, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def merged_pdfs(result: MergeResult, output: Path, since: float, exclude: Path) -> list[Path]:
    """Every PDF this merge wrote: the book's (`MergeResult.pdf`), any others it lists (`pdfs`),
    and any PDF under output/ written since the merge began (one per leading project, say)."""
    found: list[Path] = []
    listed = [result.pdf, *(getattr(result, "pdfs", None) or [])]
    found += [Path(p) for p in listed if p is not None and Path(p).is_file()]
    exclude = exclude.resolve()
    for p in sorted(output.rglob("*.pdf")):
        rel = p.relative_to(output)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if p.resolve().is_relative_to(exclude):
            continue
        if p.stat().st_mtime >= since - 2:
            found.append(p)
    out: list[Path] = []
    seen: set[Path] = set()
    for p in found:
        if p.resolve() not in seen:
            seen.add(p.resolve())
            out.append(p)
    return out


def pdf_names(pdfs: Sequence[Path]) -> list[str]:
    """File names in the package's pdf/ folder: each PDF's own, made unique with its folder's
    name when two folders hold the same name."""
    out: list[str] = []
    for p in pdfs:
        name = p.name
        if name in out:
            name = f"{p.parent.name}_{p.name}"
        n = 2
        while name in out:
            name, n = f"{p.stem}_{n}{p.suffix}", n + 1
        out.append(name)
    return out


def publish_round(
    root: Path,
    target: Path | None = None,
    *,
    pdf: bool = True,
    license: str = DEFAULT_LICENSE,
    lg_code: str = "",
    force: bool = False,
) -> PublishResult:
    """Merge the round (book and PDF, `merge_round`) and write the open-data package to `target`
    (default ROUND/output/opendata), replacing an earlier package only when complete.

    A package changed by hand since it was published (a file's SHA-256 differs from
    datapackage.json, a file gone or added) is never overwritten silently: PackageEdited, or with
    `force` a copy is kept first (`PublishResult.kept`). `force` also goes to the merge, which
    likewise rebuilds a consolidated book edited by hand."""
    rnd = Round(Path(root))
    paths = rnd.paths
    target = Path(target) if target is not None else paths.output / DEFAULT_FOLDER
    _license(license)
    lg_code = check_lg_code(lg_code)
    _check_target(target, paths.root)
    if not force and (changed := package_changes(target)):
        raise PackageEdited(target, changed)  # before the merge: nothing written
    started = time.time()
    merged = merge_round(paths.root, pdf=pdf, force=force)
    notes = []
    pdfs = merged_pdfs(merged, paths.output, started, target) if pdf else []
    if pdf and not pdfs:
        notes.append(f"PDF は公開用データに入っていません。{merged.pdf_message}".strip())
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale_builds(target)
    built = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    os.chmod(built, 0o777 & ~_umask())  # mkdtemp's 0700: the package is for sharing
    kept = None
    try:
        tables, csv_paths, json_path, pdf_paths, key_notes = write_package(
            built,
            merged.consolidated.master,
            merged.consolidated,
            merged.status,
            rnd.form,
            pdfs=pdfs,
            license=license,
            lg_code=lg_code,
        )
        kept = _keep_edited(target, force)
        replace_folder(built, target)
    finally:
        if built.exists():
            shutil.rmtree(built, ignore_errors=True)
    notes += key_notes
    waiting = [s for s in merged.status if not s.done]
    if waiting:
        notes.append(
            f"未受理の所属が {len(waiting)} 件あります（{'、'.join(s.name for s in waiting)}）。"
            "その所属の回答は公開用データに入っていません。"
        )

    def moved(p: Path) -> Path:
        return target / p.relative_to(built)

    return PublishResult(
        folder=target,
        tables=tables,
        csv=[moved(p) for p in csv_paths],
        json=moved(json_path),
        pdfs=[moved(p) for p in pdf_paths],
        merge=merged,
        notes=notes,
        kept=kept,
    )
