"""Connections: create, rotate and delete them; their clients, access, requested operations,
child policies, branding and key budget.

``parse_children`` and ``ChildPolicyError`` read a command's ``--children`` option
(``candidateNote=eager,applicationHistory=changed``) into child policies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ashby_connector._lazy import lazy_attributes

if TYPE_CHECKING:
    from ashby_connector.sync.policies import ChildPolicyError, parse_children

__getattr__ = lazy_attributes(
    __name__,
    {"ChildPolicyError": "ashby_connector.sync.policies", "parse_children": "ashby_connector.sync.policies"},
)

__all__ = ["ChildPolicyError", "parse_children"]
