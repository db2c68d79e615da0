"""Log lines: ``console`` (readable) or ``json`` (one object per line), never a key or a token.

One line per sync run (``core.syncs.service``) and one per Ashby error (``AshbyErrorLog``, a client
observer), each with the connection id and Ashby's request id. Every record passes a redaction
filter that masks anything shaped like a credential (``Basic``/``Bearer`` values, platform keys,
webhook signing secrets, Fernet tokens), so a secret that reaches a message by accident is still
not written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any, Literal

from ashby_connector.client import _hooks
from ashby_connector.times import iso_epoch

LogFormat = Literal["json", "console"]
ROOT = "ashby_connector"
MASK = "[redacted]"
_SECRET_VALUES = re.compile(
    r"(?i)\b(?:basic|bearer)\s+[A-Za-z0-9+/=._~-]{6,}"  # Authorization values
    r"|\back_[A-Za-z0-9_-]{16,}"  # platform keys
    r"|\bwhsec_[A-Za-z0-9+/=]{8,}"  # webhook signing secrets
    r"|\bgAAAAA[A-Za-z0-9_=-]{20,}"  # Fernet tokens (encrypted keys)
)
_SECRET_FIELDS = re.compile(r"(?i)\b((?:api[_-]?key|token|secret|password)\s*[=:]\s*)[^\s,;\"']{4,}")
# Standard attributes of a LogRecord: everything else was passed with ``extra=``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def redact(text: str) -> str:
    return _SECRET_FIELDS.sub(lambda m: m.group(1) + MASK, _SECRET_VALUES.sub(MASK, text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": iso_epoch(record.created, timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_text:
            out["exception"] = record.exc_text
        return redact(json.dumps(out, default=str))


class ConsoleFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class AshbyErrorLog:
    """One warning per error answer from Ashby (or no answer): operation, status, code,
    connection id and Ashby's request id."""

    log = logging.getLogger("ashby_connector.client.errors")

    def response(self, event: _hooks.ResponseEvent) -> None:
        if 200 <= event.status < 400:
            return
        self.log.warning(
            "ashby %s answered %s%s (connection %s, request id %s)",
            event.operation,
            event.status or "nothing",
            f" {event.error_code}" if event.error_code else "",
            event.connection_id or "-",
            event.request_id or "-",
            extra={
                "event": "ashby_error",
                "operation": event.operation,
                "status": event.status,
                "code": event.error_code,
                "connection_id": event.connection_id,
                "request_id": event.request_id,
                "rate_limit_scope": event.rate_limit_scope,
            },
        )

    def retry(self, operation: str, reason: str) -> None:
        return None


_ERROR_LOG = AshbyErrorLog()


def configured_format() -> LogFormat | None:
    """The format ``configure`` set for the project's logs (None: not configured)."""
    for handler in logging.getLogger(ROOT).handlers:
        if getattr(handler, "_ashby_connector", False):
            return "json" if isinstance(handler.formatter, JsonFormatter) else "console"
    return None


def configure(fmt: LogFormat = "console", level: int = logging.INFO, stream: Any = None) -> logging.Handler:
    """Send the project's logs to ``stream`` (stderr) in ``fmt``; returns the handler."""
    if fmt not in ("json", "console"):
        raise ValueError("log format must be json or console")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else ConsoleFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger(ROOT)
    for old in [h for h in root.handlers if getattr(h, "_ashby_connector", False)]:
        root.removeHandler(old)
    handler._ashby_connector = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    _hooks.add_observer(_ERROR_LOG)
    return handler
