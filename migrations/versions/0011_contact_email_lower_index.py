"""find a person's posts by their address without reading every contact

Every page of the officials' pages starts from the contacts at the link's address (lower(email)); so do the
revocation of links and the console's accounts. A province has about 380,000 contacts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_contact_email_lower', 'contact', [sa.text('lower(email)')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_contact_email_lower', table_name='contact')
