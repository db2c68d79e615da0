"""Configuration of one emulated Ashby organisation."""

from __future__ import annotations

from dataclasses import dataclass, field

from ashby_connector import catalog


def all_permissions() -> frozenset[str]:
    return frozenset(catalog.permissions())


@dataclass
class ApiKeyConfig:
    """One API key: its permission set and Ashby's two visibility toggles.

    ``allow_confidential``: "Allow access to confidential jobs and projects".
    ``allow_private_fields``: "Allow access to non-offer private fields".
    """

    key: str
    title: str = "Emulator key"
    permissions: frozenset[str] = field(default_factory=all_permissions)
    allow_confidential: bool = True
    allow_private_fields: bool = True
    enabled: bool = True
    created_at: str = "2026-01-01T00:00:00.000Z"


@dataclass
class EmulatorConfig:
    seed: int = 1
    candidates: int = 200
    api_keys: list[ApiKeyConfig] = field(default_factory=list)
    # The default full-permission key and the admin key for /_emulator/ (generated when empty).
    api_key: str = ""
    admin_key: str = ""
    # Bearer token of the SCIM 2.0 endpoint at /scim/v2 (generated when empty).
    scim_token: str = ""
    rate_limit_per_minute: int | None = 1000
    # Lists with a lower budget of their own per key, e.g. {"application.listHistory": 100}
    # (reported for Ashby, unconfirmed: off unless set).
    operation_rate_limits: dict[str, int] = field(default_factory=dict)
    # The span the limits are counted over (Ashby: a minute); the rate stays per minute.
    rate_limit_window_seconds: float = 60.0
    # All keys together (partner-wide throttling: 429 with X-RateLimit-Scope: integration-partner).
    partner_rate_limit_per_minute: int | None = None
    report_limit_per_minute: int = 15
    report_concurrent_limit: int = 3
    faults: str | None = None
    webhook_time_scale: float = 1.0
    sync_token_ttl_seconds: float = 30 * 24 * 3600.0
    cursor_ttl_seconds: float = 3600.0
    incremental_too_large_threshold: int | None = None
    max_page_size: int = 100
    # Keep records deflate-compressed in memory (about half the memory, slower generation and a
    # few microseconds per record read); None: only from 500,000 candidates.
    compress_records: bool | None = None
