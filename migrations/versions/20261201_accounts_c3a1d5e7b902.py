"""accounts: session versions, one-time account links, gathering life, organisation settings

Revision ID: c3a1d5e7b902
Revises: 5c0b7e21d9a4
Create Date: 2026-12-01 22:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c3a1d5e7b902"
down_revision = "5c0b7e21d9a4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("session_version", server_default=None)

    with op.batch_alter_table("gatherings") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    # Gatherings saved before drafts existed were already public.
    op.execute("UPDATE gatherings SET published_at = created_at")

    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    op.create_index(op.f("ix_account_tokens_user_id"), "account_tokens", ["user_id"])

    op.create_table(
        "organisation_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=80), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=50), nullable=False),
        sa.Column("accent_colour", sa.String(length=7), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_mimetype", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_settings")),
    )

    op.create_table(
        "published_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gathering_id", sa.Integer(), nullable=False),
        sa.Column("report_run_id", sa.Integer(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gathering_id"],
            ["gatherings.id"],
            name=op.f("fk_published_reports_gathering_id_gatherings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_run_id"],
            ["report_runs.id"],
            name=op.f("fk_published_reports_report_run_id_report_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_published_reports_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_reports")),
        sa.UniqueConstraint("gathering_id", name=op.f("uq_published_reports_gathering_id")),
    )
    op.create_index(
        op.f("ix_published_reports_report_run_id"), "published_reports", ["report_run_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_published_reports_report_run_id"), table_name="published_reports")
    op.drop_table("published_reports")
    op.drop_table("organisation_settings")
    op.drop_index(op.f("ix_account_tokens_user_id"), table_name="account_tokens")
    op.drop_table("account_tokens")
    with op.batch_alter_table("gatherings") as batch:
        batch.drop_column("archived_at")
        batch.drop_column("published_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
