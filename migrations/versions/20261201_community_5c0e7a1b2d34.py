"""communities: gatherings belong to a community of practice

Revision ID: 5c0e7a1b2d34
Revises: a49444880c1d
Create Date: 2026-12-01 22:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "5c0e7a1b2d34"
down_revision = "a49444880c1d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("short_description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
        sa.UniqueConstraint("slug", name=op.f("uq_communities_slug")),
    )
    with op.batch_alter_table("gatherings") as batch:
        batch.add_column(sa.Column("community_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_gatherings_community_id"), ["community_id"])
        batch.create_foreign_key(
            batch.f("fk_gatherings_community_id_communities"),
            "communities",
            ["community_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("gatherings") as batch:
        batch.drop_constraint(batch.f("fk_gatherings_community_id_communities"), type_="foreignkey")
        batch.drop_index(batch.f("ix_gatherings_community_id"))
        batch.drop_column("community_id")
    op.drop_table("communities")
