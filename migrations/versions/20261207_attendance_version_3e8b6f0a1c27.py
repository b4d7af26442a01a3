"""attendance version: a gathering's attendance has a version of its own

Revision ID: 3e8b6f0a1c27
Revises: 9d4c2a7e5f18
Create Date: 2026-12-07 05:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "3e8b6f0a1c27"
down_revision = "9d4c2a7e5f18"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("gatherings") as batch:
        batch.add_column(
            sa.Column("attendance_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("gatherings") as batch:
        batch.drop_column("attendance_version")
