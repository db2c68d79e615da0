"""``Emulator``: one organisation's state plus its keys, limits and faults."""

from __future__ import annotations

import copy
import gc
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from ashby_connector.emulator.config import ApiKeyConfig, EmulatorConfig
from ashby_connector.emulator.faults import FaultInjector, parse_faults
from ashby_connector.emulator.ratelimit import RateLimiter, ReportLimiter
from ashby_connector.emulator.records.state import State


def _derived_key(seed: int, label: str) -> str:
    return "emu_" + hashlib.sha256(f"{label}:{seed}".encode()).hexdigest()[:32]


class Emulator:
    def __init__(self, config: EmulatorConfig | None = None, *, generate: bool = True) -> None:
        self.config = config or EmulatorConfig()
        cfg = self.config
        cfg.api_key = cfg.api_key or _derived_key(cfg.seed, "api")
        cfg.admin_key = cfg.admin_key or _derived_key(cfg.seed, "admin")
        cfg.scim_token = cfg.scim_token or _derived_key(cfg.seed, "scim")
        # What ``reset`` restores: the settings (keys, limits, faults) the organisation started with.
        self._initial = copy.deepcopy(cfg)
        self.faults = FaultInjector(parse_faults(cfg.faults), cfg.seed)
        # The rate limits' clock; a test may replace it to count 429s per window without sleeping.
        self.clock: Callable[[], float] = time.monotonic
        self.rate_limiter = self._limiter()
        self.state = self._new_state(generate)
        # API requests received since the process started, per operation (control API ``stats``):
        # what tests and benchmarks read to show a path asked Ashby nothing.
        self.requests_received: Counter[str] = Counter()

    def _new_state(self, generate: bool) -> State:
        cfg = self.config
        state = State(cfg)
        state.add_key(ApiKeyConfig(key=cfg.api_key, title="Emulator full-access key"))
        for key in cfg.api_keys:
            state.add_key(key)
        state.extras["report_limiter"] = ReportLimiter(
            cfg.report_limit_per_minute, cfg.report_concurrent_limit
        )
        state.extras["emulator"] = self
        if generate:
            from ashby_connector.emulator.generation.seed import generate_org

            started = time.perf_counter()
            # Millions of long-lived dicts and strings: the cyclic GC would rescan them again and
            # again while they are built (none of them form cycles), so pause it meanwhile.
            was_enabled = gc.isenabled()
            gc.disable()
            try:
                generate_org(state, candidates=cfg.candidates, seed=cfg.seed)
            finally:
                if was_enabled:
                    gc.enable()
            if cfg.candidates >= 20_000:
                # Keep a big organisation's millions of lists out of later full collections.
                # Not for small ones: tests start many, and frozen garbage is never collected.
                gc.freeze()
            state.extras["generation_seconds"] = time.perf_counter() - started
        return state

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def admin_key(self) -> str:
        return self.config.admin_key

    @property
    def scim_token(self) -> str:
        return self.config.scim_token

    def reset(self, *, seed: int | None = None, candidates: int | None = None) -> None:
        """Put the organisation back as it started, regenerated: the keys, limits, token lifetimes,
        faults and rate-limit clock it was created with; no webhook settings, files, reports or
        other added state; a fresh request count. ``seed``/``candidates`` generate another
        organisation this once (the next reset without them returns to the first). Tests share
        one emulator between them on this promise."""
        start = copy.deepcopy(self._initial)
        start.seed = start.seed if seed is None else seed
        start.candidates = start.candidates if candidates is None else candidates
        # In place: the state and config objects are held by the app, handles and helpers.
        self.config.__dict__.update(start.__dict__)
        self.faults = FaultInjector(parse_faults(self.config.faults), self.config.seed)
        self.clock = time.monotonic
        self.rate_limiter = self._limiter()
        old = self.state
        new = self._new_state(True)
        with old.lock:
            # The webhook sender (its settings and queue) and its listener go with the old state.
            from ashby_connector.emulator.delivery.services import close_extras

            close_extras(old, wait=False)
            base_url = old.extras.get("base_url")
            old.__dict__.update({k: v for k, v in new.__dict__.items() if k != "lock"})
            if base_url is not None:
                old.extras["base_url"] = base_url  # where this process listens: not the organisation's
            self.requests_received.clear()

    def set_faults(self, spec: str | None) -> None:
        self.config.faults = spec
        self.faults = FaultInjector(parse_faults(spec), self.config.seed)

    def _limiter(self) -> RateLimiter:
        cfg = self.config
        return RateLimiter(
            cfg.rate_limit_per_minute,
            cfg.operation_rate_limits,
            window=cfg.rate_limit_window_seconds,
            partner_per_minute=cfg.partner_rate_limit_per_minute,
            clock=lambda: self.clock(),
        )

    def set_rate_limit(
        self,
        per_minute: int | None,
        *,
        window_seconds: float | None = None,
        partner_per_minute: int | None = -1,
    ) -> None:
        """Change the limits (``partner_per_minute`` -1: keep the partner-wide one; None: off)."""
        self.config.rate_limit_per_minute = per_minute
        if window_seconds is not None:
            self.config.rate_limit_window_seconds = window_seconds
        if partner_per_minute is None or partner_per_minute >= 0:
            self.config.partner_rate_limit_per_minute = partner_per_minute or None
        self.rate_limiter = self._limiter()

    def describe(self) -> dict[str, Any]:
        return {
            "seed": self.config.seed,
            "counts": self.state.counts(),
            "generation_seconds": self.state.extras.get("generation_seconds"),
            "requests": dict(self.requests_received),
        }
