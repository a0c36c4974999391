"""The row an Accept…/Reject…WithEmailConfirmation writes in its own unit of work, and how the delivery worker
moves it into the outbox and reads it back (service/mail.py `_reply`, `promote_replies`, `complete_replies`;
store/mail.py `queue_reply`, `take_replies`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, select
from sqlalchemy.dialects.sqlite import DATETIME
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from sodiary.domain.booking import Operation
from sodiary.domain.enums import RecurrenceUpdateMode as M
from sodiary.service import demo, mail
from sodiary.service.mail import MailOptions
from sodiary.store import mail as mail_store
from sodiary.store import outbox
from sodiary.store.database import Database
from sodiary.store.migrate import alembic_config
from sodiary.store.schema import outbox_message, outbox_reply

from .conftest import caller, history, run

INVITATION = demo.SAMPLE_INVITATION_ID
MOTHER = demo.SAMPLE_MOTHER_ID


def _rows(db: Database) -> list[dict[str, Any]]:
    return db.run_sync(lambda conn: [dict(r) for r in conn.execute(select(outbox_message)).mappings()])


def _waiting(db: Database) -> list[dict[str, Any]]:
    return db.run_sync(lambda conn: [dict(r) for r in conn.execute(select(outbox_reply)).mappings()])


def _promote(db: Database, limit: int = 10) -> int:
    return db.run_sync(lambda conn: mail.promote_replies(conn, limit))


def _accept_with_confirmation(db: Database, diary: demo.Demo) -> None:
    tje0 = caller(diary, "tje0")
    run(db, lambda: mail.answer_with_confirmation(db, tje0, INVITATION, M.OnlyThis, True, "", MailOptions(send=True),
                                                  Operation.ACCEPT.value))


def _compose(db: Database, now: datetime) -> tuple[list[outbox.Message], list[outbox.Outcome]]:
    """The delivery worker's claim at `now`: the due messages leased and the confirmations among them composed."""
    return db.run_sync(lambda conn: mail.complete_replies(conn, outbox.claim(conn, "test", now, timedelta(minutes=1),
                                                                             10)))


@pytest.mark.parametrize("value", [datetime(2026, 12, 4, 19, 0), datetime(2031, 1, 2, 9, 30, 5, 123456),
                                   datetime(1, 1, 1, 0, 0, 0, 5)])
def test_the_confirmations_time_text_is_the_one_sqlalchemy_stores_for_a_datetime_on_sqlite(value: datetime) -> None:
    stored = DATETIME().bind_processor(SQLiteDialect_pysqlite())
    assert stored is not None
    assert mail_store._sqlite_text(value) == stored(value)  # noqa: SLF001 - the shortcut must equal the real thing


def test_a_confirmations_row_is_stamped_with_the_answers_own_time(db: Database, diary: demo.Demo) -> None:
    _accept_with_confirmation(db, diary)
    [answer] = history(db, INVITATION)
    [waiting] = _waiting(db)
    assert (waiting["created"], waiting["appointment_id"]) == (answer["answered_at"], MOTHER)
    assert _rows(db) == []
    assert _promote(db) == 1
    [message] = _rows(db)
    assert message["created"] == message["next_attempt_at"] == answer["answered_at"]
    assert message["appointment_id"] == MOTHER
    assert message["payload"].startswith(mail_store.REPLY_SNAPSHOT)
    assert message["summary"] == "accepted: Project kick-off" and message["status"] == "pending"
    assert _waiting(db) == []


def test_moving_waiting_confirmations_takes_the_oldest_first_and_at_most_the_limit(db: Database,
                                                                                    diary: demo.Demo) -> None:
    tje0 = caller(diary, "tje0")
    for accept in (True, False, True):
        run(db, lambda accept=accept: mail.answer_with_confirmation(  # type: ignore[misc]
            db, tje0, INVITATION, M.OnlyThis, accept, "" if accept else "Away", MailOptions(send=True),
            (Operation.ACCEPT if accept else Operation.REJECT).value))
    assert len(_waiting(db)) == 3
    assert _promote(db, limit=2) == 2
    assert [m["summary"].split(":")[0] for m in _rows(db)] == ["accepted", "declined"]
    assert _promote(db) == 1 and _promote(db) == 0
    assert [m["summary"].split(":")[0] for m in _rows(db)] == ["accepted", "declined", "accepted"]


def test_a_confirmation_queued_before_the_booking_moved_to_the_rows_columns_is_still_composed(
    db: Database, diary: demo.Demo
) -> None:
    # Before migration 0015 the options also named the booking and the answer's time; such a row, still pending
    # at the upgrade, is composed as any other (the row's appointment_id and created say the same).
    _accept_with_confirmation(db, diary)
    _promote(db)
    [message] = _rows(db)
    old_head = (f'{mail_store.REPLY_SNAPSHOT}{{"accept":true,"reason":"","language":"en","fixed_language":false,'
                f'"zone":"UTC","mother_id":{MOTHER},"answered_at":"{message["created"].isoformat()}"}},"row":')
    old_payload = old_head + message["payload"][message["payload"].index(',"row":') + len(',"row":'):]
    db.run_sync(lambda conn: conn.execute(outbox_message.update().values(payload=old_payload)))

    ready, refused = _compose(db, message["created"])
    assert not refused
    [composed] = ready
    assert not composed.payload.startswith(mail_store.REPLY_SNAPSHOT)
    assert '"method":"REPLY"' in composed.payload
    assert composed.destination == "ada@example.com"


def test_a_confirmation_not_yet_moved_into_the_outbox_counts_as_pending_mail_due_since_its_answer(
    db: Database, diary: demo.Demo
) -> None:
    _accept_with_confirmation(db, diary)
    [waiting] = _waiting(db)
    answered = waiting["created"]
    assert db.run_sync(outbox.waiting_replies) == 1
    assert db.run_sync(outbox.counts)[outbox.PENDING] == 1
    assert db.run_sync(outbox.depth)[("mail", outbox.PENDING)] == 1
    assert db.run_sync(outbox.next_due) == answered
    assert db.run_sync(lambda conn: outbox.overdue(conn, answered)) == 0
    assert db.run_sync(lambda conn: outbox.overdue(conn, answered + timedelta(seconds=1))) == 1


def test_downgrading_below_0016_moves_a_waiting_confirmation_back_into_the_outbox_where_it_is_composed(
    db: Database, diary: demo.Demo
) -> None:
    _accept_with_confirmation(db, diary)
    [waiting] = _waiting(db)
    with db.engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0015_outbox_key")
        assert not inspect(conn).has_table("outbox_reply")
    [message] = _rows(db)
    assert (message["status"], message["created"], message["appointment_id"]) == ("pending", waiting["created"],
                                                                                  MOTHER)
    assert message["payload"].startswith(mail_store.REPLY_SNAPSHOT)

    [composed], refused = _compose(db, message["created"])
    assert not refused and '"method":"REPLY"' in composed.payload and composed.destination == "ada@example.com"
