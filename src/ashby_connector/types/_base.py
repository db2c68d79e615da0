"""The base of every model in ``ashby_connector.types`` (hand-written; the models are generated)."""

from __future__ import annotations

from typing import Any, Self, cast

from pydantic import BaseModel, ConfigDict


class AshbyModel(BaseModel):
    """A record from Ashby.

    Unknown fields are kept (``extra="allow"``), so a field Ashby adds tomorrow never breaks parsing
    and is still reachable as an attribute. ``.raw`` is the dict as Ashby sent it.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    # No pydantic private attribute: declaring one makes pydantic run a Python hook for every
    # instance, nested ones included, which more than doubled the cost of parsing a page. The
    # top-level record's dict goes in the instance's private slot instead (see ``from_raw``).

    @classmethod
    def from_raw(cls, data: Any) -> Self:
        """Parse ``data`` and keep it as ``.raw`` (what the client calls for every record)."""
        obj = cls.model_validate(data)
        if isinstance(data, dict):
            object.__setattr__(obj, "__pydantic_private__", {"_raw": data})
        return obj

    @property
    def raw(self) -> dict[str, Any]:
        """The original dict from Ashby (camelCase keys, unknown fields included).

        Top-level records keep the very dict Ashby sent; nested ones rebuild it from what was sent
        (a wrap validator keeping every nested dict would double the parsing cost).
        """
        private = self.__pydantic_private__
        raw = private.get("_raw") if private else None
        if raw is None:
            return self.model_dump(by_alias=True, exclude_unset=True)
        return cast(dict[str, Any], raw)
