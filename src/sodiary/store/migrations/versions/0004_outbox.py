"""outbox_message, invitation, appointment.send_email: e-mail invitations (issue 19)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('appointment') as batch:
        batch.add_column(sa.Column('send_email', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('invitation',
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('event_uid', sa.String(length=255), nullable=False),
    sa.Column('event_sequence', sa.Integer(), nullable=False),
    sa.Column('event_dtstamp', sa.DateTime(), nullable=False),
    sa.Column('organizer_email', sa.String(length=254), nullable=False),
    sa.Column('organizer_fullname', sa.String(length=254), nullable=False),
    sa.Column('template_language', sa.String(length=10), nullable=False),
    sa.Column('registered', sa.DateTime(), nullable=False),
    sa.Column('updated', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('invitation_id'),
    sa.UniqueConstraint('appointment_id', name='uq_invitation_appointment'),
    sa.UniqueConstraint('event_uid', name='uq_invitation_uid')
    )
    op.create_table('outbox_message',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message_key', sa.String(length=64), nullable=False),
    sa.Column('destination', sa.String(length=1000), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('message_id'),
    sa.UniqueConstraint('message_key', name='uq_outbox_message_key')
    )
    op.create_index('ix_outbox_message_due', 'outbox_message', ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_message_due', table_name='outbox_message')
    op.drop_table('outbox_message')
    op.drop_table('invitation')
    with op.batch_alter_table('appointment') as batch:
        batch.drop_column('send_email')
