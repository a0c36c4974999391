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
        sa.Column('title', sa.String(length=254), nullable=False),
        sa.Column('location', sa.String(length=254), nullable=False),
        sa.Column('start_date', sa.DateTime(), nullable=False),
        sa.Column('end_date', sa.DateTime(), nullable=False),
        sa.Column('is_allday', sa.Boolean(), nullable=False),
        sa.Column('original_start_date', sa.DateTime(), nullable=True),
        sa.Column('recurrence_rule_id', sa.Integer(), nullable=False),
        sa.Column('organizer_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=True),
        sa.Column('event_uid', sa.String(length=255), nullable=True),
        sa.Column('event_sequence', sa.Integer(), nullable=True),
        sa.Column('event_dtstamp', sa.DateTime(), nullable=True),
        sa.Column('series', sa.Boolean(), nullable=True),
        sa.Column('series_shift', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('reply_id'),
    )


def downgrade() -> None:
    # A confirmation still waiting goes back to where 0015 kept it: an outbox_message row holding its snapshot.
    sqlite = op.get_bind().dialect.name == "sqlite"
    key = "lower(hex(randomblob(16)))" if sqlite else "md5(random()::text || clock_timestamp()::text)"
    columns = ("title, location, '', '', start_date, end_date, is_allday, original_start_date, recurrence_rule_id, "
               "organizer_id, person_id, invitation_id, event_uid, event_sequence, event_dtstamp, series, series_shift")
    snapshot = f"json_array({columns})" if sqlite else f"CAST(json_build_array({columns}) AS TEXT)"
    op.execute(
        "INSERT INTO outbox_message (kind, status, message_key, destination, summary, payload, appointment_id, "
        "attempts, created, next_attempt_at, claimed_by, last_error) "
        f"SELECT 'mail', 'pending', {key}, '', '', "
        f"'{{\"reply_snapshot\":' || options || ',\"row\":' || {snapshot} || '}}', appointment_id, 0, created, "
        "created, "
        "'', '' FROM outbox_reply ORDER BY reply_id")
    op.drop_table('outbox_reply')
