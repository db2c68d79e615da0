"""Full and incremental sync of every Ashby list into the store (see docs/sync.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ashby_connector._lazy import lazy_attributes

if TYPE_CHECKING:
    from ashby_connector.sync.engine import SyncAbortedError, SyncEngine
    from ashby_connector.sync.modes import Mode
    from ashby_connector.sync.report import ProgressEvent, StreamResult, SyncReport
    from ashby_connector.sync.streams import Stream, all_streams, select_streams

# Loaded on first use: ``sync.modes`` (the ``Mode`` every command names) must not import the
# engine, and with it the store and its migrations.
_LAZY = {
    "SyncAbortedError": "ashby_connector.sync.engine",
    "SyncEngine": "ashby_connector.sync.engine",
    "Mode": "ashby_connector.sync.modes",
    "ProgressEvent": "ashby_connector.sync.report",
    "StreamResult": "ashby_connector.sync.report",
    "SyncReport": "ashby_connector.sync.report",
    "Stream": "ashby_connector.sync.streams",
    "all_streams": "ashby_connector.sync.streams",
    "select_streams": "ashby_connector.sync.streams",
}

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

__getattr__ = lazy_attributes(__name__, _LAZY)
