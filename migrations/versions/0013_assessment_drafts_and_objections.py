"""the assessment as a draft the county office approves, each township's result in it, and objections (异议)

Revision ID: 0013
Revises: 0015 (chained after the migrations that landed first: 0014, 0016, 0015)
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import anquan.models.types


revision = '0013'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assessment_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('drafted_on', sa.Date(), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('go_live', sa.Date(), nullable=True),
    sa.Column('county_name', sa.String(length=128), nullable=False),
    sa.Column('county_targets', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('approved_by', sa.String(length=254), nullable=True),
    sa.Column('approved_by_name', sa.String(length=64), nullable=True),
    sa.Column('approved_at', anquan.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('notice_number', sa.Integer(), nullable=True),
    sa.Column('mails_queued', sa.Integer(), nullable=True),
    sa.Column('created_at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year')
    )
    op.create_table('assessment_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('org_code', sa.String(length=32), nullable=False),
    sa.Column('org_name', sa.String(length=128), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('base', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('floor', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('ceiling', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('score', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('grade', sa.String(length=8), nullable=False),
    sa.Column('vetoed', sa.Boolean(), nullable=False),
    sa.Column('deductions', sa.Text(), nullable=False),
    sa.Column('veto_reasons', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['assessment_record.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('record_id', 'org_id', name='uq_assessment_result_township')
    )
    op.create_index(op.f('ix_assessment_result_record_id'), 'assessment_result', ['record_id'], unique=False)
    op.create_table('assessment_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('raised_by', sa.String(length=128), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=254), nullable=False),
    sa.Column('recorded_at', anquan.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=254), nullable=True),
    sa.Column('decided_at', anquan.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['result_id'], ['assessment_result.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_assessment_objection_result_id'), 'assessment_objection', ['result_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_assessment_objection_result_id'), table_name='assessment_objection')
    op.drop_table('assessment_objection')
    op.drop_index(op.f('ix_assessment_result_record_id'), table_name='assessment_result')
    op.drop_table('assessment_result')
    op.drop_table('assessment_record')
