"""`sodiary import --format ics FILE --user NAME` (issue 15): a calendar brought into one diary, idempotent by
UID — each event's UID is reserved in the `invitation` record, as CreateAppointmentForUID does, so a second
run finds it and skips it.

An event with one occurrence becomes an appointment; a series becomes a sodiary series with the Custom
pattern (its exact dates, which any RRULE/RDATE/EXDATE expands to), keeping the master's wall clock in the
master's zone, and every occurrence that differs (an exception: another time, title or place) is then saved
on its own row. Each event is its own unit of work: one that cannot be saved is reported, not fatal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..domain.appointment import AppointmentRow
from ..domain.enums import AppointmentPrivate, RecurrencePattern, RecurrenceUpdateMode
from ..domain.errors import DomainError
from ..domain.recurrence import Rule
from ..ical.importing import Imported, Occurrence, Skipped
from ..store import entities as rows_store
from ..store import invitations, outbox
from . import entities as svc
from .clock import utc_now
from .context import Caller
from .recurrence import SeriesInput

SCHEME = "Import"


@dataclass
class Summary:
    imported: int = 0
    occurrences: int = 0
    present: int = 0  # UIDs imported before (or otherwise in the database)
    skipped: list[Skipped] = field(default_factory=list)


def import_events(run: Callable[[Callable[[Connection], str]], str], caller: Caller, events: Sequence[Imported],
                  base: str, progress: Callable[[int], None] = lambda done: None) -> Summary:
    """Each event in its own unit of work through `run` (the CLI's db.run_sync)."""
    summary = Summary()
    zone = _zone(base)
    for done, event in enumerate(events, start=1):
        try:
            outcome = run(lambda conn, e=event: _import(conn, caller, e, zone))  # type: ignore[misc]
        except IntegrityError:
            outcome = "present"  # a concurrent import of the same UID won the unique constraint
        except DomainError as exc:
            outcome = f"refused: {exc.key}"
        if outcome == "present":
            summary.present += 1
        elif outcome == "ok":
            summary.imported += 1
            summary.occurrences += len(event.occurrences)
        else:
            summary.skipped.append(Skipped(uid=event.uid, summary=event.summary, reason=outcome))
        if event.cut and outcome == "ok":
            summary.skipped.append(Skipped(uid=event.uid, summary=event.summary,
                                           reason=f"series cut after {len(event.occurrences)} occurrences"))
        progress(done)
    return summary


def _import(conn: Connection, caller: Caller, event: Imported, base: ZoneInfo) -> str:
    if invitations.by_uid(conn, event.uid) is not None:
        return "present"
    days = _days(event, base)
    if days is not None and len(days) < len(event.occurrences):
        return "two occurrences on one day: a sodiary series has one a day"
    first = create(conn, caller, event, base)
    mother = rows_store.get_row(conn, first)
    assert mother is not None
    outbox.add_invitation(conn, mother.mother_id or first, event.uid, utc_now(), "", "", "")
    return "ok"


def _days(event: Imported, base: ZoneInfo) -> list[date] | None:
    if len(event.occurrences) < 2:
        return None
    zone = _zone(event.zone) if event.zone else base
    return sorted({_day(o, zone) for o in event.occurrences})


def create(conn: Connection, caller: Caller, event: Imported, base: ZoneInfo) -> int:
    """The event in the caller's diary: an appointment, or a Custom series with its exceptions saved on
    their rows (more than one occurrence a day keeps the first of the day); the first row's id."""
    first = event.occurrences[0]
    series_zone = _zone(event.zone) if event.zone else base
    start, end = _wall(first, base)
    common = dict(title=event.summary, location=event.location, description=event.description,
                  is_allday=first.start_date is not None,
                  private=AppointmentPrivate.PrivateUser if event.private else AppointmentPrivate.Public)
    recurrence = None
    if len(event.occurrences) > 1:
        days = sorted({_day(o, series_zone) for o in event.occurrences})
        rule = Rule(pattern=RecurrencePattern.Custom, start=days[0], dates=tuple(days))
        recurrence = SeriesInput(rule, series_zone, base)
    saved = svc.save(conn, caller, svc.SaveInput(appointment_id=0, start=start, end=end, recurrence=recurrence,
                                                 **common))  # type: ignore[arg-type]
    rule_id = saved.row.recurrence_rule_id
    if recurrence is not None and rule_id:
        rows = {r.start_date.date() if common["is_allday"] else r.start_date: r
                for r in rows_store.records(conn, 0, rule_id) if r.associate_id == caller.associate_id}
        for o in event.occurrences:
            o_start, o_end = _wall(o, base)
            row = rows.get(o_start.date()) if common["is_allday"] else _row_on(rows, o, series_zone, base)
            if row is None:
                continue
            same = (row.start_date, row.end_date, row.title, row.location, row.description) == (
                o_start, o_end, o.summary, o.location, o.description)
            if not same:
                svc.save(conn, caller, svc.SaveInput(
                    appointment_id=row.appointment_id, start=o_start, end=o_end, title=o.summary,
                    location=o.location, description=o.description, is_allday=bool(common["is_allday"]),
                    private=common["private"], mode=RecurrenceUpdateMode.OnlyThis))  # type: ignore[arg-type]
    return saved.row.appointment_id


def _row_on(rows: dict[Any, AppointmentRow], o: Occurrence, series_zone: ZoneInfo, base: ZoneInfo
            ) -> AppointmentRow | None:
    """The series row made for this occurrence's day (its start may differ: an exception)."""
    day = _day(o, series_zone)
    for key, row in rows.items():
        if isinstance(key, datetime) and key.replace(tzinfo=base).astimezone(series_zone).date() == day:
            return row
    return None


def _wall(o: Occurrence, base: ZoneInfo) -> tuple[datetime, datetime]:
    """Base-zone wall clock, as rows are stored; an all-day one as its first and last day."""
    if o.start is not None and o.end is not None:
        return (o.start.astimezone(base).replace(tzinfo=None), o.end.astimezone(base).replace(tzinfo=None))
    assert o.start_date is not None and o.end_date is not None
    last = max(o.start_date, o.end_date - timedelta(days=1))
    return datetime.combine(o.start_date, time(0)), datetime.combine(last, time(0))


def _day(o: Occurrence, zone: tzinfo) -> date:
    if o.start is not None:
        return o.start.astimezone(zone).date()
    assert o.start_date is not None
    return o.start_date


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, OSError):
        return ZoneInfo("UTC")


def horizon(days_ahead: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=days_ahead)
