"""meetings: the invitation list (invitees, opt-outs, uploads waiting for their columns),
Zoom poll results as counts, and Q&A questions without who asked

Revision ID: 8f3b1c6d2a47
Revises: 8e1f3b5a7c20
Create Date: 2026-12-07 11:20:00

"""

import sqlalchemy as sa
from alembic import op


revision = "8f3b1c6d2a47"
down_revision = "8e1f3b5a7c20"
branch_labels = None
depends_on = None


def _gathering():
    return sa.Column(
        "gathering_id",
        sa.Integer(),
        sa.ForeignKey("gatherings.id", ondelete="CASCADE"),
        nullable=False,
    )


def _item():
    return sa.Column(
        "agenda_item_id",
        sa.Integer(),
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade():
    op.create_table(
        "invitees",
        sa.Column("id", sa.Integer(), primary_key=True),
        _gathering(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("organisation_name", sa.String(200), nullable=False),
        sa.Column("organisation_type", sa.String(40), nullable=False),
        sa.Column("health_region", sa.String(40), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("reminder_token_hash", sa.String(64), unique=True),
        sa.Column("invited_at", sa.DateTime(timezone=True)),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
        sa.Column("opted_out_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("gathering_id", "email"),
    )
    op.create_table(
        "invitation_opt_outs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "invitee_uploads",
        sa.Column("id", sa.Integer(), primary_key=True),
        _gathering(),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary()),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "poll_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        _gathering(),
        _item(),
        sa.Column("poll", sa.String(300), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("question_position", sa.Integer(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answer_position", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_poll_results_item", "poll_results", ["gathering_id", "agenda_item_id"])
    op.create_table(
        "qa_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _gathering(),
        _item(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("included", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_qa_questions_item", "qa_questions", ["gathering_id", "agenda_item_id"])


def downgrade():
    op.drop_index("ix_qa_questions_item", table_name="qa_questions")
    op.drop_table("qa_questions")
    op.drop_index("ix_poll_results_item", table_name="poll_results")
    op.drop_table("poll_results")
    op.drop_table("invitee_uploads")
    op.drop_table("invitation_opt_outs")
    op.drop_table("invitees")
