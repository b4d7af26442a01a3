"""registrations: the index of reachable people holds the two erasure columns rather than
leaving the erased out, so it needs no dialect keyword (naming PostgreSQL's made
SQLAlchemy import that whole dialect at every start-up, on SQLite too); check-in still
counts the thousands a plenary expects from the index alone

Revision ID: 9d3f6b2a7c15
Revises: 6e2a4c8b1d53
Create Date: 2026-12-07 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "9d3f6b2a7c15"
down_revision = "6e2a4c8b1d53"
branch_labels = None
depends_on = None

REACHABLE = sa.text("erased_at IS NULL AND erasure_requested_at IS NULL")


def upgrade():
    op.drop_index("ix_registrations_reachable", table_name="registrations")
    op.create_index(
        "ix_registrations_reachable",
        "registrations",
        ["gathering_id", "status", "erased_at", "erasure_requested_at"],
    )


def downgrade():
    op.drop_index("ix_registrations_reachable", table_name="registrations")
    op.create_index(
        "ix_registrations_reachable",
        "registrations",
        ["gathering_id", "status"],
        sqlite_where=REACHABLE,
        postgresql_where=REACHABLE,
    )
