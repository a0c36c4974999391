"""Task headings, user groups, projects, published appointments and per-user working hours (issue 17's leftovers)

heading + task_heading_link: SuperOffice's Heading and TaskHeadingLink (tasks grouped under headings);
user_group + user_group_member: user groups and who is in them (GetDiaryByGroup);
project + project_member: a minimal Project, and appointment.project_id linking appointments to one;
publish: SuperOffice's Publish rows for appointments (IsPublished, PublishFrom/To, PublishEventDate);
working_hours: a user's own working day, over SODIARY_WORKING_HOURS/DAYS.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
# The lead re-chains migrations at merge.
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'heading',
        sa.Column('heading_id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(254), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('tooltip', sa.String(254), nullable=False, server_default=''),
        sa.Column('deleted', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        'task_heading_link',
        sa.Column('heading_id', sa.Integer(), sa.ForeignKey('heading.heading_id'), primary_key=True),
        sa.Column('task_id', sa.Integer(), sa.ForeignKey('task.task_id'), primary_key=True),
    )
    op.create_table(
        'user_group',
        sa.Column('group_id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(254), nullable=False, unique=True),
        sa.Column('description', sa.String(254), nullable=False, server_default=''),
        sa.Column('rank', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('deleted', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        'user_group_member',
        sa.Column('group_id', sa.Integer(), sa.ForeignKey('user_group.group_id'), primary_key=True),
        sa.Column('associate_id', sa.Integer(), sa.ForeignKey('associate.associate_id'), primary_key=True),
    )
    op.create_table(
        'project',
        sa.Column('project_id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(254), nullable=False),
        sa.Column('project_number', sa.String(50), nullable=False, server_default=''),
        sa.Column('associate_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('done', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('registered', sa.DateTime(), nullable=False),
    )
    op.create_table(
        'project_member',
        sa.Column('project_id', sa.Integer(), sa.ForeignKey('project.project_id'), primary_key=True),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('person.person_id'), primary_key=True),
    )
    op.create_table(
        'publish',
        sa.Column('appointment_id', sa.Integer(), primary_key=True),
        sa.Column('publish_type', sa.SmallInteger(), nullable=False, server_default='1'),
        sa.Column('publish_from', sa.DateTime(), nullable=True),
        sa.Column('publish_to', sa.DateTime(), nullable=True),
        sa.Column('event_date', sa.DateTime(), nullable=True),
    )
    op.create_table(
        'working_hours',
        sa.Column('associate_id', sa.Integer(), sa.ForeignKey('associate.associate_id'), primary_key=True),
        sa.Column('hours', sa.String(11), nullable=False),
        sa.Column('days', sa.String(27), nullable=False),
    )
    with op.batch_alter_table('appointment') as batch:
        batch.add_column(sa.Column('project_id', sa.Integer(), nullable=False, server_default='0'))
    op.create_index('ix_appointment_project', 'appointment', ['project_id', 'start_date'])


def downgrade() -> None:
    op.drop_index('ix_appointment_project', 'appointment')
    with op.batch_alter_table('appointment') as batch:
        batch.drop_column('project_id')
    for table in ('working_hours', 'publish', 'project_member', 'project', 'user_group_member', 'user_group', 'task_heading_link',
                  'heading'):
        op.drop_table(table)
