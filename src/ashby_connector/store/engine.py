"""Opening a database: URL checks, SQLite pragmas, and Alembic ``upgrade heads``."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from ashby_connector.store.errors import StoreError

DEFAULT_URL = "sqlite:///ashby.db"
MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic's context is module-global: two threads migrating at once would trample each other.
_MIGRATE_LOCK = threading.Lock()
# A pooled PostgreSQL connection unused for this long is pinged before it is handed out.
IDLE_PING_SECONDS = 1.0


def normalize_url(url: str) -> str:
    """Accept a bare file path as SQLite and ``postgresql://`` as psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def redact_url(url: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://user:***@host/db``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: show nothing of it
        return "<unreadable database URL>"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (a bare path counts), None for PostgreSQL or in-memory."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database)
    return None


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL: readers never block the writer; NORMAL is durable across process kills.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # Checkpoint (copy the WAL into the database, with an fsync) every 64 MB rather than every
    # 4 MB: a page of 100 records is ~120 KB, so the default cost a sync an fsync every 30 pages.
    cur.execute("PRAGMA wal_autocheckpoint=16384")
    cur.execute("PRAGMA journal_size_limit=67108864")
    cur.close()


def _check_sqlite_path(database: str | None) -> None:
    if not database or database == ":memory:":
        return
    path = Path(database)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise StoreError(f"cannot open the SQLite database {database}: folder {folder} does not exist")
    # Mode bits too: root passes os.access, yet a chmod 444 file says "do not write".
    if path.exists() and (not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222):
        raise StoreError(f"the SQLite database {database} is read-only; sync needs to write to it")
    if not os.access(folder, os.W_OK):
        # WAL needs its -wal and -shm files next to the database.
        raise StoreError(
            f"the folder {folder} is read-only; SQLite needs to write {path.name} and its WAL there"
        )


def _create_owner_only(database: str | None) -> None:
    """Create a new database file with mode 0600 before SQLite does (SQLite follows the umask,
    often 0644): it holds candidates' personal data. SQLite gives its -wal and -shm files the
    database file's mode, so they are private too. An empty file is a valid empty database."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return


def create_engine(url: str) -> sa.Engine:
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(
            f"not a database URL: {url!r} (try sqlite:///ashby.db or postgresql+psycopg://...)"
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")
    kwargs: dict[str, Any] = {
        "json_serializer": lambda obj: orjson.dumps(obj).decode(),
        "json_deserializer": orjson.loads,
    }
    if backend == "sqlite":
        _check_sqlite_path(parsed.database)
        _create_owner_only(parsed.database)
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        kwargs["pool_size"] = 10
        kwargs["max_overflow"] = 10
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except Exception as exc:
        raise StoreError(f"cannot use database {parsed.render_as_string(hide_password=True)}: {exc}") from exc
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: sa.Engine) -> None:
    """Check a pooled PostgreSQL connection before use only when it sat unused for
    ``IDLE_PING_SECONDS``: SQLAlchemy's ``pool_pre_ping`` spends a round trip on every checkout
    (a quarter of the round trips of a webhook accept: begin-insert, commit, and the ping). A
    connection in steady use is alive; one that fails anyway (the server restarted within the
    second) fails its statement, and SQLAlchemy then discards every connection of the pool that
    is older, so a restart costs each process at most one failed statement."""

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the pool discards this connection and checks out another
            raise sa.exc.DisconnectionError(type(exc).__name__) from exc


def alembic_config(connection: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: sa.Engine, target: str = "heads") -> None:
    """Bring the schema to ``target`` (every branch's head by default)."""
    try:
        with _MIGRATE_LOCK, engine.begin() as conn:
            command.upgrade(alembic_config(conn), target)
    except StoreError:
        raise
    except sa.exc.OperationalError as exc:
        raise StoreError(
            f"cannot open the database {engine.url.render_as_string(hide_password=True)}: {_short(exc)}"
        ) from exc


def _short(exc: sa.exc.DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)


def reading(engine: sa.Engine) -> sa.Connection:
    """A connection for reads (``with reading(engine) as conn:``). On PostgreSQL it runs in
    autocommit: at PostgreSQL's READ COMMITTED every statement sees its own snapshot whether or not
    a transaction surrounds it, so the transaction only added two round trips (BEGIN before the
    first statement, ROLLBACK when the connection goes back to the pool) to every read. Only for
    reads: a write through it would commit statement by statement."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


# Opens one write transaction. ``Store.transaction`` serialises SQLite writers on a lock in-process
# (waking at once) instead of leaving them to SQLite's sleeping busy handler.
Begin = Callable[[], AbstractContextManager[sa.Connection]]
