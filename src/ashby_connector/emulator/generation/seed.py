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

from ashby_connector.emulator.delivery.files import GENERATED_PREFIX as GENERATED_FILE
from ashby_connector.emulator.generation import shapes
from ashby_connector.emulator.generation.shapes import CUSTOM_FIELDS
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
# (department, its parent department): teams under their function.
DEPARTMENT_PARENTS = {
    "Design": "Product",
    "Data": "Engineering",
    "Security": "Engineering",
    "Legal": "Finance",
}
REGIONS = ("North America", "Europe", "Asia Pacific")
CITY_REGION = {
    "San Francisco": "North America",
    "New York": "North America",
    "London": "Europe",
    "Berlin": "Europe",
    "Paris": "Europe",
    "Toronto": "North America",
    "Singapore": "Asia Pacific",
    "Sydney": "Asia Pacific",
    "Remote (US)": "North America",
    "Remote (EU)": "Europe",
}
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
# What each source is (a job board is inbound, a conference an event).
SOURCE_TYPE = {
    "LinkedIn": "Sourced",
    "Referral": "Referral",
    "Company Website": "Inbound",
    "Indeed": "Inbound",
    "AngelList": "Inbound",
    "Agency": "Agency",
    "Conference": "Event",
    "Hacker News": "Inbound",
    "GitHub": "Sourced",
    "Sourced": "Sourced",
    "Job Board": "Inbound",
    "University": "Event",
    "Twitter": "Sourced",
    "Event": "Event",
    "Other": "Other",
}
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
# Organisation-level interview plans: (title, the three interview stages between the application
# review and the offer); every plan has the eight stage types of STAGES in that order.
PLANS = (
    ("Engineering interview plan", ("Recruiter Screen", "Technical Interview", "Onsite")),
    ("Engineering leadership plan", ("Recruiter Screen", "Leadership Interview", "Executive Onsite")),
    ("Product and design plan", ("Recruiter Screen", "Portfolio Review", "Onsite")),
    ("Go-to-market plan", ("Recruiter Screen", "Role Play", "Final Interview")),
    ("General hiring plan", ("Phone Screen", "Hiring Manager Interview", "Team Interview")),
    ("Internship plan", ("Phone Screen", "Take-home Review", "Final Interview")),
)
LEADERSHIP_PLAN, GENERAL_PLAN, INTERN_PLAN = 1, 4, 5
PLAN_OF_DEPARTMENT = {
    "Engineering": 0,
    "Data": 0,
    "Security": 0,
    "Product": 2,
    "Design": 2,
    "Sales": 3,
    "Marketing": 3,
}
ROLE_DEPARTMENT = {
    "Software Engineer": "Engineering",
    "Senior Software Engineer": "Engineering",
    "Staff Engineer": "Engineering",
    "Product Manager": "Product",
    "Product Designer": "Design",
}
FEEDBACK_FORMS = ("Default scorecard", "Technical scorecard", "Culture add", "Debrief")
# Which form each of a job's interviews uses, and the interview (index) a form was made for.
FORM_OF_INTERVIEW = {"Phone screen": 0, "Technical": 1, "Values": 2}
FEEDBACK_FORM_INTERVIEW = {"Technical scorecard": 1, "Culture add": 2}
# Six open jobs in ten, and every other status among the first six (small organisations have all).
JOB_STATUSES = ("Open", "Closed", "Draft", "Open", "Archived", "Open", "Open", "Closed", "Open", "Open")
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
        self.fields_of: dict[str, list[dict[str, Any]]] = {}  # custom field definitions by objectType
        self.survey_forms: list[dict[str, Any]] = []
        self.application_form_of: dict[str, dict[str, Any]] = {}  # job id -> its posting's form
        self.posting_of: dict[str, str] = {}  # job id -> its posting's id
        self.application_form_id_of: dict[str, str] = {}

    def custom_values(self, object_type: str) -> list[dict[str, Any]]:
        """A value for each of the object type's non-private custom fields (from customField.list)."""
        return [
            shapes.custom_value(f, self.rng, iso_ms(BASE_TS))
            for f in self.fields_of.get(object_type, ())
            if not f["isPrivate"]
        ]

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
                # Point at a real pool of this organisation rather than the schema's placeholder;
                # a quarter of interviewers are in its training path.
                pool = pools.get(next(iter(pools.data))) or {}
                keep = (
                    ("id", "isArchived", "title", "trainingPath") if int(user["id"][:2], 16) % 4 == 0 else ()
                )
                done["interviewerPool"] = {
                    k: pool[k] for k in keep or ("id", "isArchived", "title") if k in pool
                }
            self._interviewers[user["id"]] = done
        assert isinstance(done, dict)
        return done

    def pool_member(self, field: str, user: dict[str, Any]) -> dict[str, Any]:
        """A user as an interviewer pool lists it (plus what that shape requires, e.g. isPaused)."""
        items = properties(record_schema("interviewerPool")).get(field, {}).get("items")
        member = self.filler.conform(items, dict(user))
        assert isinstance(member, dict)
        return member

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
    state.extras["offer_form_definition"] = shapes.form_definition(
        g.uid, "Offer details", shapes.OFFER_QUESTIONS
    )
    org_id = state.extras["organization_id"] = g.uid()
    n_users = max(12, min(3000, candidates // 150))
    fields = []
    for title, ftype, obj, private, values in CUSTOM_FIELDS:
        definition: dict[str, Any] = {
            "id": g.uid(),
            "title": title,
            "fieldType": ftype,
            "objectType": obj,
            "isArchived": False,
            "isPrivate": private,
            "isRequired": False,
        }
        if values:
            definition["selectableValues"] = shapes.selectable(values)
        fields.append(g.put("customField", definition))
    g.fields_of = {}
    for f in fields:
        g.fields_of.setdefault(f["objectType"], []).append(f)
    users: list[dict[str, Any]] = []
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
                    "customFields": g.custom_values("Employee") if i % 3 == 0 else [],
                    **({"managerId": users[(i - 1) // 4]["id"]} if i else {}),
                },
            )
        )
    for i, user in enumerate(users[3::5]):
        pause = {
            "id": g.uid(),
            "userId": user["id"],
            "createdAt": iso_ms(g.ts(60)),
            "startsAt": iso_ms(BASE_TS + 86400 * (i + 1)),
            "endsAt": iso_ms(BASE_TS + 86400 * (i + 15)),
            "comment": "Parental leave" if i % 2 else "Focus time",
        }
        g.state.put_raw("userInterviewerPause", pause["id"], orjson.dumps(pause), parent=user["id"])
    # Users embedded in other records are copies of user.list's records (same id, same fields).
    user_refs = [dict(u) for u in users]
    # Departments: a small tree (a team under its function), the last one archived.
    depts: list[dict[str, Any]] = []
    dept_by_name: dict[str, dict[str, Any]] = {}
    for k, n in enumerate(DEPARTMENTS):
        dept = g.small(
            "department",
            name=n,
            externalName=n,
            isArchived=k == len(DEPARTMENTS) - 1,
            extraData={"costCenter": f"CC-{100 + k}"},
        )
        parent = DEPARTMENT_PARENTS.get(n)
        if parent is None:
            dept.pop("parentId", None)
        else:
            dept["parentId"] = dept_by_name[parent]["id"]
        depts.append(g.put("department", dept))
        dept_by_name[n] = dept
    # Locations: regions (LocationHierarchy) holding their offices and remote locations.
    region_of: dict[str, dict[str, Any]] = {}
    for i, region in enumerate(REGIONS):
        rec = g.small(
            "location",
            name=region,
            externalName=region,
            isArchived=False,
            isRemote=False,
            type="LocationHierarchy",
            extraData={"regionCode": f"REG-{i + 1}"},
        )
        for absent in ("parentLocationId", "address", "workplaceType"):
            rec.pop(absent, None)
        region_of[region] = g.put("location", rec)
    locs: list[dict[str, Any]] = []
    for i, city in enumerate(CITIES):
        remote = city.startswith("Remote")
        loc = g.small(
            "location",
            name=city,
            externalName=city,
            isArchived=False,
            isRemote=remote,
            type="Location",
            workplaceType="Remote" if remote else rng.choice(("OnSite", "Hybrid")),
            parentLocationId=region_of[CITY_REGION[city]]["id"],
            address=shapes.address(city),
            extraData={"officeCode": f"OFF-{i + 1}"},
        )
        if loc.get("address") is None:
            loc.pop("address")
        locs.append(g.put("location", loc))
    for name in ("Emulated Org", "Emulated Labs"):
        g.put("brand", {"id": g.uid(), "name": name, "hostedJobsPageSlug": name.lower().replace(" ", "-")})
    source_types = {
        t: {"id": g.uid(), "title": t, "isArchived": False}
        for t in ("Inbound", "Referral", "Sourced", "Agency", "Event", "Other")
    }
    sources = [
        g.put(
            "source",
            g.small(
                "source",
                title=t,
                isArchived=i == len(SOURCES) - 1,
                sourceType=source_types[SOURCE_TYPE[t]],
            ),
        )
        for i, t in enumerate(SOURCES)
    ]
    source_refs = [
        {"id": s["id"], "title": s["title"], "isArchived": s["isArchived"], "sourceType": s["sourceType"]}
        for s in sources
    ]
    # Tracking links of the sources a recruiter shares a link for (job boards, events).
    for source in sources:
        if (
            source["title"] in ("LinkedIn", "Job Board", "Conference", "University")
            and not source["isArchived"]
        ):
            code = source["title"].lower().replace(" ", "-")
            g.put(
                "sourceTrackingLink",
                {
                    "id": g.uid(),
                    "code": code,
                    "enabled": source["title"] != "University",
                    "link": f"https://jobs.ashbyhq.com/emulated-org?utm_source={code}",
                    "sourceId": source["id"],
                },
            )
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
    forms = []
    for i, t in enumerate(FEEDBACK_FORMS):
        form = g.small(
            "feedbackFormDefinition",
            title=t,
            isArchived=False,
            isDefaultForm=i == 0,
            organizationId=org_id,
            formDefinition=shapes.form_definition(g.uid, t, shapes.SCORECARD_QUESTIONS),
        )
        form.pop("interviewId", None)  # set below for the forms made for one interview
        forms.append(g.put("feedbackFormDefinition", form))
    survey_forms = [
        g.put(
            "surveyFormDefinition",
            g.small(
                "surveyFormDefinition",
                title=t,
                isArchived=False,
                formDefinition=shapes.form_definition(g.uid, t, shapes.SURVEY_QUESTIONS),
            ),
        )
        for t in ("Candidate experience", "Diversity (EEOC)", "Onboarding")
    ]
    g.survey_forms = survey_forms
    for t in ("Rejection", "Interview invite", "Offer letter", "Follow-up"):
        g.put("communicationTemplate", g.small("communicationTemplate", title=t))
    for k, t in enumerate(
        ("Backend interviewers", "Frontend interviewers", "Hiring managers", "Bar raisers")
    ):
        members = [user_refs[(k + m + 1) % len(user_refs)] for m in range(3)]
        training_path: dict[str, Any] = {
            "id": g.uid(),
            "enabled": True,
            "trainingStages": [
                {
                    "id": g.uid(),
                    "interviewerRole": role,
                    "interviewsRequired": 2,
                    "approvalRequired": role == "ReverseShadow",
                    "approvers": [members[0], user_refs[3 % len(user_refs)]],
                    "isArchived": False,
                }
                for role in ("Shadow", "ReverseShadow")
            ],
        }
        trainees = []
        for rank, member in enumerate(members[2:]):
            trainee = g.pool_member("trainees", member)
            # A trainee progresses along this pool's own training path.
            trainee["currentProgress"] = {
                "trainingPathId": training_path["id"],
                "trainingPathStageId": training_path["trainingStages"][(k + rank) % 2]["id"],
                "interviewsCompleted": (k + rank) % 3,
            }
            trainees.append(trainee)
        g.put(
            "interviewerPool",
            g.small(
                "interviewerPool",
                title=t,
                isArchived=False,
                qualifiedMembers=[g.pool_member("qualifiedMembers", m) for m in members[:2]],
                trainees=trainees,
                trainingPath=training_path,
            ),
        )
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
                    "customFieldEntries": g.custom_values("Talent_Project"),
                },
                confidential=conf,
            )
        )
    # Interview plans belong to the organisation: a handful, shared by the jobs of a function.
    plans: list[dict[str, Any]] = []
    plan_stages: dict[str, list[dict[str, Any]]] = {}
    for p, (plan_title, interview_stages) in enumerate(PLANS):
        created = BASE_TS - (900 + 30 * p) * 86400
        plan = g.put(
            "interviewPlan",
            {
                "id": g.uid(),
                "title": plan_title,
                "isArchived": False,
                "createdAt": iso_ms(created),
                "updatedAt": iso_ms(created + 86400 * 40),
            },
        )
        plans.append(plan)
        titles = (STAGES[0][0], STAGES[1][0], *interview_stages, *(t for t, _ in STAGES[5:]))
        plan_stages[plan["id"]] = [
            g.put(
                "interviewStage",
                {
                    "id": g.uid(),
                    "title": stage_title,
                    "type": stype,
                    "orderInInterviewPlan": order,
                    "interviewStageGroupId": group_of[stype],
                    "interviewPlanId": plan["id"],
                },
                parent=plan["id"],
            )
            for order, (stage_title, (_, stype)) in enumerate(zip(titles, STAGES, strict=True))
        ]

    def plans_of(dept_name: str, j: int) -> list[str]:
        """A job's plans: its function's, and for one job in five an alternative process."""
        default = plans[PLAN_OF_DEPARTMENT.get(dept_name, GENERAL_PLAN)]["id"]
        if j % 5 != 2:
            return [default]
        other = plans[LEADERSHIP_PLAN if dept_name in ("Engineering", "Data", "Security") else INTERN_PLAN]
        return [default, other["id"]] if other["id"] != default else [default]

    for k, t in enumerate(ROLES[:5]):
        loc = locs[k % 3]
        dept = dept_by_name[ROLE_DEPARTMENT.get(t, "Engineering")]
        template_plans = plans_of(dept["name"], k)
        g.put(
            "jobTemplate",
            g.small(
                "jobTemplate",
                title=f"{t} template",
                status="Active" if k != 4 else "Inactive",
                departmentId=dept["id"],
                locationId=loc["id"],
                location=dict(loc),
                defaultInterviewPlanId=template_plans[0],
                interviewPlanIds=template_plans,
            ),
        )

    # Jobs: each with its interviews, posting and opening, on its function's shared plan(s).
    n_jobs = max(6, candidates // 100)
    brands = list(g.state.kinds["brand"].data)
    close_reasons = list(g.state.kinds["closeReason"].data)
    jobs: list[dict[str, Any]] = []
    stages_of: dict[str, list[dict[str, Any]]] = {}
    interviews_of: dict[str, list[str]] = {}
    for j in range(n_jobs):
        status = JOB_STATUSES[j % len(JOB_STATUSES)]
        conf = j % 12 == 5
        created = g.ts(900)
        dept, loc = rng.choice(depts[:-1]), rng.choice(locs)
        job_plans = plans_of(dept["name"], j)
        stages = plan_stages[job_plans[0]]
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
                    "feedbackFormDefinitionId": forms[FORM_OF_INTERVIEW[title]]["id"],
                    "instructionsPlain": f"{title} interview",
                    "instructionsHtml": f"<p>{title} interview</p>",
                },
            )
            ivs.append(iv["id"])
        interviews_of[job_id] = ivs
        title = rng.choice(ROLES)
        posting_ids = []
        manager = rng.choice(users)
        recruiter, coordinator = rng.choice(users), rng.choice(users)
        hiring_team = [
            _team_member(member, role)
            for member, role in (
                (manager, "Hiring Manager"),
                (recruiter, "Recruiter"),
                (coordinator, "Coordinator"),
            )
        ]
        opening_state = "Open" if status == "Open" else ("Closed" if status != "Draft" else "Draft")
        opening: dict[str, Any] = {
            "id": g.uid(),
            "isArchived": status == "Archived",
            "openedAt": iso_ms(created),
            "openingState": opening_state,
            "latestVersion": {
                "id": g.uid(),
                "identifier": f"REQ-{1000 + j}",
                "description": f"Opening for {title}",
                "authorId": users[0]["id"],
                "teamId": dept["id"],
                "jobIds": [job_id],
                "locationIds": [loc["id"]],
                "createdAt": iso_ms(created),
                "isBackfill": j % 4 == 3,
                "employmentType": "FullTime",
                "targetHireDate": iso_ms(created + 60 * 86400)[:10],
                "targetStartDate": iso_ms(created + 90 * 86400)[:10],
                "hiringTeam": hiring_team[:2],
                "customFields": g.custom_values("Opening"),
            },
        }
        if opening_state == "Closed":
            opening["closedAt"] = iso_ms(created + 90 * 86400)
            opening["closeReasonId"] = close_reasons[j % len(close_reasons)]
        if status == "Archived":
            opening["archivedAt"] = iso_ms(created + 100 * 86400)
        g.put("opening", opening)
        pay = shapes.compensation(g.uid, rng)
        if status in ("Open", "Closed"):
            application_form = shapes.form_definition(g.uid, "Application", shapes.APPLICATION_QUESTIONS)
            g.application_form_of[job_id] = application_form
            g.application_form_id_of[job_id] = g.uid()
            # Some postings list more offices of the same region.
            region = CITY_REGION[loc["name"]]
            secondary = [x["id"] for x in locs if x is not loc and CITY_REGION[x["name"]] == region][: j % 3]
            posting_id = g.uid()
            opening_text = f"{dept['name']} at Emulated Org builds what our customers rely on every day."
            body_text = f"As a {title} you will own meaningful work from the first week."
            closing_text = "We welcome applicants of every background and will adjust our process on request."
            parent_dept = DEPARTMENT_PARENTS.get(dept["name"])
            posting = g.small(
                "jobPosting",
                id=posting_id,
                applyLink=f"https://jobs.ashbyhq.com/emulated-org/{posting_id}/application",
                externalLink=f"https://jobs.ashbyhq.com/emulated-org/{posting_id}",
                isRemote=loc["isRemote"],
                workplaceType=loc["workplaceType"],
                descriptionParts={
                    "descriptionOpening": {"html": f"<p>{opening_text}</p>", "plain": opening_text},
                    "descriptionBody": {"html": f"<p>{body_text}</p>", "plain": body_text},
                    "descriptionClosing": {"html": f"<p>{closing_text}</p>", "plain": closing_text},
                },
                descriptionSocial=f"We are hiring a {title} in {loc['name']}.",
                teamNameHierarchy=[parent_dept, dept["name"]] if parent_dept else [dept["name"]],
                applicationDeadline=iso_ms(created + 120 * 86400),
                applicationLimitCalloutHtml="<p>You can apply to up to three roles every six months.</p>",
                title=title,
                jobId=job_id,
                departmentName=dept["name"],
                teamName=dept["name"],
                locationName=loc["name"],
                locationIds={"primaryLocationId": loc["id"], "secondaryLocationIds": secondary},
                isListed=status == "Open" and not conf,
                employmentType="FullTime",
                publishedDate=iso_ms(created)[:10],
                descriptionPlain=f"Join us as a {title}.",
                descriptionHtml=f"<p>Join us as a {title}.</p>",
                address=loc.get("address"),
                compensation=pay,
                compensationTierSummary=pay["compensationTierSummary"],
                shouldDisplayCompensationOnJobBoard=True,
                applicationFormDefinition=application_form,
                surveyFormDefinitions=[
                    {**form, "formDefinition": form["formDefinition"]} for form in g.survey_forms[1:2]
                ],
                linkedData={
                    "@context": "https://schema.org/",
                    "@type": "JobPosting",
                    "title": title,
                    "description": f"Join us as a {title}.",
                    "datePosted": iso_ms(created)[:10],
                    "employmentType": "FULL_TIME",
                    "hiringOrganization": {
                        "@type": "Organization",
                        "name": "Emulated Org",
                        "sameAs": "https://emulated-org.com",
                    },
                    "identifier": {"@type": "PropertyValue", "name": "Emulated Org", "value": job_id},
                    "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress"}},
                },
            )
            if posting["address"] is None:  # a remote posting has no office address
                del posting["address"]
            if isinstance(g.template("jobPosting").get("locationIds"), list):
                posting["locationIds"] = [loc["id"]]
            g.put("jobPosting", posting, confidential=conf)
            posting_ids.append(posting["id"])
            g.posting_of[job_id] = posting["id"]
        job = {
            "id": job_id,
            "title": title,
            "confidential": conf,
            "status": status,
            "employmentType": "FullTime",
            "locationId": loc["id"],
            "departmentId": dept["id"],
            "defaultInterviewPlanId": job_plans[0],
            "interviewPlanIds": job_plans,
            "jobPostingIds": posting_ids,
            "customRequisitionId": f"REQ-{1000 + j}",
            "brandId": brands[j % len(brands)] if j % 3 else None,
            "createdAt": iso_ms(created),
            "updatedAt": iso_ms(created + 86400),
            "openedAt": iso_ms(created + 3600) if status != "Draft" else None,
            "closedAt": iso_ms(created + 90 * 86400) if status in ("Closed", "Archived") else None,
            "hiringTeam": hiring_team,
            "customFields": g.custom_values("Job"),
            "compensation": {"compensationTiers": pay["compensationTiers"]},
            "author": user_refs[users.index(manager)],
            "openings": [
                {
                    "id": opening["id"],
                    "isArchived": opening["isArchived"],
                    "openingState": opening["openingState"],
                }
            ],
        }
        for stamp in ("brandId", "openedAt", "closedAt"):
            if job[stamp] is None:
                del job[stamp]
        jobs.append(g.put("job", job, confidential=conf))

    # The forms made for one interview name it (the first job's); the default form and the
    # debrief form serve every interview.
    for form in forms:
        interview = FEEDBACK_FORM_INTERVIEW.get(form["title"])
        if interview is not None:
            form["interviewId"] = interviews_of[jobs[0]["id"]][interview]
            g.put("feedbackFormDefinition", form)
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
    by_title = {f["title"]: f for f in fields}
    cand_field = by_title["Years of experience"]
    priv_field = by_title["Desired salary"]
    optional_fields = [
        (by_title[t], share)
        for t, share in (
            ("Skills", 0.5),
            ("Expected level", 0.3),
            ("Available from", 0.2),
            ("Work authorization", 0.3),
            ("Notice period", 0.1),
            ("Salary expectation", 0.2),
        )
    ]
    app_fields = [
        (by_title[t], share)
        for t, share in (
            ("Referral bonus eligible", 0.4),
            ("Pipeline", 0.5),
            ("Offer band", 0.2),
            ("Relocation budget", 0.2),
        )
    ]
    app_private = by_title["Interview notes (private)"]
    reason_refs = [
        {
            "id": r["id"],
            "text": r["text"],
            "reasonType": r["reasonType"],
            "isArchived": False,
            "customFields": [],  # the spec requires the list; no custom field can apply to a reason
        }
        for r in reasons
    ]
    located = list(shapes.ADDRESSES)
    forms_of_app: dict[str, Any] = state.extras.setdefault("application_form_submissions", {})
    referrals_of: dict[str, Any] = state.extras.setdefault("application_referrals", {})
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
        resume = (
            {"id": uid(), "name": f"{first}_{last}_resume.pdf", "handle": f"{GENERATED_FILE}{cid}-resume"}
            if rng.random() < 0.6
            else None
        )
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
            team = [_team_member(recruiter, "Recruiter")]
            if rng.random() < 0.5:
                team.append(_team_member(user_refs[rng.randrange(n_users)], "Coordinator"))
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
                "hiringTeam": team,
                "customFields": [
                    shapes.custom_value(f, rng, iso_ms(a_created))
                    for f, share in app_fields
                    if rng.random() < share
                ],
            }
            # Credit (who sourced or referred) is not the recruiter: Ashby keeps it apart.
            if rng.random() < 0.5:
                app["creditedToUser"] = user_refs[rng.randrange(n_users)]
            private_app = rng.random() < 0.1
            if private_app:
                app["customFields"].append(shapes.custom_value(app_private, rng, iso_ms(a_created)))
            posting_id = g.posting_of.get(job["id"])
            if posting_id and rng.random() < 0.6:
                app["appliedViaJobPostingId"] = posting_id
                app["submitterClientIp"] = f"203.0.113.{rng.randrange(1, 255)}"
                app["submitterUserAgent"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
                forms_of_app[aid] = [
                    {
                        "id": uid(),
                        "formDefinition": g.application_form_of[job["id"]],
                        "submittedValues": {
                            "_systemfield_name": cand_name,
                            "_systemfield_email": email,
                            "years_experience": 1 + rng.randrange(15),
                            "work_authorization": ("Yes", "No", "Maybe")[rng.randrange(3)],
                        },
                    }
                ]
                info = {
                    "id": uid(),
                    "candidateId": cid,
                    "createdAt": iso_ms(a_created),
                    "ipAddress": app["submitterClientIp"],
                    "userAgent": app["submitterUserAgent"],
                    "relatedEntityId": aid,
                    "relatedEntityType": "application",
                }
                put_raw(
                    "candidateClientInfo",
                    info["id"],
                    dumps(info),
                    parent=cid,
                    confidential=job["id"] in conf_jobs,
                )
                if rng.random() < 0.2:
                    _criteria_evaluation(g, aid, a_created, job["id"])
            if resume is not None:
                app["resumeFileHandle"] = resume
            if source["title"] == "Referral":
                referrer = user_refs[rng.randrange(n_users) // 3 * 3]  # staff with HR fields
                referrals_of[aid] = [{"user": referrer, "referredAt": iso_ms(a_created)}]
            if status == "Archived":
                app["archiveReason"] = reason_refs[rng.randrange(len(reason_refs))]
                app["archivedAt"] = iso_ms(a_updated)
            put_raw("application", aid, dumps(app), private=private_app)
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
            history_of_stage: dict[str, str] = {}
            for k, st in enumerate(path):
                left = t + rng.random() * 86400 * 5
                h = {
                    "id": uid(),
                    "stageId": st["id"],
                    "title": st["title"],
                    "stageNumber": k,
                    "enteredStageAt": iso_ms(t),
                    "actorId": recruiter["id"],
                    "allowedActions": ["none"],
                }
                if k < len(path) - 1:
                    h["leftStageAt"] = iso_ms(left)
                history_of_stage[st["id"]] = h["id"]
                put_raw("applicationHistory", h["id"], dumps(h), parent=aid, confidential=g.conf)
                t = left
            if last_order >= 3 and rng.random() < 0.6:
                _schedule(
                    g,
                    aid,
                    stage["id"],
                    interviews_of[job["id"]],
                    user_refs,
                    forms,
                    a_created,
                    history_of_stage.get(stage["id"]),
                    upcoming=status == "Active",
                )
            if status == "Hired" or (status == "Active" and last_order == 5):
                _offer(g, aid, status, user_refs, a_updated, job)
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
            "fraudStatus": FRAUD_STATUSES[rng.randrange(len(FRAUD_STATUSES))],
            "customFields": [
                {
                    "id": cand_field["id"],
                    "title": cand_field["title"],
                    "value": rng.randrange(1, 20),
                    "isPrivate": False,
                }
            ],
        }
        for definition, share in optional_fields:
            if rng.random() < share:
                cand["customFields"].append(shapes.custom_value(definition, rng, iso_ms(created)))
        if resume is not None:
            cand["resumeFileHandle"] = resume
            cand["fileHandles"] = [resume]
            if rng.random() < 0.3:
                cand["fileHandles"].append(
                    {"id": uid(), "name": "cover_letter.pdf", "handle": f"{GENERATED_FILE}{cid}-cover"}
                )
        if rng.random() < 0.7:
            where = shapes.candidate_location(uid(), located[rng.randrange(len(located))])
            if where is not None:
                cand["location"] = where
        if rng.random() < 0.4:
            cand["creditedToUser"] = user_refs[rng.randrange(n_users)]
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
        if cand["fraudStatus"] in ("Fraudulent", "Unsure"):
            check: dict[str, Any] = {
                "id": uid(),
                "candidateId": cid,
                "applicationId": app_ids[0],
                "createdAt": iso_ms(created + 7200),
                "fraudSignals": [
                    {
                        "id": uid(),
                        "category": "Identity",
                        "name": "Email domain",
                        "description": "The email domain was registered recently.",
                        "value": "example.com",
                    }
                ],
            }
            put_raw("candidateFraudCheck", check["id"], dumps(check), parent=cid, confidential=confidential)
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
        if app_ids and rng.random() < 0.02:
            _survey(g, cid, app_ids[0], confidential)


FRAUD_STATUSES = ("NotFraudulent",) * 6 + ("Unreviewed",) * 3 + ("PassedFraudCheck", "Unsure", "Fraudulent")


def _team_member(user: dict[str, Any], role: str) -> dict[str, Any]:
    """A hiring team entry, as jobs, openings and applications list them."""
    return {
        "userId": user["id"],
        "firstName": user["firstName"],
        "lastName": user["lastName"],
        "email": user["email"],
        "role": role,
    }


def _criteria_evaluation(g: Gen, aid: str, at: float, job_id: str) -> None:
    evaluation: dict[str, Any] = {
        "id": g.uid(),
        "status": "Completed",
        "outcome": "Meets",
        "outcomeNumber": round(g.rng.random(), 2),
        "reasoning": "The resume shows the required experience.",
        "skipReason": "Not skipped",
        "evaluatedAt": iso_ms(at + 600),
        "criterion": {
            "id": g.uid(),
            "title": "Relevant experience",
            "type": "DidAnswerApplicationFormQuestion",
            "prompt": "Does the candidate have three years of relevant experience?",
            "applicationFormDefinitionId": g.application_form_id_of.get(job_id),
            "applicationFormFieldPath": "years_experience",
        },
    }
    g.state.put_raw(
        "applicationCriteriaEvaluation",
        evaluation["id"],
        orjson.dumps(evaluation),
        parent=aid,
        confidential=g.conf,
    )


def _survey(g: Gen, cid: str, aid: str, confidential: bool) -> None:
    """A survey request and the candidate's answer (candidate experience or questionnaire)."""
    form = g.survey_forms[0]
    request = {
        "id": g.uid(),
        "candidateId": cid,
        "applicationId": aid,
        "surveyFormDefinitionId": form["id"],
        "surveyUrl": f"https://app.ashbyhq.com/surveys/{cid[:8]}",
        "surveyType": "CandidateExperience",
    }
    g.state.put_raw("surveyRequest", request["id"], orjson.dumps(request), confidential=confidential)
    submission_type = ("CandidateExperience", "Questionnaire")[g.rng.randrange(2)]
    submission = {
        "id": g.uid(),
        "candidateId": cid,
        "applicationId": aid,
        "surveyFormDefinitionId": form["id"],
        "surveyType": submission_type,
        "submittedAt": iso_ms(BASE_TS - g.rng.random() * 86400 * 30),
        "formDefinition": form["formDefinition"],
        "submittedValues": {"experience_rating": "Yes", "comments": "Smooth process."},
    }
    g.state.put_raw("surveySubmission", submission["id"], orjson.dumps(submission), confidential=confidential)


def _schedule(
    g: Gen,
    aid: str,
    stage_id: str,
    interviews: list[str],
    user_refs: list[dict[str, Any]],
    forms: list[dict[str, Any]],
    start: float,
    history_id: str | None,
    *,
    upcoming: bool,
) -> None:
    rng = g.rng
    sid = g.uid()
    events = []
    # Active applications sometimes wait for an interview still to come; the rest are done.
    status = "Complete"
    if upcoming and rng.random() < 0.3:
        status = ("Scheduled", "WaitingOnFeedback", "Cancelled")[rng.randrange(3)]
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
            "hasSubmittedFeedback": status == "Complete",
            "location": "Video call",
            "meetingLink": f"https://meet.example.com/{sid[:8]}",
            "interviewerCalendarEventId": f"cal-{sid[:8]}-{k}",
            "extraData": {"room": f"Room {1 + k}"},
        }
        g.state.put_raw("interviewEvent", ev["id"], orjson.dumps(ev), parent=sid, confidential=g.conf)
        events.append(ev)
        if status != "Complete":
            continue
        form = forms[0]
        fb = {
            "id": g.uid(),
            "applicationId": aid,
            "interviewId": iv,
            "interviewEventId": ev["id"],
            "feedbackFormDefinitionId": form["id"],
            "submittedAt": iso_ms(begin + 5400),
            "submittedByUser": who,
            "formDefinition": {},  # the form's sections are added when answered (expand.py)
            "submittedValues": {
                "overall_recommendation": 1 + rng.randrange(4),
                "notes": "Solid signal.",
                "strengths": "Yes",
            },
        }
        if history_id:
            fb["applicationHistoryId"] = history_id
        g.state.put_raw("applicationFeedback", fb["id"], orjson.dumps(fb), confidential=g.conf)
    sched = {
        "id": sid,
        "status": status,
        "applicationId": aid,
        "interviewStageId": stage_id,
        "createdAt": iso_ms(start + 86400),
        "updatedAt": iso_ms(t0 + 7200),
        "interviewEvents": events,
        "scheduledBy": user_refs[rng.randrange(len(user_refs))],
    }
    g.state.put_raw("interviewSchedule", sid, orjson.dumps(sched), confidential=g.conf)


# Offers of active applications at the Offer stage, at every step of Ashby's process:
# (acceptanceStatus, offerStatus, approvalStatus of the latest version).
OPEN_OFFER_STATES = (
    ("Created", "WaitingOnApprovalStart", None),
    ("Pending", "WaitingOnOfferApproval", "WaitingOnApprovals"),
    ("Pending", "WaitingOnCandidateResponse", "Approved"),
    ("WaitingOnResponse", "WaitingOnCandidateResponse", "Approved"),
    ("Declined", "CandidateRejected", "Approved"),
    ("Cancelled", "OfferCancelled", "Approved"),
)


def _offer(
    g: Gen, aid: str, status: str, user_refs: list[dict[str, Any]], at: float, job: dict[str, Any]
) -> None:
    rng = g.rng
    oid = g.uid()
    author = user_refs[rng.randrange(len(user_refs))]
    hired = status == "Hired"
    acceptance, offer_status, approval = (
        ("Accepted", "CandidateAccepted", "Approved")
        if hired
        else OPEN_OFFER_STATES[rng.randrange(len(OPEN_OFFER_STATES))]
    )
    salary = 90000 + rng.randrange(80) * 1000
    versions = []
    count = 2 if rng.random() < 0.3 else 1  # some offers were revised after a declined approval
    for k in range(count):
        latest = k == count - 1
        version: dict[str, Any] = {
            "id": g.uid(),
            "createdAt": iso_ms(at - 86400 * (count - k)),
            "author": author,
            "approvalStatus": approval if latest else "Declined",
            "salary": {"currencyCode": "USD", "value": salary - (count - 1 - k) * 5000},
            "startDate": iso_ms(at + 30 * 86400)[:10] + "T00:00:00.000Z",
            "openingId": job["openings"][0]["id"],
            "customFields": g.custom_values("Offer"),
            "fileHandles": [
                {"id": g.uid(), "name": "offer_letter.pdf", "handle": f"{GENERATED_FILE}{oid}-letter-{k}"}
            ],
        }
        if version["approvalStatus"] is None:
            del version["approvalStatus"]
        versions.append(version)
    offer: dict[str, Any] = {
        "id": oid,
        "applicationId": aid,
        "acceptanceStatus": acceptance,
        "offerStatus": offer_status,
        "latestVersion": versions[-1],
        "versions": versions,
    }
    if acceptance in ("Accepted", "Declined", "Cancelled"):
        offer["decidedAt"] = iso_ms(at)
    g.state.put_raw("offer", oid, orjson.dumps(offer), confidential=g.conf)
    if approval is None:
        return
    approver = user_refs[rng.randrange(len(user_refs))]
    done = approval != "WaitingOnApprovals"
    appr: dict[str, Any] = {
        "id": g.uid(),
        "createdAt": iso_ms(at - 86400),
        "submittedAt": iso_ms(at - 86000),
        "approvalDefinitionId": _approval_definition(g),
        "entityId": oid,
        "entityType": "offer",
        "steps": [
            {
                "id": g.uid(),
                "approvalsRequired": 1,
                "approvers": [
                    {
                        "id": g.uid(),
                        "userId": approver["id"],
                        "decision": "approve" if done else "pending",
                        "requestedAt": iso_ms(at - 86000),
                        **({"decidedAt": iso_ms(at - 80000)} if done else {}),
                    }
                ],
                **({"completedAt": iso_ms(at - 80000)} if done else {}),
            }
        ],
    }
    if done:
        appr["completedAt"] = iso_ms(at - 80000)
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
            # The account does not use Ashby's notetaker; its referral form is made on demand.
            or kind
            in (
                "webhook",
                "file",
                "offerProcess",
                "approvalDefinition",
                "notetakerTranscript",
                "referralForm",
            )
        ):
            continue
        if kd.list_op is None and kd.info_op is None:
            continue
        for _ in range(3):
            g.put(kind, g.small(kind))
