"""A tenant's console with many connections and a long run history, written straight into a
store (no Ashby needed): what the console's query-count test and ``benchmarks/console.py`` read.

Each connection gets a few stored jobs, a finished ``job`` stream, and its share of the runs (the
newest of the first one failed); every fifth has a failed event delivery to a subscriber.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet

from ashby_connector.core.app import Core
from ashby_connector.core.settings import Settings
from ashby_connector.store import sync_run
from ashby_connector.store.schema_webhooks import webhook_delivery, webhook_outbox
from ashby_connector.webhooks.service import WebhookOptions
from tests.outbound import PUBLIC_DNS

_ids = itertools.count(1)


@dataclass
class Seeded:
    core: Core
    tenant_id: str
    platform_key: str
    connection_ids: list[str]
    subscription_id: str


def open_core(db_url: str) -> Core:
    """A core over ``db_url`` that starts nothing by itself (no scheduler, no background loops)."""
    settings = Settings(db_url=db_url, master_key=Fernet.generate_key().decode(), scheduler="off")
    # The subscriber's name resolves to a public address without asking DNS.
    return Core.open(settings, webhook_options=WebhookOptions(outbound=PUBLIC_DNS))


def seed(core: Core, *, connections: int, runs: int, jobs: int = 3) -> Seeded:
    tenant_id, key = core.tenancy.create_platform_key("operations")
    sub, _secret = core.webhooks.subscriptions.create(
        tenant_id, url="https://hooks.example.com/ashby", models=[], events=["sync.finished"]
    )
    ids = []
    now = datetime.now(UTC)
    for n in range(connections):
        row = core.tenancy.create_connection(
            tenant_id, f"owner-{n:04d}", core.box.encrypt("unused"), f"key {n}", ["jobsRead"]
        )
        ids.append(row.id)
        records = [
            {"id": f"job-{n}-{j}", "title": f"Job {j}", "updatedAt": now.isoformat()} for j in range(jobs)
        ]
        core.store.upsert_records(row.id, "job", records)
        core.store.finish_stream(row.id, "job", "token")
    history: list[dict[str, Any]] = []
    for i in range(runs):
        connection_id = ids[i % len(ids)]
        created = now - timedelta(minutes=runs - i)
        failed = i == runs - 1 or (i % len(ids) == 0 and i >= runs - len(ids))
        history.append(
            {
                "id": f"sync_{next(_ids):024d}",
                "connection_id": connection_id,
                "trigger": "schedule",
                "mode": "incremental",
                "status": "failed" if failed else "succeeded",
                "streams": None,
                "created_at": created,
                "started_at": created,
                "finished_at": created + timedelta(seconds=2),
                "requests": 3,
                "fetched": 10,
                "changed": 1,
                "errors": 1 if failed else 0,
                "error": "ServerError: Ashby answered 503" if failed else None,
                "report": {"ok": not failed, "streams": []},
                "holder": "seed",
            }
        )
    outbox: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    for n, connection_id in enumerate(ids):
        if n % 5:
            continue
        event_id = f"evt_{n:06d}"
        outbox.append(
            {
                "subscription_id": sub.id,
                "connection_id": connection_id,
                "event_id": event_id,
                "event_type": "sync.finished",
                "record_key": connection_id,
                "payload": "{}",
                "created_at": now.timestamp(),
                "status": "failed",
                "attempts": 2,
                "next_attempt_at": now.timestamp(),
                "last_error": "HTTP 500",
            }
        )
        for attempt in (1, 2):
            attempts.append(
                {
                    "subscription_id": sub.id,
                    "connection_id": connection_id,
                    "event_id": event_id,
                    "event_type": "sync.finished",
                    "attempt": attempt,
                    "attempted_at": now.timestamp(),
                    "status_code": 500,
                    "success": False,
                    "duration_ms": 3.0,
                    "error": "HTTP 500",
                }
            )
    with core.store.transaction() as conn:
        if history:
            conn.execute(sa.insert(sync_run), history)
        if outbox:
            conn.execute(sa.insert(webhook_outbox), outbox)
            conn.execute(sa.insert(webhook_delivery), attempts)
    return Seeded(core, tenant_id, key, ids, sub.id)
