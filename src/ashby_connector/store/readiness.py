"""The store's side of ``/readyz``: does the database answer, are its migrations current."""

from __future__ import annotations

import sqlalchemy as sa

from ashby_connector.store.engine import alembic_config


def database_answers(engine: sa.Engine) -> None:
    """Ask the database for nothing; raises whatever the driver raises when it cannot answer."""
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))


def migrations_current(engine: sa.Engine) -> bool:
    """Every Alembic branch of the store is at its head."""
    from alembic.script import ScriptDirectory

    with engine.connect() as conn:
        heads = set(ScriptDirectory.from_config(alembic_config(conn)).get_heads())
        current = set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    return heads == current
