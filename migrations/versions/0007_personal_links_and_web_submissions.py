"""personal links (revocable per contact), who reported a submission on the pages and from where

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import anquan.models.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contact') as batch:
        batch.add_column(sa.Column('link_epoch', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('links_revoked_at', anquan.models.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('submission') as batch:
        batch.add_column(sa.Column('contact_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('client_addr', sa.String(length=64), nullable=True))
        batch.create_foreign_key('fk_submission_contact_id_contact', 'contact', ['contact_id'], ['id'])
    op.create_index('ix_notice_recipient_obligation', 'notice', ['recipient_email', 'obligation_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notice_recipient_obligation', table_name='notice')
    with op.batch_alter_table('submission') as batch:
        batch.drop_constraint('fk_submission_contact_id_contact', type_='foreignkey')
        batch.drop_column('client_addr')
        batch.drop_column('contact_id')
    with op.batch_alter_table('contact') as batch:
        batch.drop_column('links_revoked_at')
        batch.drop_column('link_epoch')
