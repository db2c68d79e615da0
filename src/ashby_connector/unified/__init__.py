"""Unified models over Ashby: pydantic models, read and write mappers, field mapping, custom models.

>>> from ashby_connector import unified
>>> spec = unified.model("atsJob")
>>> unified.to_unified(spec, {"id": "j1", "title": "Engineer", "status": "Open"}).status
<JobStatus.OPEN: 'OPEN'>
"""

from __future__ import annotations

from ashby_connector.unified.convert import to_custom, to_custom_json, to_unified, to_unified_json
from ashby_connector.unified.custom import CustomModelDef
from ashby_connector.unified.fieldmap import FieldMapEntry
from ashby_connector.unified.registry import (
    MODELS,
    ModelSpec,
    NotSupported,
    ReadNotSupportedError,
    Relation,
    Write,
    model,
    models,
)
from ashby_connector.unified.writers import WriteInputError

__all__ = [
    "MODELS",
    "CustomModelDef",
    "FieldMapEntry",
    "ModelSpec",
    "NotSupported",
    "ReadNotSupportedError",
    "Relation",
    "Write",
    "WriteInputError",
    "model",
    "models",
    "to_custom",
    "to_custom_json",
    "to_unified",
    "to_unified_json",
]
