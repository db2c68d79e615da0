"""Ashby keys at rest: Fernet with one master key; platform keys: random, stored as SHA-256.

The master key comes from ``$ASHBY_CONNECTOR_MASTER_KEY`` or a file created on first run with
mode 0600: beside the SQLite database (the two belong together: one without the other is useless),
else in the platform's data directory, never the current directory (often a git checkout).
Platform keys are 256-bit random tokens, so a plain SHA-256 is enough (no password
stretching needed: nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import platformdirs
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.engine import make_url

from ashby_connector.server.settings import MASTER_KEY_ENV, ServerSettings
from ashby_connector.store.engine import normalize_url

PLATFORM_KEY_PREFIX = "ack_"
MASTER_KEY_NAME = "ashby-master.key"


class SecretBoxError(Exception):
    pass


def load_master_key(settings: ServerSettings) -> bytes:
    if settings.master_key:
        return settings.master_key.encode()
    env = os.environ.get(MASTER_KEY_ENV)
    if env:
        return env.encode()
    path = master_key_path(settings)
    if path.exists():
        if path.stat().st_mode & 0o077:
            raise SecretBoxError(f"{path} must be readable by its owner only (chmod 600)")
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_EXCL + 0600 at creation: the key is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key + b"\n")
    return key


def master_key_path(settings: ServerSettings) -> Path:
    """Where the master key file is: as configured, else beside a SQLite database file, else in
    the platform's data directory (PostgreSQL, in-memory SQLite)."""
    if settings.master_key_file:
        return Path(settings.master_key_file)
    url = make_url(normalize_url(settings.db_url))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / MASTER_KEY_NAME
    return Path(platformdirs.user_data_dir("ashby-connector")) / MASTER_KEY_NAME


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
