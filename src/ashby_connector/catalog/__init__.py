"""Ashby's API as data: every operation and webhook type, derived from Ashby's spec.

The data under ``data/`` is written by ``scripts/derive_catalog.py``; never edit it by hand.

    >>> from ashby_connector import catalog
    >>> catalog.operation("candidate.list").pagination
    'cursor+syncToken'
"""

from __future__ import annotations

from ashby_connector.catalog._loader import (
    Direction,
    Kind,
    Operation,
    Pagination,
    UnknownOperationError,
    WebhookType,
    operation,
    operations,
    permissions,
    webhook,
    webhooks,
)

__all__ = [
    "Direction",
    "Kind",
    "Operation",
    "Pagination",
    "UnknownOperationError",
    "WebhookType",
    "operation",
    "operations",
    "permissions",
    "webhook",
    "webhooks",
]
