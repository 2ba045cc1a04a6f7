"""reports the township's safety office returned (退回): who, when, from where, why

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import anquan.models.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('submission_return',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('status_before', sa.String(length=16), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('last_submission_id', sa.Integer(), nullable=True),
    sa.Column('client_addr', sa.String(length=64), nullable=True),
    sa.Column('returned_at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name='fk_submission_return_contact_id_contact'),
    sa.ForeignKeyConstraint(['last_submission_id'], ['submission.id'],
                            name='fk_submission_return_last_submission_id_submission'),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name='fk_submission_return_obligation_id_obligation'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_submission_return_obligation_id'), 'submission_return', ['obligation_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_submission_return_obligation_id'), table_name='submission_return')
    op.drop_table('submission_return')
