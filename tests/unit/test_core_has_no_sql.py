"""No SQL in the core: every query lives in the store, behind a method that says what it does.

The core names what a user does (connections, syncs, freshness, ...); a SQLAlchemy import, a
statement run on a connection or a transaction opened there means a query leaked out of the store.
"""

from __future__ import annotations

import re
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "src" / "ashby_connector" / "core"
SQL = re.compile(
    r"^\s*(import sqlalchemy|from sqlalchemy\b)"  # the library itself
    r"|\.execute\(|\.transaction\(\)|\.engine\.(connect|begin)\(\)"  # running statements
    r"|\b(sync_run|sync_lease|sync_schedule|scheduler_heartbeat|sync_state)\.c\."  # table columns
)


def lines_matching(package: Path, pattern: re.Pattern[str], *, skip: str | None = None) -> list[str]:
    """``path:line: text`` of every line of ``package`` matching ``pattern`` (``skip``: a file)."""
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).as_posix() == skip:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(package)}:{number}: {line.strip()}")
    return found


def sql_in(package: Path) -> list[str]:
    return lines_matching(package, SQL)


def test_the_core_holds_no_sql() -> None:
    assert sql_in(CORE) == []


def test_the_check_finds_planted_sql(tmp_path: Path) -> None:
    (tmp_path / "syncs").mkdir()
    (tmp_path / "syncs" / "leak.py").write_text(
        "import sqlalchemy as sa\n"
        "rows = conn.execute(query)\n"
        "with self.store.transaction() as conn:\n"
        "    pass\n"
        "fine = 'a sentence that says execute the plan'\n"
    )
    (tmp_path / "fine.py").write_text("from ashby_connector.store.sync_runs import SyncRunRows\n")
    assert sql_in(tmp_path) == [
        "syncs/leak.py:1: import sqlalchemy as sa",
        "syncs/leak.py:2: rows = conn.execute(query)",
        "syncs/leak.py:3: with self.store.transaction() as conn:",
    ]


# No service locator: a use case is given what it uses in its constructor (wired once in
# ``core/app.py``), never the whole ``Core`` to pick from.
TAKES_CORE = re.compile(r"\b\w+: \"?Core\"?[,)=\s]")


def whole_core_taken(package: Path) -> list[str]:
    return lines_matching(package, TAKES_CORE, skip="app.py")


def test_no_use_case_takes_the_whole_core() -> None:
    assert whole_core_taken(CORE) == []


def test_the_check_finds_a_planted_locator(tmp_path: Path) -> None:
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "reads.py").write_text("def list_records(core: Core, conn: Row) -> None: ...\n")
    (tmp_path / "app.py").write_text("def wire(core: Core) -> None: ...\n")
    assert whole_core_taken(tmp_path) == [
        "resources/reads.py:1: def list_records(core: Core, conn: Row) -> None: ..."
    ]
