"""auth: unsuccessful sign-ins counted per address and network (hashed together)

Revision ID: d71b3e5a9c04
Revises: 7c2e9a4f1b36
Create Date: 2026-12-07 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d71b3e5a9c04"
down_revision = "7c2e9a4f1b36"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
        sa.UniqueConstraint("key", name=op.f("uq_sign_in_failures_key")),
    )


def downgrade():
    op.drop_table("sign_in_failures")
