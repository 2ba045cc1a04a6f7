"""indexes the daily tick and the deliverer walk in order

The tick reads due obligations in (next_action_on, id) order and each row it
handles leaves the range, so it needs no id keyset; the deliverer claims
pending mail in id order, which (status, id) serves however much sent mail
has piled up before it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_obligation_next_action_on', table_name='obligation')
    op.create_index('ix_obligation_next_action_on_id', 'obligation', ['next_action_on', 'id'], unique=False)
    op.drop_index('ix_outbox_status_next_attempt', table_name='outbox')
    op.create_index('ix_outbox_status_id', 'outbox', ['status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_status_id', table_name='outbox')
    op.create_index('ix_outbox_status_next_attempt', 'outbox', ['status', 'next_attempt_at'], unique=False)
    op.drop_index('ix_obligation_next_action_on_id', table_name='obligation')
    op.create_index('ix_obligation_next_action_on', 'obligation', ['next_action_on'], unique=False)
