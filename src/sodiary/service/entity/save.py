"""Save as units of work: SaveAppointmentEntity (create or update), REST PUT/PATCH (read, check, edit, save
in one unit) and ValidateAppointmentEntity (the same save, rolled back)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.engine import Connection

from ...domain.errors import DomainError, Invalid, NotFound
from ...domain.preconditions import NONE as NO_PRECONDITIONS
from ...domain.preconditions import Preconditions
from ...store.database import Database
from ..clock import utc_now
from ..context import Caller
from . import series, write
from .model import EntityData, SaveInput
from .reads import current, load


async def save_entity(db: Database, caller: Caller, data: SaveInput) -> EntityData:
    """Create (id 0) or update an appointment or booking; the saved row (the mother's view) back."""
    return await db.transaction(lambda conn: save(conn, caller, data))


Edit = Callable[[EntityData], SaveInput]


async def edit_entity(db: Database, caller: Caller, appointment_id: int, edit: Edit,
                      pre: Preconditions = NO_PRECONDITIONS) -> EntityData:
    """REST PUT and PATCH, in ONE unit of work: read the entity (404), check the request's preconditions
    against that very read (412), let `edit` turn it into what to save (a PATCH applies itself to it), save.

    The unit first takes the booking's write lock, so a concurrent edit of the same booking reads what
    this one wrote: two requests holding one validator cannot both pass, and two PATCHes of different
    members both land."""

    def work(conn: Connection) -> EntityData:
        stored = current(conn, caller, appointment_id, pre)
        return save(conn, caller, replace(edit(stored), appointment_id=appointment_id), stored)

    return await db.transaction(work)


def save(conn: Connection, caller: Caller, data: SaveInput, stored: EntityData | None = None) -> EntityData:
    """Within a unit of work: create or update, then the saved entity as the caller sees it. `stored` is the
    entity as this unit already read it, if it did."""
    if data.start is None or data.end is None:
        raise Invalid("dates_required")
    if data.end < data.start:
        raise Invalid("end_before_start", appointment_id=data.appointment_id)
    if data.series_change is not None and data.appointment_id:
        # "Was the Recurrence changed?" is asked of the series as this unit of work reads it.
        stored = stored or load(conn, caller, data.appointment_id)
        data = replace(data, recurrence=data.series_change(stored) if stored is not None else None,
                       series_change=None)
    now = utc_now()
    if data.appointment_id:
        saved = series.update_series(conn, caller, data, now)
    else:
        plan = write.new_booking(conn, caller, data, now)
        saved = write.create(conn, plan, data) if data.recurrence is None else series.create(conn, plan, data)
    loaded = load(conn, caller, saved)
    if loaded is None:  # the organiser may always see the booking they just saved
        raise NotFound("appointment_not_found", appointment_id=saved)
    return loaded


class _WouldSave(Exception):
    """Raised after a trial save succeeded, so that its unit of work rolls back."""


async def refusal(db: Database, caller: Caller, data: SaveInput) -> DomainError | None:
    """What saving `data` would be refused with (ValidateAppointmentEntity), or None if it would save.

    The save itself runs, with every check it makes, in a unit of work that is then rolled back:
    validation cannot drift from what Save does, and nothing is written."""

    def work(conn: Connection) -> None:
        save(conn, caller, data)
        raise _WouldSave

    try:
        await db.transaction(work)
    except _WouldSave:
        return None
    except DomainError as exc:
        return exc
    raise AssertionError("a trial save always raises")
