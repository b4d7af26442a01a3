"""registrations: a partial index of the reachable people by gathering and status, so
check-in counts the thousands a plenary expects from the index alone

Revision ID: 4b8e2d6f1a93
Revises: e83c5b1f7a26
Create Date: 2026-12-07 14:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "4b8e2d6f1a93"
down_revision = "e83c5b1f7a26"
branch_labels = None
depends_on = None

REACHABLE = sa.text("erased_at IS NULL AND erasure_requested_at IS NULL")


def upgrade():
    op.create_index(
        "ix_registrations_reachable",
        "registrations",
        ["gathering_id", "status"],
        sqlite_where=REACHABLE,
        postgresql_where=REACHABLE,
    )


def downgrade():
    op.drop_index("ix_registrations_reachable", table_name="registrations")
