"""One spelling of the shared options: --db, --base-url, --api-key, with their environment variables;
the old --ashby-base-url still works, with a one-line notice."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.cli._options import modernise

COMMANDS_WITH_BASE_URL = [
    ["serve"],
    ["sync"],
    ["call"],
    ["connections", "add"],
    ["connections", "delete"],
    ["webhooks", "register"],
    ["webhooks", "run"],
    ["worker", "run"],
    ["hiring-team", "add"],
]


@pytest.mark.parametrize("command", COMMANDS_WITH_BASE_URL, ids=" ".join)
def test_every_command_calling_ashby_takes_base_url_and_no_old_spelling(command: list[str]) -> None:
    shown = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).output
    assert "--base-url" in shown and "ASHBY_BASE_URL" in shown
    assert "--ashby-base-url" not in shown


def test_old_spelling_is_rewritten_with_one_notice(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["serve", "--ashby-base-url", "http://x", "--ashby-base-url=http://y", "--", "--ashby-base-url"]
    assert modernise(argv) == [
        "serve",
        "--base-url",
        "http://x",
        "--base-url=http://y",
        "--",
        "--ashby-base-url",
    ]
    assert capsys.readouterr().err == "note: --ashby-base-url is deprecated; use --base-url\n"


def test_the_installed_command_accepts_the_old_spelling() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ashby_connector.cli import main; main()",
            "connections",
            "delete",
            "--help",
            "--ashby-base-url",
            "http://127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "note: --ashby-base-url is deprecated; use --base-url"


def test_db_comes_from_the_environment() -> None:
    shown = CliRunner().invoke(app, ["status", "--help"], env={"COLUMNS": "200"}).output
    assert "ASHBY_CONNECTOR_DB" in shown
