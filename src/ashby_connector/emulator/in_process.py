"""Run the emulator in-process: uvicorn in a background thread on 127.0.0.1 and a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

import httpx
import uvicorn

from ashby_connector.emulator.app import EmulatorApp, create_app
from ashby_connector.emulator.config import EmulatorConfig
from ashby_connector.emulator.organisation import Emulator
from ashby_connector.emulator.records.state import State


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class Control:
    """Helpers for the ``/_emulator/`` control API (admin key sent for you)."""

    def __init__(self, base_url: str, admin_key: str) -> None:
        self._http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {admin_key}"}, timeout=120.0
        )

    def call(self, action: str, **args: Any) -> dict[str, Any]:
        resp = self._http.post(f"/_emulator/{action}", json=args)
        data: dict[str, Any] = resp.json()
        if not data.get("ok"):
            raise RuntimeError(f"emulator control {action} failed: {data.get('error')}")
        return data

    def reset(self, *, seed: int | None = None, candidates: int | None = None) -> dict[str, Any]:
        return self.call("reset", seed=seed, candidates=candidates)

    def seed(self, seed: int, candidates: int | None = None) -> dict[str, Any]:
        return self.call("seed", seed=seed, candidates=candidates)

    def stats(self) -> dict[str, Any]:
        return self.call("stats")

    def ids(self, kind: str, limit: int = 100, offset: int = 0) -> list[str]:
        return list(self.call("ids", kind=kind, limit=limit, offset=offset)["ids"])

    def get(self, kind: str, ident: str) -> dict[str, Any] | None:
        rec = self.call("get", kind=kind, id=ident)["record"]
        return rec if isinstance(rec, dict) else None

    def put(self, kind: str, record: dict[str, Any], **kw: Any) -> dict[str, Any]:
        return dict(self.call("put", kind=kind, record=record, **kw)["record"])

    def mutate(
        self, kind: str, *, ids: list[str] | None = None, count: int = 1, set: dict[str, Any] | None = None
    ) -> list[str]:
        return list(self.call("mutate", kind=kind, ids=ids, count=count, set=set)["changed"])

    def expire_tokens(self, kinds: list[str] | None = None) -> list[str] | None:
        """Expire every syncToken and cursor, or only those of the streams in ``kinds`` (record
        kinds such as ``"candidate"`` or list operations such as ``"candidate.listNotes"``).
        Returns the list operations affected (None for all)."""
        if kinds is None:
            self.call("expire_tokens")
            return None
        return list(self.call("expire_tokens", kinds=list(kinds))["operations"])

    def set_faults(self, spec: str | None) -> None:
        self.call("faults", spec=spec)

    def configure(self, **settings: Any) -> dict[str, Any]:
        return self.call("config", **settings)

    def add_key(
        self,
        *,
        permissions: list[str] | None = None,
        allow_confidential: bool = True,
        allow_private_fields: bool = True,
        title: str = "Restricted key",
        key: str | None = None,
        enabled: bool = True,
    ) -> str:
        """Create an API key and return it; ``permissions=None`` grants every permission."""
        data = self.call(
            "keys",
            key=key,
            title=title,
            permissions=permissions,
            allow_confidential=allow_confidential,
            allow_private_fields=allow_private_fields,
            enabled=enabled,
        )
        return str(data["key"])

    def close(self) -> None:
        self._http.close()


@dataclass
class EmulatorHandle:
    base_url: str
    api_key: str
    admin_key: str
    emulator: Emulator
    control: Control
    app: EmulatorApp

    @property
    def state(self) -> State:
        return self.emulator.state

    @property
    def scim_url(self) -> str:
        """The SCIM 2.0 base URL (send ``Authorization: Bearer <scim_token>``)."""
        return f"{self.base_url}/scim/v2"

    @property
    def scim_token(self) -> str:
        return self.emulator.scim_token


def config_from(**kw: Any) -> EmulatorConfig:
    names = {f.name for f in fields(EmulatorConfig)}
    unknown = set(kw) - names
    if unknown:
        raise TypeError(f"unknown emulator settings: {', '.join(sorted(unknown))}")
    return EmulatorConfig(**kw)


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the host process keeps its own handlers
        pass


@contextmanager
def serve(app: EmulatorApp, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Serve ``app`` in a background thread; yields the base URL; stops cleanly on exit."""
    port = port or free_port(host)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=1,
        access_log=False,
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, name=f"ashby-emulator-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"emulator failed to start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def run_emulator(**settings: Any) -> Iterator[EmulatorHandle]:
    """Start an emulated Ashby on 127.0.0.1 and a free port (settings: ``EmulatorConfig`` fields).

    >>> with run_emulator(seed=1, candidates=50) as emu:   # doctest: +SKIP
    ...     httpx.post(f"{emu.base_url}/candidate.list", auth=(emu.api_key, ""), json={})
    """
    host = settings.pop("host", "127.0.0.1")
    port = settings.pop("port", None)
    emulator = Emulator(config_from(**settings))
    app = create_app(emulator=emulator)
    with serve(app, host, port) as base_url:
        emulator.state.extras["base_url"] = base_url  # file download URLs, webhook pings
        control = Control(base_url, emulator.admin_key)
        try:
            yield EmulatorHandle(base_url, emulator.api_key, emulator.admin_key, emulator, control, app)
        finally:
            control.close()
            from ashby_connector.emulator.delivery.services import close_extras

            close_extras(emulator.state)  # stop the webhook delivery thread
