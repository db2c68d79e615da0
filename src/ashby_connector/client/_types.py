"""Small shared types: the ``NOT_GIVEN`` sentinel and what counts as a file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any, Final, Literal, Protocol, TypeAlias, runtime_checkable


class NotGiven:
    """Marks a keyword argument the caller left out (``None`` is a real value: it clears a field)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

# A file to upload: a path, raw bytes, or an open binary file object.
FileInput: TypeAlias = str | os.PathLike[str] | bytes | IO[bytes]


def build_body(fields: Mapping[str, Any], extra_body: Mapping[str, Any] | None) -> dict[str, Any]:
    """The JSON body: every given field (``None`` kept), then ``extra_body`` on top."""
    body = {key: value for key, value in fields.items() if value is not NOT_GIVEN}
    if extra_body:
        body.update(extra_body)
    return body


@runtime_checkable
class HasHandle(Protocol):
    """A file handle object as Ashby returns it (``candidate.resume_file_handle``)."""

    @property
    def handle(self) -> str | None: ...


# What a file-handle parameter takes: the handle string, a handle object from a model
# (``candidate.resume_file_handle``) or the same as a dict (from ``client.call``).
FileHandleInput: TypeAlias = str | HasHandle | Mapping[str, Any]


def handle_of(value: Any) -> Any:
    """The handle string of a file handle given as a string, a handle object or its dict."""
    if value is NOT_GIVEN or value is None or isinstance(value, str):
        return value
    handle = value.get("handle") if isinstance(value, Mapping) else getattr(value, "handle", None)
    if not isinstance(handle, str) or not handle:
        raise TypeError(
            f"expected a file handle: a string, or an object with a .handle string "
            f"(like candidate.resume_file_handle), not {type(value).__name__}"
        )
    return handle


def id_of(value: Any, model: type) -> Any:
    """The id of a record given as its id string or as the model itself (``model``: the one
    class the parameter takes, so a ``Candidate`` is never sent where an application id goes)."""
    if value is NOT_GIVEN or value is None or isinstance(value, str):
        return value
    if not isinstance(value, model):
        raise TypeError(f"expected a {model.__name__} or its id string, not {type(value).__name__}")
    record_id = getattr(value, "id", None)
    if not isinstance(record_id, str) or not record_id:
        raise TypeError(f"this {model.__name__} has no id to send")
    return record_id
