"""A deterministic synthetic organisation: seed + number of candidates, the rest in proportion.

Speed matters (100,000 candidates with everything related in well under 30 s): records are built
as plain dicts with cheap string work and serialised once with orjson straight into the store.
Small kinds (departments, sources, ...) are filled from their catalog schema and then given
realistic names; the big ones (candidates, applications, history, schedules, events, feedback,
notes, offers) are built by hand so they stay compact and consistent with each other.
"""

from __future__ import annotations

import random
from typing import Any

import orjson

from ashby_connector.emulator.records.kinds import KINDS, list_item_schema, record_schema
from ashby_connector.emulator.records.schema import Filler, properties
from ashby_connector.emulator.records.state import State, has_private, iso_ms, random_uuid4

FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Edsger",
    "Radia",
    "Tim",
    "Hedy",
    "Guido",
    "Anita",
    "Bjarne",
    "Katherine",
    "John",
    "Sophie",
    "Donald",
    "Yukihiro",
    "Rasmus",
    "Lynn",
    "Brendan",
    "Shafi",
    "Whitfield",
    "Adele",
    "Niklaus",
    "Jean",
    "Leslie",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Berners",
    "Lamarr",
    "Rossum",
    "Borg",
    "Stroustrup",
    "Johnson",
    "McCarthy",
    "Wilson",
    "Knuth",
    "Matsumoto",
    "Lerdorf",
    "Conway",
    "Eich",
    "Goldwasser",
    "Diffie",
    "Goldberg",
    "Wirth",
    "Sammet",
    "Lamport",
]
COMPANIES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Aperture",
    "Vandelay",
    "Massive",
    "Dynamic",
]
SCHOOLS = ["MIT", "Stanford", "ETH", "Oxford", "Cambridge", "EPFL", "Berkeley", "CMU", "Toronto", "Waterloo"]
DEPARTMENTS = [
    "Engineering",
    "Product",
    "Design",
    "Sales",
    "Marketing",
    "Finance",
    "People",
    "Legal",
    "Support",
    "Operations",
    "Data",
    "Security",
]
CITIES = [
    "San Francisco",
    "New York",
    "London",
    "Berlin",
    "Paris",
    "Toronto",
    "Singapore",
    "Sydney",
    "Remote (US)",
    "Remote (EU)",
]
ROLES = [
    "Software Engineer",
    "Senior Software Engineer",
    "Staff Engineer",
    "Product Manager",
    "Product Designer",
    "Account Executive",
    "Marketing Manager",
    "Data Scientist",
    "Recruiter",
    "Support Specialist",
    "Security Engineer",
    "Engineering Manager",
    "Finance Analyst",
    "Legal Counsel",
    "Solutions Engineer",
]
SOURCES = [
    "LinkedIn",
    "Referral",
    "Company Website",
    "Indeed",
    "AngelList",
    "Agency",
    "Conference",
    "Hacker News",
    "GitHub",
    "Sourced",
    "Job Board",
    "University",
    "Twitter",
    "Event",
    "Other",
]
TAGS = [
    "Strong referral",
    "Do not contact",
    "Silver medalist",
    "Diversity pipeline",
    "Rehire",
    "Relocation needed",
    "Visa sponsorship",
    "Boomerang",
    "Internal",
    "Fast track",
    "Passive",
    "Open source",
]
STAGES = (
    ("Lead", "Lead"),
    ("Application Review", "PreInterviewScreen"),
    ("Phone Screen", "Active"),
    ("Technical Interview", "Active"),
    ("Onsite", "Active"),
    ("Offer", "Offer"),
    ("Hired", "Hired"),
    ("Archived", "Archived"),
)
ARCHIVE_REASONS = (
    ("Not a fit", "RejectedByOrg"),
    ("Position filled", "RejectedByOrg"),
    ("Lacks experience", "RejectedByOrg"),
    ("Withdrew", "RejectedByCandidate"),
    ("Accepted another offer", "RejectedByCandidate"),
    ("Compensation", "RejectedByCandidate"),
    ("Duplicate", "Other"),
    ("Unresponsive", "Other"),
)
CUSTOM_FIELDS = (
    ("Years of experience", "Number", "Candidate", False),
    ("Desired salary", "Currency", "Candidate", True),
    ("Work authorization", "String", "Candidate", False),
    ("Notice period", "String", "Candidate", False),
    ("Referral bonus eligible", "Boolean", "Application", False),
    ("Interview notes (private)", "String", "Application", True),
    ("Cost center", "String", "Job", False),
    ("Headcount plan", "String", "Job", False),
)
BASE_TS = 1767225600.0  # 2026-01-01T00:00:00Z: generated history ends here, writes come after


class Gen:
    def __init__(self, state: State, seed: int) -> None:
        self.state = state
        self.rng = random.Random(seed)
        self.filler = Filler(random.Random(seed + 1), iso_ms(BASE_TS))
        self._templates: dict[str, dict[str, Any]] = {}
        self._interviewers: dict[str, Any] = {}
        self._shapes: dict[str, set[str]] = {}
        self.conf = False  # whether the application being generated belongs to a confidential job

    def uid(self) -> str:
        return random_uuid4(self.rng.getrandbits(128))

    def ts(self, days_back: float = 720.0) -> float:
        return BASE_TS - self.rng.random() * days_back * 86400

    def template(self, kind: str) -> dict[str, Any]:
        tmpl = self._templates.get(kind)
        if tmpl is None:
            value = self.filler.fill(record_schema(kind))
            tmpl = value if isinstance(value, dict) else {}
            self._templates[kind] = tmpl
        return tmpl

    def small(self, kind: str, **fields: Any) -> dict[str, Any]:
        """A record of a small kind: schema template plus the given realistic fields."""
        rec: dict[str, Any] = orjson.loads(orjson.dumps(self.template(kind)))
        rec["id"] = self.uid()
        for stamp in ("createdAt", "updatedAt"):
            if stamp in rec:
                rec[stamp] = iso_ms(self.ts())
        rec.update(fields)
        return rec

    def interviewer(self, user: dict[str, Any]) -> dict[str, Any]:
        """A user as an interview event lists it (with the extra fields that shape requires)."""
        done = self._interviewers.get(user["id"])
        if done is None:
            items = properties(record_schema("interviewEvent")).get("interviewers", {}).get("items")
            done = self.filler.conform(items, dict(user))
            pools = self.state.kinds["interviewerPool"]
            if isinstance(done, dict) and "interviewerPool" in done and len(pools):
                # Point at a real pool of this organisation rather than the schema's placeholder.
                pool = pools.get(next(iter(pools.data))) or {}
                done["interviewerPool"] = {k: pool[k] for k in ("id", "isArchived", "title") if k in pool}
            self._interviewers[user["id"]] = done
        assert isinstance(done, dict)
        return done

    def put(self, kind: str, rec: dict[str, Any], **kw: Any) -> dict[str, Any]:
        """Write a small-kind record. The first of each kind goes through the schema repair of
        ``State.put``; later ones, built by the same code, reuse the shape it settled on."""
        shape = self._shapes.get(kind)
        if shape is None or kind in ("department", "location"):
            self.state.put(kind, rec, touch=False, **kw)
            self._shapes[kind] = set(rec)
            return rec
        for missing in shape - set(rec):
            rec[missing] = self._filled(kind, missing)
        self.state.put_raw(
            kind,
            rec["id"],
            orjson.dumps(rec),
            parent=kw.get("parent"),
            confidential=bool(kw.get("confidential")),
            archived=rec.get("isArchived") is True,
            private=has_private(rec),
        )
        return rec

    def _filled(self, kind: str, field: str) -> Any:
        sub = properties(record_schema(kind)).get(field) or properties(list_item_schema(kind)).get(field)
        return self.filler.fill(sub, field, all_props=False)


def generate_org(state: State, *, candidates: int, seed: int) -> None:
    g = Gen(state, seed)
    rng = g.rng
    n_users = max(12, min(3000, candidates // 150))
    users = []
    for i in range(n_users):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        role = (
            "Organization Admin"
            if i < 2
            else rng.choice(("Elevated Access", "Limited Access", "Limited Access"))
        )
        users.append(
            g.put(
                "user",
                {
                    "id": g.uid(),
                    "firstName": first,
                    "lastName": last,
                    "email": f"{first.lower()}.{last.lower()}{i}@emulated-org.com",
                    "globalRole": role,
                    "isEnabled": i % 25 != 24,
                    "updatedAt": iso_ms(g.ts()),
                    "customFields": [],
                },
            )
        )
    user_refs = [
        {
            "id": u["id"],
            "firstName": u["firstName"],
            "lastName": u["lastName"],
            "email": u["email"],
            "globalRole": u["globalRole"],
            "isEnabled": u["isEnabled"],
            "updatedAt": u["updatedAt"],
        }
        for u in users
    ]
    depts = [
        g.put("department", g.small("department", name=n, externalName=n, isArchived=False, parentId=None))
        for n in DEPARTMENTS
    ]
    depts[-1]["isArchived"] = True
    g.put("department", depts[-1])
    for d in depts:
        d.pop("parentId", None)
    locs: list[dict[str, Any]] = []
    for i, city in enumerate(CITIES):
        locs.append(
            g.put(
                "location",
                g.small(
                    "location",
                    name=city,
                    externalName=city,
                    isArchived=False,
                    isRemote=city.startswith("Remote"),
                    workplaceType="Remote" if city.startswith("Remote") else rng.choice(("OnSite", "Hybrid")),
                    parentLocationId=None if i < 3 else locs[0]["id"],
                ),
            )
        )
    for loc in locs:
        if loc.get("parentLocationId") is None:
            loc.pop("parentLocationId")
            g.put("location", loc)
    for name in ("Emulated Org", "Emulated Labs"):
        g.put("brand", {"id": g.uid(), "name": name, "hostedJobsPageSlug": name.lower().replace(" ", "-")})
    sources = [
        g.put("source", g.small("source", title=t, isArchived=i == len(SOURCES) - 1))
        for i, t in enumerate(SOURCES)
    ]
    source_refs = [{"id": s["id"], "title": s["title"], "isArchived": s["isArchived"]} for s in sources]
    reasons = [
        g.put("archiveReason", {"id": g.uid(), "text": t, "reasonType": r, "isArchived": False})
        for t, r in ARCHIVE_REASONS
    ]
    for t in ("Filled", "Cancelled", "Budget", "Reorganised", "On hold"):
        g.put("closeReason", {"id": g.uid(), "reasonText": t, "isArchived": False})
    tags = [
        g.put("candidateTag", {"id": g.uid(), "title": t, "isArchived": i == len(TAGS) - 1})
        for i, t in enumerate(TAGS)
    ]
    tag_refs = [{"id": t["id"], "title": t["title"], "isArchived": t["isArchived"]} for t in tags]
    fields = []
    for title, ftype, obj, private in CUSTOM_FIELDS:
        fields.append(
            g.put(
                "customField",
                {
                    "id": g.uid(),
                    "title": title,
                    "fieldType": ftype,
                    "objectType": obj,
                    "isArchived": False,
                    "isPrivate": private,
                    "isRequired": False,
                },
            )
        )
    for t in ("Hiring Manager", "Recruiter", "Coordinator", "Sourcer"):
        g.put("applicationHiringTeamRole", {"id": g.uid(), "title": t})
    for title, internal in (("Public careers page", False), ("Internal board", True)):
        g.put("jobBoard", {"id": g.uid(), "title": title, "isInternal": internal})
    groups = []
    for i, (title, stype) in enumerate(
        (
            ("Lead", "Lead"),
            ("Screen", "PreInterviewScreen"),
            ("Interviews", "Active"),
            ("Offer", "Offer"),
            ("Hired", "Hired"),
            ("Archived", "Archived"),
        )
    ):
        groups.append(
            g.put("interviewStageGroup", {"id": g.uid(), "title": title, "order": i, "stageType": stype})
        )
    group_of = {gr["stageType"]: gr["id"] for gr in groups}
    forms = [
        g.put(
            "feedbackFormDefinition",
            g.small("feedbackFormDefinition", title=t, isArchived=False, isDefaultForm=i == 0),
        )
        for i, t in enumerate(("Default scorecard", "Technical scorecard", "Culture add", "Debrief"))
    ]
    for t in ("Candidate experience", "Diversity (EEOC)", "Onboarding"):
        g.put("surveyFormDefinition", g.small("surveyFormDefinition", title=t, isArchived=False))
    for t in ("Rejection", "Interview invite", "Offer letter", "Follow-up"):
        g.put("communicationTemplate", g.small("communicationTemplate", title=t))
    for t in ("Backend interviewers", "Frontend interviewers", "Hiring managers", "Bar raisers"):
        g.put("interviewerPool", g.small("interviewerPool", title=t, isArchived=False))
    n_projects = max(4, candidates // 2000)
    projects = []
    for i in range(n_projects):
        conf = i % 5 == 4
        projects.append(
            g.put(
                "project",
                {
                    "id": g.uid(),
                    "title": f"Pipeline {i + 1}: {rng.choice(ROLES)}",
                    "description": "Sourcing project",
                    "isArchived": i % 7 == 6,
                    "confidential": conf,
                    "authorId": rng.choice(users)["id"],
                    "createdAt": iso_ms(g.ts()),
                    "customFieldEntries": [],
                },
                confidential=conf,
            )
        )
    for t in ROLES[:5]:
        g.put("jobTemplate", g.small("jobTemplate", title=f"{t} template", status="Active"))

    # Jobs, each with its own interview plan, stages, interviews, posting and opening.
    n_jobs = max(6, candidates // 100)
    jobs: list[dict[str, Any]] = []
    stages_of: dict[str, list[dict[str, Any]]] = {}
    interviews_of: dict[str, list[str]] = {}
    for j in range(n_jobs):
        status = (
            "Open" if j % 10 < 6 else ("Closed" if j % 10 < 8 else ("Draft" if j % 10 == 8 else "Archived"))
        )
        conf = j % 12 == 5
        created = g.ts(900)
        dept, loc = rng.choice(depts[:-1]), rng.choice(locs)
        plan = g.put(
            "interviewPlan",
            {
                "id": g.uid(),
                "title": f"Plan for job {j + 1}",
                "isArchived": False,
                "createdAt": iso_ms(created),
                "updatedAt": iso_ms(created),
            },
        )
        stages = []
        for order, (title, stype) in enumerate(STAGES):
            stages.append(
                g.put(
                    "interviewStage",
                    {
                        "id": g.uid(),
                        "title": title,
                        "type": stype,
                        "orderInInterviewPlan": order,
                        "interviewStageGroupId": group_of[stype],
                        "interviewPlanId": plan["id"],
                    },
                    parent=plan["id"],
                )
            )
        job_id = g.uid()
        stages_of[job_id] = stages
        ivs = []
        for title in ("Phone screen", "Technical", "Values"):
            iv = g.put(
                "interview",
                {
                    "id": g.uid(),
                    "title": title,
                    "externalTitle": title,
                    "isArchived": False,
                    "isDebrief": False,
                    "isFeedbackRequired": True,
                    "isFeedbackRequested": True,
                    "jobId": job_id,
                    "feedbackFormDefinitionId": rng.choice(forms)["id"],
                    "instructionsPlain": f"{title} interview",
                    "instructionsHtml": f"<p>{title} interview</p>",
                },
            )
            ivs.append(iv["id"])
        interviews_of[job_id] = ivs
        title = rng.choice(ROLES)
        posting_ids = []
        opening = g.put(
            "opening",
            {
                "id": g.uid(),
                "isArchived": status == "Archived",
                "openedAt": iso_ms(created),
                "openingState": "Open" if status == "Open" else ("Closed" if status != "Draft" else "Draft"),
                "latestVersion": {
                    "id": g.uid(),
                    "identifier": f"REQ-{1000 + j}",
                    "description": f"Opening for {title}",
                    "authorId": users[0]["id"],
                    "jobIds": [job_id],
                    "locationIds": [loc["id"]],
                    "createdAt": iso_ms(created),
                    "isBackfill": False,
                    "employmentType": "FullTime",
                    "hiringTeam": [],
                    "customFields": [],
                },
            },
        )
        if status in ("Open", "Closed"):
            posting = g.small(
                "jobPosting",
                title=title,
                jobId=job_id,
                departmentName=dept["name"],
                teamName=dept["name"],
                locationName=loc["name"],
                locationIds={"primaryLocationId": loc["id"], "secondaryLocationIds": []},
                isListed=status == "Open" and not conf,
                employmentType="FullTime",
                publishedDate=iso_ms(created)[:10],
                descriptionPlain=f"Join us as a {title}.",
                descriptionHtml=f"<p>Join us as a {title}.</p>",
            )
            if isinstance(g.template("jobPosting").get("locationIds"), list):
                posting["locationIds"] = [loc["id"]]
            g.put("jobPosting", posting, confidential=conf)
            posting_ids.append(posting["id"])
        manager = rng.choice(users)
        job = {
            "id": job_id,
            "title": title,
            "confidential": conf,
            "status": status,
            "employmentType": "FullTime",
            "locationId": loc["id"],
            "departmentId": dept["id"],
            "defaultInterviewPlanId": plan["id"],
            "interviewPlanIds": [plan["id"]],
            "jobPostingIds": posting_ids,
            "customRequisitionId": f"REQ-{1000 + j}",
            "brandId": None,
            "createdAt": iso_ms(created),
            "updatedAt": iso_ms(created + 86400),
            "openedAt": iso_ms(created + 3600) if status != "Draft" else None,
            "closedAt": iso_ms(created + 90 * 86400) if status in ("Closed", "Archived") else None,
            "hiringTeam": [
                {
                    "userId": manager["id"],
                    "firstName": manager["firstName"],
                    "lastName": manager["lastName"],
                    "email": manager["email"],
                    "role": "Hiring Manager",
                }
            ],
            "customFields": [],
            "author": user_refs[users.index(manager)],
            "openings": [
                {
                    "id": opening["id"],
                    "isArchived": opening["isArchived"],
                    "openingState": opening["openingState"],
                }
            ],
        }
        for k in ("brandId", "openedAt", "closedAt"):
            if job[k] is None:
                del job[k]
        jobs.append(g.put("job", job, confidential=conf))

    _people(
        g,
        candidates,
        users,
        user_refs,
        jobs,
        stages_of,
        interviews_of,
        source_refs,
        tag_refs,
        reasons,
        fields,
        forms,
        projects,
    )
    _fill_remaining(g)


def _people(
    g: Gen,
    n: int,
    users: list[dict[str, Any]],
    user_refs: list[dict[str, Any]],
    jobs: list[dict[str, Any]],
    stages_of: dict[str, list[dict[str, Any]]],
    interviews_of: dict[str, list[str]],
    source_refs: list[dict[str, Any]],
    tag_refs: list[dict[str, Any]],
    reasons: list[dict[str, Any]],
    fields: list[dict[str, Any]],
    forms: list[dict[str, Any]],
    projects: list[dict[str, Any]],
) -> None:
    """Candidates and everything hanging off them, written with the fast raw path."""
    state = g.state
    rng = g.rng
    uid = g.uid
    dumps = orjson.dumps
    put_raw = state.put_raw
    cand_store, app_store = state.kinds["candidate"], state.kinds["application"]
    conf_jobs = {j["id"] for j in jobs if j["confidential"]}
    job_refs = {
        j["id"]: {
            "id": j["id"],
            "title": j["title"],
            "locationId": j["locationId"],
            "departmentId": j["departmentId"],
        }
        for j in jobs
    }
    cand_field = next(f for f in fields if f["title"] == "Years of experience")
    priv_field = next(f for f in fields if f["title"] == "Desired salary")
    reason_refs = [
        {
            "id": r["id"],
            "text": r["text"],
            "reasonType": r["reasonType"],
            "isArchived": False,
            "customFields": [],
        }
        for r in reasons
    ]
    proj_links = state.extras.setdefault("candidate_projects", {})
    n_users = len(users)
    for i in range(n):
        first, last = FIRST[rng.randrange(30)], LAST[rng.randrange(30)]
        cid = uid()
        created = g.ts()
        email = f"{first.lower()}.{last.lower()}.{i}@example.com"
        email_obj = {"value": email, "type": "Personal", "isPrimary": True}
        phone_obj = {
            "value": f"+1 555 {rng.randrange(1000, 9999)} {i % 10000:04d}",
            "type": "Personal",
            "isPrimary": True,
        }
        source = source_refs[rng.randrange(len(source_refs))]
        n_apps = 1 if rng.random() < 0.6 else (2 if rng.random() < 0.7 else 3)
        app_ids = []
        confidential = False
        cand_name = f"{first} {last}"
        for _ in range(n_apps):
            job = jobs[rng.randrange(len(jobs))]
            stages = stages_of[job["id"]]
            r = rng.random()
            if r < 0.45:
                status, stage = "Archived", stages[7]
            elif r < 0.52:
                status, stage = "Hired", stages[6]
            elif r < 0.6:
                status, stage = "Lead", stages[0]
            else:
                status, stage = "Active", stages[1 + rng.randrange(5)]
            aid = uid()
            app_ids.append(aid)
            a_created = created + rng.random() * 86400 * 20
            a_updated = a_created + rng.random() * 86400 * 30
            recruiter = user_refs[rng.randrange(n_users)]
            app: dict[str, Any] = {
                "id": aid,
                "createdAt": iso_ms(a_created),
                "updatedAt": iso_ms(a_updated),
                "status": status,
                "candidate": {
                    "id": cid,
                    "name": cand_name,
                    "primaryEmailAddress": email_obj,
                    "primaryPhoneNumber": phone_obj,
                },
                "currentInterviewStage": stage,
                "job": job_refs[job["id"]],
                "source": source,
                "hiringTeam": [
                    {
                        "userId": recruiter["id"],
                        "firstName": recruiter["firstName"],
                        "lastName": recruiter["lastName"],
                        "email": recruiter["email"],
                        "role": "Recruiter",
                    }
                ],
                "customFields": [],
            }
            if status == "Archived":
                app["archiveReason"] = reason_refs[rng.randrange(len(reason_refs))]
                app["archivedAt"] = iso_ms(a_updated)
            put_raw("application", aid, dumps(app))
            app_store.add_index("candidateId", cid, aid)
            app_store.add_index("jobId", job["id"], aid)
            # Everything hanging off an application of a confidential job is hidden with it.
            g.conf = job["id"] in conf_jobs
            if g.conf:
                app_store.confidential.add(aid)
                confidential = True
            # Stage history: every stage up to the current one (archived ones skip the tail).
            last_order = stage["orderInInterviewPlan"]
            path = [s for s in stages if s["orderInInterviewPlan"] <= min(last_order, 5)][
                : 1 + rng.randrange(3)
            ]
            if status in ("Archived", "Hired") and path[-1] is not stage:
                path.append(stage)
            t = a_created
            for k, st in enumerate(path):
                left = t + rng.random() * 86400 * 5
                h = {
                    "id": uid(),
                    "stageId": st["id"],
                    "title": st["title"],
                    "stageNumber": k,
                    "enteredStageAt": iso_ms(t),
                    "allowedActions": ["none"],
                }
                if k < len(path) - 1:
                    h["leftStageAt"] = iso_ms(left)
                put_raw("applicationHistory", h["id"], dumps(h), parent=aid, confidential=g.conf)
                t = left
            if last_order >= 3 and rng.random() < 0.6:
                _schedule(g, aid, stage["id"], interviews_of[job["id"]], user_refs, forms, a_created)
            if status == "Hired" or (status == "Active" and last_order == 5):
                _offer(g, aid, status, user_refs, a_updated)
        cand: dict[str, Any] = {
            "id": cid,
            "name": cand_name,
            "createdAt": iso_ms(created),
            "updatedAt": iso_ms(created + 86400),
            "emailAddresses": [email_obj],
            "primaryEmailAddress": email_obj,
            "phoneNumbers": [phone_obj],
            "primaryPhoneNumber": phone_obj,
            "socialLinks": [
                {"type": "LinkedIn", "url": f"https://www.linkedin.com/in/{first.lower()}-{last.lower()}-{i}"}
            ],
            "tags": [tag_refs[rng.randrange(len(tag_refs))]] if rng.random() < 0.3 else [],
            "applicationIds": app_ids,
            "fileHandles": [],
            "profileUrl": f"https://app.ashbyhq.com/candidates/{cid}",
            "company": COMPANIES[rng.randrange(len(COMPANIES))],
            "school": SCHOOLS[rng.randrange(len(SCHOOLS))],
            "position": ROLES[rng.randrange(len(ROLES))],
            "source": source,
            "timezone": "Europe/London",
            "customFields": [
                {
                    "id": cand_field["id"],
                    "title": cand_field["title"],
                    "value": rng.randrange(1, 20),
                    "isPrivate": False,
                }
            ],
        }
        private = rng.random() < 0.2
        if private:
            cand["customFields"].append(
                {
                    "id": priv_field["id"],
                    "title": priv_field["title"],
                    "value": {"currencyCode": "USD", "value": 100000 + rng.randrange(90) * 1000},
                    "isPrivate": True,
                }
            )
            cand_store.private.add(cid)
        put_raw("candidate", cid, dumps(cand))
        cand_store.add_index("email", email, cid)
        if confidential and all(a in app_store.confidential for a in app_ids):
            cand_store.confidential.add(cid)
        if rng.random() < 0.5:
            author = users[rng.randrange(n_users)]
            is_priv = rng.random() < 0.15
            note: dict[str, Any] = {
                "id": uid(),
                "createdAt": iso_ms(created + 3600),
                "isPrivate": is_priv,
                "content": f"Spoke with {first} about the role.",
                "author": {
                    "id": author["id"],
                    "firstName": author["firstName"],
                    "lastName": author["lastName"],
                    "email": author["email"],
                },
            }
            put_raw("candidateNote", note["id"], dumps(note), parent=cid)
            if is_priv:
                state.kinds["candidateNote"].private.add(note["id"])
        if projects and rng.random() < 0.05:
            proj_links.setdefault(cid, []).append(projects[rng.randrange(len(projects))]["id"])


def _schedule(
    g: Gen,
    aid: str,
    stage_id: str,
    interviews: list[str],
    user_refs: list[dict[str, Any]],
    forms: list[dict[str, Any]],
    start: float,
) -> None:
    rng = g.rng
    sid = g.uid()
    events = []
    t0 = start + 86400 * (3 + rng.random() * 10)
    for k in range(1 + rng.randrange(2)):
        iv = interviews[k % len(interviews)]
        who = user_refs[rng.randrange(len(user_refs))]
        begin = t0 + k * 3600
        ev: dict[str, Any] = {
            "id": g.uid(),
            "interviewId": iv,
            "interviewScheduleId": sid,
            "interviewerUserIds": [who["id"]],
            "interviewers": [g.interviewer(who)],
            "createdAt": iso_ms(start + 86400),
            "updatedAt": iso_ms(begin + 7200),
            "startTime": iso_ms(begin),
            "endTime": iso_ms(begin + 3600),
            "feedbackLink": f"https://app.ashbyhq.com/interview-briefing/{sid}",
            "hasSubmittedFeedback": True,
            "location": "Video call",
            "meetingLink": f"https://meet.example.com/{sid[:8]}",
        }
        g.state.put_raw("interviewEvent", ev["id"], orjson.dumps(ev), parent=sid, confidential=g.conf)
        events.append(ev)
        fb = {
            "id": g.uid(),
            "applicationId": aid,
            "interviewId": iv,
            "interviewEventId": ev["id"],
            "feedbackFormDefinitionId": forms[0]["id"],
            "submittedAt": iso_ms(begin + 5400),
            "submittedByUser": who,
            "formDefinition": {"sections": []},
            "submittedValues": {"overall_recommendation": 1 + rng.randrange(4), "notes": "Solid signal."},
        }
        g.state.put_raw("applicationFeedback", fb["id"], orjson.dumps(fb), confidential=g.conf)
    sched = {
        "id": sid,
        "status": "Complete",
        "applicationId": aid,
        "interviewStageId": stage_id,
        "createdAt": iso_ms(start + 86400),
        "updatedAt": iso_ms(t0 + 7200),
        "interviewEvents": events,
        "scheduledBy": user_refs[rng.randrange(len(user_refs))],
    }
    g.state.put_raw("interviewSchedule", sid, orjson.dumps(sched), confidential=g.conf)


def _offer(g: Gen, aid: str, status: str, user_refs: list[dict[str, Any]], at: float) -> None:
    rng = g.rng
    oid = g.uid()
    vid = g.uid()
    author = user_refs[rng.randrange(len(user_refs))]
    version = {
        "id": vid,
        "createdAt": iso_ms(at - 86400),
        "author": author,
        "approvalStatus": "Approved",
        "salary": {"currencyCode": "USD", "value": 90000 + rng.randrange(80) * 1000},
        "startDate": iso_ms(at + 30 * 86400)[:10],
        "customFields": [],
        "fileHandles": [],
    }
    hired = status == "Hired"
    offer: dict[str, Any] = {
        "id": oid,
        "applicationId": aid,
        "acceptanceStatus": "Accepted" if hired else "Pending",
        "offerStatus": "CandidateAccepted" if hired else "WaitingOnCandidateResponse",
        "latestVersion": version,
        "versions": [{"id": vid, "createdAt": version["createdAt"]}],
    }
    if hired:
        offer["decidedAt"] = iso_ms(at)
    tmpl = g.template("offer")
    for key in ("acceptanceStatus", "offerStatus"):
        if not _enum_ok("offer", key, offer[key]):
            offer[key] = tmpl.get(key)
    g.state.put_raw("offer", oid, orjson.dumps(offer), confidential=g.conf)
    appr: dict[str, Any] = {
        "id": g.uid(),
        "createdAt": iso_ms(at - 86400),
        "submittedAt": iso_ms(at - 86000),
        "completedAt": iso_ms(at - 80000),
        "approvalDefinitionId": _approval_definition(g),
        "entityId": oid,
        "entityType": "offer",
        "steps": [{"id": g.uid(), "approvalsRequired": 1, "approvers": []}],
    }
    if not _enum_ok("approval", "entityType", "offer"):
        appr["entityType"] = g.template("approval").get("entityType")
    g.state.put_raw("approval", appr["id"], orjson.dumps(appr), confidential=g.conf)


def _approval_definition(g: Gen) -> str:
    ident = g.state.extras.get("approval_definition_id")
    if not isinstance(ident, str):
        ident = g.uid()
        g.state.extras["approval_definition_id"] = ident
    return ident


_ENUMS: dict[tuple[str, str], list[Any] | None] = {}


def _enum_ok(kind: str, field: str, value: Any) -> bool:
    key = (kind, field)
    if key not in _ENUMS:
        sub = properties(record_schema(kind)).get(field, {})
        _ENUMS[key] = sub.get("enum")
    enum = _ENUMS[key]
    return enum is None or value in enum


def _fill_remaining(g: Gen) -> None:
    """Kinds nothing above wrote get a few schema-shaped records so every list answers something."""
    for kind, kd in KINDS.items():
        if (
            len(g.state.kinds[kind])
            or kd.parent_field
            or kind in ("webhook", "file", "offerProcess", "approvalDefinition")
        ):
            continue
        if kd.list_op is None and kd.info_op is None:
            continue
        for _ in range(3):
            g.put(kind, g.small(kind))
