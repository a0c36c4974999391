"""Recurring series: expanding a rule into rows, conflicts per date, and stopping a series (spec §2.7).

A series is one recurrence_rule row plus, per occurrence, one mother row for the organiser and one
child row per invitee, all carrying the rule's id. Occurrences keep the first one's wall-clock time in
the series' zone (the caller's zone, else the server's base zone); storage is base-zone wall clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.engine import Connection

from ..domain import booking, rights
from ..domain.appointment import AppointmentRow
from ..domain.audit import Stamp
from ..domain.booking import BookingRow, BookingType, Change, Operation
from ..domain.enums import RecurrenceEndType, RecurrencePattern, RecurrenceUpdateMode
from ..domain.errors import Invalid
from ..domain.recurrence import Rule, expand, stop_recurrence
from ..store import bookings
from ..store import organiser as organiser_store
from ..store import recurrence as store
from ..store.database import Database
from ..store.entities import update_rows
from .context import Caller


@dataclass(frozen=True, slots=True)
class SeriesInput:
    """A rule whose dates are in `zone`, the zone whose wall clock the occurrences keep."""

    rule: Rule
    zone: tzinfo
    base: tzinfo


def starts(series: SeriesInput, first: datetime, all_day: bool = False) -> list[datetime]:
    """The occurrences' starts as base-zone wall clocks; `first` (base) gives the time of day."""
    return expand(series.rule, first, series.zone, series.base, all_day=all_day)


def rule_values(rule: Rule, occurrences: Sequence[datetime]) -> dict[str, Any]:
    """The recurrence_rule row: start/end are the first and last occurrences (base wall clock)."""
    custom = rule.pattern is RecurrencePattern.Custom
    return dict(
        pattern=int(rule.pattern), sub_pattern=int(rule.sub_pattern or 0), cycle=rule.cycle,
        weekdays=int(rule.weekdays), day=rule.day, week_of_month=int(rule.week_of_month), month=rule.month,
        start_date=occurrences[0], end_date=occurrences[-1],
        end_type=int(RecurrenceEndType.EndDate if custom else rule.end_type),
        counter=len(occurrences) if custom or rule.end_type is RecurrenceEndType.Counter else rule.counter,
    )


def insert_series(conn: Connection, rule: Mapping[str, Any], occurrences: Sequence[datetime],
                  own: AppointmentRow, children: Sequence[AppointmentRow], text: Mapping[str, str]) -> int:
    """Rule, texts, mother rows and child rows, each one bulk insert; the first mother's id back."""
    rule_id = store.insert_rule(conn, rule)
    return insert_occurrences(conn, rule_id, occurrences, own, children, text)[0]


def insert_occurrences(conn: Connection, rule_id: int, occurrences: Sequence[datetime], own: AppointmentRow,
                       children: Sequence[AppointmentRow], text: Mapping[str, str]) -> list[int]:
    """A mother row (and the children) per occurrence of the rule, each with its own text; the mothers' ids."""
    if not occurrences:
        return []
    duration = own.end_date - own.start_date
    if datetime.max - occurrences[-1] < duration:
        raise Invalid("recurrence_beyond_calendar", date=occurrences[-1].date().isoformat())
    text_ids = store.insert_texts(conn, [dict(text)] * len(occurrences))

    def at(row: AppointmentRow, start: datetime, text_id: int, mother_id: int) -> AppointmentRow:
        return replace(row, start_date=start, end_date=start + duration, active_date=start,
                       original_start_date=start, recurrence_rule_id=rule_id, text_id=text_id, mother_id=mother_id)

    pairs = list(zip(occurrences, text_ids, strict=True))
    mothers = store.insert_rows(conn, [at(own, s, t, 0) for s, t in pairs])
    if children:
        store.make_mothers(conn, rule_id)
        store.insert_rows(conn, [at(c, s, t, m)
                                 for s, t, m in zip(occurrences, text_ids, mothers, strict=True) for c in children])
    return mothers


def restart(conn: Connection, series: SeriesInput, own: AppointmentRow, children: Sequence[AppointmentRow],
            text: Mapping[str, str], rows: Sequence[int]) -> int:
    """A new rule from the occurrence `own` describes: its `rows` (the occurrence's mother and children)
    join the rule, and every later date of the rule gets new rows like them. The new rule's id back."""
    first = own.start_date
    later = [s for s in starts(series, first, own.is_allday) if s.date() > first.date()]
    rule_id = store.insert_rule(conn, rule_values(series.rule, [first, *later]))
    # The occurrence is the new rule's first date: its original start is where the new rule puts it (what
    # an invitation's or the feed's RECURRENCE-ID for it names), not where the old rule had it.
    update_rows(conn, rows, {"recurrence_rule_id": rule_id, "original_start_date": first})
    insert_occurrences(conn, rule_id, later, own, children, text)
    return rule_id


def end_with_own_rows(conn: Connection, rule_id: int, associate_id: int) -> None:
    """After an occurrence left the rule: the rule ends with the organiser's last row still in it."""
    left = store.own_rows(conn, rule_id, associate_id)
    if left:
        store.update_rule(conn, rule_id, dict(end_type=int(RecurrenceEndType.EndDate),
                                              end_date=left[-1].start_date, counter=len(left)))
    else:
        store.delete_rule(conn, rule_id)


@dataclass(frozen=True, slots=True)
class DayConflicts:
    start: datetime  # base wall clock
    conflicts: tuple[int, ...]  # ids of the owner's rows that overlap; 0 stands for rows private to the owner


HIDDEN_CONFLICT = 0


def _plus(start: datetime, span: timedelta) -> datetime:
    """`start + span`, at most the end of the calendar (a start of 9999-12-31 is a valid, clamped request)."""
    return start + span if datetime.max - start > span else datetime.max


def conflicts(conn: Connection, caller: int, owner: int, occurrences: Sequence[datetime], duration: timedelta,
              exclude_rule: int = 0) -> list[DayConflicts]:
    """For each occurrence, the live rows of the owner's diary it overlaps (one query for the span).

    Rows private to an owner other than the caller are busy time only: they make the day a conflict
    but are named by HIDDEN_CONFLICT, once however many there are (docs/decisions.md, issue 12)."""
    if not occurrences:
        return []
    span = max(duration, timedelta(seconds=1))  # a point in time overlaps what runs over it
    rows = store.busy(conn, owner, min(occurrences), _plus(max(occurrences), span), exclude_rule)
    out = []
    for s in occurrences:
        e = _plus(s, span)
        hits = [r for r in rows if r.start_date < e and r.end_date > s]
        shown = [r.appointment_id for r in hits if not rights.hidden_from(r.private, r.associate_id, caller)]
        hidden = [HIDDEN_CONFLICT] if len(shown) < len(hits) else []
        out.append(DayConflicts(s, (*shown, *hidden)))
    return out


# --- StopRecurrence ------------------------------------------------------------------------------


def later_own(conn: Connection, origin: AppointmentRow) -> list[AppointmentRow]:
    """The organiser's rows of the origin's series that start after it."""
    if not origin.recurrence_rule_id:
        return []
    return [r for r in store.own_rows(conn, origin.recurrence_rule_id, origin.associate_id)
            if (r.start_date, r.appointment_id) > (origin.start_date, origin.appointment_id)]


def stop(conn: Connection, origin: BookingRow, stamp: Stamp) -> None:
    """StopRecurrence at `origin` (an organiser's or a plain series' row): the series ends with it.

    Later occurrences are cancelled as Delete cancels a booking: the mother rows go, the invitees'
    rows become cancelled invitations. The rule ends on the origin's date; if the origin is the first
    occurrence the rule is deleted and its rows become an ordinary booking (docs/decisions.md).
    """
    if origin.recurrence_rule_id == 0 or origin.role is BookingType.Participant or origin.start is None:
        return
    rule_id = origin.recurrence_rule_id
    own = store.own_rows(conn, rule_id, origin.associate_id)
    plan = stop_recurrence([(r.start_date, r.appointment_id) for r in own], (origin.start, origin.appointment_id))
    later = [i for _, i in plan.remove]
    changes: list[Change] = []
    bookings.lock_bookings(conn, later)  # the one lock order (store/bookings.py)
    for appointment_id in later:
        mother = bookings.get_row(conn, appointment_id)
        assert mother is not None
        if mother.role is BookingType.Owner:
            changes += booking.plan_each(Operation.DELETE, organiser_store.children(conn, mother.appointment_id))
        changes += booking.plan_each(Operation.REMOVE, [mother])
    bookings.write_changes(conn, changes, stamp)
    if plan.end is not None:
        store.update_rule(conn, rule_id, dict(end_type=int(RecurrenceEndType.EndDate), end_date=plan.end,
                                              counter=len(plan.keep)))
    else:
        store.detach(conn, rule_id)
        store.delete_rule(conn, rule_id)


def stop_for(conn: Connection, caller: Caller, origin: BookingRow, now: datetime | None = None) -> None:
    """StopRecurrence at `origin` on the caller's behalf, recorded as StopRecurrence whatever asked for it."""
    stop(conn, origin, caller.stamp("StopRecurrence", RecurrenceUpdateMode.StopRecurrence, now))


async def day_conflicts(db: Database, caller: Caller, owner: int, occurrences: Sequence[datetime],
                        duration: timedelta, exclude_rule: int = 0) -> list[DayConflicts]:
    """CalculateDays / ValidateDays: the conflicts of each occurrence in the owner's diary (default: the caller's)."""
    who = owner or caller.associate_id
    starts = list(occurrences)
    return await db.transaction(lambda conn: conflicts(conn, caller.associate_id, who, starts, duration, exclude_rule))
