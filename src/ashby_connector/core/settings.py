"""Settings of a deployment: where the store is, which Ashby to talk to, where the master key lives.

Read once per process (``Settings()`` reads the environment) and passed to ``Core``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_ASHBY_BASE_URL = "https://api.ashbyhq.com"
MASTER_KEY_ENV = "ASHBY_CONNECTOR_MASTER_KEY"


@dataclass(frozen=True)
class Settings:
    """``ashby_base_url`` is the only Ashby this deployment ever calls; tenants cannot change it.

    Every Ashby call of the process (server routes, webhook processing and registration, syncs,
    the command line) goes through clients built from this one value."""

    db_url: str = "sqlite:///ashby.db"
    ashby_base_url: str = field(
        default_factory=lambda: os.environ.get("ASHBY_BASE_URL", DEFAULT_ASHBY_BASE_URL)
    )
    # Fernet master key; None: read $ASHBY_CONNECTOR_MASTER_KEY, else the file below (made on first run).
    master_key: str | None = None
    # None: ``ashby-master.key`` beside the SQLite database, or in the platform data directory
    # for PostgreSQL (see ``core.master_key.master_key_path``); never the current directory.
    master_key_file: str | None = field(
        default_factory=lambda: os.environ.get("ASHBY_CONNECTOR_MASTER_KEY_FILE") or None
    )
    max_body_bytes: int = 1_000_000
    ashby_timeout: float = 30.0
    # Ashby's default budget; the emulator in tests runs without one.
    rate_limit_per_minute: float | None = 1000.0
    max_page_size: int = 100
    # Seconds between attempts to deliver an assessment report Ashby could not take (then it fails).
    assessment_retry_delays: tuple[float, ...] = (10.0, 30.0, 70.0, 150.0, 310.0, 630.0, 1270.0, 2550.0)
