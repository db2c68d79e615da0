"""How the ASGI server logs: paths without tokens, failures without tracebacks.

The access log line carries the request path, and a Connect page path is its one-time token; a
traceback's frames hold request data, Ashby keys and signing secrets. So the access log shows
``/connect/…`` for those pages and no query string, and the error log keeps the message (the type
and route, see ``errors.UnexpectedErrors``) but never the traceback.

uvicorn's own loggers write in the project's format (``--log-format json``: one JSON object a
line) through the project's redaction, and the project's handler is left as ``configure`` set it
(uvicorn's configuration used to replace it with a plain one, unmasked).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from ashby_connector.core.runtime.logs import (
    ConsoleFormatter,
    JsonFormatter,
    LogFormat,
    RedactingFilter,
    configured_format,
)

# Path segments that are credentials: the Connect token.
_SECRET_SEGMENT = re.compile(r"^(/connect/)[^/?]+")


def redact_path(path: str) -> str:
    return _SECRET_SEGMENT.sub(r"\1…", path.split("?", 1)[0])


class RedactAccessPath(logging.Filter):
    """uvicorn's access record args are (client, method, path, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


class DropTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            kind = record.exc_info[0].__name__ if record.exc_info[0] else "error"
            record.msg = f"{record.getMessage()} ({kind})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        record.stack_info = None
        return True


def uvicorn_log_config(level: str = "warning", fmt: LogFormat | None = None) -> dict[str, Any]:
    """A ``log_config`` for ``uvicorn.run``: uvicorn's loggers in the project's format (``fmt``,
    by default the one ``--log-format`` configured), redacted, with the two filters above. The
    ``ashby_connector`` logger is not named, so its handler stays the project's."""
    fmt = fmt or configured_format() or "console"
    filters = {
        "redact_access": {"()": RedactAccessPath},
        "drop_traceback": {"()": DropTraceback},
        "redact": {"()": RedactingFilter},
    }
    formatter = {"()": JsonFormatter if fmt == "json" else ConsoleFormatter}
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "project"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": filters,
        "formatters": {"project": formatter},
        "handlers": {
            "error": {**handler, "filters": ["drop_traceback", "redact"]},
            "access": {**handler, "filters": ["redact_access", "drop_traceback", "redact"]},
        },
        "loggers": {
            "uvicorn": {"handlers": ["error"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"handlers": ["error"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": ["access"], "level": level.upper(), "propagate": False},
        },
    }
