"""webhook triggers only while a webhook is active (store/activity_triggers.py)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:20:00
"""

import importlib.util
from pathlib import Path

from alembic import op

from sodiary.store import activity_triggers

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _revision_0008():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location('revision_0008', Path(__file__).with_name('0008_webhooks.py'))
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
    old = _revision_0008()
    for statement in old._drop_triggers(conn.dialect.name):
        conn.exec_driver_sql(statement)
    for statement in old._triggers(conn.dialect.name):
        conn.exec_driver_sql(statement)
