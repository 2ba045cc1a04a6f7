"""the console's accounts, their sessions, failed sign-ins and the audit log

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import anquan.models.types


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=24), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_changed_at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', anquan.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name='fk_console_user_contact_id_contact'),
    sa.ForeignKeyConstraint(['township_id'], ['organisation.id'], name='fk_console_user_township_id_organisation'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('contact_id'),
    sa.UniqueConstraint('login'),
    )
    op.create_table('console_session',
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('client_addr', sa.String(length=64), nullable=True),
    sa.Column('created_at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['console_user.id'], name='fk_console_session_user_id_console_user'),
    sa.PrimaryKeyConstraint('token_sha256'),
    )
    op.create_index(op.f('ix_console_session_user_id'), 'console_session', ['user_id'], unique=False)
    op.create_table('console_login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=254), nullable=False),
    sa.Column('client_addr', sa.String(length=64), nullable=False),
    sa.Column('at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_console_login_failure_login_at', 'console_login_failure', ['login', 'at'], unique=False)
    op.create_index('ix_console_login_failure_addr_at', 'console_login_failure', ['client_addr', 'at'], unique=False)
    op.create_table('console_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=254), nullable=True),
    sa.Column('detail', sa.String(), nullable=True),
    sa.Column('client_addr', sa.String(length=64), nullable=True),
    sa.Column('at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['console_user.id'], name='fk_console_audit_user_id_console_user'),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_console_audit_at', 'console_audit', ['at'], unique=False)
    op.create_index(op.f('ix_console_audit_user_id'), 'console_audit', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_console_audit_user_id'), table_name='console_audit')
    op.drop_index('ix_console_audit_at', table_name='console_audit')
    op.drop_table('console_audit')
    op.drop_index('ix_console_login_failure_addr_at', table_name='console_login_failure')
    op.drop_index('ix_console_login_failure_login_at', table_name='console_login_failure')
    op.drop_table('console_login_failure')
    op.drop_index(op.f('ix_console_session_user_id'), table_name='console_session')
    op.drop_table('console_session')
    op.drop_table('console_user')
