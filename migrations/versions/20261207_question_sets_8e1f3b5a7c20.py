"""question sets: named groups of survey questions with their source and licence

Revision ID: 8e1f3b5a7c20
Revises: 6b1d2e8f4a90
Create Date: 2026-12-07 11:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "8e1f3b5a7c20"
down_revision = "6b1d2e8f4a90"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_question_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("licence", sa.String(length=200), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_question_sets_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_question_sets")),
        sa.UniqueConstraint("survey_id", "code", name=op.f("uq_survey_question_sets_survey_id")),
    )
    op.create_index(
        op.f("ix_survey_question_sets_survey_id"), "survey_question_sets", ["survey_id"]
    )
    with op.batch_alter_table("survey_questions") as batch:
        batch.add_column(sa.Column("question_set_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_survey_questions_question_set_id_survey_question_sets"),
            "survey_question_sets",
            ["question_set_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(batch.f("ix_survey_questions_question_set_id"), ["question_set_id"])


def downgrade():
    with op.batch_alter_table("survey_questions") as batch:
        batch.drop_index(batch.f("ix_survey_questions_question_set_id"))
        batch.drop_constraint(
            batch.f("fk_survey_questions_question_set_id_survey_question_sets"), type_="foreignkey"
        )
        batch.drop_column("question_set_id")
    op.drop_index(op.f("ix_survey_question_sets_survey_id"), table_name="survey_question_sets")
    op.drop_table("survey_question_sets")
