"""The role-gap report's memory of Ashby users (Alembic branch ``directory``).

``directory_user_seen`` holds, per connection, each Ashby user the report has seen and the sync
(the ``user`` stream's last success) that first brought it. Users first brought by the latest sync
are the ones "new since the last sync". The first report of a connection only takes this baseline.
"""

from __future__ import annotations

import sqlalchemy as sa

from ashby_connector.store.schema import TS, metadata

directory_user_seen = sa.Table(
    "directory_user_seen",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(255), primary_key=True),
    # The user stream's last_success_at when the report first saw the user; NULL for the baseline.
    sa.Column("first_seen_sync_at", TS, nullable=True),
)
