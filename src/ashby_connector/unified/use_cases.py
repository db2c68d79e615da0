"""Knit's 99 Ashby use cases mapped to Ashby operations and to how the server serves each.

The table is data (``use_cases.json``); ``python -m ashby_connector.unified.use_cases`` renders
``docs/use_cases.md`` from it.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from typing import Any

_METHOD = {"list": "GET", "retrieve": "GET", "create": "POST", "update": "PATCH", "delete": "DELETE"}


def use_cases() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        resources.files("ashby_connector.unified").joinpath("use_cases.json").read_text("utf-8")
    )
    return data


def _how(case: dict[str, Any]) -> str:
    if case["via"] == "partner":
        return "partner side (Ashby calls the assessment partner; built in a later issue)"
    if case["via"] == "proxy":
        return f"`POST /proxy/{case['operation']}`"
    path = f"/resources/{case['model']}" + ("/{id}" if "recordId" in case else "")
    query = "&".join(
        f"{k}=…" if str(v).startswith("$") else f"{k}={v}" for k, v in case.get("query", {}).items()
    )
    return f"`{_METHOD[case['action']]} {path}{'?' + query if query else ''}`"


_TESTS = {
    "equals": "=",
    "contains": "has",
    "excludes": "lacks",
    "each_equals": "all =",
    "each_icontains": "all contain",
}


def _effect(check: dict[str, Any]) -> str:
    """One expected effect in words: where it is read and what it must show."""
    where = ""
    source = check.get("source")
    if isinstance(source, dict):
        where = f"`{source['proxy']}` " if "proxy" in source else f"`GET {source['get']}` "
    for key, word in _TESTS.items():
        if key in check:
            return f"{where}`{check['at']}` {word} `{check[key]}`"
    if check.get("downloads"):
        return f"{where}`{check['at']}` downloads"
    return f"{where}`{check['at']}` is filled"


def render() -> str:
    cases = use_cases()
    typed = sum(c["via"] == "unified" for c in cases)
    proxied = sum(c["via"] == "proxy" for c in cases)
    lines = [
        "# Knit's Ashby use cases, mapped",
        "",
        "Generated from `src/ashby_connector/unified/use_cases.json` by",
        "`python -m ashby_connector.unified.use_cases > docs/use_cases.md`; `tests/e2e/test_use_cases.py`",
        "runs every row through the server against the emulator and checks the effects listed (on the",
        "answer, or read back afterwards from a server resource or an Ashby operation; `$name` is a",
        "record the test prepares, `$created` the one the call made). A write must show its effect in a",
        "read back, and that effect must not already hold before the call: a row whose effect held",
        "beforehand fails as proving nothing.",
        "",
        f"{len(cases)} use cases: {typed} typed through a unified model, {proxied} through the proxy, "
        f"{len(cases) - typed - proxied} partner side.",
        "",
        "| use case id | title | Ashby operation | served by | effect checked | note |",
        "|---|---|---|---|---|---|",
    ]
    for case in cases:
        effects = "; ".join(_effect(c) for c in case.get("expect", []))
        cells = [
            f"`{case['id']}`",
            case["title"],
            f"`{case['operation']}`",
            _how(case),
            effects,
            case.get("note", ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
