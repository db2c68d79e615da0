"""File inputs and multipart bodies, shared by the sync and async clients.

Files are read into memory once, up front, so a retried upload sends the same bytes again.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from ashby_connector.client._types import FileInput

FileTuple = tuple[str, bytes, str]


def read_file(file: FileInput, filename: str | None = None, content_type: str | None = None) -> FileTuple:
    """(filename, content, content type) from a path, bytes, or a binary file object."""
    if isinstance(file, bytes | bytearray | memoryview):
        content = bytes(file)
        name = filename or "file"
    elif isinstance(file, str | os.PathLike):
        path = Path(file)
        content = path.read_bytes()
        name = filename or path.name
    elif hasattr(file, "read"):
        data = file.read()
        if isinstance(data, str):
            raise TypeError("open the file in binary mode ('rb'): uploads send bytes")
        content = data
        name = filename or os.path.basename(str(getattr(file, "name", "") or "file"))
    else:
        raise TypeError(f"cannot upload a {type(file).__name__}: give a path, bytes or a binary file object")
    ctype = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return name, content, ctype


def multipart_parts(
    body: Mapping[str, Any], files: Mapping[str, FileInput]
) -> tuple[dict[str, str], dict[str, FileTuple]]:
    """httpx ``data`` and ``files`` for a multipart Ashby endpoint.

    Plain values become form fields; objects and arrays are sent JSON-encoded, as Ashby's
    multipart endpoints expect.
    """
    data: dict[str, str] = {}
    for key, value in body.items():
        if value is None:
            continue
        if isinstance(value, str):
            data[key] = value
        elif isinstance(value, bool):
            data[key] = "true" if value else "false"
        elif isinstance(value, int | float):
            data[key] = str(value)
        else:
            data[key] = orjson.dumps(value).decode()
    parts = {key: read_file(value) for key, value in files.items()}
    return data, parts


def upload_parts(fields: Mapping[str, Any], file: FileTuple) -> list[tuple[str, Any]]:
    """Parts for the POST to a ``file.createFileUploadHandle`` url: its fields first, the file last."""
    parts: list[tuple[str, Any]] = [(key, (None, str(value))) for key, value in fields.items()]
    parts.append(("file", file))
    return parts
