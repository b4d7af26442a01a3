"""certificates: the name as printed and the nonce its code is rebuilt from

Revision ID: e83c5b1f7a26
Revises: d71b3e5a9c04
Create Date: 2026-12-07 12:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e83c5b1f7a26"
down_revision = "d71b3e5a9c04"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(
            sa.Column("printed_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("code_nonce", sa.String(length=32), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("code_nonce")
        batch.drop_column("printed_name")
