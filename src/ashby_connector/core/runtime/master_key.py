"""Where the master key comes from: the settings, ``$ASHBY_CONNECTOR_MASTER_KEY``, or a file created
on first run with mode 0600: beside the SQLite database (the two belong together: one without the
other is useless), else in the platform's data directory, never the current directory (often a git
checkout)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from cryptography.fernet import Fernet

from ashby_connector.core.settings import MASTER_KEY_ENV, Settings
from ashby_connector.store.engine import sqlite_file
from ashby_connector.store.repository import Store
from ashby_connector.store.secrets import SecretBox, SecretBoxError
from ashby_connector.store.tenancy import sample_secret

MASTER_KEY_NAME = "ashby-master.key"


KEY_FILE_ENV = "ASHBY_CONNECTOR_MASTER_KEY_FILE"
HOW_TO_PASS = f"set {MASTER_KEY_ENV} to the key, or {KEY_FILE_ENV} to the file holding it"


def load_master_key(settings: Settings, *, may_create: bool = True) -> bytes:
    """The master key (with ``may_create``, a new key file when there is none)."""
    return _load(settings, may_create=may_create)[0]


def _load(settings: Settings, *, may_create: bool) -> tuple[bytes, str]:
    """(the key, where it came from in words)."""
    if settings.master_key:
        return settings.master_key.encode(), "the settings"
    env = os.environ.get(MASTER_KEY_ENV)
    if env:
        return env.encode(), f"${MASTER_KEY_ENV}"
    path = master_key_path(settings)
    if path.exists():
        if path.stat().st_mode & 0o077:
            raise SecretBoxError(f"{path} must be readable by its owner only (chmod 600)")
        return path.read_bytes().strip(), str(path)
    if not may_create:
        raise SecretBoxError(
            f"the database holds encrypted Ashby keys but no master key was found (expected "
            f"${MASTER_KEY_ENV} or the file {path}): {HOW_TO_PASS} it was made with"
        )
    key = Fernet.generate_key()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_EXCL + 0600 at creation: the key is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key + b"\n")
    return key, str(path)


def open_secret_box(settings: Settings, store: Store) -> SecretBox:
    """The secret box for ``store``, refused in one line when it cannot read what the store holds.

    A database with encrypted secrets never gets a new key file (every stored key would become
    unreadable at once, and only the first use of each would tell); one secret is decrypted to prove
    the key is the one the database was made with."""
    sample = sample_secret(store)
    key, source = _load(settings, may_create=sample is None)
    box = SecretBox(key)
    if sample is not None:
        try:
            box.decrypt(sample)
        except SecretBoxError:
            raise SecretBoxError(
                f"the master key from {source} cannot decrypt the Ashby keys stored in this database: "
                f"{HOW_TO_PASS} it was made with (by default {master_key_path(settings)})"
            ) from None
    return box


def existing_master_key(settings: Settings) -> bytes | None:
    """The master key when one is configured or its file exists; never creates one."""
    if settings.master_key or os.environ.get(MASTER_KEY_ENV) or master_key_path(settings).exists():
        return load_master_key(settings, may_create=False)
    return None


def master_key_path(settings: Settings) -> Path:
    """Where the master key file is: as configured, else beside a SQLite database file, else in
    the platform's data directory (PostgreSQL, in-memory SQLite)."""
    if settings.master_key_file:
        return Path(settings.master_key_file)
    database = sqlite_file(settings.db_url)
    if database is not None:
        return database.resolve().parent / MASTER_KEY_NAME
    return Path(platformdirs.user_data_dir("ashby-connector")) / MASTER_KEY_NAME
