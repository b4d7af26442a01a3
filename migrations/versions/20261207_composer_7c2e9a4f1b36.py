"""composer: what a message adds around the organiser's words, scheduled messages, saved
message templates

Revision ID: 7c2e9a4f1b36
Revises: 9b4e6d2c1a57
Create Date: 2026-12-07 11:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7c2e9a4f1b36"
down_revision = "9b4e6d2c1a57"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("greeting", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("title_in_subject", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("status", sa.String(length=20), server_default="sent", nullable=False)
        )
        batch.add_column(sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("audience", sa.JSON(), nullable=True))
    op.create_table(
        "message_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("greeting", sa.Boolean(), nullable=False),
        sa.Column("title_in_subject", sa.Boolean(), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["saved_by_id"],
            ["users.id"],
            name=op.f("fk_message_templates_saved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_message_templates_name")),
    )


def downgrade():
    op.drop_table("message_templates")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("audience")
        batch.drop_column("scheduled_for")
        batch.drop_column("status")
        batch.drop_column("title_in_subject")
        batch.drop_column("greeting")
