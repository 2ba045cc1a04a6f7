"""retention and run stamps: an outbox message's body dropped after the retention period (pruned_at), and the
installation's last successful tick and plan (what /metrics reports)

Revision ID: 0016
Revises: 0014 (0013 and 0015 are not on main yet)
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import anquan.models.types


revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('pruned_at', anquan.models.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('installation') as batch:
        batch.add_column(sa.Column('last_tick_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('last_tick_at', anquan.models.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('last_plan_year', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('last_plan_at', anquan.models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('installation') as batch:
        batch.drop_column('last_plan_at')
        batch.drop_column('last_plan_year')
        batch.drop_column('last_tick_at')
        batch.drop_column('last_tick_on')
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('pruned_at')
