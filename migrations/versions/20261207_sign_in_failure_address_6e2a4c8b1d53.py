"""auth: sign-in failures also keep the address alone, hashed, for the staff page's locks

Revision ID: 6e2a4c8b1d53
Revises: 3c8d5e1a9f42
Create Date: 2026-12-07 15:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "6e2a4c8b1d53"
down_revision = "3c8d5e1a9f42"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("address_hash", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_sign_in_failures_address_hash"), ["address_hash"], unique=False
        )


def downgrade():
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_failures_address_hash"))
        batch_op.drop_column("address_hash")
