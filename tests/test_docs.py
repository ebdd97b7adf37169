"""The documentation keeps up with the code: every command is documented, every link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import click

from xlsheet.cli import main

REPO = Path(__file__).resolve().parents[1]


def _commands(group: click.Group, prefix: str = "xlsheet") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        out.append(full)
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full))
    return out


def _docs_text() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    )


def test_every_cli_command_is_documented():
    text = _docs_text()
    missing = [c for c in _commands(main) if f"`{c}" not in text and f"{c} " not in text]
    assert missing == [], f"README.md と docs/ に説明のないコマンド: {missing}"


def test_readme_opens_with_the_two_setup_commands_and_its_links_resolve():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1).strip().splitlines()
    assert block == [
        "bash scripts/setup.sh && python3 -m xlsheet demo demo-round",
        "bash scripts/setup.sh && python3 -m pytest -q",
    ]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert block[1] in ci, ".ci/run must call the README's test command"
    for page in [REPO / "README.md", *(REPO / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name}: link to {target} does not resolve"


def test_the_command_list_shows_each_commands_first_sentence():
    """`xlsheet --help` lists every command by its first Japanese sentence, never cut to 「2...」."""
    from click.testing import CliRunner

    out = CliRunner().invoke(main, ["--help"]).output
    listed = dict(re.findall(r"^  ([a-z]+)\s+(\S.*)$", out.split("Commands:")[1], flags=re.M))
    assert set(listed) == set(main.commands)
    for name, text in listed.items():
        assert not text.endswith("..."), (name, text)
    assert listed["diff"].startswith("2 つのラウンドを比べます")
