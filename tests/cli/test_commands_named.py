"""Every `study ...` command the app's pages and the README name exists in the CLI.

Empty-state hints once named commands that did not exist (`study import
transcript`, `study schemes load`); this test reads every backticked
`study ...` in the page sources and the README and walks it down the typer
app's command tree.
"""

from __future__ import annotations

import re

import click
import pytest
import typer.main

from study.cli import app

from conftest import ROOT

SOURCES = [ROOT / "README.md", *sorted((ROOT / "study" / "ui").rglob("*.py"))]
# `study codes load FILE` inline, or a line of a fenced shell example (`$ study ...`)
INLINE = re.compile(r"`(study(?: [^`\n]+)?)`")
FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINE = re.compile(r"^\s*(?:\$ )?(?:\.venv/bin/)?(study(?: [^\n#]+)?)", re.MULTILINE)


def named_commands() -> list[tuple[str, str]]:
    found = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        names = [m.group(1) for m in INLINE.finditer(text)]
        for block in FENCED.finditer(text):
            names += [m.group(1) for m in LINE.finditer(block.group(1))]
        for name in names:
            command = " ".join(name.split())
            if command.split()[1:2] != ["..."]:  # "study ..." means any command
                found.append((str(path.relative_to(ROOT)), command))
    return found


def resolves(command: str) -> bool:
    """True when the words after `study` name a command; arguments and options may follow."""
    node: click.Command = typer.main.get_command(app)
    for word in command.split()[1:]:
        commands = getattr(node, "commands", None)
        if commands is None or word.startswith("-"):
            return True  # the rest are the command's arguments and options
        if word not in commands:
            return False
        node = commands[word]
    return True


def test_the_pages_and_readme_name_commands():
    assert len(named_commands()) > 10


@pytest.mark.parametrize("where,command", sorted(set(named_commands())))
def test_a_named_command_exists(where, command):
    assert resolves(command), f"{where} names `{command}`, which the CLI does not have"


def test_a_command_that_does_not_exist_is_caught():
    assert not resolves("study import transcript FILE")
    assert not resolves("study schemes load x.yaml")
    assert resolves("study import transcripts FILE")
    assert resolves("study codes blind on --scheme ism-adoption-challenges")
