"""outbox_reply: a confirmation's row as its answer writes it, narrow and without a secondary index; the
delivery worker moves it into outbox_message (docs/decisions.md, "A confirmation waits in its own narrow table")

Revision ID: 0016_outbox_reply
Revises: 0015_outbox_key
Create Date: 2026-12-05 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0016_outbox_reply'
down_revision = '0015_outbox_key'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outbox_reply',
        sa.Column('reply_id', sa.Integer(), nullable=False),
        sa.Column('appointment_id', sa.Integer(), nullable=False),
        sa.Column('created', sa.DateTime(), nullable=False),
        sa.Column('options', sa.Text(), nullable=False),
        sa.Column('snapshot', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('reply_id'),
    )


def downgrade() -> None:
    # A confirmation still waiting goes back to where 0015 kept it: an outbox_message row holding its snapshot.
    key = ("lower(hex(randomblob(16)))" if op.get_bind().dialect.name == "sqlite"
           else "md5(random()::text || clock_timestamp()::text)")
    op.execute(
        "INSERT INTO outbox_message (kind, status, message_key, destination, summary, payload, appointment_id, "
        "attempts, created, next_attempt_at, claimed_by, last_error) "
        f"SELECT 'mail', 'pending', {key}, '', '', "
        "'{\"reply_snapshot\":' || options || ',\"row\":' || snapshot || '}', appointment_id, 0, created, created, "
        "'', '' FROM outbox_reply ORDER BY reply_id")
    op.drop_table('outbox_reply')
