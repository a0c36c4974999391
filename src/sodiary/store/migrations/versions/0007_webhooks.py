"""webhook: registrations of SuperOffice's webhooks, with their delivery statistics (issue 14)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'webhook',
        sa.Column('webhook_id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False, server_default=''),
        sa.Column('events', sa.Text(), nullable=False),
        sa.Column('target_url', sa.String(1000), nullable=False),
        sa.Column('secret', sa.String(255), nullable=False, server_default=''),
        sa.Column('state', sa.String(20), nullable=False, server_default='Active'),
        sa.Column('type', sa.String(50), nullable=False, server_default='webhook'),
        sa.Column('headers', sa.Text(), nullable=False),
        sa.Column('properties', sa.Text(), nullable=False),
        sa.Column('registered', sa.DateTime(), nullable=False),
        sa.Column('registered_associate_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('updated', sa.DateTime(), nullable=True),
        sa.Column('updated_associate_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('total_calls', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('total_errors', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('consecutive_errors', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('last_error', sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('webhook')
