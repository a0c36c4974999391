"""The invitee's answers as use cases: what one unit of work reads, decides and writes."""

from __future__ import annotations

import pytest

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import RecurrenceUpdateMode as M
from sodiary.domain.errors import NotFound
from sodiary.service import answers, demo
from sodiary.store.database import Database

from .conftest import caller, children_of, history, row, run

INVITATION = demo.SAMPLE_INVITATION_ID
MOTHER = demo.SAMPLE_MOTHER_ID


def test_accepting_an_invitation_marks_the_invitees_row_and_records_one_answer(
    db: Database, diary: demo.Demo
) -> None:
    run(db, lambda: answers.accept(db, caller(diary, "tje0"), INVITATION, M.OnlyThis))
    assert row(db, INVITATION)["status"] == S.NotStarted
    [answer] = history(db, INVITATION)
    assert (answer["operation"], answer["from_status"], answer["to_status"]) == ("Accept", S.Booking, S.NotStarted)


def test_accepting_twice_writes_the_answer_once(db: Database, diary: demo.Demo) -> None:
    tje0 = caller(diary, "tje0")
    run(db, lambda: answers.accept(db, tje0, INVITATION, M.OnlyThis))
    run(db, lambda: answers.accept(db, tje0, INVITATION, M.OnlyThis))
    assert len(history(db, INVITATION)) == 1


def test_the_organiser_accepting_by_the_mother_id_answers_nothing_for_the_invitees(
    db: Database, diary: demo.Demo
) -> None:
    run(db, lambda: answers.accept(db, caller(diary, "ada"), MOTHER, M.OnlyThis))
    assert row(db, INVITATION)["status"] == S.Booking


def test_an_invitee_accepting_by_the_mother_id_answers_their_own_invitation(db: Database, diary: demo.Demo) -> None:
    run(db, lambda: answers.accept(db, caller(diary, "tje0"), MOTHER, M.OnlyThis))
    assert row(db, INVITATION)["status"] == S.NotStarted
    assert row(db, INVITATION + 1)["status"] == S.Booking  # ben's invitation is ben's to answer


def test_an_unknown_appointment_is_not_found_and_nothing_is_written(db: Database, diary: demo.Demo) -> None:
    with pytest.raises(NotFound):
        run(db, lambda: answers.accept(db, caller(diary, "tje0"), 999_999, M.OnlyThis))


def test_rejecting_keeps_the_reason_and_counts_the_decline_on_the_mother(db: Database, diary: demo.Demo) -> None:
    run(db, lambda: answers.reject(db, caller(diary, "tje0"), INVITATION, M.OnlyThis, "On holiday"))
    assert row(db, INVITATION)["status"] == S.BookingDeclined
    assert row(db, INVITATION)["reject_reason"] == "On holiday"
    assert row(db, MOTHER)["reject_counter"] == 1


def test_set_seen_many_with_one_unknown_id_marks_nothing(db: Database, diary: demo.Demo) -> None:
    with pytest.raises(NotFound):
        run(db, lambda: answers.set_seen_many(db, caller(diary, "tje0"), [INVITATION, 999_999], M.OnlyThis))
    assert row(db, INVITATION)["status"] == S.Booking


def test_accepting_this_and_forward_answers_the_later_occurrences_only(db: Database, diary: demo.Demo) -> None:
    tje0 = diary.users["tje0"]
    weekly = children_of(db, _first_weekly_mother(db), tje0)
    third = weekly[2]
    run(db, lambda: answers.accept(db, caller(diary, "tje0"), third, M.ThisAndForward))
    statuses = [row(db, i)["status"] for i in weekly]
    assert statuses[:2] == [S.Booking, S.Booking]
    assert statuses[2:] == [S.NotStarted] * (len(weekly) - 2)


def _first_weekly_mother(db: Database) -> int:
    from sqlalchemy import select

    from sodiary.store.schema import appointment

    a = appointment.c
    q = select(a.appointment_id).where(a.recurrence_rule_id != 0, a.mother_id == a.appointment_id)
    return int(db.run_sync(lambda conn: conn.execute(q.order_by(a.start_date)).scalars().first()))
