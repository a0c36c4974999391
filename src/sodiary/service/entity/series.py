"""Save on recurring appointments (spec §2.7): a new series, an update of some of its occurrences
(OnlyThis, ThisAndForward, StopRecurrence) and a changed pattern from one occurrence on."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.engine import Connection

from ...domain.appointment import AppointmentRow, fresh
from ...domain.enums import AppointmentStatus, RecurrenceUpdateMode
from ...domain.errors import Invalid
from ...store import bookings
from ...store import entities as store
from .. import recurrence
from ..context import Caller
from .model import SaveInput
from .write import NewBooking, base_type, child_row, invitees, organiser_row, participants_of, text_of, update

S = AppointmentStatus


def create(conn: Connection, plan: NewBooking, data: SaveInput) -> int:
    """A new recurring appointment or booking: the rule and every occurrence in one unit of work (§2.7)."""
    assert data.recurrence is not None and data.start is not None
    occurrences = recurrence.starts(data.recurrence, data.start, data.is_allday)
    return recurrence.insert_series(conn, recurrence.rule_values(data.recurrence.rule, occurrences), occurrences,
                                    plan.own, plan.children(), text_of(data))


def update_series(conn: Connection, caller: Caller, data: SaveInput, now: datetime) -> int:
    """Save on an occurrence: OnlyThis, ThisAndForward (the later ones too) or StopRecurrence.

    The later occurrences are those after the occurrence's time BEFORE this save moves it. The save's
    own checks (organiser only…) raise within the same unit of work, undoing a stop already written.
    """
    bookings.lock_booking_of(conn, data.appointment_id)  # answers wait; what is read next stays as read
    origin = organiser_row(conn, data.appointment_id)
    if origin is not None and data.recurrence is not None and data.mode is not RecurrenceUpdateMode.StopRecurrence:
        return _repattern(conn, caller, data, now, origin)
    if origin is None or not origin.recurrence_rule_id:
        return update(conn, caller, data, now)
    if data.mode is RecurrenceUpdateMode.StopRecurrence:
        recurrence.stop_for(conn, caller, origin.booking_row, now)
        return update(conn, caller, data, now)
    later = recurrence.later_own(conn, origin) if data.mode is RecurrenceUpdateMode.ThisAndForward else []
    saved = update(conn, caller, data, now)
    if later and data.start is not None and data.end is not None:
        # Every later occurrence moves by the same wall-clock step and takes the same fields.
        delta, duration = data.start - origin.start_date, data.end - data.start
        for r in later:
            try:
                start = r.start_date + delta
                end = start + duration
            except OverflowError:
                raise Invalid("recurrence_beyond_calendar", date=r.start_date.date().isoformat()) from None
            update(conn, caller, replace(data, appointment_id=r.appointment_id, start=start, end=end), now)
    return saved


def _repattern(conn: Connection, caller: Caller, data: SaveInput, now: datetime, origin: AppointmentRow) -> int:
    """A changed Recurrence on an occurrence (or one given to a plain appointment): from this occurrence
    on, the series follows the new rule (docs/decisions.md, "Changing a series' pattern").

    The old series stops here as StopRecurrence stops it (later occurrences cancelled, their invitations
    too), the occurrence takes the rest of the save, then it starts a new rule whose later dates get new
    rows with the same participants, invited afresh. The save's own checks undo everything if they fail."""
    assert data.recurrence is not None
    old_rule = origin.recurrence_rule_id
    if old_rule:
        recurrence.stop_for(conn, caller, origin.booking_row, now)
    saved = update(conn, caller, replace(data, recurrence=None, mode=RecurrenceUpdateMode.OnlyThis), now)
    target = store.get_row(conn, saved)
    assert target is not None
    rows = store.booking_rows(conn, saved) if target.mother_id else [target]
    base = base_type(target.type)
    own = replace(fresh(target, registered=now, registered_associate_id=caller.associate_id),
                  status=S.NotStarted if target.status in (S.Started, S.Completed) else target.status)
    wanted = participants_of([r for r in rows if r.appointment_id != saved])
    children = [child_row(own, i, base) for i in invitees(conn, target.associate_id, wanted).values()]
    recurrence.restart(conn, data.recurrence, own, children, text_of(data), [r.appointment_id for r in rows])
    if old_rule and store.get_rule(conn, old_rule) is not None:
        recurrence.end_with_own_rows(conn, old_rule, target.associate_id)
    return saved
