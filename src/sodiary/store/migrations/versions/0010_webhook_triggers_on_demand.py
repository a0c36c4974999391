"""webhook triggers only while a webhook is active (store/activity_triggers.py)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:20:00
"""

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic import op

from sodiary.store import activity_triggers

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _revision(file: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f'sodiary_migration_{file[:4]}', Path(__file__).with_name(file))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    conn = op.get_bind()
    for statement in activity_triggers.drop_statements(conn.dialect.name):
        conn.exec_driver_sql(statement)
    activity_triggers.sync(conn)


def downgrade() -> None:
    conn = op.get_bind()
    # Back to 0009's triggers: always present, each firing only while a webhook is active.
    first, previous = _revision('0008_webhooks.py'), _revision('0009_webhook_field_values.py')
    for statement in activity_triggers.drop_statements(conn.dialect.name):
        conn.exec_driver_sql(statement)
    for statement in previous._triggers(conn.dialect.name, first):
        conn.exec_driver_sql(statement)
