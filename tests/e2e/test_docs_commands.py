"""Every ``ashby-connector`` command line in the docs names a command that exists and only options it
takes (a renamed option in the code, or a typo in a guide, fails here), and every Python recipe is
valid Python, skipped ones included. The walkthroughs (test_docs_walkthroughs.py) run the pages'
```bash scripts whole; test_docs_python.py runs their ```python recipes."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from ashby_connector.cli import app

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([*(ROOT / "docs").glob("*.md"), ROOT / "README.md"])
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
ROOT_COMMAND = typer.main.get_command(app)


def _command_lines(block: str) -> list[str]:
    """Each ``ashby-connector ...`` invocation of a block, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", block)
    found = []
    for line in joined.splitlines():
        for part in re.split(r"\$\(|&&|\||;", line):
            match = re.search(r"(?:^|\s|/)ashby-connector(\s.*)?$", part.strip().removeprefix("$ "))
            if match:
                found.append("ashby-connector" + (match.group(1) or ""))
    return found


def _check(line: str) -> list[str]:
    text = line.split(" #", 1)[0]
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    command: Any = ROOT_COMMAND
    problems: list[str] = []
    args = words[1:]
    while args and hasattr(command, "commands") and not args[0].startswith("-"):
        name = args.pop(0)
        if name not in command.commands:
            return [f"{line!r}: no command {name!r}"]
        command = command.commands[name]
    if hasattr(command, "commands"):
        return problems  # a group's own options (--log-format) or its help
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)} | {"--help"}
    for word in args:
        if word.startswith("--"):
            option = word.split("=", 1)[0]
            if option not in known and not option.endswith(("[", "]")):
                problems.append(f"{line!r}: {' '.join(words[:2])} has no option {option}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_command_line_in_the_docs_exists(page: Path) -> None:
    problems = []
    for _, block in FENCE.findall(page.read_text()):
        for line in _command_lines(block):
            if "[" in line.split(" #")[0]:
                continue  # a synopsis: ashby-connector serve [--db URL] ...
            problems += _check(line)
    assert problems == []


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_python_recipe_is_python(page: Path) -> None:
    for language, block in FENCE.findall(page.read_text()):
        if language == "python":
            if re.search(r"\b(await|async with|async for)\b", block):  # a body of a coroutine
                block = "async def _():\n" + "\n".join("    " + line for line in block.splitlines())
            source = block
            compile(source, f"{page.name} recipe", "exec")
