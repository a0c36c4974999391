"""task: SuperOffice's task list (activity types such as Meeting, Phone call), for the TaskListItem methods

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
# 0006 is already on this branch (merged from main); the lead re-chains migrations at merge.
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'task',
        sa.Column('task_id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(239), nullable=False, unique=True),
        sa.Column('rank', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('tooltip', sa.String(254), nullable=False, server_default=''),
        sa.Column('deleted', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('record_type', sa.SmallInteger(), nullable=False, server_default='1'),
        sa.Column('direction', sa.SmallInteger(), nullable=False, server_default='0'),
        sa.Column('color_index', sa.String(40), nullable=False, server_default='LightBlue'),
        sa.Column('default_allday_event', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('default_free', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('default_published', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('intent_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('default_videomeeting_status', sa.String(20), nullable=False, server_default='NoChange'),
        sa.Column('registered', sa.DateTime(), nullable=False),
        sa.Column('registered_associate_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('updated', sa.DateTime(), nullable=True),
        sa.Column('updated_associate_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('updated_count', sa.Integer(), nullable=False, server_default='0'),
    )


def downgrade() -> None:
    op.drop_table('task')
