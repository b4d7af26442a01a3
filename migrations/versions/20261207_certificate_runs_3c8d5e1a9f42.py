"""community: the certificates ZIP prepared by a job, kept with its progress

Revision ID: 3c8d5e1a9f42
Revises: 4b8e2d6f1a93
Create Date: 2026-12-07 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "3c8d5e1a9f42"
down_revision = "4b8e2d6f1a93"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certificate_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gathering_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=80), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("facts_version", sa.Integer(), nullable=False),
        sa.Column("attendance_version", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_certificate_runs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["gathering_id"],
            ["gatherings.id"],
            name=op.f("fk_certificate_runs_gathering_id_gatherings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_runs")),
    )
    with op.batch_alter_table("certificate_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_runs_gathering_id"), ["gathering_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("certificate_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_runs_gathering_id"))
    op.drop_table("certificate_runs")
