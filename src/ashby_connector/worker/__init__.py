"""Sync workers on PostgreSQL (``DistributedRunner``, procrastinate): any number of processes, one
sync per connection at a time. The in-process runner the server uses is ``core.syncs.embedded_runner``."""

from __future__ import annotations
