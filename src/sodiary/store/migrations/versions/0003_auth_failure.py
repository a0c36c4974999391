"""auth_failure: failed logins, shared by every process and instance

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 08:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auth_failure',
    sa.Column('failure_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('failed_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('failure_id')
    )
    op.create_index('ix_auth_failure_subject', 'auth_failure', ['subject', 'failed_at'], unique=False)
    op.create_index('ix_auth_failure_failed_at', 'auth_failure', ['failed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_auth_failure_failed_at', table_name='auth_failure')
    op.drop_index('ix_auth_failure_subject', table_name='auth_failure')
    op.drop_table('auth_failure')
