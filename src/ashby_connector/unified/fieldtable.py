"""Render each model's field table (unified field, Ashby source, write) from the registry.

``python -m ashby_connector.unified.fieldtable > docs/unified_fields.md``; a test keeps the page
equal to what this renders.
"""

from __future__ import annotations

import sys

from ashby_connector.unified.registry import models
from ashby_connector.unified.sources import SOURCES


def _cell(text: str | None) -> str:
    return f"`{text}`" if text else ""


def render() -> str:
    lines = [
        "# Unified fields and their Ashby sources",
        "",
        "Generated from the model registry (`ashby_connector/unified/sources.py`) by",
        "`python -m ashby_connector.unified.fieldtable > docs/unified_fields.md`. Paths: dots for",
        "nested fields, `[]` for every list item, `[role=Recruiter]` for the items with that role,",
        "`@jobPosting.` for a field of a record joined from another list (the job's posting), `^` for",
        "a field taken from the parent record (an event's schedule). Every model also has `id`,",
        "`remoteId`, `createdAt`, `updatedAt`, `deletedAt`, `customFields` and `remoteData`.",
        "",
    ]
    for spec in models():
        if spec.read_unavailable is None:
            lists = " and ".join(f"`{part.source}`" for part in spec.parts())
            about = f"{spec.description} Read from {lists}."
        else:
            about = (
                f"{spec.description} Every read answers 501: {spec.read_unavailable.reason}. "
                f"The sources below are the fields of the `{spec.source}` records it would read."
            )
        lines += [f"## {spec.name}", "", about, ""]
        lines += ["| unified field | Ashby source | written by | note |", "|---|---|---|---|"]
        for name, src in SOURCES[spec.name].items():
            lines.append(f"| `{name}` | {_cell(src.read)} | {_cell(src.write)} | {src.note} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(render())
