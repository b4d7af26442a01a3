"""you said, we did: the public page per gathering, its subscribers, public owners

Revision ID: 9b4e6d2c1a57
Revises: 5f1a7c3e9b42
Create Date: 2026-12-07 12:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "9b4e6d2c1a57"
down_revision = "5f1a7c3e9b42"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "said_did_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gathering_id", sa.Integer(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gathering_id"],
            ["gatherings.id"],
            name=op.f("fk_said_did_pages_gathering_id_gatherings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_said_did_pages")),
        sa.UniqueConstraint("gathering_id", name=op.f("uq_said_did_pages_gathering_id")),
    )
    op.create_table(
        "said_did_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gathering_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("subscribed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["gathering_id"],
            ["gatherings.id"],
            name=op.f("fk_said_did_subscriptions_gathering_id_gatherings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_said_did_subscriptions_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_said_did_subscriptions")),
        sa.UniqueConstraint(
            "gathering_id", "registration_id", name=op.f("uq_said_did_subscriptions_gathering_id")
        ),
    )
    op.create_index(
        op.f("ix_said_did_subscriptions_gathering_id"), "said_did_subscriptions", ["gathering_id"]
    )
    op.create_index(
        op.f("ix_said_did_subscriptions_registration_id"),
        "said_did_subscriptions",
        ["registration_id"],
    )
    with op.batch_alter_table("recommendations") as batch:
        batch.add_column(
            sa.Column("public_owner", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("recommendations") as batch:
        batch.drop_column("public_owner")
    op.drop_index(
        op.f("ix_said_did_subscriptions_registration_id"), table_name="said_did_subscriptions"
    )
    op.drop_index(
        op.f("ix_said_did_subscriptions_gathering_id"), table_name="said_did_subscriptions"
    )
    op.drop_table("said_did_subscriptions")
    op.drop_table("said_did_pages")
