"""calendar_feed: per-user secret subscription feeds, tokens stored hashed (issue 15)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calendar_feed',
        sa.Column('feed_id', sa.Integer(), primary_key=True),
        sa.Column('associate_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(64), nullable=False),
        sa.Column('created', sa.DateTime(), nullable=False),
        sa.Column('revoked', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('token_hash', name='uq_calendar_feed_token'),
    )
    op.create_index('ix_calendar_feed_associate', 'calendar_feed', ['associate_id'])


def downgrade() -> None:
    op.drop_index('ix_calendar_feed_associate', table_name='calendar_feed')
    op.drop_table('calendar_feed')
