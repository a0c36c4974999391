"""person.culture: the language a person's invitations are written in (issue 19), e.g. `nb-NO`;
invitation.series: the invitation was mailed as one recurring event (RRULE) for the whole series

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('culture', sa.String(20), nullable=False, server_default=''))
    with op.batch_alter_table('invitation') as batch:
        batch.add_column(sa.Column('series', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('invitation') as batch:
        batch.drop_column('series')
    with op.batch_alter_table('person') as batch:
        batch.drop_column('culture')
