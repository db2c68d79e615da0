"""Every action of the control API (``POST /_emulator/<action>``), by name: one explicit table.

The actions live in ``state_actions`` (the organisation's records, tokens, faults, limits, keys),
``service_actions`` (webhooks, merges, files, reports, assessments) and ``ui_events`` (what only
Ashby's web app does). Adding one means writing the function there and a line here; a module that
fails to import fails this one, and so the emulator, at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ashby_connector.emulator.control import service_actions, state_actions, ui_events
from ashby_connector.emulator.organisation import Emulator

Action = Callable[[Emulator, dict[str, Any]], dict[str, Any]]

ACTIONS: Mapping[str, Action] = {
    "reset": state_actions.reset,
    "seed": state_actions.reset,  # the older name of reset
    "stats": state_actions.stats,
    "ids": state_actions.ids,
    "get": state_actions.get,
    "put": state_actions.put,
    "delete": state_actions.delete,
    "mutate": state_actions.mutate,
    "expire_tokens": state_actions.expire,
    "faults": state_actions.faults,
    "config": state_actions.config,
    "keys": state_actions.keys,
    "webhooks/deliveries": service_actions.deliveries,
    "webhooks/wait": service_actions.wait,
    "webhooks/settings": service_actions.settings,
    "webhooks/emit": service_actions.emit,
    "candidates/merge": service_actions.merge,
    "files/expire_uploads": service_actions.expire_uploads,
    "reports/list": service_actions.reports,
    "reports/fail_next": service_actions.fail_next,
    "assessments/partner": service_actions.partner,
    "assessments/start": service_actions.start,
    "assessments/cancel": service_actions.cancel,
    "assessments/log": service_actions.log,
    "candidates/delete": ui_events.delete_candidate,
    "jobPostings/publish": ui_events.publish,
    "jobPostings/unpublish": ui_events.unpublish,
    "jobPostings/delete": ui_events.delete_posting,
    "jobs/transition_plan": ui_events.transition,
}
