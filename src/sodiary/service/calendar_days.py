"""Day information for the diary's calendar (issue 17): activity and red-letter summaries per day, one
read-only unit of work per call. The rules are in domain/calendar_days.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy.engine import Connection

from ..domain import calendar_days as rules
from ..domain.calendar_days import Activity, Slot, WorkingTime
from ..domain.diary_views import in_sync
from ..domain.errors import Invalid
from ..store import entities as store
from ..store.database import Database
from .context import Caller


@dataclass(frozen=True, slots=True)
class Day:
    date: date
    activity: Activity
    holidays: list[str]  # the names of the day's public holidays; empty on an ordinary day


def span(first: date, last: date) -> list[date]:
    if last < first:
        raise Invalid("day_span_reversed", start=first.isoformat(), end=last.isoformat())
    if (last - first).days + 1 > rules.MAX_DAYS:
        raise Invalid("day_span_too_long", max=rules.MAX_DAYS)
    return rules.days(first, last)


@lru_cache(maxsize=64)
def _holidays(country: str, year: int, language: str | None) -> dict[date, tuple[str, ...]]:
    import holidays  # loaded on the first calendar call, not at every start

    found = holidays.country_holidays(country, years=year, language=language)
    return {d: tuple(found.get_list(d)) for d in sorted(found)}


def public_holidays(country: str, first: date, last: date, lang: str) -> dict[date, tuple[str, ...]]:
    """The country's public holidays between the dates, named in the caller's language where the library has it."""
    if not country:
        return {}
    import holidays

    supported = holidays.country_holidays(country).supported_languages
    wanted = {"no": ("no", "nb", "nb_NO"), "en": ("en_GB", "en_US", "en")}.get(lang, ())
    language = next((name for name in wanted if name in supported), None)
    out: dict[date, tuple[str, ...]] = {}
    for year in range(first.year, last.year + 1):
        out.update({d: names for d, names in _holidays(country, year, language).items() if first <= d <= last})
    return out


async def day_information(db: Database, caller: Caller, associate_id: int, first: date, last: date,
                          work: WorkingTime, country: str, lang: str) -> list[Day]:
    """One item per day from `first` to `last` (inclusive) for the associate (0: the caller)."""
    dates = span(first, last)
    owner = associate_id or caller.associate_id
    red = public_holidays(country, first, last, lang)

    def read(conn: Connection) -> list[Day]:
        if owner not in store.associates(conn, [owner]):
            raise Invalid("unknown_associate", associate_id=owner)
        # What fills a diary's day: its own accepted rows, appointments and tasks alike (private ones too: the
        # docs say they are counted); invitations count once accepted, as in the diary.
        rows = store.listed_rows_of(conn, owner, datetime.combine(first, time.min), datetime.combine(last, time.max))
        slots = [Slot(r.start_date, r.end_date, not r.is_free) for r in rows]
        return [Day(d, rules.activity(d, slots, work, d in red), list(red.get(d, ()))) for d in dates]

    return await db.transaction(read)


async def next_available(db: Database, caller: Caller, associate_ids: Sequence[int], start: datetime,
                         end: datetime, count: int, all_day: bool, work: WorkingTime,
                         country: str) -> list[rules.Opening]:
    """GetNextAvailableTime: the soonest openings, as long as start..end, when every associate (none: the caller)
    is free. What blocks time: the rows a synchronised calendar holds that are not free — accepted rows, unanswered
    invitations and assignments (domain/diary_views.py: in_sync), private ones too (only times are answered)."""
    if end <= start:
        raise Invalid("time_span_reversed", start=start.isoformat(), end=end.isoformat())
    owners = sorted(set(associate_ids)) or [caller.associate_id]
    first = start.date()
    horizon = first + timedelta(days=rules.HORIZON_DAYS) if first <= date.max - timedelta(days=366) else date.max
    red = public_holidays(country, start.date(), horizon, "en")

    def read(conn: Connection) -> list[rules.Opening]:
        found = store.associates(conn, owners)
        for owner in owners:
            if owner not in found:
                raise Invalid("unknown_associate", associate_id=owner)
        rows = store.rows_taking_time(conn, owners, start, datetime.combine(horizon, time.max))
        busy = [(r.start_date, r.end_date) for r in rows if in_sync(r.type, r.status)]
        return rules.next_available(busy, work, red, start, end - start, count, all_day)

    return await db.transaction(read)
