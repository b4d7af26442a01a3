"""engagement level: each agenda item's IAP2 level (inform .. empower)

Revision ID: 4c8e2a6f1d93
Revises: 6a2d9e4b7c15
Create Date: 2026-12-07 11:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "4c8e2a6f1d93"
down_revision = "6a2d9e4b7c15"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agenda_items") as batch:
        batch.add_column(
            sa.Column(
                "engagement_level", sa.String(length=20), server_default="inform", nullable=False
            )
        )
    # Breakouts ask for people's views; everything else informs.
    op.execute("UPDATE agenda_items SET engagement_level = 'consult' WHERE kind = 'breakout'")


def downgrade():
    with op.batch_alter_table("agenda_items") as batch:
        batch.drop_column("engagement_level")
