"""Runs syncs: in this process (``EmbeddedRunner``) or on PostgreSQL workers (``DistributedRunner``)."""

from __future__ import annotations

from ashby_connector.worker.embedded import EmbeddedRunner, SyncAlreadyRunningError, SyncJob

__all__ = ["EmbeddedRunner", "SyncAlreadyRunningError", "SyncJob"]
