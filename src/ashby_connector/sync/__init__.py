"""Full and incremental sync of every Ashby list into the store (see docs/sync.md)."""

from __future__ import annotations

from ashby_connector.sync.engine import SyncAbortedError, SyncEngine
from ashby_connector.sync.modes import Mode
from ashby_connector.sync.report import ProgressEvent, StreamResult, SyncReport
from ashby_connector.sync.streams import Stream, all_streams, select_streams

__all__ = [
    "Mode",
    "ProgressEvent",
    "Stream",
    "StreamResult",
    "SyncAbortedError",
    "SyncEngine",
    "SyncReport",
    "all_streams",
    "select_streams",
]
