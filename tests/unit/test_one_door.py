"""Every sync run goes through the core: nothing outside it builds a sync engine, a sync service or a
scheduler."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "ashby_connector"
# The only places that may build them: the core (every run's owner) and the sync package itself.
OWNERS = ("core", "sync")
BUILDERS = re.compile(r"\b(SyncEngine|SyncService|Freshness)\(")


def builders_outside_the_core(package: Path) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts[0] in OWNERS:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if BUILDERS.search(line):
                found.append(f"{path.relative_to(package)}:{number}: {line.strip()}")
    return found


def test_no_sync_engine_or_freshness_is_built_outside_the_core() -> None:
    assert builders_outside_the_core(PACKAGE) == []


def test_the_check_finds_a_planted_builder(tmp_path: Path) -> None:
    (tmp_path / "cli").mkdir()
    (tmp_path / "core").mkdir()
    (tmp_path / "cli" / "breach.py").write_text("engine = SyncEngine(client, store)\n")
    (tmp_path / "core" / "fine.py").write_text("fresh = Freshness(store)\n")
    assert builders_outside_the_core(tmp_path) == ["cli/breach.py:1: engine = SyncEngine(client, store)"]
