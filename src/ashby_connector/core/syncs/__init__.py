"""Sync runs: the service every run goes through, the in-process runner, history and leases,
webhook-started runs, change events.

What a run answers, named here for delivery (the "delivery imports only the core" contract):
``SyncReport`` (a finished run, ``ProgressEvent`` while it runs), ``Plan`` (``--plan``) and
``SyncAbortedError`` (a run that could not start: a key that may read none of the lists)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ashby_connector._lazy import lazy_attributes

if TYPE_CHECKING:
    from ashby_connector.sync import ProgressEvent, SyncAbortedError, SyncReport
    from ashby_connector.sync.plan import Plan

# Loaded on first use: the command line imports these names only when a command runs.
__getattr__ = lazy_attributes(
    __name__,
    {
        "Plan": "ashby_connector.sync.plan",
        "ProgressEvent": "ashby_connector.sync",
        "SyncAbortedError": "ashby_connector.sync",
        "SyncReport": "ashby_connector.sync",
    },
)

__all__ = ["Plan", "ProgressEvent", "SyncAbortedError", "SyncReport"]
