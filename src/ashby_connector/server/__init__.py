"""The REST server (FastAPI): connections, unified resources, proxy, syncs. See docs/server.md.

FastAPI is imported lazily: ``import ashby_connector.server`` works without the ``server`` extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ashby_connector.server.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from ashby_connector.server.app import create_app

        return create_app
    raise AttributeError(name)
