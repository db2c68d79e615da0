"""Every refusal of a use case derives from one base carrying status, code and field, and the
server's one envelope handler renders them all: no route translates an error type of its own."""

from __future__ import annotations

import re
from pathlib import Path

from ashby_connector.core.connections.requested_operations import OperationNotRequested
from ashby_connector.core.errors import CoreError
from ashby_connector.core.freshness.schedules import ScheduleError
from ashby_connector.core.resources.query_params import QueryParamError
from ashby_connector.refusals import Refusal, SettingRefused

SERVER = Path(__file__).resolve().parents[2] / "src" / "ashby_connector" / "server"
REFUSALS = (
    "CoreError",
    "ScheduleError",
    "QueryParamError",
    "OperationNotRequested",
    "SettingRefused",
    "Refusal",
)


def test_each_refusal_carries_its_status_code_and_field() -> None:
    cases = [
        (CoreError(409, "sync_running", "busy", "X-Connection-Id"), 409, "sync_running", "X-Connection-Id"),
        (
            ScheduleError("incrementalEveryMinutes", "too often"),
            422,
            "invalid_schedule",
            "incrementalEveryMinutes",
        ),
        (QueryParamError("filter", "no such filter", "unknown_filter"), 400, "unknown_filter", "filter"),
        (QueryParamError("limit", "too big"), 422, "invalid_request", "limit"),
        (OperationNotRequested("atsJob::create", ["atsJob::create"]), 403, "operation_not_requested", None),
        (
            SettingRefused("url: private", "url", code="invalid_subscription", rule="private"),
            422,
            "outbound_url_refused",
            "url",
        ),
        (
            SettingRefused("unknown models: x", "models", code="invalid_subscription"),
            422,
            "invalid_subscription",
            "models",
        ),
    ]
    for error, status, code, field in cases:
        assert isinstance(error, Refusal)
        assert (error.status, error.code, error.field) == (status, code, field)
        assert error.body()["error"]["code"] == code


def routes_translating_refusals(server: Path) -> list[str]:
    catching = re.compile(r"except\s*\(?[^:]*\b(" + "|".join(REFUSALS) + r")\b[^:]*:")
    found = []
    for path in sorted(server.rglob("*.py")):
        if path.name == "errors.py":  # the one envelope handler
            continue
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            # Caught only to be dressed as the envelope's error: the handler does that for all.
            if catching.search(line) and "raise CoreError(" in "".join(lines[number : number + 3]):
                found.append(f"{path.name}:{number}")
    return found


def test_no_route_translates_a_refusal_itself(tmp_path: Path) -> None:
    assert routes_translating_refusals(SERVER) == []
    (tmp_path / "routes_x.py").write_text(
        "try:\n    put()\nexcept ScheduleError as exc:\n    raise CoreError(422, 'x', str(exc)) from None\n"
    )
    assert routes_translating_refusals(tmp_path) == ["routes_x.py:3"]
