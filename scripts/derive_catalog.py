#!/usr/bin/env python3
"""Derive ashby-connector's catalog from Ashby's published API description.

Reads ``openapi.yml`` and ``endpoints-index.txt`` (by default from ``../shared/ashby`` next to the
repository) and writes ``src/ashby_connector/catalog/data/{operations,webhooks}.json``.

Only facts are kept: names, permissions, types, enums, required fields, formats. Every ``$ref`` is
resolved inline and every piece of prose (descriptions, summaries, examples, titles) is dropped, so
the committed data carries none of Ashby's documentation text.

Run ``python scripts/derive_catalog.py`` after the spec changes; ``--check`` exits 1 when the
committed data is stale (the test suite runs the same comparison).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "ashby"
OUT_DIR = ROOT / "src" / "ashby_connector" / "catalog" / "data"

# Schema keywords that carry facts. Everything else (description, summary, example(s), title,
# externalDocs, x-*) is prose or presentation and is dropped.
KEPT_KEYWORDS = {
    "type", "properties", "items", "required", "enum", "format", "oneOf", "anyOf", "allOf",
    "nullable", "const", "additionalProperties", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "pattern", "default", "deprecated", "minItems",
    "maxItems", "uniqueItems", "not", "discriminator", "readOnly", "writeOnly",
}

# The assessment partner API is implemented by the partner and called by Ashby.
PARTNER_IMPLEMENTED = {
    "assessment.start", "assessment.list", "assessment.cancel", "assessment.customField.list",
}

# Method names that only read. Every Ashby call is a POST, so this is what tells the client whether
# a retry is safe regardless of whether the request reached Ashby.
READ_METHOD_PREFIXES = ("list", "info", "search", "fetch", "get")
READ_OPERATIONS_EXTRA = {"report.synchronous"}

# Operations that are in Ashby's endpoint index but not in the OpenAPI description carry no schema.
# Their pagination is stated by Ashby's docs for these two; the rest are single calls.
INDEX_ONLY_PAGINATION = {"auditLog.list": "cursor", "sequenceTemplate.list": "cursor",
                         "takeHomeAssignment.list": "cursor"}

# Webhook types that Ashby sends but the OpenAPI description has no payload for.
EXTRA_WEBHOOK_TYPES = [
    "jobPostingDelete", "takeHomeAssignmentAssigned", "takeHomeAssignmentCancelled",
    "takeHomeAssignmentCompleted", "takeHomeAssignmentSubmitted",
]

# Ashby's text misspells one permission in places; keys only ever hold the real name.
PERMISSION_TYPOS = {"candidateWrite": "candidatesWrite"}

PERMISSION_RE = re.compile(r"Requires the \[`([A-Za-z]+)`\]")
INDEX_LINE_RE = re.compile(r"^- \[([A-Za-z]+(?:\.[A-Za-z_]+)+)\]\([^)]*\)(.*)$")
DEPRECATED_ALIAS_RE = re.compile(r"\*\*Deprecated\.\*\* Use \[`([A-Za-z.]+)`\]")


def snake(name: str) -> str:
    """``interviewerPool`` -> ``interviewer_pool``; ``change_stage`` stays."""
    out = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    out = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", out)
    return out.replace(".", "_").lower()


class Resolver:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise ValueError(f"external $ref not supported: {ref}")
        node: Any = self.document
        for raw in ref[2:].split("/"):
            key = raw.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node

    def clean(self, node: Any, seen: tuple[str, ...] = ()) -> Any:
        """Resolve refs inline and keep only fact-bearing keywords."""
        if isinstance(node, list):
            return [self.clean(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            ref = node["$ref"]
            if ref in seen:  # a recursive shape: stop with an open object rather than loop
                return {"type": "object"}
            return self.clean(self.pointer(ref), (*seen, ref))
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key not in KEPT_KEYWORDS:
                continue
            if key == "properties":
                if "$ref" in value:  # the whole properties map can itself be shared by reference
                    value = self.pointer(value["$ref"])
                out[key] = {name: self.clean(sub, seen) for name, sub in value.items()}
            elif key == "additionalProperties" and isinstance(value, bool):
                out[key] = value
            else:
                out[key] = self.clean(value, seen)
        return out


def success_results_schema(response_schema: dict[str, Any]) -> dict[str, Any] | None:
    """The schema of ``results`` in the success branch, if the response has one."""
    branches = response_schema.get("oneOf") or [response_schema]
    for branch in branches:
        parts = branch.get("allOf") or [branch]
        for part in parts:
            props = part.get("properties", {})
            if "results" in props and props.get("success", {}).get("const") is not False:
                return props["results"]  # type: ignore[no-any-return]
    return None


def has_property(schema: dict[str, Any] | None, name: str) -> bool:
    if not schema:
        return False
    if name in schema.get("properties", {}):
        return True
    return any(has_property(sub, name) for key in ("allOf", "oneOf", "anyOf") for sub in schema.get(key, []))


def is_read(name: str) -> bool:
    method = name.split(".")[-1]
    return name in READ_OPERATIONS_EXTRA or method.startswith(READ_METHOD_PREFIXES)


def parse_index(text: str) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for line in text.splitlines():
        match = INDEX_LINE_RE.match(line.strip())
        if not match:
            continue
        name, rest = match.group(1), match.group(2)
        perm = PERMISSION_RE.search(rest)
        alias = DEPRECATED_ALIAS_RE.search(rest)
        entries[name] = {
            "permission": perm.group(1) if perm else None,
            "alias_of": alias.group(1) if alias else None,
        }
    return entries


def derive(source: Path) -> dict[str, Any]:
    document = yaml.safe_load((source / "openapi.yml").read_text())
    index = parse_index((source / "endpoints-index.txt").read_text())
    resolver = Resolver(document)
    operations: list[dict[str, Any]] = []

    for path, item in document["paths"].items():
        name = path.lstrip("/")
        op = item["post"]
        content = (op.get("requestBody") or {}).get("content", {})
        json_schema = content.get("application/json", {}).get("schema")
        request_schema = resolver.clean(json_schema) if json_schema else {"type": "object"}
        multipart = content.get("multipart/form-data", {}).get("schema")
        multipart_schema = resolver.clean(multipart) if multipart else None
        response = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
        response_schema = resolver.clean(response.get("schema", {"type": "object"}))
        perm = PERMISSION_RE.search(op.get("description", ""))
        permission = perm.group(1) if perm else (index.get(name) or {}).get("permission")
        operations.append(
            build_operation(
                name,
                permission=permission,
                request_schema=request_schema,
                response_schema=response_schema,
                multipart_schema=multipart_schema,
                in_spec=True,
            )
        )

    spec_names = {o["name"] for o in operations}
    for name, entry in sorted(index.items()):
        if name in spec_names:
            continue
        target = entry["alias_of"]
        base = next((o for o in operations if o["name"] == target), None) if target else None
        if base is not None:
            alias = dict(base)
            alias.update(name=name, method=name.split(".", 1)[1], python_method=snake(name.split(".", 1)[1]),
                         alias_of=target, deprecated=True, in_spec=False)
            operations.append(alias)
            continue
        operations.append(
            build_operation(
                name,
                permission=entry["permission"],
                request_schema=None,
                response_schema=None,
                multipart_schema=None,
                in_spec=False,
            )
        )

    operations.sort(key=lambda o: o["name"])

    webhook_create_types = (
        document["paths"]["/webhook.create"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        ["properties"]["webhookType"]["enum"]
    )
    webhooks: list[dict[str, Any]] = []
    for name, item in document.get("webhooks", {}).items():
        schema = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        webhooks.append({
            "name": name,
            "payload_schema": resolver.clean(schema),
            "subscribable": name in webhook_create_types,
            "in_spec": True,
        })
    for name in EXTRA_WEBHOOK_TYPES:
        if name not in {w["name"] for w in webhooks}:
            webhooks.append({"name": name, "payload_schema": None,
                             "subscribable": name in webhook_create_types, "in_spec": False})
    webhooks.sort(key=lambda w: w["name"])
    return {"operations": operations, "webhooks": webhooks}


def build_operation(
    name: str,
    *,
    permission: str | None,
    request_schema: dict[str, Any] | None,
    response_schema: dict[str, Any] | None,
    multipart_schema: dict[str, Any] | None,
    in_spec: bool,
) -> dict[str, Any]:
    module, method = name.split(".", 1)
    permission = PERMISSION_TYPOS.get(permission or "", permission)
    if has_property(request_schema, "syncToken"):
        pagination = "cursor+syncToken"
    elif has_property(request_schema, "cursor"):
        pagination = "cursor"
    else:
        pagination = INDEX_ONLY_PAGINATION.get(name, "none")
    file_fields: list[str] = []
    if multipart_schema:
        for prop, sub in multipart_schema.get("properties", {}).items():
            if sub.get("format") == "binary" or (sub.get("type") == "string" and sub.get("contentEncoding")):
                file_fields.append(prop)
    return {
        "name": name,
        "module": module,
        "method": method,
        "python_module": snake(module),
        "python_method": snake(method),
        "permission": permission,
        "kind": "read" if is_read(name) else "write",
        "pagination": pagination,
        "multipart": multipart_schema is not None,
        "multipart_file_fields": file_fields,
        "implemented_by": "partner" if name in PARTNER_IMPLEMENTED else "ashby",
        "deprecated": False,
        "alias_of": None,
        "in_spec": in_spec,
        "request_schema": request_schema,
        "multipart_schema": multipart_schema,
        "response_schema": response_schema,
        "results_schema": success_results_schema(response_schema) if response_schema else None,
    }


def render(data: dict[str, Any]) -> dict[str, str]:
    return {
        "operations.json": json.dumps(data["operations"], indent=1, sort_keys=True) + "\n",
        "webhooks.json": json.dumps(data["webhooks"], indent=1, sort_keys=True) + "\n",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="folder with openapi.yml")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed data is stale")
    args = parser.parse_args(argv)
    files = render(derive(args.source))
    if args.check:
        stale = [
            n for n, text in files.items() if not (OUT_DIR / n).exists() or (OUT_DIR / n).read_text() != text
        ]
        if stale:
            print(f"catalog is stale: {', '.join(stale)}; run scripts/derive_catalog.py", file=sys.stderr)
            return 1
        print("catalog is current")
        return 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for fname, text in files.items():
        (OUT_DIR / fname).write_text(text)
    counts = {name: len(json.loads(text)) for name, text in files.items()}
    print(f"wrote {counts['operations.json']} operations, {counts['webhooks.json']} webhook types: {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
