"""The one cursor codec: every page of the project (records, sync history, unified resources)
hands out an opaque cursor made here from a few text parts, and reads it back here.

A cursor is URL-safe base64 (no padding) of the parts joined by NUL: nothing a user need quote in a
query string, and nothing a part (an id, a time, another cursor) ever contains.
"""

from __future__ import annotations

import base64
import binascii

_SEPARATOR = "\x00"


class BadCursorError(ValueError):
    """A cursor this project did not hand out (edited, truncated, or of another list)."""

    def __init__(self) -> None:
        super().__init__("the cursor is not one this API handed out")


def encode(*parts: str) -> str:
    return base64.urlsafe_b64encode(_SEPARATOR.join(parts).encode()).decode().rstrip("=")


def decode(cursor: str, *, parts: int) -> tuple[str, ...]:
    """The ``parts`` text parts ``encode`` was given (raises ``BadCursorError`` for anything else)."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeError):
        raise BadCursorError() from None
    found = tuple(text.split(_SEPARATOR))
    if len(found) != parts:
        raise BadCursorError()
    return found
