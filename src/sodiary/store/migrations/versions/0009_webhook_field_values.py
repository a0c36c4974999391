"""webhook_change.field_values: the row's FieldValues as the changing transaction left it (issue 14)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:00:00
"""

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _revision_0008() -> ModuleType:
    # 0008's column mapping and change test are reused as 0008 froze them (a released revision never changes).
    path = Path(__file__).with_name('0008_webhooks.py')
    spec = importlib.util.spec_from_file_location('sodiary_migration_0008', path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    op.add_column('webhook_change', sa.Column('field_values', sa.Text(), nullable=True))
    dialect = op.get_bind().dialect.name
    previous = _revision_0008()
    for statement in previous._drop_triggers(dialect):
        op.execute(statement)
    for statement in _triggers(dialect, previous):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    previous = _revision_0008()
    for statement in previous._drop_triggers(dialect):
        op.execute(statement)
    for statement in previous._triggers(dialect):
        op.execute(statement)
    with op.batch_alter_table('webhook_change') as batch:
        batch.drop_column('field_values')


# SuperOffice's activity FieldValues (webhooks reference, "Activity events") from sodiary's columns, raw: the
# webhook worker names the datetimes' zone and adds the keys sodiary has no column for (document_id, …: 0).
_FIELD_VALUES = (
    ('activeDate', 'active_date'), ('associate_id', 'associate_id'), ('contact_id', 'contact_id'),
    ('do_by', 'start_date'), ('endDate', 'end_date'), ('mother_id', 'mother_id'), ('person_id', 'person_id'),
    ('private', 'private'), ('status', 'status'), ('task_idx', 'task_id'), ('type', 'type'),
    ('updated', 'updated'),
)


def _json(function: str) -> str:
    return f"{function}(" + ', '.join(f"'{key}', NEW.{column}" for key, column in _FIELD_VALUES) + ')'


_INSERT = ('INSERT INTO webhook_change (appointment_id, event, changes, associate_id, contact_id, person_id, '
           'happened, field_values)')


def _triggers(dialect: str, previous: ModuleType) -> list[str]:
    columns, active, deleter, differs_of = previous._COLUMNS, previous._ACTIVE, previous._DELETER, previous._differs
    everything = previous._ALL
    if dialect == 'sqlite':
        now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
        values = _json('json_object')
        differs = ' OR '.join(differs_of(c, 'IS NOT') for c, _ in columns)
        changes = ' || '.join(f"CASE WHEN {differs_of(c, 'IS NOT')} THEN ',{so}' ELSE '' END" for c, so in columns)
        return [
            f"CREATE TRIGGER webhook_activity_created AFTER INSERT ON appointment WHEN {active} BEGIN "
            f"{_INSERT} VALUES (NEW.appointment_id, 'activity.created', '{everything}', NEW.registered_associate_id, "
            f"NEW.contact_id, NEW.person_id, {now}, {values}); END",
            f"CREATE TRIGGER webhook_activity_changed AFTER UPDATE ON appointment WHEN {active} AND ({differs}) "
            f"BEGIN {_INSERT} VALUES (NEW.appointment_id, 'activity.changed', substr({changes}, 2), "
            f"NEW.updated_associate_id, NEW.contact_id, NEW.person_id, {now}, {values}); END",
            f"CREATE TRIGGER webhook_activity_deleted AFTER DELETE ON appointment WHEN {active} BEGIN "
            f"{_INSERT} VALUES (OLD.appointment_id, 'activity.deleted', '', {deleter}, "
            f"OLD.contact_id, OLD.person_id, {now}, NULL); END",
        ]
    if dialect == 'postgresql':
        now = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        values = _json('json_build_object') + '::text'
        changes = ' || '.join(f"CASE WHEN {differs_of(c, 'IS DISTINCT FROM')} THEN ',{so}' ELSE '' END"
                              for c, so in columns)
        return [
            f"""CREATE FUNCTION webhook_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ch text;
BEGIN
  IF NOT {active} THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    {_INSERT} VALUES (NEW.appointment_id, 'activity.created', '{everything}', NEW.registered_associate_id,
      NEW.contact_id, NEW.person_id, {now}, {values});
  ELSIF TG_OP = 'UPDATE' THEN
    ch := {changes};
    IF ch = '' THEN RETURN NULL; END IF;
    {_INSERT} VALUES (NEW.appointment_id, 'activity.changed', substr(ch, 2), NEW.updated_associate_id,
      NEW.contact_id, NEW.person_id, {now}, {values});
  ELSE
    {_INSERT} VALUES (OLD.appointment_id, 'activity.deleted', '', {deleter},
      OLD.contact_id, OLD.person_id, {now}, NULL);
  END IF;
  RETURN NULL;
END $$""",
            "CREATE TRIGGER webhook_activity AFTER INSERT OR UPDATE OR DELETE ON appointment "
            "FOR EACH ROW EXECUTE FUNCTION webhook_activity()",
        ]
    return []
