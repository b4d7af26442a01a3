"""report readiness: key messages for the committee only; a publication's override

Revision ID: 5a1d9c3e7b20
Revises: 8c2f5a7d3e61
Create Date: 2026-12-07 11:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "5a1d9c3e7b20"
down_revision = "8c2f5a7d3e61"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_key_messages") as batch:
        batch.add_column(sa.Column("committee_text", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("published_reports") as batch:
        batch.add_column(sa.Column("override_reason", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("override_missing", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("published_reports") as batch:
        batch.drop_column("override_missing")
        batch.drop_column("override_reason")
    with op.batch_alter_table("report_key_messages") as batch:
        batch.drop_column("committee_text")
