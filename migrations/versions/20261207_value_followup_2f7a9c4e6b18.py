"""value follow-up: the survey months later (value cycles, consented stories), anonymous

Revision ID: 2f7a9c4e6b18
Revises: 5a1d9c3e7b20
Create Date: 2026-12-07 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "2f7a9c4e6b18"
down_revision = "5a1d9c3e7b20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "value_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gathering_id", sa.Integer(), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled", sa.Boolean(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gathering_id"],
            ["gatherings.id"],
            name=op.f("fk_value_followups_gathering_id_gatherings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_followups")),
        sa.UniqueConstraint("gathering_id", name=op.f("uq_value_followups_gathering_id")),
    )
    op.create_table(
        "value_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["value_followups.id"],
            name=op.f("fk_value_invitations_followup_id_value_followups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_value_invitations_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_invitations")),
        sa.UniqueConstraint(
            "followup_id", "registration_id", name=op.f("uq_value_invitations_followup_id")
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_value_invitations_token_hash")),
    )
    op.create_index(op.f("ix_value_invitations_followup_id"), "value_invitations", ["followup_id"])
    op.create_index(
        op.f("ix_value_invitations_registration_id"), "value_invitations", ["registration_id"]
    )
    op.create_table(
        "value_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("cycles", sa.String(length=200), nullable=False),
        sa.Column("story", sa.Text(), nullable=False),
        sa.Column("story_consent", sa.Boolean(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["value_followups.id"],
            name=op.f("fk_value_responses_followup_id_value_followups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_responses")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_value_responses_followup_id"), "value_responses", ["followup_id"])


def downgrade():
    op.drop_index(op.f("ix_value_responses_followup_id"), table_name="value_responses")
    op.drop_table("value_responses")
    op.drop_index(op.f("ix_value_invitations_registration_id"), table_name="value_invitations")
    op.drop_index(op.f("ix_value_invitations_followup_id"), table_name="value_invitations")
    op.drop_table("value_invitations")
    op.drop_table("value_followups")
