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


def sql_in(package: Path) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if SQL.search(line):
                found.append(f"{path.relative_to(package)}:{number}: {line.strip()}")
    return found


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
