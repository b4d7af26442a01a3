"""outbox: each queued email names the organiser's action that caused it

Revision ID: 5f1a7c3e9b42
Revises: 2f7a9c4e6b18
Create Date: 2026-12-07 11:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "5f1a7c3e9b42"
down_revision = "2f7a9c4e6b18"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbound_emails") as batch:
        batch.add_column(
            sa.Column("cause", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("outbound_emails") as batch:
        batch.drop_column("cause")
