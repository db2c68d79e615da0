"""The base of every generated response model."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, PrivateAttr, model_validator


class AshbyModel(BaseModel):
    """A record from Ashby.

    Unknown fields are kept (``extra="allow"``), so a field Ashby adds tomorrow never breaks parsing
    and is still reachable as an attribute. ``.raw`` is the dict exactly as Ashby sent it.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        obj = handler(data)
        if isinstance(data, dict):
            obj._raw = data
        return obj

    @property
    def raw(self) -> dict[str, Any]:
        """The original dict from Ashby (camelCase keys, nothing dropped)."""
        return self._raw
