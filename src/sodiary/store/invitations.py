"""Reads of the invitation record by UID, and the rows an iTIP reply lands on (issue 15)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.engine import Connection

from .schema import appointment, invitation, person

_i = invitation.c
_a = appointment.c


@dataclass(frozen=True, slots=True)
class ByUid:
    mother_id: int
    sequence: int
    dtstamp: datetime  # naive UTC, as stored
    series: bool = False  # mailed as one recurring event: a reply without RECURRENCE-ID answers the series
    shift: int = 0  # minutes from an occurrence's original start to its RECURRENCE-ID in that event


def by_uid(conn: Connection, uid: str) -> ByUid | None:
    row = conn.execute(select(_i.appointment_id, _i.event_sequence, _i.event_dtstamp, _i.series, _i.series_shift)
                       .where(_i.event_uid == uid)).first()
    return None if row is None else ByUid(row[0], row[1], row[2], bool(row[3]), int(row[4] or 0))


def uid_of(conn: Connection, appointment_id: int) -> str | None:
    return conn.execute(select(_i.event_uid).where(_i.appointment_id == appointment_id)).scalar()


def event_uid_of(conn: Connection, mother_id: int) -> str | None:
    """The UID of the booking's own event: None for a series mailed as one recurring event, whose UID names
    every occurrence (a feed's single occurrence under it would stand for the whole series)."""
    q = select(_i.event_uid).where(and_(_i.appointment_id == mother_id, _i.series.is_(False)))
    return conn.execute(q).scalar()


def mark_answered(conn: Connection, mother_id: int, now: datetime) -> None:
    """A reply leaves SEQUENCE and DTSTAMP as they are (RFC 5546: only the organiser raises them)."""
    conn.execute(update(invitation).where(_i.appointment_id == mother_id).values(updated=now))


@dataclass(frozen=True, slots=True)
class Participant:
    appointment_id: int
    associate_id: int
    recurrence_rule_id: int
    start: datetime  # the occurrence's original wall-clock start (RECURRENCE-ID names it)
    is_allday: bool
    person_id: int = 0  # the invited person; an external one (associate_id 0) is known by it alone


def participants_by_email(conn: Connection, mother_id: int, email: str) -> list[Participant]:
    """The booking's participant rows whose person has this address, compared case-insensitively."""
    q = (select(_a.appointment_id, _a.associate_id, _a.recurrence_rule_id,
                func.coalesce(_a.original_start_date, _a.start_date), _a.is_allday, _a.invited_person_id)
         .join(person, person.c.person_id == _a.invited_person_id)
         .where(and_(_a.mother_id == mother_id, _a.appointment_id != mother_id,
                     func.lower(person.c.email) == email.strip().lower()))
         .order_by(_a.appointment_id))
    return [Participant(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in conn.execute(q)]


def _whose(who: Participant) -> ColumnElement[bool]:
    # Every external person's rows have associate_id 0, so theirs are told apart by the person.
    if who.associate_id:
        return _a.associate_id == who.associate_id
    return and_(_a.associate_id == 0, _a.invited_person_id == who.person_id, _a.mother_id != _a.appointment_id)


def occurrence(conn: Connection, rule_id: int, who: Participant, start: datetime) -> int | None:
    """The participant's row of one occurrence of a series, by its original start."""
    q = select(_a.appointment_id).where(and_(
        _a.recurrence_rule_id == rule_id, _whose(who),
        func.coalesce(_a.original_start_date, _a.start_date) == start)).order_by(_a.appointment_id)
    return conn.execute(q).scalars().first()


def occurrences_from(conn: Connection, rule_id: int, who: Participant, start: datetime,
                     until: datetime | None = None) -> list[int]:
    """The participant's rows of a series from this original start on (an external's THISANDFUTURE),
    before `until` when given."""
    original = func.coalesce(_a.original_start_date, _a.start_date)
    q = select(_a.appointment_id).where(and_(_a.recurrence_rule_id == rule_id, _whose(who), original >= start))
    if until is not None:
        q = q.where(original < until)
    return list(conn.execute(q.order_by(original, _a.appointment_id)).scalars())


def next_series_start(conn: Connection, rule_id: int, after: datetime) -> datetime | None:
    """The original start of the first occurrence of the next event a mailed series was split into after
    `after` (a this-and-following change), if any: where the event that begins at `after` ends."""
    anchor = func.coalesce(_a.original_start_date, _a.start_date)
    q = (select(anchor).select_from(invitation.join(appointment, _a.appointment_id == _i.appointment_id))
         .where(and_(_a.recurrence_rule_id == rule_id, _i.series.is_(True), anchor > after))
         .order_by(anchor).limit(1))
    found: datetime | None = conn.execute(q).scalar()
    return found
