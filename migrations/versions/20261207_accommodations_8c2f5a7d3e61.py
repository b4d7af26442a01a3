"""accommodations: requests followed through, and accessibility feedback

Revision ID: 8c2f5a7d3e61
Revises: 8f3b1c6d2a47
Create Date: 2026-12-07 11:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '8c2f5a7d3e61'
down_revision = '8f3b1c6d2a47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('accommodation_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gathering_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('arrangement', sa.Text(), nullable=False),
    sa.Column('arranged_by', sa.String(length=200), nullable=False),
    sa.Column('arranged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_email', sa.Boolean(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('outcome_comment', sa.Text(), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['gathering_id'], ['gatherings.id'], name=op.f('fk_accommodation_requests_gathering_id_gatherings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_accommodation_requests_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_accommodation_requests_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accommodation_requests')),
    sa.UniqueConstraint('registration_id', 'kind', name=op.f('uq_accommodation_requests_registration_id'))
    )
    with op.batch_alter_table('accommodation_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accommodation_requests_gathering_id'), ['gathering_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accommodation_requests_registration_id'), ['registration_id'], unique=False)

    op.create_table('accessibility_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gathering_id', sa.Integer(), nullable=True),
    sa.Column('page', sa.String(length=500), nullable=False),
    sa.Column('barrier', sa.Text(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['gathering_id'], ['gatherings.id'], name=op.f('fk_accessibility_feedback_gathering_id_gatherings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accessibility_feedback'))
    )
    with op.batch_alter_table('accessibility_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accessibility_feedback_gathering_id'), ['gathering_id'], unique=False)


def downgrade():
    with op.batch_alter_table('accessibility_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accessibility_feedback_gathering_id'))

    op.drop_table('accessibility_feedback')
    with op.batch_alter_table('accommodation_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accommodation_requests_registration_id'))
        batch_op.drop_index(batch_op.f('ix_accommodation_requests_gathering_id'))

    op.drop_table('accommodation_requests')
