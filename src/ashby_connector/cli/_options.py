"""The options several commands share, spelled one way everywhere: ``--db`` (env
``ASHBY_CONNECTOR_DB``), ``--base-url`` (env ``ASHBY_BASE_URL``), ``--api-key`` (env
``ASHBY_API_KEY``); and the old spellings, still accepted with a one-line deprecation notice.

Imports nothing but Typer: every command module reads it at start-up.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_DB = "sqlite:///ashby.db"
# The emulated organisation's size wherever a command makes one (emulator, sync --emulator, demo).
DEFAULT_CANDIDATES = 500
DEFAULT_BASE_URL = "https://api.ashbyhq.com"
# The fast lane's default lists, as core.freshness.schedules.DEFAULT_FAST_STREAMS: spelled here so
# that `sync --help` does not import the store to show a default (tests/unit/test_cli_startup.py
# keeps the two equal).
DEFAULT_FAST_STREAMS: tuple[str, ...] = ("candidate", "job")
DB_ENV = "ASHBY_CONNECTOR_DB"
BASE_URL_ENV = "ASHBY_BASE_URL"
API_KEY_ENV = "ASHBY_API_KEY"

Db = Annotated[
    str,
    typer.Option(
        "--db",
        envvar=DB_ENV,
        help="The store: sqlite:///path.db or postgresql+psycopg://user@host/db.",
    ),
]
BaseUrl = Annotated[
    str,
    typer.Option("--base-url", envvar=BASE_URL_ENV, help="Ashby API base URL."),
]
ApiKey = Annotated[
    str | None,
    typer.Option("--api-key", envvar=API_KEY_ENV, help="Ashby API key."),
]

# Old spelling -> today's. Hidden from --help; accepted with a notice on stderr.
DEPRECATED = {"--ashby-base-url": "--base-url"}


def modernise(argv: list[str]) -> list[str]:
    """``argv`` with every deprecated option spelled today's way, saying so once per spelling."""
    out: list[str] = []
    told: set[str] = set()
    for index, arg in enumerate(argv):
        if arg == "--":
            out.extend(argv[index:])
            break
        name, eq, value = arg.partition("=")
        new = DEPRECATED.get(name)
        if new is None:
            out.append(arg)
            continue
        if name not in told:
            told.add(name)
            print(f"note: {name} is deprecated; use {new}", file=sys.stderr)
        out.append(new + eq + value)
    return out


def new_sqlite_file(db: str) -> Path | None:
    """The SQLite file ``db`` names when it does not exist yet (None: it exists, or not a file)."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(db if "://" in db else f"sqlite:///{db}")
    except Exception:
        return None  # the store reports the bad URL
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    return None if path.exists() else path


def remove_sqlite_file(path: Path) -> None:
    """Remove a SQLite database this command made (with its journal files)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
