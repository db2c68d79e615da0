"""Where the master key comes from: the settings, ``$ASHBY_CONNECTOR_MASTER_KEY``, or a file created
on first run with mode 0600: beside the SQLite database (the two belong together: one without the
other is useless), else in the platform's data directory, never the current directory (often a git
checkout)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from ashby_connector.core.settings import MASTER_KEY_ENV, Settings
from ashby_connector.store.engine import normalize_url
from ashby_connector.store.secrets import SecretBoxError

MASTER_KEY_NAME = "ashby-master.key"


def load_master_key(settings: Settings) -> bytes:
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


def master_key_path(settings: Settings) -> Path:
    """Where the master key file is: as configured, else beside a SQLite database file, else in
    the platform's data directory (PostgreSQL, in-memory SQLite)."""
    if settings.master_key_file:
        return Path(settings.master_key_file)
    url = make_url(normalize_url(settings.db_url))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / MASTER_KEY_NAME
    return Path(platformdirs.user_data_dir("ashby-connector")) / MASTER_KEY_NAME
