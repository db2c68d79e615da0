"""``Insights``: the questions, each a method taking the connection and checked input."""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from ashby_connector.core.connections.requested_operations import RequestedOperations
from ashby_connector.core.errors import CoreError
from ashby_connector.core.insights.answers import (
    Answer,
    Freshness,
    days_between,
    iso,
    median_days,
    parse_time,
    person,
    ref,
)
from ashby_connector.core.insights.digests import Digest
from ashby_connector.core.insights.entries import (
    ApplicationEntry,
    CandidateEntry,
    EventEntry,
    StageMoveEntry,
    active,
    active_job,
    active_recruiter,
    application_entry,
    by_start,
    candidate_entry,
    emails,
    event_entry,
    job_entry,
    job_of,
    moved_application,
    offer_entry,
    opening_entry,
    schedule_entry,
    search_text,
    stage_move_entry,
    tag_keys,
)
from ashby_connector.core.resources.lazy_children import LazyChildren
from ashby_connector.store import Store, insights
from ashby_connector.store.tenancy import ConnectionRow
from ashby_connector.times import ashby_time

# Statuses of an offer that wait on someone: approvers, or the candidate.
WAITING_ON_APPROVAL = ("WaitingOnApprovalStart", "WaitingOnOfferApproval", "WaitingOnApprovalDefinition")
WAITING_ON_CANDIDATE = ("WaitingOnCandidateResponse",)
MAX_LIMIT = 200
LAZY_HISTORY_LIMIT = 100
_NOTE_CHARS = 500


def _text(value: Any, field: str, *, max_length: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CoreError(422, "invalid_field", f"{field} must be a non-empty string", field)
    if len(value) > max_length:
        raise CoreError(422, "invalid_field", f"{field} is longer than {max_length} characters", field)
    return value.strip()


def _optional_text(value: Any, field: str) -> str | None:
    return None if value is None else _text(value, field)


def _number(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CoreError(422, "invalid_field", f"{field} must be a whole number from {low} to {high}", field)
    return value


class Insights:
    """``clock()`` gives the current time in seconds (tests and benchmarks pin it)."""

    def __init__(self, store: Store, lazy: LazyChildren, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.lazy = lazy
        self.clock = clock
        # At most this many applications' lazy stage history fetched by one answer (one request
        # each, on the key's shared budget); the rest are counted in the answer and fetched by the
        # next ones.
        self.lazy_history_limit = LAZY_HISTORY_LIMIT
        # The large lists questions scan, as in-memory digests kept current from the store.
        self.candidates = Digest(store, "candidate", candidate_entry)
        self.applications = Digest(store, "application", application_entry)
        self.offers = Digest(store, "offer", offer_entry)
        self.jobs = Digest(store, "job", job_entry)
        self.openings = Digest(store, "opening", opening_entry)
        self.schedules = Digest(store, "interviewSchedule", schedule_entry)
        self.events = Digest(store, "interviewEvent", event_entry)
        # Stage history: each entry's application and when it entered the stage (73,263 entries,
        # about 30 MB, at 20,000 candidates), for the last move of every application.
        self.stage_moves = Digest(store, "applicationHistory", stage_move_entry, parent_as="applicationId")
        # Per connection: the snapshots of applications and moves it was made from, every active
        # application by its last move, and how many have history (_active_by_last_move).
        self._by_last_move: dict[str, tuple[object, object, list[tuple[datetime, str]], int]] = {}

    # -- helpers ---------------------------------------------------------------------------------
    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _freshness(self, conn: ConnectionRow, streams: Iterable[str]) -> Freshness:
        return Freshness(insights.last_successes(self.store.engine, conn.id, sorted(set(streams))))

    @staticmethod
    def _require(conn: ConnectionRow, *operations: str) -> RequestedOperations:
        requested = RequestedOperations.of(conn.operations)
        for operation in operations:
            model, _, action = operation.partition("::")
            requested.require(model, action)
        return requested

    def _get(self, conn: ConnectionRow, kind: str, ident: str, field: str, noun: str) -> dict[str, Any]:
        found = self.store.get(conn.id, kind, ident) if len(ident) <= 255 else None
        if found is None:
            raise CoreError(404, "record_not_found", f"no {noun} with this id in the local copy", field)
        return found

    def _ensure_history(
        self, conn: ConnectionRow, app_ids: list[str], limit: int | None = None
    ) -> tuple[list[str], int]:
        """When the connection's stage history is ``lazy``: these applications' history, fetched
        from Ashby where missing or older than the application, through the REST API's lazy path
        (the connection's key and shared budget), at most ``limit`` of them (in the order given).
        Names each fetch made, and counts those left for a later answer; none for other policies
        (their history is the syncs' to keep)."""
        due = self.lazy.due(conn.id, "applicationHistory", app_ids)
        now, later = (due, []) if limit is None else (due[:limit], due[limit:])
        fetched = [
            f"applicationHistory of application {app_id}"
            for app_id in now
            if self.lazy.ensure(conn.id, "applicationHistory", app_id)
        ]
        return fetched, len(later)

    def _names(self, conn: ConnectionRow, kind: str, ids: Iterable[str | None], key: str) -> dict[str, str]:
        wanted = [i for i in ids if i]
        found = insights.records_by_id(self.store.engine, conn.id, kind, wanted)
        return {i: str(r.get(key) or "") for i, r in found.items()}

    # -- search ----------------------------------------------------------------------------------
    def search_candidates(
        self, conn: ConnectionRow, text: str | None = None, tag: str | None = None, limit: int = 20
    ) -> Answer:
        """Candidates whose name or an email address contains ``text`` (any case), and/or who carry
        ``tag`` (a tag's id or its exact title, any case)."""
        text, tag = _optional_text(text, "query"), _optional_text(tag, "tag")
        limit = _number(limit, "limit", 1, MAX_LIMIT)
        if text is None and tag is None:
            raise CoreError(422, "invalid_field", "give a name or email to search for, or a tag", "query")
        self._require(conn, "atsCandidate::list")
        entries = self.candidates.entries(conn.id)
        matches: set[str] | None = None
        if text is not None:
            haystack, offsets, ids = self.candidates.derived(conn.id, search_text, _haystack)
            matches = _find_all(haystack, offsets, ids, text.casefold())
        if tag is not None:
            tagged = set(self.candidates.derived(conn.id, tag_keys, _tag_index).get(tag.casefold(), ()))
            tagged |= set(self.candidates.derived(conn.id, tag_keys, _tag_index).get(tag, ()))
            matches = tagged if matches is None else matches & tagged
        found = [(entries[i].name.casefold(), i) for i in matches or () if i in entries]
        found.sort()
        page = [ident for _, ident in found[:limit]]
        raws = insights.records_by_id(self.store.engine, conn.id, "candidate", page)
        data = {
            "candidates": [_candidate_summary(raws[i]) for i in page if i in raws],
            "matched": len(found),
            "more": len(found) > limit,
        }
        return Answer(data, self._freshness(conn, ["candidate"]))

    # -- timeline --------------------------------------------------------------------------------
    def candidate_timeline(self, conn: ConnectionRow, candidate_id: str) -> Answer:
        """Everything that happened to one candidate, oldest first: applications, stage moves,
        interviews, feedback, notes and offers."""
        candidate_id = _text(candidate_id, "candidateId", max_length=255)
        requested = self._require(conn, "atsCandidate::retrieve", "atsApplication::list")
        candidate = self._get(conn, "candidate", candidate_id, "candidateId", "candidate")
        engine = self.store.engine
        streams = ["candidate", "application", "applicationHistory", "job"]
        lazy: list[str] = []
        omitted: list[dict[str, str]] = []
        apps = insights.records_at(engine, conn.id, "application", "candidate.id", [candidate_id])
        app_ids = [str(a["id"]) for a in apps]
        lazy += self._ensure_history(conn, app_ids)[0]
        history = insights.children_of(engine, conn.id, "applicationHistory", app_ids)
        jobs = self._names(conn, "job", (ref(a.get("job")) for a in apps), "title")
        events: list[dict[str, Any]] = []
        applications = []
        for app in apps:
            app_id = str(app["id"])
            job_title = jobs.get(ref(app.get("job")) or "", None) or _title(app.get("job"))
            stage = app.get("currentInterviewStage") or {}
            applications.append(
                {
                    "id": app_id,
                    "job": job_title,
                    "jobId": ref(app.get("job")),
                    "status": app.get("status"),
                    "currentStage": stage.get("title") if isinstance(stage, dict) else None,
                    "historyStored": app_id in history,
                }
            )
            events.append(_event(app.get("createdAt"), "applied", f"applied to {job_title}", app_id))
            for entry in history.get(app_id, []):
                events.append(
                    _event(
                        entry.get("enteredStageAt"),
                        "stageMove",
                        f"entered stage {entry.get('title')}",
                        app_id,
                    )
                    | {"stageId": entry.get("stageId"), "leftStageAt": entry.get("leftStageAt")}
                )
            if app.get("archivedAt") or app.get("status") == "Archived":
                reason = _title(app.get("archiveReason"))
                when = app.get("archivedAt") or app.get("updatedAt")
                events.append(
                    _event(when, "archived", "archived" + (f": {reason}" if reason else ""), app_id)
                )
        if requested.allows("atsInterview", "list"):
            streams += ["interviewSchedule", "interviewEvent"]
            schedules = insights.records_at(engine, conn.id, "interviewSchedule", "applicationId", app_ids)
            by_schedule = {str(s["id"]): s for s in schedules}
            stored_events = insights.children_of(engine, conn.id, "interviewEvent", list(by_schedule))
            for schedule_id, items in stored_events.items():
                schedule = by_schedule[schedule_id]
                for item in items:
                    names = [n for n in map(person, item.get("interviewers") or []) if n]
                    events.append(
                        _event(item.get("startTime"), "interview", "interview", schedule.get("applicationId"))
                        | {
                            "interviewers": names,
                            "status": schedule.get("status"),
                            "endTime": item.get("endTime"),
                        }
                    )
        else:
            omitted.append(_omitted("interviews", "atsInterview::list"))
        if requested.allows("atsScorecard", "list"):
            streams.append("applicationFeedback")
            for item in insights.records_at(engine, conn.id, "applicationFeedback", "applicationId", app_ids):
                by = person(item.get("submittedByUser"))
                events.append(
                    _event(
                        item.get("submittedAt"),
                        "feedback",
                        f"feedback submitted by {by}",
                        item.get("applicationId"),
                    )
                )
        else:
            omitted.append(_omitted("feedback", "atsScorecard::list"))
        if requested.allows("atsNote", "list"):
            streams.append("candidateNote")
            if self.lazy.ensure(conn.id, "candidateNote", candidate_id):
                lazy.append(f"candidateNote of candidate {candidate_id}")
            for note in insights.children_of(engine, conn.id, "candidateNote", [candidate_id]).get(
                candidate_id, []
            ):
                content = str(note.get("content") or "")
                events.append(
                    _event(note.get("createdAt"), "note", f"note by {person(note.get('author'))}", None)
                    | {"content": content[:_NOTE_CHARS], "isPrivate": bool(note.get("isPrivate"))}
                )
        else:
            omitted.append(_omitted("notes", "atsNote::list"))
        if requested.allows("atsOffer", "list"):
            streams.append("offer")
            for offer in insights.records_at(engine, conn.id, "offer", "applicationId", app_ids):
                version = offer.get("latestVersion") or {}
                events.append(
                    _event(
                        version.get("createdAt"),
                        "offer",
                        f"offer {offer.get('offerStatus')}",
                        offer.get("applicationId"),
                    )
                    | {"offerId": offer.get("id"), "acceptanceStatus": offer.get("acceptanceStatus")}
                )
        else:
            omitted.append(_omitted("offers", "atsOffer::list"))
        events.sort(key=lambda e: (e["at"] or "", e["type"]))
        data = {
            "candidate": _candidate_summary(candidate),
            "applications": applications,
            "events": events,
        }
        return Answer(data, self._freshness(conn, streams), lazy, omitted)

    # -- pipeline --------------------------------------------------------------------------------
    def job_pipeline(self, conn: ConnectionRow, job_id: str) -> Answer:
        """A job's applications per stage (active ones), median days spent in each stage and the
        share of applications that went on from each stage to a later one (from stage history)."""
        job_id = _text(job_id, "jobId", max_length=255)
        self._require(conn, "atsJob::retrieve", "atsApplication::list")
        job = self._get(conn, "job", job_id, "jobId", "job")
        engine = self.store.engine
        apps = self.applications.grouped(conn.id, job_of).get(job_id, [])
        app_ids = [ident for ident, _ in apps]
        lazy, not_fetched = self._ensure_history(conn, app_ids, self.lazy_history_limit)
        history = insights.children_of(engine, conn.id, "applicationHistory", app_ids)
        plan_ids = [
            p
            for p in job.get("interviewPlanIds") or [job.get("defaultInterviewPlanId")]
            if isinstance(p, str)
        ]
        plan_stages = [
            s
            for items in insights.children_of(engine, conn.id, "interviewStage", plan_ids).values()
            for s in items
        ]
        order: dict[str, tuple[float, str]] = {}
        for stage in plan_stages:
            order[str(stage["id"])] = (float(stage.get("orderInInterviewPlan") or 0), str(stage.get("title")))
        current: Counter[str] = Counter()
        statuses: Counter[str] = Counter()
        for _, app in apps:
            statuses[str(app.status)] += 1
            if app.stage_id and app.status == "Active":
                current[app.stage_id] += 1
                order.setdefault(app.stage_id, (app.stage_order, str(app.stage_title)))
        now = self._now()
        durations: dict[str, list[float]] = {}
        entered: dict[str, set[str]] = {}
        for app_id, entries in history.items():
            for entry in entries:
                stage_id = str(entry.get("stageId"))
                if stage_id not in order:
                    order[stage_id] = (float(entry.get("stageNumber") or 0), str(entry.get("title")))
                entered.setdefault(stage_id, set()).add(app_id)
                start, end = parse_time(entry.get("enteredStageAt")), parse_time(entry.get("leftStageAt"))
                if start is not None and end is not None:
                    durations.setdefault(stage_id, []).append(days_between(start, end))
        ranked = sorted(order, key=lambda s: (order[s][0], order[s][1]))
        rank = {s: i for i, s in enumerate(ranked)}
        reached_later: dict[str, int] = {}
        for stage_id, apps_in in entered.items():
            later = 0
            for app_id in apps_in:
                if any(rank[str(e.get("stageId"))] > rank[stage_id] for e in history[app_id]):
                    later += 1
            reached_later[stage_id] = later
        stages = []
        for stage_id in ranked:
            went = entered.get(stage_id, set())
            stages.append(
                {
                    "stageId": stage_id,
                    "title": order[stage_id][1],
                    "activeApplications": current.get(stage_id, 0),
                    "medianDaysInStage": median_days(durations.get(stage_id, [])),
                    "enteredFromHistory": len(went),
                    "conversionToLaterStage": round(reached_later[stage_id] / len(went), 3) if went else None,
                }
            )
        data = {
            "job": {"id": job_id, "title": job.get("title"), "status": job.get("status")},
            "applications": len(apps),
            "byStatus": dict(sorted(statuses.items())),
            "stages": stages,
            "historyCoverage": {
                "applicationsWithHistory": len(history),
                "applications": len(apps),
                "policy": self.lazy.policy(conn.id, "applicationHistory"),
                "lazyNotFetched": not_fetched,
            },
            "computedAt": iso(now),
        }
        streams = ["job", "application", "applicationHistory", "interviewStage"]
        return Answer(data, self._freshness(conn, streams), lazy)

    # -- stale applications ----------------------------------------------------------------------
    def stale_applications(
        self,
        conn: ConnectionRow,
        days: int = 14,
        job_id: str | None = None,
        recruiter_id: str | None = None,
        limit: int = 50,
    ) -> Answer:
        """Active applications with no stage move in ``days`` days, longest waiting first: of the
        whole connection, or of one job and/or one recruiter (the application's recruiter, else
        its job's)."""
        days = _number(days, "days", 1, 3650)
        limit = _number(limit, "limit", 1, MAX_LIMIT)
        job_id = _optional_text(job_id, "jobId")
        recruiter_id = _optional_text(recruiter_id, "recruiterId")
        self._require(conn, "atsApplication::list")
        jobs = self.jobs.entries(conn.id)
        by_job = self.applications.grouped(conn.id, active_job)

        def recruiter_of(app: ApplicationEntry) -> str | None:
            job = jobs.get(app.job_id or "")
            return app.recruiter or (job.recruiter if job else None)

        if job_id is not None:
            pool = by_job.get(job_id, [])
        elif recruiter_id is None:
            pool = self.applications.grouped(conn.id, active).get("Active", [])
        else:
            # The recruiter's own applications, and those of their jobs that name no recruiter.
            pool = list(self.applications.grouped(conn.id, active_recruiter).get(str(recruiter_id), []))
            for ident, job in jobs.items():
                if job.recruiter == recruiter_id:
                    pool += [(i, a) for i, a in by_job.get(ident, []) if a.recruiter is None]
        apps = dict(pool)
        if recruiter_id is not None:
            apps = {i: a for i, a in apps.items() if recruiter_of(a) == recruiter_id}
        policy = self.lazy.policy(conn.id, "applicationHistory")
        lazy: list[str] = []
        not_fetched = 0
        if policy == "lazy":
            # The applications that changed longest ago first: the most likely to be listed.
            oldest_first = sorted(apps, key=lambda i: (apps[i].updated_at or "", i))
            lazy, not_fetched = self._ensure_history(conn, oldest_first, self.lazy_history_limit)
        moves = self.stage_moves.derived(conn.id, moved_application, _latest_moves)
        if job_id is None and recruiter_id is None:
            ordered, with_history = self._active_by_last_move(conn.id, moves)
        else:
            ordered = sorted(_by_last_move(apps.items(), moves))
            with_history = sum(1 for i in apps if i in moves)
        now = self._now()
        # Oldest move first: the stalled applications are those up to the threshold.
        stalled = bisect.bisect_right(ordered, now - timedelta(days=days), key=itemgetter(0))
        stale = []
        for last, ident in ordered[: min(stalled, limit)]:
            app = apps.get(ident)
            if app is None:  # became active while a sync wrote, after this answer took its pool
                continue
            stale.append(
                {
                    "applicationId": ident,
                    "candidate": app.candidate_name,
                    "candidateId": app.candidate_id,
                    "job": app.job_title,
                    "jobId": app.job_id,
                    "stage": app.stage_title,
                    "lastStageMoveAt": iso(last),
                    "daysSinceMove": days_between(last, now),
                    "basis": "stageHistory" if ident in moves else "updatedAt",
                    "recruiterId": recruiter_of(app),
                }
            )
        data = {
            "days": days,
            "jobId": job_id,
            "recruiterId": recruiter_id,
            "activeApplications": len(apps),
            "stale": stalled,
            "applications": stale,
            # Without stored stage history the last change of any kind stands in for the last move.
            "basisNote": "lastStageMoveAt is the latest stage entry in the stored stage history; "
            "where none is stored, the application's updatedAt (its last change of any kind)",
            "historyCoverage": {
                "applicationsWithHistory": with_history,
                "applications": len(apps),
                "policy": policy,
                "lazyNotFetched": not_fetched,
            },
            "computedAt": iso(now),
        }
        return Answer(data, self._freshness(conn, ["application", "applicationHistory", "job"]), lazy)

    def _active_by_last_move(
        self, connection_id: str, moves: dict[str, datetime]
    ) -> tuple[list[tuple[datetime, str]], int]:
        """Every active application of the connection as (last stage move, id), oldest first, and
        how many have stage history: made once per snapshot of the applications and the moves
        (a whole connection's stalled applications are then a bisection, not a pass over all)."""
        entries = self.applications.entries(connection_id)
        memo = self._by_last_move.get(connection_id)
        if memo is not None and memo[0] is entries and memo[1] is moves:
            return memo[2], memo[3]
        pool = self.applications.grouped(connection_id, active).get("Active", [])
        ordered = sorted(_by_last_move(pool, moves))
        with_history = sum(1 for i, _ in pool if i in moves)
        self._by_last_move[connection_id] = (entries, moves, ordered, with_history)
        return ordered, with_history

    # -- upcoming interviews ---------------------------------------------------------------------
    def upcoming_interviews(
        self,
        conn: ConnectionRow,
        user_id: str | None = None,
        job_id: str | None = None,
        days: int = 14,
        limit: int = 50,
    ) -> Answer:
        """Interviews starting within ``days`` days from now, for one interviewer and/or one job."""
        days = _number(days, "days", 1, 365)
        limit = _number(limit, "limit", 1, MAX_LIMIT)
        user_id = _optional_text(user_id, "userId")
        job_id = _optional_text(job_id, "jobId")
        self._require(conn, "atsInterview::list")
        now = self._now()
        starts, events = self.events.derived(conn.id, by_start, _ordered)
        first = bisect.bisect_left(starts, ashby_time(now))
        last = bisect.bisect_left(starts, ashby_time(now + timedelta(days=days)))
        schedules = self.schedules.entries(conn.id)
        apps = self.applications.entries(conn.id)
        found = []
        for ident, event in events[first:last]:
            schedule = schedules.get(event.schedule_id or "")
            if schedule is None or schedule.status == "Cancelled":
                continue
            if user_id and user_id not in event.interviewer_ids:
                continue
            app = apps.get(schedule.application_id or "")
            if job_id and (app is None or app.job_id != job_id):
                continue
            found.append(
                {
                    "eventId": ident,
                    "startTime": event.start,
                    "endTime": event.end,
                    "interviewers": list(event.interviewers),
                    "interviewerIds": list(event.interviewer_ids),
                    "candidate": app.candidate_name if app else None,
                    "applicationId": schedule.application_id,
                    "job": app.job_title if app else None,
                    "jobId": app.job_id if app else None,
                    "location": event.location,
                    "meetingLink": event.meeting_link,
                }
            )
        data = {
            "from": iso(now),
            "to": iso(now + timedelta(days=days)),
            "userId": user_id,
            "jobId": job_id,
            "count": len(found),
            "interviews": found[:limit],
        }
        return Answer(data, self._freshness(conn, ["interviewSchedule", "interviewEvent", "application"]))

    # -- jobs and openings -----------------------------------------------------------------------
    def open_jobs(self, conn: ConnectionRow, limit: int = 100) -> Answer:
        """Jobs whose status is Open, each with its open openings."""
        limit = _number(limit, "limit", 1, MAX_LIMIT)
        self._require(conn, "atsJob::list")
        jobs = [(i, j) for i, j in self.jobs.entries(conn.id).items() if j.status == "Open"]
        by_job: dict[str, list[dict[str, Any]]] = {}
        for opening in self.openings.entries(conn.id).values():
            if opening.open:
                for job_id in opening.job_ids:
                    by_job.setdefault(job_id, []).append(opening.summary)
        departments = self._names(conn, "department", (j.department_id for _, j in jobs), "name")
        locations = self._names(conn, "location", (j.location_id for _, j in jobs), "name")
        listed = [
            {
                "id": ident,
                "title": job.title,
                "department": departments.get(job.department_id or ""),
                "location": locations.get(job.location_id or ""),
                "confidential": job.confidential,
                "openedAt": job.opened_at,
                "openings": by_job.get(ident, []),
            }
            for ident, job in sorted(jobs, key=lambda item: (str(item[1].title or "").casefold(), item[0]))
        ]
        data = {"count": len(listed), "jobs": listed[:limit], "openOpenings": sum(map(len, by_job.values()))}
        return Answer(data, self._freshness(conn, ["job", "opening", "department", "location"]))

    # -- offers ----------------------------------------------------------------------------------
    def pending_offers(self, conn: ConnectionRow, waiting_on: str = "any", limit: int = 100) -> Answer:
        """Offers waiting for approval (``approval``), for the candidate's answer (``candidate``), or
        either (``any``), longest waiting first."""
        if waiting_on not in ("approval", "candidate", "any"):
            raise CoreError(422, "invalid_field", "waitingOn must be approval, candidate or any", "waitingOn")
        limit = _number(limit, "limit", 1, MAX_LIMIT)
        self._require(conn, "atsOffer::list")
        statuses = {
            "approval": WAITING_ON_APPROVAL,
            "candidate": WAITING_ON_CANDIDATE,
            "any": WAITING_ON_APPROVAL + WAITING_ON_CANDIDATE,
        }[waiting_on]
        waiting = sorted(
            (
                (o.since or "", ident, o)
                for ident, o in self.offers.entries(conn.id).items()
                if o.status in statuses
            ),
            key=lambda item: (item[0], item[1]),
        )
        apps = self.applications.entries(conn.id)
        now = self._now()
        listed = []
        for _, ident, offer in waiting[:limit]:
            since = parse_time(offer.since)
            app = apps.get(offer.application_id or "")
            listed.append(
                {
                    "offerId": ident,
                    "waitingOn": "candidate" if offer.status in WAITING_ON_CANDIDATE else "approval",
                    "offerStatus": offer.status,
                    "approvalStatus": offer.approval_status,
                    "candidate": app.candidate_name if app else None,
                    "applicationId": offer.application_id,
                    "job": app.job_title if app else None,
                    "startDate": offer.start_date,
                    "salary": offer.salary,
                    "since": offer.since,
                    "daysWaiting": days_between(since, now) if since else None,
                }
            )
        data = {"waitingOn": waiting_on, "count": len(waiting), "offers": listed, "computedAt": iso(now)}
        return Answer(data, self._freshness(conn, ["offer", "application"]))


def _by_last_move(
    apps: Iterable[tuple[str, ApplicationEntry]], moves: dict[str, datetime]
) -> Iterator[tuple[datetime, str]]:
    """(last stage move, id) of each application: its latest stage entry, else its updatedAt."""
    for ident, app in apps:
        last = moves.get(ident) or parse_time(app.updated_at)
        if last is not None:
            yield last, ident


def _latest_moves(
    items: dict[str, StageMoveEntry], key: Callable[[StageMoveEntry], str]
) -> dict[str, datetime]:
    """Per application: when it entered its latest stage (the latest ``enteredStageAt``)."""
    latest: dict[str, str] = {}
    for entry in items.values():
        application = key(entry)
        if entry.entered_at > latest.get(application, ""):
            latest[application] = entry.entered_at
    parsed = {application: parse_time(at) for application, at in latest.items()}
    return {application: at for application, at in parsed.items() if at is not None}


def _haystack(
    items: dict[str, CandidateEntry], key: Callable[[CandidateEntry], str]
) -> tuple[str, list[int], list[str]]:
    """Every candidate's search text in one string (NUL between them), where each starts, and whose
    it is: a search is then one C-speed ``find`` pass instead of a loop over 20,000 records."""
    ids = list(items)
    texts = [key(items[i]).replace("\0", " ") for i in ids]
    offsets, position = [], 0
    for text in texts:
        offsets.append(position)
        position += len(text) + 1
    return "\0".join(texts), offsets, ids


def _find_all(haystack: str, offsets: list[int], ids: list[str], needle: str) -> set[str]:
    found: set[str] = set()
    if "\0" in needle:
        return found
    position = haystack.find(needle)
    while position >= 0:
        index = bisect.bisect_right(offsets, position) - 1
        found.add(ids[index])
        following = offsets[index + 1] if index + 1 < len(offsets) else len(haystack)
        position = haystack.find(needle, following)
    return found


def _tag_index(
    items: dict[str, CandidateEntry], key: Callable[[CandidateEntry], tuple[str, ...]]
) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for ident, entry in items.items():
        for tag in key(entry):
            index.setdefault(tag, []).append(ident)
    return index


def _ordered(
    items: dict[str, EventEntry], key: Callable[[EventEntry], str]
) -> tuple[list[str], list[tuple[str, EventEntry]]]:
    """Events in ``key`` order, with the keys apart (for bisecting a time window)."""
    ordered = sorted(items.items(), key=lambda item: (key(item[1]), item[0]))
    return [key(e) for _, e in ordered], ordered


def _event(at: Any, kind: str, summary: str, application_id: Any) -> dict[str, Any]:
    return {
        "at": at if isinstance(at, str) else None,
        "type": kind,
        "summary": summary,
        "applicationId": application_id,
    }


def _omitted(section: str, operation: str) -> dict[str, str]:
    return {"section": section, "reason": f"{operation} is not among this connection's requested operations"}


def _title(value: Any, key: str = "title") -> str | None:
    return str(value[key]) if isinstance(value, dict) and value.get(key) else None


def _candidate_summary(raw: dict[str, Any]) -> dict[str, Any]:
    addresses = emails(raw)
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "email": addresses[0] if addresses else None,
        "emails": addresses,
        "tags": [
            {"id": t.get("id"), "title": t.get("title")} for t in raw.get("tags") or [] if isinstance(t, dict)
        ],
        "applicationIds": list(raw.get("applicationIds") or []),
        "createdAt": raw.get("createdAt"),
        "uri": f"ashby://atsCandidate/{raw.get('id')}",
    }
