"""The reads and writes the e-mail use cases (service/mail.py) need beyond the booking rows and the outbox:
the mother rows of a series, who is flagged for mail, e-mail-only participants and the people's cultures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, insert, select
from sqlalchemy.engine import Connection

from .driver import DriverStatement
from .outbox import INVITATION_COLUMNS, Invitation, invitation_of
from .schema import appointment, appointment_text, associate, invitation, person

_a = appointment.c
_p = person.c


def series_mothers(conn: Connection, rule_ids: Iterable[int]) -> set[int]:
    """The mother rows of every occurrence of these series (one per occurrence: sodiary's storage)."""
    rules = sorted({r for r in rule_ids if r})
    if not rules:
        return set()
    q = select(_a.appointment_id).where(and_(_a.recurrence_rule_id.in_(rules), _a.mother_id == _a.appointment_id))
    return set(conn.execute(q).scalars())


def any_flagged(conn: Connection, mother_id: int) -> bool:
    """Whether a participant row of the booking (not the organiser's) has SendEmail set."""
    q = select(_a.appointment_id).where(and_(_a.mother_id == mother_id, _a.appointment_id != mother_id,
                                             _a.send_email.is_(True))).limit(1)
    return conn.execute(q).first() is not None


def person_by_email(conn: Connection, address: str) -> int | None:
    """The person with this address (compared case-insensitively; the lowest id when several have it)."""
    q = (select(_p.person_id).where(func.lower(_p.email) == address.strip().lower())
         .order_by(_p.person_id).limit(1))
    found = conn.execute(q).scalar()
    return None if found is None else int(found)


def add_email_person(conn: Connection, address: str, name: str) -> int:
    """An e-mail-only participant becomes a person of no company, named by their Description."""
    first, _, last = " ".join(name.split()).partition(" ")
    stmt = insert(person).values(contact_id=0, firstname=first[:50], lastname=last[:50], email=address.strip()[:254],
                                 culture="")
    return int(conn.execute(stmt).inserted_primary_key[0])  # type: ignore[index]


def cultures_of_persons(conn: Connection, person_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted({i for i in person_ids if i})
    if not wanted:
        return {}
    q = select(_p.person_id, _p.culture).where(and_(_p.person_id.in_(wanted), _p.culture != ""))
    return {int(r[0]): str(r[1]) for r in conn.execute(q)}


def set_culture(conn: Connection, person_id: int, culture: str) -> None:
    conn.execute(person.update().where(_p.person_id == person_id).values(culture=culture[:20]))


def series_invitation(conn: Connection, rule_id: int, at: datetime | None = None) -> Invitation | None:
    """The invitation mailed as one recurring event for the series of this rule, if one was; with `at` (an
    occurrence's original start), the one whose occurrences include it: a this-and-following change
    splits a mailed series into two events, the later one keyed by its own first occurrence."""
    if not rule_id:
        return None
    anchor = func.coalesce(_a.original_start_date, _a.start_date)
    q = (select(*INVITATION_COLUMNS).select_from(invitation.join(appointment, _a.appointment_id
                                                                 == invitation.c.appointment_id))
         .where(and_(_a.recurrence_rule_id == rule_id, invitation.c.series.is_(True))))
    if at is not None:
        q = q.where(anchor <= at)
    row = conn.execute(q.order_by(anchor.desc()).limit(1)).first()
    return None if row is None else invitation_of(row)


def series_records(conn: Connection, mother_ids: Iterable[int]) -> dict[int, Invitation]:
    """The series invitations keyed by these mother rows (each the first occurrence of a mailed event)."""
    wanted = sorted(set(mother_ids))
    if not wanted:
        return {}
    q = select(*INVITATION_COLUMNS).where(and_(invitation.c.appointment_id.in_(wanted), invitation.c.series.is_(True)))
    return {r[0]: invitation_of(r) for r in conn.execute(q)}


# --- The confirmation's hot path: AcceptWithEmailConfirmation answers as fast as Accept's unit of work
# allows, so what its REPLY needs is one statement on the driver, and its writes two (docs/decisions.md).

_m = appointment.alias("m")
_c = appointment.alias("a")
_oa = associate.alias("oa")
_op = person.alias("op")
_ap = person.alias("ap")
_t = appointment_text.c
_inv = invitation.c

_REPLY_CONTEXT = DriverStatement(
    select(_m.c.title, _m.c.location, func.coalesce(_t.description, ""), func.coalesce(_t.agenda, ""),
           _m.c.start_date, _m.c.end_date, _m.c.is_allday, _m.c.original_start_date, _m.c.recurrence_rule_id,
           _oa.c.name, func.coalesce(_op.c.firstname, ""), func.coalesce(_op.c.lastname, ""),
           func.coalesce(_op.c.email, ""), func.coalesce(_op.c.culture, ""),
           func.coalesce(_ap.c.firstname, ""), func.coalesce(_ap.c.lastname, ""), func.coalesce(_ap.c.email, ""),
           _inv.appointment_id, _inv.event_uid, _inv.event_sequence, _inv.event_dtstamp, _inv.series)
    .select_from(
        _m.join(_c, and_(_c.c.mother_id == _m.c.appointment_id, _c.c.appointment_id != _m.c.appointment_id))
        .outerjoin(appointment_text, _t.text_id == _m.c.text_id)
        .outerjoin(_oa, _oa.c.associate_id == _m.c.associate_id)
        .outerjoin(_op, _op.c.person_id == _oa.c.person_id)
        .outerjoin(_ap, _ap.c.person_id == _c.c.invited_person_id)
        .outerjoin(invitation, _inv.appointment_id == _m.c.appointment_id))
    .where(and_(_m.c.appointment_id == bindparam("mother_id"), _c.c.appointment_id == bindparam("answered_id"))))


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What a confirmation says: the booking as its mother row has it, the organiser, who answered."""

    title: str
    location: str
    description: str
    agenda: str
    start: datetime
    end: datetime
    is_allday: bool
    original_start: datetime | None
    recurrence_rule_id: int
    organizer_user: str
    organizer_first: str
    organizer_last: str
    organizer_email: str
    organizer_culture: str
    answerer_first: str
    answerer_last: str
    answerer_email: str
    invitation: Invitation | None


def reply_context(conn: Connection, mother_id: int, answered_id: int) -> ReplyContext | None:
    """None when the answered row is not a participant row of that booking."""
    r = _REPLY_CONTEXT.first(conn, {"mother_id": mother_id, "answered_id": answered_id})
    if r is None:
        return None
    found = None if r[17] is None else Invitation(r[17], r[18], r[19], r[20], bool(r[21]))
    return ReplyContext(r[0] or "", r[1] or "", r[2] or "", r[3] or "", r[4], r[5], bool(r[6]), r[7], r[8] or 0,
                        r[9] or "", r[10], r[11], r[12], r[13], r[14], r[15], r[16], found)
