"""between gatherings: recommendations, certificates, representation targets

Revision ID: 8d41f6c2a9e7
Revises: c3a7e91f0b12
Create Date: 2026-12-01 22:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "8d41f6c2a9e7"
down_revision = "c3a7e91f0b12"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gathering_id", sa.Integer(), nullable=False),
        sa.Column("source_note_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("source_label", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gathering_id"],
            ["gatherings.id"],
            name=op.f("fk_recommendations_gathering_id_gatherings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_note_id"],
            ["breakout_notes.id"],
            name=op.f("fk_recommendations_source_note_id_breakout_notes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
        sa.UniqueConstraint(
            "source_note_id",
            "source_key",
            name=op.f("uq_recommendations_source_note_id"),
        ),
    )
    op.create_index(
        op.f("ix_recommendations_gathering_id"), "recommendations", ["gathering_id"]
    )
    op.create_table(
        "recommendation_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=500), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_recommendation_updates_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_updates_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_updates")),
    )
    op.create_index(
        op.f("ix_recommendation_updates_recommendation_id"),
        "recommendation_updates",
        ["recommendation_id"],
    )
    op.create_table(
        "certificate_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gathering_id", sa.Integer(), nullable=False),
        sa.Column("attendance_final_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("require_survey", sa.Boolean(), nullable=False),
        sa.Column("accreditation_statement", sa.Text(), nullable=False),
        sa.Column("credits_per_hour", sa.Numeric(precision=4, scale=2), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gathering_id"],
            ["gatherings.id"],
            name=op.f("fk_certificate_settings_gathering_id_gatherings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_settings")),
        sa.UniqueConstraint("gathering_id", name=op.f("uq_certificate_settings_gathering_id")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("credits", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_certificates_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_certificates_code_hash")),
    )
    op.create_index(
        op.f("ix_certificates_registration_id"), "certificates", ["registration_id"]
    )
    op.create_table(
        "representation_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gathering_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gathering_id"],
            ["gatherings.id"],
            name=op.f("fk_representation_targets_gathering_id_gatherings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representation_targets")),
        sa.UniqueConstraint(
            "gathering_id",
            "dimension",
            "code",
            name=op.f("uq_representation_targets_gathering_id"),
        ),
    )
    op.create_index(
        op.f("ix_representation_targets_gathering_id"),
        "representation_targets",
        ["gathering_id"],
    )


def downgrade():
    op.drop_index(
        op.f("ix_representation_targets_gathering_id"), table_name="representation_targets"
    )
    op.drop_table("representation_targets")
    op.drop_index(op.f("ix_certificates_registration_id"), table_name="certificates")
    op.drop_table("certificates")
    op.drop_table("certificate_settings")
    op.drop_index(
        op.f("ix_recommendation_updates_recommendation_id"), table_name="recommendation_updates"
    )
    op.drop_table("recommendation_updates")
    op.drop_index(op.f("ix_recommendations_gathering_id"), table_name="recommendations")
    op.drop_table("recommendations")
