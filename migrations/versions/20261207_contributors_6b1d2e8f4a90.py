"""contributors: recognition plans and the honorarium schedule

Revision ID: 6b1d2e8f4a90
Revises: 4c8e2a6f1d93
Create Date: 2026-12-07 11:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '6b1d2e8f4a90'
down_revision = '4c8e2a6f1d93'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('honorarium_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('hourly_cents', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_honorarium_rates_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_honorarium_rates')),
    sa.UniqueConstraint('community_id', 'level', name=op.f('uq_honorarium_rates_community_id'))
    )
    with op.batch_alter_table('honorarium_rates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_honorarium_rates_community_id'), ['community_id'], unique=False)

    op.create_table('contributors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gathering_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('recognition', sa.String(length=20), nullable=False),
    sa.Column('honorarium_level', sa.String(length=20), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('honorarium_cents', sa.Integer(), nullable=False),
    sa.Column('expenses_claimed_cents', sa.Integer(), nullable=False),
    sa.Column('expenses_approved_cents', sa.Integer(), nullable=False),
    sa.Column('protocol_honorarium', sa.Boolean(), nullable=False),
    sa.Column('protocol_gift', sa.Boolean(), nullable=False),
    sa.Column('protocol_tobacco', sa.Boolean(), nullable=False),
    sa.Column('support_person', sa.String(length=200), nullable=False),
    sa.Column('preparation_call_on', sa.Date(), nullable=True),
    sa.Column('preferred_name', sa.String(length=200), nullable=False),
    sa.Column('nation', sa.String(length=200), nullable=False),
    sa.Column('named_in_thanks', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('payment_method', sa.String(length=20), nullable=False),
    sa.Column('payment_reference', sa.String(length=100), nullable=False),
    sa.Column('thanked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['gathering_id'], ['gatherings.id'], name=op.f('fk_contributors_gathering_id_gatherings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_contributors_registration_id_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contributors')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_contributors_token_hash'))
    )
    with op.batch_alter_table('contributors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contributors_gathering_id'), ['gathering_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contributors_registration_id'), ['registration_id'], unique=False)

    op.create_table('contributor_agenda_items',
    sa.Column('contributor_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_contributor_agenda_items_agenda_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contributor_id'], ['contributors.id'], name=op.f('fk_contributor_agenda_items_contributor_id_contributors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contributor_id', 'agenda_item_id', name=op.f('pk_contributor_agenda_items'))
    )


def downgrade():
    op.drop_table('contributor_agenda_items')
    with op.batch_alter_table('contributors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contributors_registration_id'))
        batch_op.drop_index(batch_op.f('ix_contributors_gathering_id'))

    op.drop_table('contributors')
    with op.batch_alter_table('honorarium_rates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_honorarium_rates_community_id'))

    op.drop_table('honorarium_rates')
