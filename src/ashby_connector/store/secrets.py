"""Secrets at rest: Ashby keys and webhook secrets encrypted with Fernet under one master key
(``core.runtime.master_key`` finds it); platform keys are random and stored as SHA-256 (256-bit random
tokens need no password stretching: nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken

PLATFORM_KEY_PREFIX = "ack_"


class SecretBoxError(Exception):
    pass


class SecretBox:
    """Encrypts and decrypts Ashby API keys. Its repr never shows the key."""

    def __init__(self, master_key: bytes) -> None:
        try:
            self._fernet = Fernet(master_key)
        except (ValueError, TypeError) as exc:
            raise SecretBoxError("the master key is not a valid Fernet key") from exc
        self._master_key = master_key

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose (signing the console's session cookies), derived from the
        master key: stable across restarts and processes, useless for anything else."""
        return hmac.new(self._master_key, b"ashby-connector/" + purpose.encode(), hashlib.sha256).digest()

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretBoxError("cannot decrypt: wrong master key or damaged value") from exc


def new_platform_key() -> str:
    return PLATFORM_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_platform_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"
