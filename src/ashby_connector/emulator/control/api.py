"""The control API under ``/_emulator/`` (not part of Ashby): tests and demos drive state with it.

Every action is ``POST /_emulator/<action>`` with ``Authorization: Bearer <admin key>`` and a JSON
body; answers are ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``.
"""

from __future__ import annotations

from typing import Any

import orjson

from ashby_connector.emulator.control.actions import ACTIONS
from ashby_connector.emulator.organisation import Emulator


def handle_control(
    emu: Emulator, name: str, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, Any]]:
    if name == "health":
        return 200, {"ok": True}
    auth = headers.get("authorization", "")
    if auth != f"Bearer {emu.admin_key}":
        return 401, {"ok": False, "error": "admin key required (Authorization: Bearer <admin key>)"}
    fn = ACTIONS.get(name)
    if fn is None:
        return 404, {"ok": False, "error": f"unknown action {name!r}; known: {', '.join(sorted(ACTIONS))}"}
    try:
        args = orjson.loads(body) if body.strip() else {}
    except orjson.JSONDecodeError:
        return 400, {"ok": False, "error": "body must be JSON"}
    if not isinstance(args, dict):
        return 400, {"ok": False, "error": "body must be a JSON object"}
    try:
        with emu.state.lock:
            return 200, {"ok": True, **fn(emu, args)}
    except (KeyError, ValueError, TypeError) as exc:
        return 400, {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
