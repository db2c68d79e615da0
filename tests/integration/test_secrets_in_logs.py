"""No key, token, connect link, signing secret or master key in any log line, repr or answer.

Each test captures every log record (all loggers, DEBUG and up) around failures, then searches the
records, their tracebacks and the answers for the secrets' values.
"""

from __future__ import annotations

import io
import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from ashby_connector.core.settings import Settings
from ashby_connector.server.logging_config import DropTraceback, RedactAccessPath, redact_path
from tests.integration.server_fakes import GOOD_KEY, harness


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.text = io.StringIO()
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("httpx") and "http://testserver/" in record.getMessage():
            return  # the test's own client (the customer's browser), not the server
        self.text.write(self.format(record) + "\n")  # format() appends any traceback


@contextmanager
def captured() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # A command run earlier in this process may have sent the project's logs to their own handler
    # (``core.runtime.logs.configure`` stops them propagating): listen there too.
    project = logging.getLogger("ashby_connector")
    detached = not project.propagate
    if detached:
        project.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        if detached:
            project.removeHandler(handler)


def assert_absent(secrets: dict[str, str], *texts: str) -> None:
    for name, value in secrets.items():
        for text in texts:
            assert value not in text, f"the {name} leaked"


def test_settings_and_context_reprs_hide_the_master_key_and_database_password(tmp_path: Path) -> None:
    master = Fernet.generate_key().decode()
    settings = Settings(master_key=master, db_url="postgresql+psycopg://app:hunter2@db/ashby")
    assert master not in repr(settings) and "hunter2" not in repr(settings)
    assert "app:***@db" in repr(settings)
    with harness(tmp_path) as h:
        assert h.core.settings.master_key and h.core.settings.master_key not in repr(h.core)
        assert h.core.settings.master_key not in str(h.core.__dict__.get("settings"))


def test_failures_around_every_secret_log_none_of_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with harness(tmp_path) as h, captured() as log:
        tenant = h.tenant()
        platform_key = tenant["Authorization"].removeprefix("Bearer ")
        conn = h.connection(tenant)
        link = h.http.post("/connect-links", json={"ownerId": "c"}, headers=tenant).json()["url"]
        token = link.rsplit("/", 1)[1]
        sub = h.http.post("/subscriptions", json={"url": "http://127.0.0.1:1/x"}, headers=conn).json()
        secrets = {
            "platform key": platform_key,
            "Ashby key": GOOD_KEY,
            "connect token": token,
            "signing secret": sub["secret"],
            "master key": h.core.settings.master_key or "",
        }
        answers = [
            # The probes of the issue: a form with many fields, a wrong key, an overflowing cursor.
            h.http.post(
                link,
                content="&".join(f"f{i}=x" for i in range(50)),
                headers={"content-type": "application/x-www-form-urlencoded"},
            ),
            h.http.post(link, data={"apiKey": "wrong-" + GOOD_KEY}),
            h.http.get(f"/subscriptions/{sub['id']}/deliveries?before=99999999999999999999999", headers=conn),
            h.http.get("/resources/atsCandidate?createdAfter=0001-01-01T00:00:00Z", headers=conn),
        ]
        assert [a.status_code for a in answers] == [400, 422, 422, 422]

        # An unexpected failure whose message carries every secret: the log keeps type and route.
        def explode(*_: object, **__: object) -> None:
            raise RuntimeError(" ".join(secrets.values()))

        monkeypatch.setattr(h.core.tenancy, "create_connection", explode)
        crashed = h.http.post(link, data={"apiKey": GOOD_KEY})
        assert crashed.status_code == 500 and crashed.json()["error"]["code"] == "internal_error"
        answers.append(crashed)
    logged = log.text.getvalue()
    assert "unhandled RuntimeError on POST /connect/{token}" in logged
    assert "Traceback" not in logged
    assert_absent(secrets, logged, *(a.text for a in answers))


def test_uvicorn_logging_drops_tracebacks_and_connect_tokens() -> None:
    access = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", "/connect/SeCrEtToKeN?x=1", "1.1", 200),
        None,
    )
    RedactAccessPath().filter(access)
    assert "SeCrEtToKeN" not in access.getMessage() and "/connect/…" in access.getMessage()
    assert redact_path("/resources/atsJob?cursor=abc") == "/resources/atsJob"
    try:
        raise ValueError("token=SeCrEtToKeN")
    except ValueError:
        failure = logging.LogRecord(
            "uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI application", (), sys.exc_info()
        )
    DropTraceback().filter(failure)
    text = logging.Formatter().format(failure)
    assert text == "Exception in ASGI application (ValueError)"
    assert "SeCrEtToKeN" not in text and "Traceback" not in text
    assert traceback  # imported for readers: the formatter would have printed one without the filter
