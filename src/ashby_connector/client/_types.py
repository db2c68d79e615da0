"""Small shared types: the ``NOT_GIVEN`` sentinel and what counts as a file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any, Final, Literal, TypeAlias


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
