"""What a sync run does (``Mode``, defined in ``sync.modes`` where the engine sees it) and who asked
for it (``Trigger``): each defined once.

Both are string enums, so the history, the API and the metrics keep their plain values
(``"reconcile"``, ``"cli"``) and a value read back from the store converts with ``Mode(value)``.
"""

from __future__ import annotations

from enum import StrEnum

from ashby_connector.sync.modes import Mode

__all__ = ["Mode", "Trigger"]


class Trigger(StrEnum):
    """``manual``: asked through the REST API (``POST /syncs``); ``console``: an operator pressed
    a button of the console (``/console``); ``cli``: a command (``ashby-connector sync``, ``demo``);
    ``schedule``: the scheduler or the fast lane; ``webhook``: lists a webhook's payload could not
    bring up to date."""

    MANUAL = "manual"
    CONSOLE = "console"
    CLI = "cli"
    SCHEDULE = "schedule"
    WEBHOOK = "webhook"
