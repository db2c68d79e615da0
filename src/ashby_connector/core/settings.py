"""Settings of a deployment: where the store is, which Ashby to talk to, where the master key lives.

Read once per process (``Settings()`` reads the environment) and passed to ``Core``."""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field

from ashby_connector.refusals import Refusal
from ashby_connector.webhooks.outbound_url import OutboundPolicy, Resolver, parse_allowlist

DEFAULT_ASHBY_BASE_URL = "https://api.ashbyhq.com"
# Deleted records and webhook logs are kept at least a day (a shorter purge would race the runs
# that mark and read them) and at most ten years.
MIN_RETENTION_DAYS = 1.0
MAX_RETENTION_DAYS = 3650.0
# The read cache: at least a page of big records, at most what a large server would give it.
MIN_READ_CACHE_MB = 1.0
MAX_READ_CACHE_MB = 65536.0
MASTER_KEY_ENV = "ASHBY_CONNECTOR_MASTER_KEY"
OUTBOUND_ALLOW_HTTP_ENV = "ASHBY_CONNECTOR_OUTBOUND_ALLOW_HTTP"
OUTBOUND_ALLOWLIST_ENV = "ASHBY_CONNECTOR_OUTBOUND_ALLOWLIST"


def redact_db_url(url: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://user:***@host/db``."""
    from ashby_connector.store.engine import redact_url

    return redact_url(url)


def _env_number(name: str, default: float) -> float:
    """A number from the environment; a value that is not one is refused naming the variable
    (not a ``ValueError`` traceback at start-up)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(name, f"{name} must be a number; got {raw!r}") from None


class SettingsError(Refusal):
    """A deployment setting out of its bounds: names the setting (and its environment variable)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(422, "invalid_setting", message, field)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in os.environ.get(name, "").split(",") if v.strip())


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
    master_key: str | None = field(default=None, repr=False)
    # None: ``ashby-master.key`` beside the SQLite database, or in the platform data directory
    # for PostgreSQL (see ``core.runtime.master_key.master_key_path``); never the current directory.
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
    # Tenant-chosen URLs (subscriptions, pings, webhook registration): https to public addresses
    # only, unless these development settings say otherwise (both are logged at startup).
    outbound_allow_http: bool = field(default_factory=lambda: _env_flag(OUTBOUND_ALLOW_HTTP_ENV))
    outbound_allowlist: tuple[str, ...] = field(default_factory=lambda: _env_list(OUTBOUND_ALLOWLIST_ENV))
    # How tenant URLs' names are resolved (None: the system's resolver); tests inject their own.
    outbound_resolver: Resolver | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        from ashby_connector.core.freshness import schedules as bounds

        for name, env, value, low, high, off in (
            (
                "schedule_incremental_minutes",
                "ASHBY_CONNECTOR_INCREMENTAL_MINUTES",
                self.schedule_incremental_minutes,
                bounds.MIN_INCREMENTAL_MINUTES,
                bounds.MAX_INCREMENTAL_MINUTES,
                False,
            ),
            (
                "schedule_reconcile_hours",
                "ASHBY_CONNECTOR_RECONCILE_HOURS",
                self.schedule_reconcile_hours,
                bounds.MIN_RECONCILE_HOURS,
                bounds.MAX_RECONCILE_HOURS,
                False,
            ),
            (
                "schedule_fast_every_seconds",
                "ASHBY_CONNECTOR_FAST_EVERY_SECONDS",
                self.schedule_fast_every_seconds,
                bounds.MIN_FAST_EVERY_SECONDS,
                bounds.MAX_FAST_EVERY_SECONDS,
                True,
            ),
            (
                "deleted_retention_days",
                "ASHBY_CONNECTOR_DELETED_RETENTION_DAYS",
                self.deleted_retention_days,
                MIN_RETENTION_DAYS,
                MAX_RETENTION_DAYS,
                True,
            ),
            (
                "read_cache_mb",
                "ASHBY_CONNECTOR_READ_CACHE_MB",
                self.read_cache_mb,
                MIN_READ_CACHE_MB,
                MAX_READ_CACHE_MB,
                True,
            ),
            (
                "inbox_retention_days",
                None,
                self.inbox_retention_days,
                MIN_RETENTION_DAYS,
                MAX_RETENTION_DAYS,
                False,
            ),
            (
                "outbox_retention_days",
                None,
                self.outbox_retention_days,
                MIN_RETENTION_DAYS,
                MAX_RETENTION_DAYS,
                False,
            ),
        ):
            if (off and value == 0) or (math.isfinite(value) and low <= value <= high):
                continue
            label = f"{name} (env {env})" if env else name
            allowed = f"0 (off) or between {low:g} and {high:g}" if off else f"between {low:g} and {high:g}"
            raise SettingsError(env or name, f"{label} must be {allowed}; got {value:g}")

    def __repr__(self) -> str:
        # Never the master key; the database URL without its password.
        shown = {
            name: (redact_db_url(value) if name == "db_url" else value)
            for name, value in self.__dict__.items()
            if name != "master_key"
        }
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    def outbound_policy(self) -> OutboundPolicy:
        """ValueError naming a bad allowlist entry."""
        policy = OutboundPolicy(
            allow_http=self.outbound_allow_http, allowlist=parse_allowlist(self.outbound_allowlist)
        )
        if self.outbound_resolver is not None:
            policy = dataclasses.replace(policy, resolver=self.outbound_resolver)
        return policy

    # Freshness (docs/server.md, "Keeping copies fresh"): every new connection's schedule.
    schedule_incremental_minutes: float = field(
        default_factory=lambda: _env_number("ASHBY_CONNECTOR_INCREMENTAL_MINUTES", 15.0)
    )
    schedule_reconcile_hours: float = field(
        default_factory=lambda: _env_number("ASHBY_CONNECTOR_RECONCILE_HOURS", 24.0)
    )
    # "auto": run due syncs in this process (SQLite) or queue them for the workers (PostgreSQL);
    # "off": this server does not schedule (another process does).
    scheduler: str = field(default_factory=lambda: os.environ.get("ASHBY_CONNECTOR_SCHEDULER", "auto"))
    scheduler_tick_seconds: float = 5.0
    # The fast lane's interval for new connections (0: off): while a connection has webhooks on,
    # the lists no webhook covers (candidate, job) are polled this often, one request per list.
    schedule_fast_every_seconds: float = field(
        default_factory=lambda: _env_number("ASHBY_CONNECTOR_FAST_EVERY_SECONDS", 3.0)
    )
    # Retention: deleted records purged after this many days (0 keeps them); webhooks logs by age.
    deleted_retention_days: float = field(
        default_factory=lambda: _env_number("ASHBY_CONNECTOR_DELETED_RETENTION_DAYS", 30.0)
    )
    inbox_retention_days: float = 7.0
    outbox_retention_days: float = 30.0
    # Unified records kept rendered between reads, per process (0: off); see core/resources/render_cache.
    read_cache_mb: float = field(default_factory=lambda: _env_number("ASHBY_CONNECTOR_READ_CACHE_MB", 64.0))
    # /mcp: the agents' write tools (add a note, move a stage, add a tag) exist only with this on.
    mcp_writes: bool = field(default_factory=lambda: _env_flag("ASHBY_CONNECTOR_MCP_WRITES"))
    # /metrics: served only with this bearer token, or on its own port (then not on the API port).
    metrics_token: str | None = field(default_factory=lambda: os.environ.get("ASHBY_CONNECTOR_METRICS_TOKEN"))
    metrics_port: int | None = None
