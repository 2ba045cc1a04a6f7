"""a console account must change the password someone else gave it (made, or reset) at its first sign-in

Revision ID: 0014
Revises: 0012 (0013, the assessment's approval, was not on main when this landed: whichever lands second chains
after the other, so that the history stays one line)
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Accounts made before this revision keep their passwords: only new ones and new resets are temporary.
    op.add_column('console_user', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                            nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('console_user') as batch:
        batch.drop_column('must_change_password')
