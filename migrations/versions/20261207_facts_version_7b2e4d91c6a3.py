"""facts version: a gathering's facts version; its registrations indexed for the list

Revision ID: 7b2e4d91c6a3
Revises: c3f1a7d2e9b4
Create Date: 2026-12-07 03:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "7b2e4d91c6a3"
down_revision = "c3f1a7d2e9b4"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_registrations_gathering_status": ["gathering_id", "status", "name"],
    "ix_registrations_gathering_region": ["gathering_id", "health_region"],
    "ix_registrations_gathering_created": ["gathering_id", "created_at"],
}


def upgrade():
    with op.batch_alter_table("gatherings") as batch:
        batch.add_column(
            sa.Column("facts_version", sa.Integer(), server_default="0", nullable=False)
        )
    for name, columns in INDEXES.items():
        op.create_index(name, "registrations", columns)
    # Every index above begins with the gathering, so this one has nothing left to do.
    op.drop_index("ix_registrations_gathering_id", table_name="registrations")


def downgrade():
    op.create_index("ix_registrations_gathering_id", "registrations", ["gathering_id"])
    for name in INDEXES:
        op.drop_index(name, table_name="registrations")
    with op.batch_alter_table("gatherings") as batch:
        batch.drop_column("facts_version")
