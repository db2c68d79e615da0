"""An emulator in a process of its own, rate limit off, so a benchmark's CPU figures are the sync's
alone. Shared by the sync benchmarks so they start the same emulated account the same way."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

SERVE = """
import json, sys
from ashby_connector.emulator import run_emulator
with run_emulator(seed=1, candidates=int(sys.argv[1]), rate_limit_per_minute=None) as emu:
    info = {"base_url": emu.base_url, "api_key": emu.api_key, "admin_key": emu.admin_key}
    print(json.dumps(info), flush=True)
    sys.stdin.read()
"""


@contextmanager
def emulator_process(candidates: int) -> Iterator[dict[str, str]]:
    """The emulator's ``base_url``, ``api_key`` and ``admin_key``; it stops when the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(candidates)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the emulator did not start")
        yield json.loads(line)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(60)
