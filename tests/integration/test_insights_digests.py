"""Candidate search reads an in-memory digest kept current from the store: a record changed,
added or deleted after the first question is seen by the next one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ashby_connector.core.insights import Insights, digests
from ashby_connector.core.resources.lazy_children import LazyChildren
from ashby_connector.store import Store
from ashby_connector.store.tenancy import ConnectionRow


def _candidate(
    ident: str, name: str, email: str, tags: list[dict[str, str]] | None = None
) -> dict[str, object]:
    return {
        "id": ident,
        "name": name,
        "updatedAt": "2024-05-01T00:00:00Z",
        "primaryEmailAddress": {"value": email},
        "emailAddresses": [{"value": email}],
        "tags": tags or [],
    }


def _names(insights: Insights, conn: ConnectionRow, **query: str) -> list[str]:
    answer = insights.search_candidates(conn, query.get("text"), query.get("tag"))
    return [c["name"] for c in answer.data["candidates"]]


def test_search_follows_changes_and_deletions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No re-reading margin: each refresh sees only what changed after the newest change it knew.
    monkeypatch.setattr(digests, "OVERLAP", timedelta(0))
    now = datetime.now(UTC)
    conn = ConnectionRow("c1", "t1", "o1", "x", None, None, now, now)
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        insights = Insights(store, LazyChildren(store, lambda _cid: None))
        tag = {"id": "tag-1", "title": "Strong referral"}
        store.upsert_records(
            "c1",
            "candidate",
            [
                _candidate("a", "Ada Lovelace", "ada@example.com", [tag]),
                _candidate("b", "Alan Turing", "al@ex.org"),
            ],
        )
        store.upsert_records("c2", "candidate", [_candidate("z", "Ada Other", "z@example.com")])
        assert _names(insights, conn, text="ADA") == ["Ada Lovelace"]  # another connection's Ada stays out
        assert _names(insights, conn, text="ex.org") == ["Alan Turing"]  # emails are searched too
        assert _names(insights, conn, tag="strong referral") == ["Ada Lovelace"]
        assert _names(insights, conn, tag="tag-1") == ["Ada Lovelace"]

        changed = {**_candidate("b", "Alan M. Turing", "al@ex.org"), "updatedAt": "2024-06-01T00:00:00Z"}
        store.upsert_records("c1", "candidate", [changed, _candidate("c", "Grace Hopper", "grace@ex.org")])
        assert _names(insights, conn, text="ex.org") == ["Alan M. Turing", "Grace Hopper"]
        store.mark_deleted("c1", "candidate", ["a"])
        assert _names(insights, conn, text="ada") == []
        assert insights.search_candidates(conn, None, "tag-1").data["matched"] == 0
