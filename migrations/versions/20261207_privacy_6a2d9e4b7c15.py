"""privacy: retention per community, the erasure log, the access log, erasure requests

Revision ID: 6a2d9e4b7c15
Revises: 3e8b6f0a1c27
Create Date: 2026-12-07 11:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "6a2d9e4b7c15"
down_revision = "3e8b6f0a1c27"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("retention_months", sa.Integer(), server_default="24", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "erasure_requests",
                sa.String(length=20),
                server_default="organiser",
                nullable=False,
            )
        )
    with op.batch_alter_table("gatherings") as batch:
        batch.add_column(
            sa.Column("personal_data_erased_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(
            sa.Column("erasure_requested_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "erasure_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gathering_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gathering_id"],
            ["gatherings.id"],
            name=op.f("fk_erasure_log_gathering_id_gatherings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_erasure_log_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_log")),
    )
    op.create_index(op.f("ix_erasure_log_gathering_id"), "erasure_log", ["gathering_id"])
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("gathering_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_access_log_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["gathering_id"],
            ["gatherings.id"],
            name=op.f("fk_access_log_gathering_id_gatherings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    op.create_index(op.f("ix_access_log_created_at"), "access_log", ["created_at"])
    op.create_index(
        "ix_access_log_gathering_created", "access_log", ["gathering_id", "created_at"]
    )


def downgrade():
    op.drop_index("ix_access_log_gathering_created", table_name="access_log")
    op.drop_index(op.f("ix_access_log_created_at"), table_name="access_log")
    op.drop_table("access_log")
    op.drop_index(op.f("ix_erasure_log_gathering_id"), table_name="erasure_log")
    op.drop_table("erasure_log")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("erasure_requested_at")
    with op.batch_alter_table("gatherings") as batch:
        batch.drop_column("personal_data_erased_at")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("erasure_requests")
        batch.drop_column("retention_months")
