"""The webhook triggers exist exactly while a webhook is Active, decided in the unit that changes one."""

from __future__ import annotations

from datetime import UTC, datetime

from sodiary.store import activity_triggers, webhooks
from sodiary.store.database import Database

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC).replace(tzinfo=None)


def _hook(state: str = webhooks.ACTIVE) -> webhooks.Hook:
    return webhooks.Hook(webhook_id=0, name="n", events=["activity.changed"], target_url="https://example.net/h",
                         secret="", state=state, type="webhook")


def _present(db: Database) -> bool:
    with db.engine.connect() as conn:
        return activity_triggers.present(conn)


def test_a_fresh_database_has_no_webhook_triggers(db: Database) -> None:
    assert not _present(db)


def test_the_triggers_come_with_the_first_active_webhook_and_go_with_the_last(db: Database) -> None:
    with db.engine.begin() as conn:
        first = webhooks.add(conn, _hook(), 1, NOW)
        second = webhooks.add(conn, _hook(), 1, NOW)
    assert _present(db)
    with db.engine.begin() as conn:
        webhooks.set_state(conn, first, webhooks.STOPPED)
    assert _present(db)
    with db.engine.begin() as conn:
        webhooks.remove(conn, second)
    assert not _present(db)
    with db.engine.begin() as conn:
        webhooks.set_state(conn, first, webhooks.ACTIVE)
    assert _present(db)


def test_a_stopped_webhook_brings_no_triggers(db: Database) -> None:
    with db.engine.begin() as conn:
        webhooks.add(conn, _hook(webhooks.STOPPED), 1, NOW)
    assert not _present(db)


def test_a_rolled_back_registration_leaves_no_triggers(db: Database) -> None:
    conn = db.engine.connect()
    try:
        with conn.begin() as transaction:
            webhooks.add(conn, _hook(), 1, NOW)
            assert activity_triggers.present(conn)
            transaction.rollback()
    finally:
        conn.close()
    assert not _present(db)
