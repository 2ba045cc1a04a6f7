"""the assessment notice's text the county office edits before the approval: 下一步要求 and the 抄送 line

Revision ID: 0017
Revises: 0013 (the newest on main when this landed)
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessment_record') as batch:
        batch.add_column(sa.Column('notice_requirements', sa.Text(), nullable=True))
        batch.add_column(sa.Column('notice_copied_to', sa.String(length=512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assessment_record') as batch:
        batch.drop_column('notice_copied_to')
        batch.drop_column('notice_requirements')
