"""Naming the process that holds something: a run's lease, a scheduler's heartbeat, a run's row."""

from __future__ import annotations

import os
import socket
import uuid


def holder_name() -> str:
    """Who holds a lease or beats a heartbeat: host, process and a random tag (one per object).
    ``core.syncs.history`` reads the host and process back to free a dead local holder's lease."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
