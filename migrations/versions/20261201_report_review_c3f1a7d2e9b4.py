"""report review: key messages and reviewed themes

Revision ID: c3f1a7d2e9b4
Revises: c3a1d5e7b902
Create Date: 2026-12-01 22:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c3f1a7d2e9b4'
down_revision = 'c3a1d5e7b902'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_key_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gathering_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_report_key_messages_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['gathering_id'], ['gatherings.id'], name=op.f('fk_report_key_messages_gathering_id_gatherings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_key_messages')),
    sa.UniqueConstraint('gathering_id', name=op.f('uq_report_key_messages_gathering_id'))
    )
    op.create_table('report_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gathering_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('suggested_label', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('passages', sa.JSON(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_report_themes_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['gathering_id'], ['gatherings.id'], name=op.f('fk_report_themes_gathering_id_gatherings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['report_themes.id'], name=op.f('fk_report_themes_merged_into_id_report_themes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_themes'))
    )
    with op.batch_alter_table('report_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_themes_gathering_id'), ['gathering_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_themes_gathering_id'))

    op.drop_table('report_themes')
    op.drop_table('report_key_messages')
