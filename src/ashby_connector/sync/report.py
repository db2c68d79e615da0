"""What a sync tells its caller: progress events while running, a report at the end."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# "unavailable": the Ashby account does not have the feature behind the list (Ashby answers a
# `*_not_enabled` code, e.g. audit logs); the stream has nothing to copy, which is not a failure.
# "interrupted": stopped on request (Ctrl-C) after a stored page; the next run resumes it.
Status = Literal["ok", "failed", "skipped", "unavailable", "interrupted"]
EventKind = Literal["start", "page", "done", "warning", "stage"]


@dataclass
class StreamResult:
    stream: str
    mode: str = "full"  # full, incremental, or "resumed <mode>"
    status: Status = "ok"
    fetched: int = 0
    changed: int = 0
    deleted: int = 0
    pages: int = 0
    requests: int = 0
    duration: float = 0.0
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """Done, or nothing to copy because the account does not have the feature."""
        return self.status in ("ok", "unavailable")


@dataclass
class SyncReport:
    connection_id: str
    streams: list[StreamResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duration: float = 0.0
    setup_requests: int = 0  # apiKey.info before the streams
    # Staged runs: when every top-level list was stored (the copy is usable), from the start.
    usable_after: float | None = None
    usable_requests: int | None = None
    interrupted: bool = False
    child_policies: dict[str, str] = field(default_factory=dict)
    # Permissions the key lacks for lists the run would have read (those lists were skipped).
    missing_permissions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every selected stream finished (a feature the account lacks leaves nothing to copy)."""
        return all(s.finished for s in self.streams)

    @property
    def requests(self) -> int:
        return self.setup_requests + sum(s.requests for s in self.streams)

    @property
    def fetched(self) -> int:
        return sum(s.fetched for s in self.streams)

    @property
    def changed(self) -> int:
        return sum(s.changed for s in self.streams)

    def to_dict(self) -> dict[str, Any]:
        return {
            "connection_id": self.connection_id,
            "ok": self.ok,
            "duration": round(self.duration, 3),
            "requests": self.requests,
            "fetched": self.fetched,
            "changed": self.changed,
            "usable_after": None if self.usable_after is None else round(self.usable_after, 3),
            "usable_requests": self.usable_requests,
            "interrupted": self.interrupted,
            "child_policies": self.child_policies,
            "missing_permissions": self.missing_permissions,
            "warnings": self.warnings,
            "streams": [asdict(s) | {"duration": round(s.duration, 3)} for s in self.streams],
        }


@dataclass(frozen=True)
class ProgressEvent:
    """Sent to ``on_progress`` from the stream's worker thread; keep the handler quick."""

    kind: EventKind
    stream: str
    mode: str = ""
    fetched: int = 0
    changed: int = 0
    pages: int = 0
    elapsed: float = 0.0
    status: Status | None = None
    message: str | None = None
    total: int | None = None  # child streams: parents to fetch in this run
    done: int = 0  # child streams: parents fetched so far
