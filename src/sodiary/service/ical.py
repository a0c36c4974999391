"""Answers from any calendar (issue 15): an iTIP REPLY applied through the agent's own answer transitions,
and the UID of a booking's invitation record.

A reply is applied as the attendee it names, with the scheme "iMIP" in the answer history, through the
same functions as Accept, SetSeen and Reject (service/answers.py), all occurrences in one unit of work.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from msgspec.structs import replace as replace_entry
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..domain.appointment import AppointmentRow, ListQuery
from ..domain.booking import Operation
from ..domain.enums import AppointmentStatus as S
from ..domain.enums import AppointmentType, RecurrenceUpdateMode
from ..domain.errors import DomainError
from ..ical.feed import FeedEntry, feed_ics
from ..ical.reply import Answer, Reply, parse_reply, same_address
from ..ical.series import Occurrence, Pattern, rrule_of, series_entries
from ..store import bookings, feeds, invitations, outbox
from ..store import entities as store_entities
from ..store.database import Database
from . import answers
from . import entities as svc
from .clock import utc_now
from .context import Caller

SCHEME = "iMIP"
_APPLIED = {"ACCEPTED": Operation.ACCEPT, "TENTATIVE": Operation.SET_SEEN, "DECLINED": Operation.REJECT}
_NOTHING = {"NEEDS-ACTION"}


class Refused(Exception):
    """Nothing in the reply can be applied: the call answers false and the unit of work rolls back."""


async def update_from_ics_response(db: Database, caller: Caller, email: str, data: bytes, zone: str) -> bool:
    """True when the reply was for a booking the caller may see and an attendee it invited, and was
    applied (or was stale or NEEDS-ACTION, so had nothing to apply). Malformed data raises IcsError."""
    reply = parse_reply(data)
    if email.strip() and not same_address(email, reply.attendee):
        return False
    return await apply_reply(db, caller, reply, zone)


async def apply_reply(db: Database, caller: Caller | None, reply: Reply, zone: str) -> bool:
    """Apply a parsed REPLY; `caller` None is the server's own mail intake, which hands in any reply."""
    if not applicable(reply):
        return False
    try:
        return await db.transaction(lambda conn: _apply(conn, caller, reply, _zone(zone)))
    except (Refused, DomainError):
        return False


def applicable(reply: Reply) -> bool:
    """DELEGATED, COUNTER, …: never applied (docs/decisions.md)."""
    return all(a.partstat in _APPLIED or a.partstat in _NOTHING for a in reply.answers)


def apply_in(conn: Connection, caller: Caller | None, reply: Reply, zone: str) -> bool:
    """The reply applied inside the caller's unit of work; raises Refused (or a DomainError) to roll it back."""
    return _apply(conn, caller, reply, _zone(zone))


def _apply(conn: Connection, caller: Caller | None, reply: Reply, zone: ZoneInfo) -> bool:
    found = invitations.by_uid(conn, reply.uid)
    if found is None:
        return False
    mother = bookings.get_row(conn, found.mother_id)
    if mother is None:
        return False
    rows = invitations.participants_by_email(conn, found.mother_id, reply.attendee)
    if not rows:
        return False
    # A user answers on their own diary row; an external person (associate_id 0) on their participant row.
    attendee = next((r for r in rows if r.associate_id), rows[0])
    # The organiser's mailbox gets the replies; a user may hand in their own. Nobody else learns
    # whether the UID or the address exists.
    if caller is not None and caller.associate_id != mother.associate_id and (
            not attendee.associate_id or caller.associate_id != attendee.associate_id):
        return False
    stamp = found.dtstamp.replace(tzinfo=UTC)
    if reply.sequence < found.sequence or (reply.sequence == found.sequence and reply.dtstamp < stamp):
        return True  # stale: a newer REQUEST went out after the one this answers
    who = Caller(associate_id=attendee.associate_id, name=caller.name if caller else reply.attendee, scheme=SCHEME,
                 app=caller.app if caller else "")
    for answer in reply.answers:
        operation = _APPLIED.get(answer.partstat)
        if operation is None:
            continue
        targets = _targets(conn, attendee, answer, zone, timedelta(minutes=found.shift))
        if found.series and answer.recurrence_id is None and answer.recurrence_date is None:
            targets = _whole_series(conn, attendee)
        for target, mode in targets:
            if operation is Operation.REJECT:
                answers.decline(conn, who, target, mode, answer.comment[:254], Operation.REJECT.value)
            else:
                answers.answer_in(conn, operation, who, target, mode)
    invitations.mark_answered(conn, found.mother_id, utc_now())
    return True


def _targets(conn: Connection, attendee: invitations.Participant, answer: Answer,
             zone: ZoneInfo, shift: timedelta) -> list[tuple[int, RecurrenceUpdateMode]]:
    """The rows the answer lands on, each with the mode to answer it in. `shift` is how far the mailed
    event's instances lie from the occurrences' original starts (a series re-sent at a new time)."""
    only = RecurrenceUpdateMode.OnlyThis
    if answer.recurrence_id is None and answer.recurrence_date is None:
        return [(attendee.appointment_id, only)]
    if answer.recurrence_id is not None:
        wall = answer.recurrence_id.astimezone(zone).replace(tzinfo=None)
    else:
        assert answer.recurrence_date is not None
        wall = datetime.combine(answer.recurrence_date, attendee.start.time())
    wall -= shift
    if attendee.recurrence_rule_id == 0:
        if wall != attendee.start:
            raise Refused()
        return [(attendee.appointment_id, only)]
    found = invitations.occurrence(conn, attendee.recurrence_rule_id, attendee, wall)
    if found is None:
        raise Refused()  # an occurrence that does not exist (or no longer does)
    if not answer.this_and_future:
        return [(found, only)]
    if attendee.associate_id:
        return [(found, RecurrenceUpdateMode.ThisAndForward)]
    # The answer path's ThisAndForward walks one diary; every external person shares associate_id 0.
    return [(row, only) for row in invitations.occurrences_from(conn, attendee.recurrence_rule_id, attendee, wall)]


def _whole_series(conn: Connection, attendee: invitations.Participant) -> list[tuple[int, RecurrenceUpdateMode]]:
    """A reply naming no occurrence of a series mailed as one recurring event (issue 19) answers all of it:
    from the first occurrence on (the invitation's record is the first occurrence's mother row)."""
    if not attendee.recurrence_rule_id:
        return [(attendee.appointment_id, RecurrenceUpdateMode.OnlyThis)]
    # A this-and-following change split the series into two events: this one ends where the next begins.
    until = invitations.next_series_start(conn, attendee.recurrence_rule_id, attendee.start)
    if attendee.associate_id and until is None:
        return [(attendee.appointment_id, RecurrenceUpdateMode.ThisAndForward)]
    return [(row, RecurrenceUpdateMode.OnlyThis) for row in
            invitations.occurrences_from(conn, attendee.recurrence_rule_id, attendee, attendee.start, until)]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, OSError):
        return ZoneInfo("UTC")


async def uid_from_appointment_id(db: Database, caller: Caller, appointment_id: int, use_mother: bool) -> str | None:
    """The UID of the row's own invitation record, else (`use_mother`) its booking's; null for a row the
    caller may not see, as for one that does not exist."""

    def work(conn: Connection) -> str | None:
        row = bookings.get_row(conn, appointment_id)
        if row is None or row.hidden_from(caller.associate_id):
            return None
        uid = invitations.uid_of(conn, row.appointment_id)
        if uid is None and use_mother and row.mother_id and row.mother_id != row.appointment_id:
            uid = invitations.uid_of(conn, row.mother_id)
        return uid

    return await db.transaction(work)


async def mother_of_uid(db: Database, uid: str) -> int | None:
    """The booking (mother row) an invitation UID names; the caller's sight is checked by the entity read."""
    return await db.transaction(lambda conn: _found_mother(conn, uid))


def _found_mother(conn: Connection, uid: str) -> int | None:
    found = invitations.by_uid(conn, uid)
    return None if found is None else found.mother_id


async def create_for_uid(db: Database, caller: Caller, uid: str, data: svc.SaveInput) -> svc.EntityData | None:
    """CreateAppointmentForUID: save a new appointment and reserve the UID for it in one unit of work;
    None when the UID is taken (also by a concurrent call, which the unique UID constraint settles)."""

    def work(conn: Connection) -> svc.EntityData | None:
        if invitations.by_uid(conn, uid) is not None:
            return None
        saved = svc.save(conn, caller, replace(data, appointment_id=0))
        mother_id = saved.row.mother_id or saved.row.appointment_id
        outbox.add_invitation(conn, mother_id, uid, utc_now(), "", "", "")
        return saved

    try:
        return await db.transaction(work)
    except IntegrityError:
        return None


# --- The subscription feed -------------------------------------------------------------------------

FEED_DAYS_BACK = 90
FEED_DAYS_AHEAD = 730
_FEED_TYPES = {int(AppointmentType.inDiary), int(AppointmentType.BookingForDiary)}
_NOT_IN_FEED = {int(S.BookingDeclined), int(S.BookingDeleted), int(S.AssignmentDeclined), int(S.Hidden)}
_FEED_PARTSTAT = {
    S.NotStarted: "ACCEPTED", S.Started: "ACCEPTED", S.Completed: "ACCEPTED",
    S.BookingSeen: "TENTATIVE", S.BookingMovedSeen: "TENTATIVE",  # SuperOffice: seen counts as tentative
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_feed(db: Database, associate_id: int) -> tuple[int, str]:
    """A new secret feed for the user: its id and the token, which only this answer ever shows."""
    token = secrets.token_urlsafe(32)
    feed_id = await db.transaction(lambda conn: feeds.add(conn, associate_id, token_hash(token), utc_now()))
    return feed_id, token


async def list_feeds(db: Database, associate_id: int) -> list[tuple[int, datetime]]:
    return await db.transaction(lambda conn: feeds.live(conn, associate_id))


async def revoke_feed(db: Database, associate_id: int, feed_id: int) -> bool:
    return await db.transaction(lambda conn: feeds.revoke(conn, associate_id, feed_id, utc_now()))


async def feed(db: Database, token: str, zone: str, days_back: int = FEED_DAYS_BACK,
               days_ahead: int = FEED_DAYS_AHEAD) -> bytes | None:
    """The VCALENDAR of the diary whose live feed the token opens; None for any other token."""
    tz = _zone(zone)

    def work(conn: Connection) -> bytes | None:
        owner = feeds.owner(conn, token_hash(token)) if token else None
        if owner is None:
            return None
        now = datetime.now(tz).replace(tzinfo=None, microsecond=0)
        query = ListQuery(associates=(owner,), start=now - timedelta(days=days_back),
                          end=now + timedelta(days=days_ahead))
        rows = store_entities.list_rows(conn, owner, query)  # as the owner sees their diary
        rows = [r for r in rows if r.type in _FEED_TYPES]
        rule_ids = sorted({r.recurrence_rule_id for r in rows if r.recurrence_rule_id})
        plain = [r for r in rows if not r.recurrence_rule_id and r.status not in _NOT_IN_FEED]
        # A series goes out whole, beyond the window too: its RRULE describes all of it, and a reader
        # expanding it must find every occurrence's EXDATE or override, wherever it falls.
        series = store_entities.series_rows(conn, owner, rule_ids) if rule_ids else []
        series = [r for r in series if r.type in _FEED_TYPES]
        mothers = {r.mother_id for r in plain if r.mother_id}
        uids = {m: invitations.uid_of(conn, m) for m in sorted(mothers)}
        entries = [_entry(r, uids, tz) for r in plain]
        for rule_id in rule_ids:
            entries.extend(_series(conn, rule_id, [r for r in series if r.recurrence_rule_id == rule_id], tz))
        return feed_ics(entries, "sodiary")

    return await db.transaction(work)


def _series(conn: Connection, rule_id: int, rows: list[AppointmentRow], tz: ZoneInfo) -> list[FeedEntry]:
    rule_row = store_entities.get_rule(conn, rule_id)
    rule = None if rule_row is None else rrule_of(Pattern(
        pattern=rule_row.pattern, sub_pattern=rule_row.sub_pattern, cycle=rule_row.cycle,
        weekdays=rule_row.weekdays, day=rule_row.day, week_of_month=rule_row.week_of_month,
        month=rule_row.month), rule_row.start_date.date() if rule_row.start_date else None)
    occurrences = []
    for r in rows:
        original = r.original_start_date or r.start_date
        shown = _entry(r, {}, tz) if r.status not in _NOT_IN_FEED else None
        occurrences.append(Occurrence(original.date() if r.is_allday else original.replace(tzinfo=tz), shown))
    # Its own UID: the occurrences' invitations were mailed one UID each, and those events stay apart.
    return series_entries(f"sodiary-series-{rule_id}@sodiary", rule, occurrences)


def export_ics(conn: Connection, associate_id: int | None, zone: str) -> bytes:
    """`sodiary export --format ics`: one diary (every row of it, private ones included: the operator's
    export) or, without an associate, every diary's rows, each its own event (a booking's rows would
    otherwise share a UID in one calendar)."""
    tz = _zone(zone)
    if associate_id is None:
        rows = store_entities.all_rows(conn)
    else:
        rows = store_entities.list_rows(conn, associate_id, ListQuery(associates=(associate_id,)))
    rows = [r for r in rows if r.type in _FEED_TYPES and r.status not in _NOT_IN_FEED]
    if associate_id is None:
        entries = [replace_entry(_entry(r, {}, tz), uid=f"sodiary-row-{r.appointment_id}@sodiary") for r in rows]
    else:
        uids = {m: invitations.event_uid_of(conn, m) for m in sorted({r.mother_id for r in rows if r.mother_id})}
        entries = [_entry(r, uids, tz) for r in rows]
    return feed_ics(entries, "sodiary export")


def _entry(row: AppointmentRow, uids: dict[int, str | None], tz: ZoneInfo) -> FeedEntry:
    mother = row.mother_id or row.appointment_id
    # The invitation's UID when one went out, so a calendar holding both the mail and the feed sees one event.
    uid = uids.get(mother) or f"sodiary-{mother}@sodiary"
    stamp = (row.updated or row.registered or datetime(1, 1, 1)).replace(tzinfo=UTC)
    partstat = _FEED_PARTSTAT.get(row.status, "NEEDS-ACTION") if row.is_child else ""
    common = dict(uid=uid, dtstamp=stamp, summary=row.title, location=row.location, partstat=partstat,
                  private=bool(row.private))
    if row.is_allday:
        start_day = row.start_date.date()
        return FeedEntry(start_date=start_day, end_date=max(row.end_date.date(), start_day) + timedelta(days=1),
                         **common)  # type: ignore[arg-type]
    return FeedEntry(start=row.start_date.replace(tzinfo=tz).astimezone(UTC),
                     end=row.end_date.replace(tzinfo=tz).astimezone(UTC), **common)  # type: ignore[arg-type]
