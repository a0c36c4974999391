"""The reads and writes the e-mail use cases (service/mail.py) need beyond the booking rows and the outbox:
the mother rows of a series, who is flagged for mail, e-mail-only participants and the people's cultures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, and_, bindparam, func, insert, literal_column, select
from sqlalchemy.engine import Connection

from .driver import DriverStatement
from .outbox import INVITATION_COLUMNS, Invitation, invitation_of
from .schema import appointment, associate, invitation, outbox_reply, person

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


_m = appointment.alias("m")
_c = appointment.alias("a")
_oa = associate.alias("oa")
_op = person.alias("op")
_ap = person.alias("ap")
_inv = invitation.c


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What a confirmation says: the booking as its mother row has it, the organiser, who answered."""

    title: str
    location: str
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


# --- The confirmation queued in one statement ---------------------------------------------------------
# AcceptWithEmailConfirmation's unit of work writes its REPLY as one INSERT … SELECT into outbox_reply: the
# database copies the booking as its mother row has it (title, place, times, the invitation record's UID and
# SEQUENCE if there is one; not its texts: a REPLY echoes no DESCRIPTION back to the organiser who wrote it)
# into the row's columns, in the answer's own transaction. The table is narrow and has no index but its key:
# the answer pays for one small row. The delivery worker moves waiting rows into outbox_message (`take_replies`,
# service/mail.py `promote_replies`), where they are composed, sent and listed as any mail (docs/decisions.md,
# "The confirmation's outbox row is a snapshot", "A confirmation waits in its own narrow table").

REPLY_SNAPSHOT = '{"reply_snapshot":'  # how a snapshot row's payload begins; a composed one is a MailPayload

_EMPTY: Any = literal_column("''")  # a constant written into a statement, not bound

_r = outbox_reply.c
# The snapshot: each outbox_reply column and what the answer's statement copies into it.
_SNAPSHOT = (
    (_r.title, _m.c.title), (_r.location, _m.c.location), (_r.start_date, _m.c.start_date),
    (_r.end_date, _m.c.end_date), (_r.is_allday, _m.c.is_allday), (_r.original_start_date, _m.c.original_start_date),
    (_r.recurrence_rule_id, _m.c.recurrence_rule_id), (_r.organizer_id, _m.c.associate_id),
    (_r.person_id, _c.c.invited_person_id), (_r.invitation_id, _inv.appointment_id), (_r.event_uid, _inv.event_uid),
    (_r.event_sequence, _inv.event_sequence), (_r.event_dtstamp, _inv.event_dtstamp), (_r.series, _inv.series),
    (_r.series_shift, _inv.series_shift),
)


def _queue_reply(dialect: str) -> DriverStatement:
    # SQLite: the time arrives as the text SQLAlchemy's DateTime stores there (`_sqlite_text`); PostgreSQL's driver
    # takes the datetime itself.
    now = bindparam("now", type_=String if dialect == "sqlite" else DateTime)
    snapshot = (
        select(_m.c.appointment_id, now, bindparam("options", type_=Text), *(source for _, source in _SNAPSHOT))
        .select_from(
            _m.join(_c, and_(_c.c.mother_id == _m.c.appointment_id, _c.c.appointment_id != _m.c.appointment_id))
            .outerjoin(invitation, _inv.appointment_id == _m.c.appointment_id))
        .where(and_(_m.c.appointment_id == bindparam("mother_id", type_=Integer),
                    _c.c.appointment_id == bindparam("answered_id", type_=Integer))))
    columns = [_r.appointment_id, _r.created, _r.options, *(column for column, _ in _SNAPSHOT)]
    return DriverStatement(insert(outbox_reply).from_select(columns, snapshot),
                           arguments=("now", "options", "mother_id", "answered_id"))


_QUEUE_REPLY = {dialect: _queue_reply(dialect) for dialect in ("sqlite", "postgresql")}


_last_text: tuple[datetime | None, str] = (None, "")


def _sqlite_text(value: datetime) -> str:
    """A naive datetime as SQLAlchemy's SQLite DateTime stores it (`2031-01-02 09:00:00.000000`), in one C call
    where SQLAlchemy's processor formats seven fields in Python; and as the server's clock has whole seconds
    (service/clock.py), the confirmations of one second, which each bind one, share one text."""
    global _last_text
    if value != _last_text[0]:
        _last_text = (value, value.isoformat(" ", "microseconds"))
    return _last_text[1]


_NOW = {"sqlite": _sqlite_text, "postgresql": lambda value: value}


def queue_reply(conn: Connection, mother_id: int, answered_id: int, options: str, now: datetime) -> None:
    """One waiting confirmation holding `options` (the answer's, as JSON) and the snapshot of the booking whose
    participant row `answered_id` the caller's unit of work has just written (so the row exists: exactly one
    row is inserted)."""
    name = conn.dialect.name
    _QUEUE_REPLY[name].run_args(conn, (_NOW[name](now), options, mother_id, answered_id))


@dataclass(frozen=True, slots=True)
class WaitingReply:
    reply_id: int
    appointment_id: int
    created: datetime
    options: str  # JSON
    row: list[Any]  # the snapshot as `snapshot_context` reads it (the array a row queued by 0015 holds)


def take_replies(conn: Connection, limit: int) -> list[WaitingReply]:
    """Up to `limit` waiting confirmations, oldest first, deleted in this unit of work (the caller moves them
    into outbox_message in it). PostgreSQL locks them and passes over rows another worker holds: no two
    workers take one."""
    q = (select(_r.reply_id, _r.appointment_id, _r.created, _r.options, *(column for column, _ in _SNAPSHOT))
         .order_by(_r.reply_id).limit(limit))
    if conn.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    taken = []
    for reply_id, mother_id, created, options, title, location, *rest in conn.execute(q):
        # The two empty texts hold the places of the description and agenda a row queued before 0015 carries.
        taken.append(WaitingReply(int(reply_id), int(mother_id), created, str(options), [title, location, "", "",
                                                                                      *rest]))
    if taken:
        conn.execute(outbox_reply.delete().where(_r.reply_id.in_([t.reply_id for t in taken])))
    return taken



_PEOPLE = DriverStatement(
    select(func.coalesce(_oa.c.name, _EMPTY), func.coalesce(_op.c.firstname, _EMPTY),
           func.coalesce(_op.c.lastname, _EMPTY), func.coalesce(_op.c.email, _EMPTY),
           func.coalesce(_op.c.culture, _EMPTY))
    .select_from(_oa.outerjoin(_op, _op.c.person_id == _oa.c.person_id))
    .where(_oa.c.associate_id == bindparam("organizer", type_=Integer)))
_ANSWERER = DriverStatement(
    select(_ap.c.firstname, _ap.c.lastname, _ap.c.email).where(_ap.c.person_id == bindparam("person", type_=Integer)))


@dataclass(slots=True)
class People:
    """The organisers and answerers one unit of work has read, by id (they do not change within it)."""

    organizers: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    answerers: dict[int, tuple[Any, ...]] = field(default_factory=dict)


def snapshot_context(conn: Connection, row: list[Any], people: People | None = None) -> ReplyContext:
    """A snapshot's array (as the database encoded it: SQLite's or PostgreSQL's JSON) as a ReplyContext, with
    the organiser and the answerer as they are now."""
    (title, location, _description, _agenda, start, end, is_allday, original, rule, organizer, answerer,
     invitation_id, uid, sequence, dtstamp, series, *shift) = row  # a snapshot queued before 0014 has no shift
    minutes = int(shift[0] or 0) if shift else 0
    found = None if invitation_id is None else Invitation(int(invitation_id), str(uid), int(sequence),
                                                          _datetime(dtstamp), bool(series), minutes)
    people = people or People()
    organizer, answerer = organizer or 0, answerer or 0
    who = people.organizers.get(organizer)
    if who is None:
        who = people.organizers[organizer] = _PEOPLE.first(conn, {"organizer": organizer}) or ("", "", "", "", "")
    me = people.answerers.get(answerer)
    if me is None:
        me = people.answerers[answerer] = _ANSWERER.first(conn, {"person": answerer}) or ("", "", "")
    return ReplyContext(title or "", location or "", _datetime(start), _datetime(end),
                        bool(is_allday), _datetime(original) if original else None, int(rule or 0), who[0], who[1],
                        who[2], who[3], who[4], me[0] or "", me[1] or "", me[2] or "", found)


def _datetime(value: str) -> datetime:
    # SQLite's text ("2031-01-02 09:00:00.000000") or PostgreSQL's JSON ("2031-01-02T09:00:00"), both naive.
    return datetime.fromisoformat(value)
