"""Which streams the key may read, asked once before syncing (``apiKey.info``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ashby_connector import catalog
from ashby_connector.errors import PermissionDeniedError
from ashby_connector.sync.streams import Stream


class _Caller(Protocol):
    def call(self, operation: str, body: dict[str, Any] | None = None) -> Any: ...


@dataclass(frozen=True)
class Access:
    allowed: list[Stream]
    denied: dict[str, list[str]]  # missing permission -> stream names
    known: bool  # False when the key does not tell its scopes (older keys, no apiKeysRead)

    def warning(self) -> str | None:
        if not self.denied:
            return None
        missing = ", ".join(sorted(self.denied))
        names = sorted(n for streams in self.denied.values() for n in streams)
        return f"the API key lacks {missing}: skipping {len(names)} stream(s): {', '.join(names)}"


def key_scopes(client: _Caller) -> set[str] | None:
    """The key's permissions, or None when Ashby does not say (then every stream is tried).

    Authentication and connection errors propagate: nothing else can work either.
    """
    try:
        info = client.call("apiKey.info", {})
    except PermissionDeniedError:
        return None
    scopes = info.get("scopes") if isinstance(info, dict) else None
    if not isinstance(scopes, list):
        return None
    found = {str(s) for s in scopes}
    # Scopes that name no permission we know say nothing we can use: try every stream instead.
    if not found & set(catalog.permissions()):
        return None
    return found


def check_access(streams: list[Stream], scopes: set[str] | None) -> Access:
    if scopes is None:
        return Access(list(streams), {}, known=False)
    allowed: list[Stream] = []
    denied: dict[str, list[str]] = {}
    for stream in streams:
        if stream.permission is None or stream.permission in scopes:
            allowed.append(stream)
        else:
            denied.setdefault(stream.permission, []).append(stream.name)
    return Access(allowed, denied, known=True)
