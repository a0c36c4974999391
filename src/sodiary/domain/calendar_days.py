"""Day summaries for the diary's calendar (issue 17): how busy each day is, and whether it is a red-letter day.

Pure: the working time comes from the settings, the holidays from the service, the rows from the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MAX_DAYS = 1000  # one call's span: about three years of days, one item each

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class WorkingTime:
    start: time
    end: time
    days: frozenset[int]  # date.weekday(): 0 = Monday

    @classmethod
    def parse(cls, hours: str, days: str) -> WorkingTime:
        """From the validated settings text: `08:00-16:00` and `mon,tue,wed,thu,fri`."""
        first, last = hours.split("-")
        end = time.max if last == "24:00" else time.fromisoformat(last)
        return cls(time.fromisoformat(first), end, frozenset(WEEKDAYS.index(d) for d in days.split(",") if d))

    @classmethod
    def common(cls, times: Sequence[WorkingTime]) -> WorkingTime:
        """The working time several people share: the latest start, the earliest end, the days all work.
        None shared (the hours do not meet) is a working time without days."""
        start, end = max(t.start for t in times), min(t.end for t in times)
        days = frozenset.intersection(*(t.days for t in times)) if start < end else frozenset()
        return cls(start, end, days)

    def window(self, day: date, red: bool) -> tuple[datetime, datetime] | None:
        """The day's working time; None on a day off (not a working weekday, or a public holiday)."""
        if red or day.weekday() not in self.days:
            return None
        return datetime.combine(day, self.start), datetime.combine(day, self.end)


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    busy: bool


@dataclass(frozen=True, slots=True)
class Activity:
    busy: int
    free: int
    percentage_busy: int


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _touches(slot: Slot, day: date) -> bool:
    start, last = datetime.combine(day, time.min), datetime.combine(day, time.max)  # 31 Dec 9999 has no next day
    if slot.end <= slot.start:  # a point in time (a zero-length row) is on its own day
        return start <= slot.start <= last
    return slot.start <= last and slot.end > start


def activity(day: date, slots: Iterable[Slot], work: WorkingTime, red: bool) -> Activity:
    """How many busy and free rows touch the day, and which share of its working time the busy ones fill
    (overlaps counted once, rounded to whole per cent; 0 on a day off)."""
    on_day = [s for s in slots if _touches(s, day)]
    busy = [s for s in on_day if s.busy]
    window = work.window(day, red)
    percent = 0
    if window is not None:
        w_start, w_end = window
        clipped = sorted((max(s.start, w_start), min(s.end, w_end)) for s in busy)
        covered, reach = timedelta(0), w_start
        for start, end in clipped:
            start = max(start, reach)
            if end > start:
                covered += end - start
                reach = end
        percent = round(100 * covered / (w_end - w_start))
    return Activity(len(busy), len(on_day) - len(busy), percent)


def holiday_names(day: date, holidays: dict[date, Sequence[str]]) -> list[str]:
    return list(holidays.get(day, ()))


HORIZON_DAYS = 366  # how far ahead GetNextAvailableTime looks
MAX_SLOTS = 100


@dataclass(frozen=True, slots=True)
class Opening:
    available_start: datetime
    available_end: datetime
    recommended_start: datetime
    recommended_end: datetime


def _merged(busy: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(busy):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _day_free(day: date, busy: list[tuple[datetime, datetime]]) -> bool:
    return not any(_touches(Slot(s, e, True), day) for s, e in busy)


def next_available(busy: Iterable[tuple[datetime, datetime]], work: WorkingTime, red: Iterable[date],
                   start: datetime, duration: timedelta, count: int, all_day: bool = False) -> list[Opening]:
    """The soonest openings from `start` on, within working time, where nobody is busy.

    An opening is a free gap of a working day at least `duration` long (`Available*`, cut to working time
    and to `start`), recommending its first `duration` (`Recommended*`). All-day: runs of whole free working days,
    as many as `duration` spans (at least one). At most `count` openings (1..MAX_SLOTS), looking HORIZON_DAYS ahead.
    """
    count = min(max(count, 1), MAX_SLOTS)
    blocked = _merged(busy)
    reds = set(red)
    first = start.date()
    last = first + timedelta(days=HORIZON_DAYS) if first <= date.max - timedelta(days=HORIZON_DAYS) else date.max
    out: list[Opening] = []
    if all_day:
        need = max(1, -(-duration // timedelta(days=1)))
        run: list[date] = []
        for day in days(first if start.time() == time.min else first + timedelta(days=1), last):
            if work.window(day, day in reds) is not None and _day_free(day, blocked):
                run.append(day)
            else:
                run = []
            if len(run) == need:
                begin = datetime.combine(run[0], time.min)
                end = datetime.combine(run[-1], time.max).replace(microsecond=0)
                out.append(Opening(begin, end, begin, end))
                run = []
                if len(out) == count:
                    break
        return out
    for day in days(first, last):
        window = work.window(day, day in reds)
        if window is None:
            continue
        w_start, w_end = max(window[0], start), window[1]
        cursor = w_start
        for b_start, b_end in [*[(s, e) for s, e in blocked if e > w_start and s < w_end], (w_end, w_end)]:
            if b_start - cursor >= duration and b_start > cursor:
                out.append(Opening(cursor, b_start, cursor, cursor + duration))
                if len(out) == count:
                    return out
            cursor = max(cursor, b_end)
    return out
