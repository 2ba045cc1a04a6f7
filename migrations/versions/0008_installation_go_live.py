"""the installation's go-live date (纳入系统管理起始日); whether a contact is full-time

An installation that already planned gets the day of its first plan as its go-live:
what fell due before then is marked not tracked by the next plan or tick.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import anquan.models.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('installation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('go_live_on', sa.Date(), nullable=False),
    sa.Column('baseline_for', sa.Date(), nullable=True),
    sa.Column('recorded_at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    bind = op.get_bind()
    obligation = sa.table('obligation', sa.column('created_at', anquan.models.types.UTCDateTime()))
    first = bind.execute(sa.select(sa.func.min(obligation.c.created_at))).scalar()
    if first is not None:
        installation = sa.table('installation', sa.column('id', sa.Integer()), sa.column('go_live_on', sa.Date()),
                                sa.column('recorded_at', anquan.models.types.UTCDateTime()))
        bind.execute(installation.insert().values(id=1, go_live_on=first.date(), recorded_at=first))


    with op.batch_alter_table('contact') as batch:
        batch.add_column(sa.Column('full_time', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contact') as batch:
        batch.drop_column('full_time')
    op.drop_table('installation')
