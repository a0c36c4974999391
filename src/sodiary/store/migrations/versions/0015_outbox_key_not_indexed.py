"""outbox_message.message_key without its unique index: the key is never looked up, and its uniqueness is the
key's own (the time in nanoseconds and 64 random bits); the index cost every queued message a B-tree insert
and every commit one more page (docs/decisions.md, "The confirmation's row, slimmer")

Revision ID: 0015_outbox_key
Revises: 0014_seriesmail
Create Date: 2026-12-04 19:30:00
"""

from alembic import op

revision = '0015_outbox_key'
down_revision = '0014_seriesmail'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message') as batch:
        batch.drop_constraint('uq_outbox_message_key', type_='unique')


def downgrade() -> None:
    with op.batch_alter_table('outbox_message') as batch:
        batch.create_unique_constraint('uq_outbox_message_key', ['message_key'])
