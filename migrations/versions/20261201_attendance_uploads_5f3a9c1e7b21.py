"""attendance uploads: the people of a pending upload in their own table, the file
kept compressed until it is read, and no JSON payload

Revision ID: 5f3a9c1e7b21
Revises: 8d41f6c2a9e7
Create Date: 2026-12-01 22:40:00

Pending uploads lose their JSON payload here, so they are marked discarded; the
organiser uploads the file again.
"""
from alembic import op
import sqlalchemy as sa


revision = '5f3a9c1e7b21'
down_revision = '8d41f6c2a9e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_import_people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('upn', sa.Text(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.Column('first_join', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_leave', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('matched_by', sa.String(length=10), nullable=True),
    sa.Column('candidate_ids', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['attendance_import_batches.id'], name=op.f('fk_attendance_import_people_batch_id_attendance_import_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_attendance_import_people_registration_id_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_import_people')),
    sa.UniqueConstraint('batch_id', 'position', name=op.f('uq_attendance_import_people_batch_id'))
    )
    batches = sa.table('attendance_import_batches', sa.column('status', sa.String()))
    op.execute(batches.update().where(batches.c.status == 'pending').values(status='discarded'))
    with op.batch_alter_table('attendance_import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('upload', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('meeting', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('date_order', sa.String(length=4), nullable=False, server_default='auto'))
        batch_op.add_column(sa.Column('date_order_guessed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_column('payload')
    with op.batch_alter_table('attendance_import_batches', schema=None) as batch_op:
        batch_op.alter_column('error', server_default=None)
        batch_op.alter_column('date_order', server_default=None)
        batch_op.alter_column('date_order_guessed', server_default=None)


def downgrade():
    batches = sa.table('attendance_import_batches', sa.column('status', sa.String()))
    op.execute(batches.update().where(batches.c.status.in_(['pending', 'received', 'failed'])).values(status='discarded'))
    with op.batch_alter_table('attendance_import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))
        batch_op.drop_column('date_order_guessed')
        batch_op.drop_column('date_order')
        batch_op.drop_column('meeting')
        batch_op.drop_column('error')
        batch_op.drop_column('upload')
    op.drop_table('attendance_import_people')
