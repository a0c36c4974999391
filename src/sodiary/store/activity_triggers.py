"""The database triggers that record appointment changes for webhooks, present only while one is active.

A row trigger costs every appointment write, webhook or not: on SQLite an AFTER UPDATE trigger that names
the old and new columns makes every UPDATE load all of them (and its WHEN looked up the webhook table), ~15 %
of an Accept's CPU. So the triggers exist exactly while an Active webhook does: each unit of work that
changes a webhook's state calls `sync` before it commits, which creates or drops them in that same
transaction. Writers to `appointment` are serialised against that DDL (SQLite has one writer; PostgreSQL's
CREATE/DROP TRIGGER take a lock that conflicts with row writers), so every change committed after a
webhook became active fires them, and none is recorded while no webhook is active, as before.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

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
# Who deleted is not in the row: its last writer is the best the database knows (docs/decisions.md).
_DELETER = 'COALESCE(NULLIF(OLD.updated_associate_id, 0), OLD.registered_associate_id)'
_INSERT = ('INSERT INTO webhook_change (appointment_id, event, changes, associate_id, contact_id, person_id, '
           'happened, field_values)')
# SuperOffice's activity FieldValues (webhooks reference, "Activity events") from sodiary's columns, raw: the
# webhook worker names the datetimes' zone and adds the keys sodiary has no column for (document_id, …: 0).
_FIELD_VALUES = (
    ('activeDate', 'active_date'), ('associate_id', 'associate_id'), ('contact_id', 'contact_id'),
    ('do_by', 'start_date'), ('endDate', 'end_date'), ('mother_id', 'mother_id'), ('person_id', 'person_id'),
    ('private', 'private'), ('status', 'status'), ('task_idx', 'task_id'), ('type', 'type'),
    ('updated', 'updated'),
)
# A new mother is linked to itself right after its insert, in the same unit of work: part of its creation,
# not a change of its own.
_SELF_LINK = 'OLD.mother_id = 0 AND NEW.mother_id = NEW.appointment_id'
_SQLITE_NAMES = ('webhook_activity_created', 'webhook_activity_changed', 'webhook_activity_deleted')
# Any constant of ours: PostgreSQL's advisory lock that serialises `sync` between concurrent units.
_PG_LOCK = 0x50D1A7


def _differs(column: str, not_equal: str) -> str:
    test = f'OLD.{column} {not_equal} NEW.{column}'
    return f'({test} AND NOT ({_SELF_LINK}))' if column == 'mother_id' else test


def _json(function: str) -> str:
    return f"{function}(" + ', '.join(f"'{key}', NEW.{column}" for key, column in _FIELD_VALUES) + ')'


def create_statements(dialect: str) -> list[str]:
    if dialect == 'sqlite':
        now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
        values = _json('json_object')
        differs = ' OR '.join(_differs(c, 'IS NOT') for c, _ in _COLUMNS)
        changes = ' || '.join(f"CASE WHEN {_differs(c, 'IS NOT')} THEN ',{so}' ELSE '' END" for c, so in _COLUMNS)
        return [
            f"CREATE TRIGGER IF NOT EXISTS webhook_activity_created AFTER INSERT ON appointment BEGIN "
            f"{_INSERT} VALUES (NEW.appointment_id, 'activity.created', '{_ALL}', NEW.registered_associate_id, "
            f"NEW.contact_id, NEW.person_id, {now}, {values}); END",
            f"CREATE TRIGGER IF NOT EXISTS webhook_activity_changed AFTER UPDATE ON appointment WHEN ({differs}) "
            f"BEGIN {_INSERT} VALUES (NEW.appointment_id, 'activity.changed', substr({changes}, 2), "
            f"NEW.updated_associate_id, NEW.contact_id, NEW.person_id, {now}, {values}); END",
            f"CREATE TRIGGER IF NOT EXISTS webhook_activity_deleted AFTER DELETE ON appointment BEGIN "
            f"{_INSERT} VALUES (OLD.appointment_id, 'activity.deleted', '', {_DELETER}, "
            f"OLD.contact_id, OLD.person_id, {now}, NULL); END",
        ]
    if dialect == 'postgresql':
        now = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        values = _json('json_build_object') + '::text'
        changes = ' || '.join(f"CASE WHEN {_differs(c, 'IS DISTINCT FROM')} THEN ',{so}' ELSE '' END"
                              for c, so in _COLUMNS)
        return [
            f"""CREATE OR REPLACE FUNCTION webhook_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ch text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_INSERT} VALUES (NEW.appointment_id, 'activity.created', '{_ALL}', NEW.registered_associate_id,
      NEW.contact_id, NEW.person_id, {now}, {values});
  ELSIF TG_OP = 'UPDATE' THEN
    ch := {changes};
    IF ch = '' THEN RETURN NULL; END IF;
    {_INSERT} VALUES (NEW.appointment_id, 'activity.changed', substr(ch, 2), NEW.updated_associate_id,
      NEW.contact_id, NEW.person_id, {now}, {values});
  ELSE
    {_INSERT} VALUES (OLD.appointment_id, 'activity.deleted', '', {_DELETER},
      OLD.contact_id, OLD.person_id, {now}, NULL);
  END IF;
  RETURN NULL;
END $$""",
            "CREATE TRIGGER webhook_activity AFTER INSERT OR UPDATE OR DELETE ON appointment "
            "FOR EACH ROW EXECUTE FUNCTION webhook_activity()",
        ]
    raise ValueError(f"no webhook triggers for {dialect}")


def drop_statements(dialect: str) -> list[str]:
    if dialect == 'sqlite':
        return [f'DROP TRIGGER IF EXISTS {name}' for name in _SQLITE_NAMES]
    if dialect == 'postgresql':
        return ['DROP TRIGGER IF EXISTS webhook_activity ON appointment']
    raise ValueError(f"no webhook triggers for {dialect}")


def present(conn: Connection) -> bool:
    if conn.dialect.name == 'sqlite':
        found = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
                                  "('webhook_activity_created', 'webhook_activity_changed', "
                                  "'webhook_activity_deleted')")).scalar()
        return found == len(_SQLITE_NAMES)
    return conn.execute(text("SELECT 1 FROM pg_trigger WHERE tgname = 'webhook_activity' "
                             "AND tgrelid = 'appointment'::regclass")).first() is not None


def sync(conn: Connection) -> None:
    """Triggers present if and only if a webhook is Active, decided inside the caller's unit of work."""
    dialect = conn.dialect.name
    if dialect == 'postgresql':
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    wanted = conn.execute(text("SELECT 1 FROM webhook WHERE state = 'Active' LIMIT 1")).first() is not None
    if wanted == present(conn):
        return
    if wanted:
        # A partial set (a crash between statements cannot leave one: DDL is transactional) is rebuilt whole.
        for statement in drop_statements(dialect) + create_statements(dialect):
            conn.exec_driver_sql(statement)
    else:
        for statement in drop_statements(dialect):
            conn.exec_driver_sql(statement)
