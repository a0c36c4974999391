"""webhook: registrations of SuperOffice's webhooks, with their delivery statistics (issue 14)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
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
    op.create_table(
        'webhook_change',
        sa.Column('change_id', sa.Integer(), primary_key=True),
        sa.Column('appointment_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(40), nullable=False),
        sa.Column('changes', sa.Text(), nullable=False),
        sa.Column('associate_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('contact_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('person_id', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('happened', sa.String(40), nullable=False),
    )
    # The triggers as this revision defines them (a later change to them is a later revision).
    for statement in _triggers(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in _drop_triggers(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('webhook_change')
    op.drop_table('webhook')


# sodiary's appointment columns under SuperOffice's names (research §4.2): what `Changes` lists.
# `send_email` is sodiary's own mail switch, not a change anyone subscribes to: it is left out.
_COLUMNS = (
    ('appointment_id', 'appointment_id'), ('mother_id', 'mother_id'), ('associate_id', 'associate_id'),
    ('invited_person_id', 'invitedPersonId'), ('person_id', 'person_id'), ('contact_id', 'contact_id'),
    ('task_id', 'task_idx'), ('type', 'type'), ('status', 'status'), ('private', 'private'),
    ('start_date', 'do_by'), ('end_date', 'endDate'), ('active_date', 'activeDate'), ('title', 'title'),
    ('location', 'location'), ('text_id', 'text_id'), ('reject_reason', 'rejectReason'),
    ('reject_counter', 'rejectCounter'), ('assigned_by', 'assignedBy'),
    ('mother_associate_id', 'mother_associate_id'), ('recurrence_rule_id', 'recurrenceRuleId'),
    ('original_start_date', 'original_start_date'), ('is_allday', 'alldayEvent'), ('is_free', 'freeBusy'),
    ('has_alarm', 'hasAlarm'), ('alarm_lead_seconds', 'alarm'), ('lead_seconds', 'leadtime'),
    ('lag_seconds', 'lagTime'), ('registered', 'registered'), ('registered_associate_id', 'registered_associate_id'),
    ('updated', 'updated'), ('updated_associate_id', 'updated_associate_id'), ('updated_count', 'updatedCount'),
)
_ALL = ','.join(so for _, so in _COLUMNS)
_ACTIVE = "EXISTS (SELECT 1 FROM webhook WHERE state = 'Active')"
# Who deleted is not in the row: its last writer is the best the database knows (docs/decisions.md).
_DELETER = 'COALESCE(NULLIF(OLD.updated_associate_id, 0), OLD.registered_associate_id)'
_INSERT = 'INSERT INTO webhook_change (appointment_id, event, changes, associate_id, contact_id, person_id, happened)'


# A new mother is linked to itself right after its insert, in the same unit of work: part of its creation,
# not a change of its own.
_SELF_LINK = 'OLD.mother_id = 0 AND NEW.mother_id = NEW.appointment_id'


def _differs(column: str, not_equal: str) -> str:
    test = f'OLD.{column} {not_equal} NEW.{column}'
    return f'({test} AND NOT ({_SELF_LINK}))' if column == 'mother_id' else test


def _triggers(dialect: str) -> list[str]:
    if dialect == 'sqlite':
        now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
        differs = ' OR '.join(_differs(c, 'IS NOT') for c, _ in _COLUMNS)
        changes = ' || '.join(f"CASE WHEN {_differs(c, 'IS NOT')} THEN ',{so}' ELSE '' END" for c, so in _COLUMNS)
        return [
            f"CREATE TRIGGER webhook_activity_created AFTER INSERT ON appointment WHEN {_ACTIVE} BEGIN "
            f"{_INSERT} VALUES (NEW.appointment_id, 'activity.created', '{_ALL}', NEW.registered_associate_id, "
            f"NEW.contact_id, NEW.person_id, {now}); END",
            f"CREATE TRIGGER webhook_activity_changed AFTER UPDATE ON appointment WHEN {_ACTIVE} AND ({differs}) "
            f"BEGIN {_INSERT} VALUES (NEW.appointment_id, 'activity.changed', substr({changes}, 2), "
            f"NEW.updated_associate_id, NEW.contact_id, NEW.person_id, {now}); END",
            f"CREATE TRIGGER webhook_activity_deleted AFTER DELETE ON appointment WHEN {_ACTIVE} BEGIN "
            f"{_INSERT} VALUES (OLD.appointment_id, 'activity.deleted', '', {_DELETER}, "
            f"OLD.contact_id, OLD.person_id, {now}); END",
        ]
    if dialect == 'postgresql':
        now = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        changes = ' || '.join(f"CASE WHEN {_differs(c, 'IS DISTINCT FROM')} THEN ',{so}' ELSE '' END"
                              for c, so in _COLUMNS)
        return [
            f"""CREATE FUNCTION webhook_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ch text;
BEGIN
  IF NOT {_ACTIVE} THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    {_INSERT} VALUES (NEW.appointment_id, 'activity.created', '{_ALL}', NEW.registered_associate_id,
      NEW.contact_id, NEW.person_id, {now});
  ELSIF TG_OP = 'UPDATE' THEN
    ch := {changes};
    IF ch = '' THEN RETURN NULL; END IF;
    {_INSERT} VALUES (NEW.appointment_id, 'activity.changed', substr(ch, 2), NEW.updated_associate_id,
      NEW.contact_id, NEW.person_id, {now});
  ELSE
    {_INSERT} VALUES (OLD.appointment_id, 'activity.deleted', '', {_DELETER},
      OLD.contact_id, OLD.person_id, {now});
  END IF;
  RETURN NULL;
END $$""",
            "CREATE TRIGGER webhook_activity AFTER INSERT OR UPDATE OR DELETE ON appointment "
            "FOR EACH ROW EXECUTE FUNCTION webhook_activity()",
        ]
    return []


def _drop_triggers(dialect: str) -> list[str]:
    if dialect == 'sqlite':
        return [f'DROP TRIGGER IF EXISTS webhook_activity_{e}' for e in ('created', 'changed', 'deleted')]
    if dialect == 'postgresql':
        return ['DROP TRIGGER IF EXISTS webhook_activity ON appointment', 'DROP FUNCTION IF EXISTS webhook_activity()']
    return []
