"""LibreOffice headless: convert many files per `soffice` call, each call with its own profile.

A batch of files per process costs about 0.24 s a file against 1.7 s for one file per process,
so callers pass everything they have at once. A private profile folder lets several
conversions run side by side and keeps the user's own LibreOffice settings untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath, PureWindowsPath

RECALC_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
"""Profile setting: recalculate on load (0 = always; LibreOffice's default for .xlsx is 1, never)."""


class LibreOfficeMissing(RuntimeError):
    """LibreOffice is not installed."""


def install_candidates(platform: str = sys.platform, environ: Mapping[str, str] = os.environ) -> list[str]:
    """Where LibreOffice's installer puts soffice when it is not on PATH (Windows, macOS)."""
    if platform == "win32":
        roots = [environ.get(k) for k in ("ProgramFiles", "ProgramFiles(x86)", "ProgramW6432")]
        roots += ["C:\\Program Files", "C:\\Program Files (x86)"]
        seen: list[str] = []
        for root in roots:
            if root:
                exe = str(PureWindowsPath(root, "LibreOffice", "program", "soffice.exe"))
                if exe.lower() not in (x.lower() for x in seen):
                    seen.append(exe)
        return seen
    if platform == "darwin":
        return ["/Applications/LibreOffice.app/Contents/MacOS/soffice"]
    return []


def profile_uri(profile: PurePath) -> str:
    """The -env:UserInstallation URL of a profile folder (file:///C:/… on Windows, file:///tmp/… here)."""
    return profile.as_uri()


def soffice_path() -> str | None:
    """The soffice binary, or None when LibreOffice is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for exe in install_candidates():
        if Path(exe).is_file():
            return exe
    return None


def convert(
    files: Sequence[Path],
    fmt: str,
    outdir: Path,
    *,
    filter_options: str = "",
    timeout: float = 600,
    recalc: bool = False,
) -> list[Path]:
    """Convert `files` to `fmt` (pdf, xlsx, ...) in `outdir` with one soffice process.

    With `recalc` LibreOffice recalculates every formula on load (its default for .xlsx is to
    trust the cached values, which in a freshly written workbook are placeholders). Off by
    default: a recalculation also re-fits row heights, which changes a PDF's line breaks.

    Returns the converted paths in input order; raises LibreOfficeMissing without LibreOffice
    and RuntimeError naming the files it could not convert.
    """
    exe = soffice_path()
    if exe is None:
        raise LibreOfficeMissing(
            "LibreOffice がインストールされていません（Debian/Ubuntu: sudo apt-get install libreoffice-calc-nogui）"
        )
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    target = f"{fmt}:{filter_options}" if filter_options else fmt
    with tempfile.TemporaryDirectory(prefix="xlsheet-lo-") as profile:
        if recalc:
            user = Path(profile) / "user"
            user.mkdir()
            (user / "registrymodifications.xcu").write_text(RECALC_ON_LOAD, encoding="utf-8")
        env = {**os.environ, "HOME": profile}
        cmd = [
            exe,
            f"-env:UserInstallation={profile_uri(Path(profile))}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            *[str(f) for f in files],
        ]
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            encoding="utf-8",  # not the locale's (cp932 on a Japanese Windows): soffice's messages, for errors only
            errors="replace",
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    ext = fmt.split(":")[0]
    out = [outdir / (Path(f).stem + "." + ext) for f in files]
    missing = [str(f) for f, o in zip(files, out, strict=True) if not o.exists()]
    if missing:
        raise RuntimeError(
            f"LibreOffice で変換できませんでした: {', '.join(missing)}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        )
    return out
