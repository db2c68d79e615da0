"""Alembic environment: runs on the connection ``Store.open()`` hands over.

All parts share this one migrations folder; each owns a branch (``store``, ``server``,
``webhooks``) and ``Store.open()`` runs ``upgrade heads``.
"""

from __future__ import annotations

from alembic import context

from ashby_connector.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things in place: batch mode copies the table.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
