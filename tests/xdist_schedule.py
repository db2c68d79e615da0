"""How `make test` hands test files to the xdist workers: heaviest first.

``--dist loadfile`` keeps a file on one worker (its module fixtures are built once), but xdist
hands out files with the most tests first, so a file of one long test (the soak, a docs
walkthrough) starts last and the other worker idles while it runs. Here the files go out by
their expected time instead, longest first, so the long ones run beside the many short ones; and
the files named in ``ONE_TEST_AT_A_TIME`` (long tests that share no module fixture) are split, a
test to a unit, so two of them can run at once.

``SECONDS`` holds the files that took 15 s or more in one full run on the shared 2-core machine
(the sum of ``pytest --durations=0``'s setup, call and teardown per file, at a load average of
5-35, so several times a quiet run's); a file not listed counts its tests at ``PER_TEST`` seconds
(the mean of the unlisted ones in that run). The figures only order the work: a stale one makes a
run slower, never wrong.
"""

from __future__ import annotations

from typing import Any

import pytest

PER_TEST = 0.6

SECONDS: dict[str, float] = {
    # 162 s in that run, but fixed by its own schedule (a minute, then 75 s of quiet) whatever the
    # load, so on a quiet machine it is the longest unit of all: it goes first.
    "tests/e2e/test_soak.py": 1000,
    "tests/integration/test_store_schema.py": 374,
    "tests/e2e/test_emulator_contract.py": 280,
    "tests/e2e/test_client_against_emulator.py": 149,
    "tests/e2e/test_unified_fidelity.py": 132,
    "tests/e2e/test_freshness.py": 132,
    "tests/e2e/test_sync_cli.py": 77,  # 108 less the 31 s test_unreachable_base_url no longer waits
    "tests/integration/test_server_fuzz.py": 92,
    "tests/integration/test_server_security.py": 85,
    "tests/e2e/test_sync_worker.py": 78,
    "tests/e2e/test_sync_cost.py": 77,
    "tests/e2e/test_child_policies_server.py": 76,
    "tests/integration/test_store_records.py": 74,
    "tests/e2e/test_cli_waiting.py": 74,
    "tests/e2e/test_server_resources.py": 65,
    "tests/e2e/test_connection_lifecycle.py": 56,
    "tests/e2e/test_openapi_clients.py": 55,
    "tests/e2e/test_use_cases.py": 50,
    "tests/e2e/test_docs_python.py": 39,
    "tests/e2e/test_key_rotation.py": 36,
    "tests/integration/test_console_queries.py": 36,
    "tests/e2e/test_mcp.py": 34,
    "tests/integration/test_server_connect.py": 33,
    "tests/unit/test_client_operations.py": 32,
    "tests/e2e/test_sync_emulator.py": 30,
    "tests/e2e/test_screening_answers.py": 29,
    "tests/e2e/test_cli_output.py": 28,
    "tests/integration/test_server_freshness.py": 24,
    "tests/e2e/test_server_cli.py": 24,
    "tests/e2e/test_startup_imports.py": 23,
    "tests/integration/test_server_error_envelope.py": 23,
    "tests/e2e/test_emulator_api.py": 23,
    "tests/integration/test_store_migrations.py": 20,
    "tests/e2e/test_console_browser.py": 20,
    "tests/e2e/test_server_postgres.py": 20,
    "tests/e2e/test_role_gaps.py": 18,
    "tests/e2e/test_emulator_scim.py": 18,
    "tests/integration/test_webhooks_registration.py": 18,
    "tests/e2e/test_rate_budget.py": 18,
    "tests/e2e/test_emulator_webhooks.py": 18,
    "tests/integration/test_query_inputs.py": 17,
    "tests/e2e/test_json_logs.py": 17,
    "tests/e2e/test_emulator_cli.py": 16,
    "tests/e2e/test_one_owner_of_a_run.py": 15,
    "tests/integration/test_core_freshness.py": 15,
    # split, a test to a unit
    "tests/e2e/test_docs_walkthroughs.py::test_assessment_walkthrough": 46,
    "tests/e2e/test_docs_walkthroughs.py::test_server_walkthrough": 34,
    "tests/e2e/test_docs_walkthroughs.py::test_directory_walkthrough": 25,
}

ONE_TEST_AT_A_TIME = frozenset({"tests/e2e/test_docs_walkthroughs.py"})


def expected_seconds(scope: str, tests: int) -> float:
    path = scope.split("::", 1)[0]
    if path in ONE_TEST_AT_A_TIME:
        return SECONDS.get(scope, SECONDS.get(path, PER_TEST * tests))
    return SECONDS.get(path, PER_TEST * tests)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class HeaviestFirst(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return nodeid if path in ONE_TEST_AT_A_TIME else path

        def _assign_work_unit(self, node: Any) -> None:
            heaviest = max(self.workqueue, key=lambda s: expected_seconds(s, len(self.workqueue[s])))
            self.workqueue.move_to_end(heaviest, last=False)
            super()._assign_work_unit(node)

    return HeaviestFirst(config, log)
