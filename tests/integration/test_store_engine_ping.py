"""PostgreSQL connections: checked before use only after they sat idle, a connection the server
dropped fails at most one statement of the process, and reads skip the transaction round trips."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ashby_connector.store import engine as engine_module
from ashby_connector.store.engine import create_engine


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def _drop(postgres_db: str, pid: int) -> None:
    """What a server restart does to a pooled connection, from another connection."""
    other = create_engine(postgres_db)
    with other.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    other.dispose()


def test_a_connection_in_steady_use_is_not_pinged(postgres_db: str) -> None:
    engine = create_engine(postgres_db)
    _backend_pid(engine)  # the pool now holds a connection, just checked in
    pings: list[object] = []
    real = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pings.append(conn) or real(conn)  # type: ignore[method-assign]
    for _ in range(5):
        _backend_pid(engine)
    assert pings == []  # checkout asked the server nothing: one round trip fewer per transaction
    engine.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
    postgres_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)  # every checkout counts as idle
    engine = create_engine(postgres_db)
    first = _backend_pid(engine)
    _drop(postgres_db, first)
    assert _backend_pid(engine) != first  # pinged, found dead, replaced: no statement failed
    engine.dispose()


def test_a_dropped_connection_in_steady_use_fails_one_statement_then_the_pool_recovers(
    postgres_db: str,
) -> None:
    engine = create_engine(postgres_db)
    first = _backend_pid(engine)
    _drop(postgres_db, first)
    with pytest.raises(sa.exc.OperationalError):
        _backend_pid(engine)  # used within the second: not pinged, so this statement fails
    assert _backend_pid(engine) != first  # the pool was invalidated: the next one works
    engine.dispose()


_OWN_TRANSACTION = "SELECT now() = statement_timestamp()"  # true only for a statement on its own


def test_reads_on_postgresql_run_without_a_surrounding_transaction(postgres_db: str) -> None:
    """A read connection saves the BEGIN and ROLLBACK round trips (each statement is its own
    transaction); the pool's next write transaction is a transaction again."""
    from ashby_connector.store.engine import reading

    engine = create_engine(postgres_db)
    for _ in range(2):  # the same pooled connection, used for a read, then a write, then again
        with reading(engine) as conn:
            conn.execute(sa.text("SELECT pg_sleep(0.01)"))
            assert conn.execute(sa.text(_OWN_TRANSACTION)).scalar_one() is True
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_sleep(0.01)"))
            assert conn.execute(sa.text(_OWN_TRANSACTION)).scalar_one() is False
    engine.dispose()
