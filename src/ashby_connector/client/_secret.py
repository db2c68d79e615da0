"""A wrapper that keeps the API key out of reprs, logs, exceptions and tracebacks."""

from __future__ import annotations

import base64
import hashlib


class Secret:
    """Holds a secret string; ``str()`` and ``repr()`` show only a mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def fingerprint(self) -> str:
        """A short, stable, non-reversible id for the secret (used to share the rate budget)."""
        return hashlib.sha256(self._value.encode()).hexdigest()[:16]

    def basic_auth_header(self) -> str:
        # Ashby: the key is the Basic-auth username, the password is empty.
        return "Basic " + base64.b64encode(f"{self._value}:".encode()).decode()

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        # Refuse to pickle the key into some cache or queue by accident.
        raise TypeError("Secret cannot be pickled")
