"""invitation.series_shift: for an invitation mailed as one recurring event, how far (minutes, wall clock)
the event's instances lie from the occurrences' original starts, so RECURRENCE-ID names the instance the
calendar holds after a this-and-following move (docs/decisions.md, "A mailed series after it was sent")

Revision ID: 0014_seriesmail
Revises: 0013
Create Date: 2026-12-03 07:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_seriesmail'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invitation') as batch:
        batch.add_column(sa.Column('series_shift', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('invitation') as batch:
        batch.drop_column('series_shift')
