"""email_item: invitations that arrived by e-mail from an external organiser (issue 15, mail in)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'email_item',
        sa.Column('email_item_id', sa.Integer(), primary_key=True),
        sa.Column('associate_id', sa.Integer(), nullable=False),
        sa.Column('event_uid', sa.String(255), nullable=False),
        sa.Column('event_sequence', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('event_dtstamp', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('organizer_email', sa.String(254), nullable=False, server_default=''),
        sa.Column('organizer_fullname', sa.String(254), nullable=False, server_default=''),
        sa.Column('attendee_email', sa.String(254), nullable=False, server_default=''),
        sa.Column('title', sa.String(254), nullable=False, server_default=''),
        sa.Column('location', sa.String(254), nullable=False, server_default=''),
        sa.Column('description', sa.Text(), nullable=False, server_default=''),
        sa.Column('start_utc', sa.DateTime(), nullable=False),
        sa.Column('end_utc', sa.DateTime(), nullable=False),
        sa.Column('is_allday', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('calendar', sa.Text(), nullable=False, server_default=''),
        sa.Column('appointment_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('received', sa.DateTime(), nullable=False),
        sa.Column('updated', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('associate_id', 'event_uid', name='uq_email_item_associate_uid'),
    )


def downgrade() -> None:
    op.drop_table('email_item')
