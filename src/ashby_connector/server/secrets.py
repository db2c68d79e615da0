"""Ashby keys at rest: Fernet with one master key; platform keys: random, stored as SHA-256.

The master key comes from ``$ASHBY_CONNECTOR_MASTER_KEY`` or a file created on first run with
mode 0600. Platform keys are 256-bit random tokens, so a plain SHA-256 is enough (no password
stretching needed: nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from ashby_connector.server.settings import MASTER_KEY_ENV, ServerSettings

PLATFORM_KEY_PREFIX = "ack_"


class SecretBoxError(Exception):
    pass


def load_master_key(settings: ServerSettings) -> bytes:
    if settings.master_key:
        return settings.master_key.encode()
    env = os.environ.get(MASTER_KEY_ENV)
    if env:
        return env.encode()
    path = Path(settings.master_key_file)
    if path.exists():
        if path.stat().st_mode & 0o077:
            raise SecretBoxError(f"{path} must be readable by its owner only (chmod 600)")
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    # O_EXCL + 0600 at creation: the key is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key + b"\n")
    return key


class SecretBox:
    """Encrypts and decrypts Ashby API keys. Its repr never shows the key."""

    def __init__(self, master_key: bytes) -> None:
        try:
            self._fernet = Fernet(master_key)
        except (ValueError, TypeError) as exc:
            raise SecretBoxError("the master key is not a valid Fernet key") from exc

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
