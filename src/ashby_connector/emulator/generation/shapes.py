"""Realistic values for the nested shapes Ashby's records carry, built once and shared.

The generator uses these so every field the spec defines is filled for a realistic share of
records, and consistently: custom field values come from the organisation's own definitions
(``customField.list``), embedded users are records of ``user.list``, a job's compensation is the
one its postings show, form definitions have sections and fields with selectable values.
"""

from __future__ import annotations

import random
from typing import Any

Rec = dict[str, Any]

# Custom field definitions: (title, fieldType, objectType, isPrivate, selectable values).
# Every object type gets the value shapes Ashby defines (plain, currency, range, select).
CUSTOM_FIELDS: tuple[tuple[str, str, str, bool, tuple[str, ...]], ...] = (
    ("Years of experience", "Number", "Candidate", False, ()),
    ("Desired salary", "Currency", "Candidate", True, ()),
    ("Work authorization", "String", "Candidate", False, ()),
    ("Notice period", "String", "Candidate", False, ()),
    ("Skills", "MultiValueSelect", "Candidate", False, ("Python", "Go", "TypeScript", "SQL")),
    ("Expected level", "NumberRange", "Candidate", False, ()),
    ("Available from", "Date", "Candidate", False, ()),
    ("Salary expectation", "CompensationRange", "Candidate", False, ()),
    ("Referral bonus eligible", "Boolean", "Application", False, ()),
    ("Interview notes (private)", "String", "Application", True, ()),
    ("Offer band", "CompensationRange", "Application", False, ()),
    ("Pipeline", "ValueSelect", "Application", False, ("Inbound", "Outbound", "Internal")),
    ("Relocation budget", "Currency", "Application", False, ()),
    ("Cost center", "String", "Job", False, ()),
    ("Headcount plan", "String", "Job", False, ()),
    ("Budgeted salary", "CompensationRange", "Job", False, ()),
    ("Priority", "ValueSelect", "Job", False, ("P0", "P1", "P2")),
    ("Recruiting budget", "Currency", "Job", False, ()),
    ("Team", "ValueSelect", "Employee", False, ("Platform", "Growth", "Core")),
    ("Interview budget", "Currency", "Employee", False, ()),
    ("Compensation band", "CompensationRange", "Employee", False, ()),
    ("Signing bonus", "Currency", "Offer", False, ()),
    ("Salary range", "CompensationRange", "Offer", False, ()),
    ("Offer type", "ValueSelect", "Offer", False, ("Standard", "Executive")),
    ("Opening budget", "Currency", "Opening", False, ()),
    ("Opening band", "CompensationRange", "Opening", False, ()),
    ("Opening priority", "ValueSelect", "Opening", False, ("High", "Normal")),
    ("Project focus", "ValueSelect", "Talent_Project", False, ("Engineering", "Sales")),
    ("Project budget", "Currency", "Talent_Project", False, ()),
    ("Project range", "CompensationRange", "Talent_Project", False, ()),
)

ADDRESSES = {
    "San Francisco": ("US", "San Francisco", "CA", "94103", "535 Mission St"),
    "New York": ("US", "New York", "NY", "10011", "85 10th Ave"),
    "London": ("GB", "London", "England", "EC2A 4NE", "1 Finsbury Ave"),
    "Berlin": ("DE", "Berlin", "Berlin", "10117", "Friedrichstr. 68"),
    "Paris": ("FR", "Paris", "Ile-de-France", "75002", "8 Rue de Choiseul"),
    "Toronto": ("CA", "Toronto", "ON", "M5V 2T6", "200 Wellington St W"),
    "Singapore": ("SG", "Singapore", "Singapore", "018989", "10 Marina Blvd"),
    "Sydney": ("AU", "Sydney", "NSW", "2000", "1 Martin Pl"),
}
COUNTRIES = {
    "US": "United States",
    "GB": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
    "CA": "Canada",
    "SG": "Singapore",
    "AU": "Australia",
}


def address(city: str) -> Rec | None:
    parts = ADDRESSES.get(city)
    if parts is None:
        return None
    country, locality, region, postal, street = parts
    return {
        "postalAddress": {
            "addressCountry": country,
            "addressLocality": locality,
            "addressRegion": region,
            "postalCode": postal,
            "streetAddress": street,
        }
    }


def candidate_location(uid: str, city: str) -> Rec | None:
    """A candidate's location with its components (city, region, country)."""
    parts = ADDRESSES.get(city)
    if parts is None:
        return None
    country, locality, region, _, _ = parts
    return {
        "id": uid,
        "locationSummary": f"{locality}, {region}, {COUNTRIES[country]}",
        "locationComponents": [
            {"type": "City", "name": locality},
            {"type": "Region", "name": region},
            {"type": "Country", "name": COUNTRIES[country]},
        ],
    }


def custom_value(definition: Rec, rng: random.Random, when: str) -> Rec:
    """A value for ``definition`` as a record carries it (``valueLabel`` for selects)."""
    kind = definition["fieldType"]
    options = [s["value"] for s in definition.get("selectableValues") or []]
    out: Rec = {"id": definition["id"], "title": definition["title"], "isPrivate": definition["isPrivate"]}
    if kind == "Number":
        out["value"] = rng.randrange(1, 20)
    elif kind == "Currency":
        out["value"] = {"currencyCode": "USD", "value": 50000 + rng.randrange(100) * 1000}
    elif kind == "Boolean":
        out["value"] = rng.random() < 0.5
    elif kind == "Date":
        out["value"] = when
    elif kind == "ValueSelect":
        choice = options[rng.randrange(len(options))]
        out["value"] = choice
        out["valueLabel"] = choice
    elif kind == "MultiValueSelect":
        chosen = options[: 1 + rng.randrange(len(options))]
        out["value"] = chosen
        out["valueLabel"] = chosen
    elif kind == "NumberRange":
        low = rng.randrange(1, 5)
        out["value"] = {"type": "NumberRange", "minValue": low, "maxValue": low + 2}
    elif kind == "CompensationRange":
        low = 80000 + rng.randrange(40) * 1000
        out["value"] = {
            "type": "CompensationRange",
            "minValue": low,
            "maxValue": low + 30000,
            "currencyCode": "USD",
            "interval": "1 YEAR",
        }
    else:
        words = STRING_VALUES.get(definition["title"], GENERIC_STRINGS)
        out["value"] = words[rng.randrange(len(words))]
    return out


# What people type into each free-text custom field (a small vocabulary per field).
STRING_VALUES: dict[str, tuple[str, ...]] = {
    "Work authorization": ("US citizen", "Permanent resident", "H-1B", "Needs sponsorship", "EU citizen"),
    "Notice period": ("Immediately", "2 weeks", "1 month", "2 months", "3 months"),
    "Interview notes (private)": (
        "Strong on systems design; probe people management.",
        "Wants to relocate in the spring.",
        "Competing offer expected next week.",
        "Asked about the remote policy.",
    ),
    "Cost center": ("CC-100 Engineering", "CC-200 Product", "CC-300 Sales", "CC-400 G&A"),
    "Headcount plan": ("2026 H1 plan", "2026 H2 plan", "Backfill", "Approved growth hire"),
}
GENERIC_STRINGS = ("Yes", "No", "Discussed with the hiring manager")


def selectable(values: tuple[str, ...]) -> list[Rec]:
    return [{"label": v, "value": v, "isArchived": False} for v in values]


def form_definition(uid: Any, title: str, questions: tuple[tuple[str, str], ...]) -> Rec:
    """A form definition with one section of fields; a ValueSelect field lists its values."""
    fields = []
    for path, kind in questions:
        field: Rec = {
            "id": uid(),
            "type": kind,
            "path": path,
            "humanReadablePath": path.replace("_", " ").strip().capitalize(),
            "title": path.replace("_systemfield_", "").replace("_", " ").strip().capitalize(),
            "isNullable": kind != "Score",
        }
        if kind in ("ValueSelect", "MultiValueSelect", "Score"):
            values = ("1", "2", "3", "4") if kind == "Score" else ("Yes", "No", "Maybe")
            field["selectableValues"] = [{"label": v, "value": v} for v in values]
        fields.append(
            {
                "isRequired": kind == "Score",
                "descriptionPlain": f"{field['title']}.",
                "descriptionHtml": f"<p>{field['title']}.</p>",
                "field": field,
            }
        )
    return {
        "sections": [
            {
                "title": title,
                "descriptionPlain": f"{title} questions.",
                "descriptionHtml": f"<p>{title} questions.</p>",
                "fields": fields,
            }
        ]
    }


SCORECARD_QUESTIONS = (
    ("overall_recommendation", "Score"),
    ("notes", "LongText"),
    ("strengths", "ValueSelect"),
)
APPLICATION_QUESTIONS = (
    ("_systemfield_name", "String"),
    ("_systemfield_email", "Email"),
    ("years_experience", "Number"),
    ("work_authorization", "ValueSelect"),
)
SURVEY_QUESTIONS = (("experience_rating", "ValueSelect"), ("comments", "LongText"))
OFFER_QUESTIONS = (
    ("salary", "Currency"),
    ("startDate", "Date"),
    ("openingId", "String"),
    ("notes", "LongText"),
    ("offerType", "ValueSelect"),
)


def compensation(uid: Any, rng: random.Random) -> Rec:
    """A posting's compensation; its job carries the same ``compensationTiers`` (same ids)."""
    low = 90000 + rng.randrange(60) * 1000
    salary = {
        "id": uid(),
        "compensationType": "Salary",
        "currencyCode": "USD",
        "interval": "1 YEAR",
        "label": "Salary",
        "minValue": low,
        "maxValue": low + 40000,
        "summary": f"${low // 1000}K - ${(low + 40000) // 1000}K",
    }
    equity = {
        "id": uid(),
        "compensationType": "EquityPercentage",
        "interval": "NONE",
        "label": "Equity",
        "minValue": 0.05,
        "maxValue": 0.1,
        "summary": "0.05% - 0.1%",
    }
    tier = {
        "id": uid(),
        "title": "Standard",
        "tierSummary": f"{salary['summary']} • {equity['summary']}",
        "additionalInformation": "Plus benefits.",
        "components": [salary, equity],
    }
    return {
        "compensationTiers": [tier],
        "shouldDisplayCompensationOnJobBoard": True,
        "compensationTierSummary": tier["tierSummary"],
        "summaryComponents": [{k: v for k, v in c.items() if k != "id"} for c in (salary, equity)],
    }
