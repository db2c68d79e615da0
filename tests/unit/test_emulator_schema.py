"""The emulator's small JSON Schema toolkit: validation names the field; conform repairs records."""

from __future__ import annotations

import random

import pytest

from ashby_connector.emulator.records.schema import Filler, SchemaError, validate

SCHEMA = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "status": {"enum": ["Open", "Closed"], "type": "string"},
        "tags": {
            "type": "array",
            "items": {"type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}},
        },
        "note": {"type": ["string", "null"]},
    },
}


def test_validate_names_the_first_bad_field() -> None:
    validate(SCHEMA, {"id": "0b5a2f3e-1c1d-4f6e-9a4b-2b8f1e0c9d7a", "status": "Open", "note": None})
    with pytest.raises(SchemaError) as missing:
        validate(SCHEMA, {"id": "0b5a2f3e-1c1d-4f6e-9a4b-2b8f1e0c9d7a"})
    assert missing.value.field == "status"
    with pytest.raises(SchemaError) as nested:
        validate(SCHEMA, {"id": "0b5a2f3e-1c1d-4f6e-9a4b-2b8f1e0c9d7a", "status": "Open", "tags": [{}]})
    assert nested.value.field == "tags[0].title"
    with pytest.raises(SchemaError) as bad_uuid:
        validate(SCHEMA, {"id": "nope", "status": "Open"})
    assert bad_uuid.value.field == "id"


def test_conform_repairs_and_keeps_what_fits() -> None:
    filler = Filler(random.Random(1))
    rec = {"status": "Draft", "tags": [{}], "note": None, "extra": 1}
    fixed = filler.conform(SCHEMA, rec)
    validate(SCHEMA, fixed)
    assert fixed["status"] == "Open" and fixed["extra"] == 1 and fixed["note"] is None
    good = {"id": "0b5a2f3e-1c1d-4f6e-9a4b-2b8f1e0c9d7a", "status": "Closed"}
    assert filler.conform(SCHEMA, dict(good)) == good


def test_fill_is_valid() -> None:
    value = Filler(random.Random(2)).fill(SCHEMA)
    validate(SCHEMA, value)
