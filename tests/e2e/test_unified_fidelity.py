"""Unified models read what Ashby sends and write back what they say, end to end through the server
against the emulator: every mapped field is filled when its Ashby source is, the fixed mappings
(offer status, recruiter and credit, job description, interview title/stage/organizer/status),
the new fields and models, and the write round trips."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ashby_connector import unified
from ashby_connector.core.resources.records import COMMON
from ashby_connector.emulator import EmulatorHandle, run_emulator
from ashby_connector.unified import enums
from ashby_connector.unified.sources import SOURCES, values_at
from tests.e2e.server_harness import run_server


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    with run_emulator(seed=5, candidates=120, rate_limit_per_minute=None) as handle:
        yield handle


@pytest.fixture(scope="module")
def http(emu: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    db = tmp_path_factory.mktemp("fidelity") / "server.db"
    with run_server(emu.base_url, f"sqlite:///{db}") as server:
        client = server.tenant("fidelity")
        client.headers["X-Connection-Id"] = server.connect(client, emu.api_key)
        yield client
        client.close()


def _all(http: httpx.Client, model: str, **query: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100, "includeRemoteData": "true", **query}
    while True:
        page = http.get(f"/resources/{model}", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        out += body["data"]
        if not body["next"]:
            return out
        params["cursor"] = body["next"]


class _Sources:
    """The emulator's records a unified record reads, for one test: each kind decoded once, and the
    records holding an id in a field indexed once (a scan per item made atsActivity's check
    quadratic in the number of records)."""

    def __init__(self, emu: EmulatorHandle) -> None:
        self.emu = emu
        self._kinds: dict[str, list[dict[str, Any]]] = {}
        self._holders: dict[tuple[str, str, bool], dict[Any, list[dict[str, Any]]]] = {}

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        if kind not in self._kinds:
            self._kinds[kind] = list(self.emu.state.iter(kind))
        return self._kinds[kind]

    def holding(self, kind: str, by: str, contains: bool, ident: Any) -> list[dict[str, Any]]:
        """The records of ``kind`` whose ``by`` is ``ident`` (or, ``contains``, lists it)."""
        key = (kind, by, contains)
        if key not in self._holders:
            index: dict[Any, list[dict[str, Any]]] = {}
            for r in self.of_kind(kind):
                held = r.get(by) if contains else [r.get(by)]
                scalars = (v for v in held or [] if isinstance(v, str | int | float | bool))
                for value in dict.fromkeys(scalars):  # a record once, however often it lists the id
                    index.setdefault(value, []).append(r)
            self._holders[key] = index
        return self._holders[key].get(ident, []) if isinstance(ident, str | int | float | bool) else []

    def record(self, spec: unified.ModelSpec, item: dict[str, Any], path: str) -> Any:
        """The record ``path`` reads: the joined one for ``@name.`` paths, else the raw record."""
        if not path.startswith("@"):
            return item["remoteData"]
        name = path[1:].split(".", 1)[0].removesuffix("[]")
        join = spec.joins[name]
        ident = item["remoteData"].get(join.id_field)
        kind = join.operation.split(".", 1)[0]
        if join.by is not None:  # the records whose field holds this record's id (a plan's jobs)
            return {name: self.holding(kind, join.by, join.contains, ident)}
        if join.many:  # every id's record (all of a job's postings)
            return {name: [self.emu.state.get(kind, i) for i in ident or []]}
        ident = ident[0] if isinstance(ident, list) and ident else ident
        return {name: self.emu.state.get(kind, ident)} if isinstance(ident, str) else {}


def test_reads_walk_every_page(emu: EmulatorHandle, http: httpx.Client) -> None:
    # More candidates than one page holds: the checks below see all of them, not the first 100.
    everyone = _all(http, "atsCandidate")
    assert len(everyone) == len(emu.state.kinds["candidate"]) > 100
    assert len({c["id"] for c in everyone}) == len(everyone)


def test_the_field_table_names_every_field_of_every_model() -> None:
    for spec in unified.models():
        fields = set(spec.cls.model_fields) - COMMON - {"customFields"}
        assert set(SOURCES[spec.name]) == fields, spec.name


@pytest.mark.parametrize(
    "spec", [s for s in unified.models() if s.read_unavailable is None], ids=lambda s: s.name
)
def test_every_field_is_filled_when_its_ashby_source_is(
    spec: unified.ModelSpec, emu: EmulatorHandle, http: httpx.Client
) -> None:
    if spec.more_sources:  # notes are a lazy child list: a candidate's activity read fetches them
        for candidate in list(emu.state.iter("candidate"))[:20]:
            assert http.get(f"/resources/{spec.name}", params={"candidateId": candidate["id"]}).is_success
    items = _all(http, spec.name)
    assert items, spec.name
    checked: set[str] = set()
    sources = _Sources(emu)
    for item in items:
        for field, src in SOURCES[spec.name].items():
            if src.read is None or field == "screeningAnswers":  # answers come from live reads
                continue
            path = src.read.split(".", 1)[1] if src.read.startswith("@") else src.read
            record = sources.record(spec, item, src.read)
            if not values_at(record, path if not src.read.startswith("@") else src.read[1:]):
                continue
            assert item[field] not in (None, [], {}), f"{spec.name}.{field} is empty but {src.read} is filled"
            checked.add(field)
    readable = {f for f, s in SOURCES[spec.name].items() if s.read and f != "screeningAnswers"}
    assert checked == readable, f"{spec.name}: no record fills {sorted(readable - checked)}"


def test_offer_status_reads_all_three_ashby_fields(http: httpx.Client) -> None:
    seen = set()
    for offer in _all(http, "atsOffer"):
        raw = offer["remoteData"]
        expected = enums.offer_status(
            raw.get("offerStatus"),
            raw.get("acceptanceStatus"),
            (raw.get("latestVersion") or {}).get("approvalStatus"),
        )
        assert offer["status"] == expected
        assert offer["ashbyOfferStatus"] == raw.get("offerStatus")
        if raw.get("offerStatus") == "WaitingOnCandidateResponse":
            assert offer["status"] == "SENT"  # whatever acceptanceStatus says (often "Pending")
        seen.add(offer["status"])
    assert {"DRAFT", "PENDING_APPROVAL", "SENT", "ACCEPTED", "DECLINED", "CANCELLED"} <= seen


@pytest.mark.parametrize(
    ("process", "acceptance", "approval", "status"),
    [
        ("WaitingOnApprovalStart", "Created", None, "DRAFT"),
        (None, "Created", None, "DRAFT"),
        ("WaitingOnOfferApproval", "Pending", "WaitingOnApprovals", "PENDING_APPROVAL"),
        ("WaitingOnApprovalStart", "Pending", "Approved", "APPROVED"),
        ("WaitingOnCandidateResponse", "Pending", "Approved", "SENT"),
        (None, "WaitingOnResponse", "Approved", "SENT"),
        ("CandidateAccepted", "Accepted", "Approved", "ACCEPTED"),
        ("CandidateRejected", "Declined", "Approved", "DECLINED"),
        ("OfferCancelled", "Pending", "Approved", "CANCELLED"),
        ("WaitingOnApprovalStart", "Created", "Declined", "DRAFT"),
        (None, None, None, None),
    ],
)
def test_offer_status_table(
    process: str | None, acceptance: str | None, approval: str | None, status: str | None
) -> None:
    assert enums.offer_status(process, acceptance, approval) == status


def test_recruiter_and_credit_are_separate_and_both_write_back(
    emu: EmulatorHandle, http: httpx.Client
) -> None:
    users = [u["id"] for u in _all(http, "genericUser")]
    app = next(a for a in _all(http, "atsApplication", status="ACTIVE") if a["recruiterId"])
    new_recruiter = next(u for u in users if u not in (app["recruiterId"], app["creditedToId"]))
    new_credit = next(u for u in users if u not in (new_recruiter, app["creditedToId"]))
    answer = http.patch(f"/resources/atsApplication/{app['id']}", json={"recruiterId": new_recruiter})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["recruiterId"] == new_recruiter
    answer = http.patch(f"/resources/atsApplication/{app['id']}", json={"creditedToId": new_credit})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["creditedToId"] == new_credit
    assert answer.json()["data"]["recruiterId"] == new_recruiter  # credit did not touch the recruiter
    fresh = http.get(f"/resources/atsApplication/{app['id']}", params={"live": "true"}).json()["data"]
    assert (fresh["recruiterId"], fresh["creditedToId"]) == (new_recruiter, new_credit)
    # Ashby itself holds one recruiter now: the old one was removed, not kept beside the new one.
    team = emu.state.get("application", app["id"])["hiringTeam"]  # type: ignore[index]
    assert [m["userId"] for m in team if m["role"] == "Recruiter"] == [new_recruiter]
    assert emu.state.get("application", app["id"])["creditedToUser"]["id"] == new_credit  # type: ignore[index]


def test_a_created_application_carries_its_recruiter_and_credit(http: httpx.Client) -> None:
    users = [u["id"] for u in _all(http, "genericUser")]
    candidate = http.post("/resources/atsCandidate", json={"name": "Round Trip"}).json()["data"]
    job = next(j for j in _all(http, "atsJob", status="OPEN"))
    answer = http.post(
        "/resources/atsApplication",
        json={
            "candidateId": candidate["id"],
            "jobId": job["id"],
            "recruiterId": users[1],
            "creditedToId": users[2],
        },
    )
    assert answer.status_code == 201, answer.text
    data = answer.json()["data"]
    assert (data["recruiterId"], data["creditedToId"]) == (users[1], users[2])


def test_job_description_comes_from_its_posting_and_postings_are_a_model(
    emu: EmulatorHandle, http: httpx.Client
) -> None:
    jobs = [j for j in _all(http, "atsJob") if j["jobPostingIds"]]
    assert jobs
    for job in jobs:
        posting = emu.state.get("jobPosting", job["jobPostingIds"][0])
        assert posting is not None and job["description"] == posting["descriptionPlain"]
        assert "_joined" not in job["remoteData"]
    postings = _all(http, "atsJobPosting")
    assert {p["jobId"] for p in postings} == {j["id"] for j in jobs}
    one = http.get(f"/resources/atsJobPosting/{postings[0]['id']}", params={"live": "true"}).json()["data"]
    assert one["title"] and one["description"] and one["status"] in ("PUBLISHED", "UNLISTED")
    changed = http.patch(f"/resources/atsJobPosting/{one['id']}", json={"title": "Renamed posting"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["title"] == "Renamed posting"
    assert http.post("/resources/atsJobPosting", json={"title": "x"}).status_code == 501
    expanded = http.get(
        f"/resources/atsJob/{jobs[0]['id']}", params={"expand": "jobPostings,recruiters"}
    ).json()
    assert expanded["data"]["jobPostings"][0]["id"] == jobs[0]["jobPostingIds"][0]
    assert [u["id"] for u in expanded["data"]["recruiters"]] == jobs[0]["recruiterIds"]


def test_job_team_compensation_and_openings(emu: EmulatorHandle, http: httpx.Client) -> None:
    job = next(j for j in _all(http, "atsJob") if j["jobPostingIds"])
    raw = emu.state.get("job", job["id"])
    assert raw is not None
    assert job["recruiterIds"] == [m["userId"] for m in raw["hiringTeam"] if m["role"] == "Recruiter"]
    assert job["coordinatorIds"] == [m["userId"] for m in raw["hiringTeam"] if m["role"] == "Coordinator"]
    tier = job["compensation"][0]
    assert tier["id"] == raw["compensation"]["compensationTiers"][0]["id"]
    salary = next(c for c in tier["components"] if c["type"] == "Salary")
    assert salary["currencyCode"] == "USD" and salary["minValue"] < salary["maxValue"]
    assert [o["id"] for o in job["openings"]] == [o["id"] for o in raw["openings"]]


def test_interviews_have_title_stage_organizer_and_status(emu: EmulatorHandle, http: httpx.Client) -> None:
    interviews = _all(http, "atsInterview")
    assert interviews
    for interview in interviews:
        schedule = emu.state.get("interviewSchedule", interview["scheduleId"])
        definition = emu.state.get("interview", interview["interviewTypeId"])
        assert schedule is not None and definition is not None
        assert interview["title"] == definition["title"]
        assert interview["stageId"] == schedule["interviewStageId"]
        assert interview["organizerId"] == schedule["scheduledBy"]["id"]
        assert interview["status"] == enums.SCHEDULE_STATUS[schedule["status"]]
    assert all(e["title"] for e in _all(http, "scheduleEvent"))


def test_an_interview_waiting_on_feedback_is_awaiting_feedback(
    emu: EmulatorHandle, http: httpx.Client
) -> None:
    waiting = {s["id"] for s in emu.state.iter("interviewSchedule") if s["status"] == "WaitingOnFeedback"}
    assert waiting, "the organisation has no interview waiting on feedback"
    interviews = [i for i in _all(http, "atsInterview") if i["scheduleId"] in waiting]
    assert interviews and all(i["status"] == "AWAITING_FEEDBACK" for i in interviews)
    events = [e for e in _all(http, "scheduleEvent") if e["scheduleId"] in waiting]
    assert events and all(e["status"] == "AWAITING_FEEDBACK" for e in events)


def test_a_job_lists_every_posting_url_and_office(emu: EmulatorHandle, http: httpx.Client) -> None:
    jobs = [j for j in _all(http, "atsJob") if j["jobPostingIds"]]
    assert jobs
    several = 0
    for job in jobs:
        postings = [emu.state.get("jobPosting", p) for p in job["jobPostingIds"]]
        assert job["postingUrls"] == [p["externalLink"] for p in postings if p]
        offices = {job["locationId"]} | {
            i
            for p in postings
            if p
            for i in [p["locationIds"]["primaryLocationId"], *p["locationIds"]["secondaryLocationIds"]]
        }
        assert set(job["locationIds"]) == offices and job["locationIds"][0] == job["locationId"]
        several += len(job["locationIds"]) > 1
    assert several, "no job has offices beyond its own location"
    expanded = http.get(f"/resources/atsJob/{jobs[0]['id']}", params={"expand": "locations"}).json()["data"]
    assert [loc["id"] for loc in expanded["locations"]] == jobs[0]["locationIds"]


def test_a_stage_names_the_jobs_whose_plans_hold_it(emu: EmulatorHandle, http: httpx.Client) -> None:
    stages = _all(http, "atsApplicationStage")
    assert stages
    for stage in stages[:16]:
        expanded = http.get(f"/resources/atsApplicationStage/{stage['id']}", params={"expand": "jobs"})
        assert expanded.status_code == 200, expanded.text
        job_ids = {j["id"] for j in expanded.json()["data"]["jobs"]}
        using = {j["id"] for j in emu.state.iter("job") if stage["interviewPlanId"] in j["interviewPlanIds"]}
        assert job_ids == using == set(stage["jobIds"])
    # Plans are shared: some stage serves more than one job.
    plans = {j["defaultInterviewPlanId"] for j in emu.state.iter("job")}
    assert len(plans) < len(list(emu.state.iter("job")))


def test_activity_is_each_applications_stage_moves(emu: EmulatorHandle, http: httpx.Client) -> None:
    activities = [a for a in _all(http, "atsActivity") if a["activityType"] == "STAGE_CHANGE"]
    assert activities
    by_app: dict[str, list[dict[str, Any]]] = {}
    for activity in activities:
        by_app.setdefault(activity["applicationId"], []).append(activity)
    for app_id, moves in list(by_app.items())[:30]:
        history = emu.state.children("applicationHistory", app_id)
        entries = {h["id"]: h for h in (emu.state.get("applicationHistory", i) for i in history) if h}
        assert {m["id"] for m in moves} == set(entries)
        for move in moves:
            entry = entries[move["id"]]
            assert move["activityType"] == "STAGE_CHANGE"
            assert (move["stageId"], move["stageName"], move["userId"]) == (
                entry["stageId"],
                entry["title"],
                entry["actorId"],
            )
            assert move["occurredAt"] == entry["enteredStageAt"] == move["createdAt"]
    one = activities[0]
    expanded = http.get(f"/resources/atsActivity/{one['id']}", params={"expand": "application,stage,user"})
    assert expanded.status_code == 200, expanded.text
    data = expanded.json()["data"]
    assert data["application"]["id"] == one["applicationId"] and data["stage"]["id"] == one["stageId"]


def _stage_moves(emu: EmulatorHandle, candidate_id: str) -> dict[str, dict[str, Any]]:
    """The emulator's history entries of every application of the candidate, by id."""
    moves: dict[str, dict[str, Any]] = {}
    for application in emu.state.iter("application"):
        if application["candidate"]["id"] == candidate_id:
            for entry_id in emu.state.children("applicationHistory", application["id"]):
                entry = emu.state.get("applicationHistory", entry_id)
                if entry is not None:
                    moves[entry_id] = {**entry, "applicationId": application["id"]}
    return moves


def _note_ids(emu: EmulatorHandle, candidate_id: str) -> list[str]:
    return emu.state.children("candidateNote", candidate_id)


def test_a_candidates_activity_is_its_stage_moves_and_notes_in_time_order(
    emu: EmulatorHandle, http: httpx.Client
) -> None:
    candidate_id, notes, moves = next(
        (c["id"], notes, moves)
        for c in emu.state.iter("candidate")
        if (notes := [emu.state.get("candidateNote", n) for n in _note_ids(emu, c["id"])])
        and len(moves := _stage_moves(emu, c["id"])) >= 2
    )
    # Pages of 2: the merged list is walked through `next`, each record once.
    activity = _all(http, "atsActivity", candidateId=candidate_id, limit=2)
    assert len(activity) > 2
    assert {a["id"] for a in activity} == set(moves) | {n["id"] for n in notes if n}
    assert len({a["id"] for a in activity}) == len(activity)
    times = [a["createdAt"] for a in activity]
    assert times == sorted(times), "a candidate's activity is ordered by time"
    for item in activity:
        assert item["candidateId"] == candidate_id
        if item["id"] in moves:
            move = moves[item["id"]]
            assert item["activityType"] == "STAGE_CHANGE"
            assert (item["applicationId"], item["stageId"], item["occurredAt"]) == (
                move["applicationId"],
                move["stageId"],
                move["enteredStageAt"],
            )
        else:
            note = emu.state.get("candidateNote", item["id"])
            assert note is not None
            assert item["activityType"] == "NOTE" and item["applicationId"] is None
            assert (item["body"], item["userId"], item["occurredAt"], item["isPrivate"]) == (
                note["content"],
                note["author"]["id"],
                note["createdAt"],
                note["isPrivate"],
            )
    # One application's activity: its stage moves only (notes belong to the candidate).
    application_id = next(iter(moves.values()))["applicationId"]
    own = _all(http, "atsActivity", applicationId=application_id)
    assert {a["id"] for a in own} == {i for i, m in moves.items() if m["applicationId"] == application_id}
    # A note is retrieved by its id, and the unfiltered list holds it too.
    note_id = next(a["id"] for a in activity if a["activityType"] == "NOTE")
    one = http.get(f"/resources/atsActivity/{note_id}", params={"expand": "candidate,user"})
    assert one.status_code == 200, one.text
    assert one.json()["data"]["candidate"]["id"] == candidate_id
    assert note_id in {a["id"] for a in _all(http, "atsActivity")}
    # Bad input is refused naming what is wrong.
    bad = http.get("/resources/atsActivity", params={"candidateID": candidate_id})
    assert bad.status_code == 400 and "candidateID" in bad.text, bad.text
    bad = http.get("/resources/atsActivity", params={"cursor": "bm90LW91cnN-MA=="})
    assert bad.status_code == 400 and "invalid_cursor" in bad.text, bad.text


def test_candidate_location_tags_source_and_credit(http: httpx.Client) -> None:
    candidate = next(
        c for c in _all(http, "atsCandidate") if c["tagIds"] and c["locationDetails"] and c["creditedToId"]
    )
    assert candidate["locationDetails"]["city"] and candidate["locationDetails"]["country"]
    expanded = http.get(
        f"/resources/atsCandidate/{candidate['id']}", params={"expand": "tags,source,creditedTo"}
    ).json()["data"]
    assert [t["id"] for t in expanded["tags"]] == candidate["tagIds"]
    assert expanded["tags"][0]["name"]
    assert expanded["source"]["id"] == candidate["sourceId"]
    assert expanded["creditedTo"]["id"] == candidate["creditedToId"]


def test_application_offers_and_screening_answers(emu: EmulatorHandle, http: httpx.Client) -> None:
    offer = _all(http, "atsOffer")[0]
    expanded = http.get(
        f"/resources/atsApplication/{offer['applicationId']}", params={"expand": "offers"}
    ).json()
    assert [o["id"] for o in expanded["data"]["offers"]] == [offer["id"]]
    app = next(a for a in _all(http, "atsApplication") if a["jobPostingId"])
    assert app["screeningAnswers"]  # the harness syncs every child list eagerly, these included
    live = http.get(f"/resources/atsApplication/{app['id']}", params={"live": "true"}).json()["data"]
    assert live["screeningAnswers"] == app["screeningAnswers"]
    answers = {a["path"]: a for a in live["screeningAnswers"]}
    candidate = emu.state.get("candidate", app["candidateId"])
    assert candidate is not None
    assert answers["_systemfield_email"]["value"] == candidate["primaryEmailAddress"]["value"]
    assert answers["work_authorization"]["question"] == "Work authorization"


def test_scorecard_recommendation_is_normalised_and_the_raw_kept(http: httpx.Client) -> None:
    cards = _all(http, "atsScorecard")
    assert cards
    for card in cards:
        raw = str(card["remoteData"]["submittedValues"]["overall_recommendation"])
        assert card["overallRecommendationRaw"] == raw
        assert card["overallRecommendation"] == enums.RECOMMENDATION[raw]
    assert enums.recommendation("maybe") == "NO_DECISION"


def test_attachments_say_what_they_are_and_download(http: httpx.Client) -> None:
    files = _all(http, "atsAttachment")
    kinds = {f["type"] for f in files}
    assert {"RESUME", "COVER_LETTER"} <= kinds
    resume = next(f for f in files if f["type"] == "RESUME")
    assert resume["isResume"]
    one = http.get(f"/resources/atsAttachment/{resume['id']}", params={"downloadUrl": "true"}).json()["data"]
    assert httpx.get(one["downloadUrl"]).content.startswith(b"%PDF")


def test_offer_letters_are_attachments_of_their_candidate(emu: EmulatorHandle, http: httpx.Client) -> None:
    letters = [f for f in _all(http, "atsAttachment") if f["type"] == "OFFER_LETTER"]
    offers = list(emu.state.iter("offer"))
    expected = {h["id"]: o for o in offers for v in o["versions"] for h in v["fileHandles"]}
    assert letters and {f["id"] for f in letters} == set(expected)
    for letter in letters[:10]:
        offer = expected[letter["id"]]
        application = emu.state.get("application", offer["applicationId"])
        assert application is not None
        assert letter["offerId"] == offer["id"] and letter["candidateId"] == application["candidate"]["id"]
        assert not letter["isResume"]
    one = http.get(f"/resources/atsAttachment/{letters[0]['id']}", params={"downloadUrl": "true"})
    assert one.status_code == 200, one.text
    assert one.json()["data"]["type"] == "OFFER_LETTER"
    assert httpx.get(one.json()["data"]["downloadUrl"]).content.startswith(b"%PDF")
