"""Datetimes and TimeSpans on the wire, in the time zone a request asks for.

Storage is naive wall clock in the server's base zone (Settings.time_zone); Created/Updated are
naive UTC. A request may view times in another zone: SuperOffice's `SO-TimeZone` header (to be
plugged in here by its own issue), or — what the official client sends on every call —
`SO-Browser-TZ-Offset` (minutes EAST of UTC). The client reads a naive string as ITS local time and
sends UTC `Z` back, so naive answers must be in the client's zone, or every GET → Save round trip
shifts the time by the difference (docs/decisions.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request

from .errors import ApiError

# "Empty" dates: SuperOffice's DateTime.MinValue, tagged UTC so the client keeps the year (wire spec §6).
MIN_DATE = "0001-01-01T00:00:00Z"
_MAX_OFFSET_MINUTES = 18 * 60


@dataclass(frozen=True, slots=True)
class TimeContext:
    """How one request's datetimes map to storage: `base` is storage, `view` is the wire."""

    base: tzinfo
    view: tzinfo

    def render(self, stored: datetime | None) -> str | None:
        """A stored base-zone wall clock as the naive wire string in the view zone."""
        if stored is None:
            return None
        return _naive_text(self._convert(stored, self.base, self.view))

    def render_utc(self, stored: datetime | None) -> str:
        """A stored UTC stamp (Created/Updated) as naive wire text in the view zone; never set = MIN_DATE."""
        if stored is None:
            return MIN_DATE
        return _naive_text(self._convert(stored, UTC, self.view))

    def parse(self, text: str | None, field: str) -> datetime | None:
        """Wire text to a stored base-zone wall clock. Offsets/`Z` are instants; naive text is view-zone."""
        if text is None or not str(text).strip():
            return None
        value = parse_iso(str(text), field)
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.view)
        try:
            return value.astimezone(self.base).replace(tzinfo=None, microsecond=0)
        except (OverflowError, ValueError):
            raise _bad(field, str(text)) from None

    def from_base(self, value: datetime) -> datetime:
        """A base-zone wall clock seen in the view zone (naive), e.g. for defaults."""
        return self._convert(value, self.base, self.view)

    @staticmethod
    def _convert(value: datetime, source: tzinfo, target: tzinfo) -> datetime:
        if source is target:
            return value
        try:
            return value.replace(tzinfo=source).astimezone(target).replace(tzinfo=None)
        except (OverflowError, ValueError):
            return value  # at the ends of the calendar there is nothing to shift into


def base_zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def time_context(request: Request) -> TimeContext:
    """The request's time context: base zone from the settings, view zone from the headers.

    `SO-TimeZone` (another issue) will take precedence here; until then, `SO-Browser-TZ-Offset`
    sets the view zone and without it the view is the base zone, as NetServer does.
    """
    settings = getattr(request.app.state, "settings", None)
    base = base_zone(getattr(settings, "time_zone", "UTC"))
    view = base
    if "so-timezone" not in request.headers:
        raw = request.headers.get("so-browser-tz-offset")
        offset = _offset_minutes(raw) if raw is not None else None
        if offset is not None:
            view = UTC if offset == 0 else timezone(timedelta(minutes=offset))
    return TimeContext(base, view)


def _offset_minutes(raw: str) -> int | None:
    try:
        minutes = int(raw.strip())
    except ValueError:
        return None  # a header we cannot read falls back to the base zone, as a missing one does
    return minutes if abs(minutes) <= _MAX_OFFSET_MINUTES else None


def _naive_text(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat(timespec="seconds")


_ISO = re.compile(r"^\s*([+-]?\d{4,6})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*"
                  r"(Z|[+-]\d{2}:?\d{2})?\s*$", re.IGNORECASE)


def parse_iso(text: str, field: str) -> datetime:
    """ISO-8601 as the clients send it: `Z`, offsets, fractions of any length, date only.

    JavaScript's out-of-range sentinels (`0000-12-31T23:06:32.000Z`, `+010000-01-01…`) are
    clamped to DateTime's MinValue / MaxValue, which is what they stood for.
    """
    m = _ISO.match(text)
    if m is None:
        raise _bad(field, text)
    year = int(m.group(1))
    if year < 1:
        return datetime(1, 1, 1)
    if year > 9999:
        return datetime(9999, 12, 31, 23, 59, 59)
    fraction = (m.group(7) or "0")[:6].ljust(6, "0")
    try:
        value = datetime(year, int(m.group(2)), int(m.group(3)), int(m.group(4) or 0), int(m.group(5) or 0),
                         int(m.group(6) or 0), int(fraction))
    except ValueError:
        raise _bad(field, text) from None
    zone = m.group(8)
    if zone is None:
        return value
    if zone.upper() == "Z":
        return value.replace(tzinfo=UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    if minutes > _MAX_OFFSET_MINUTES:
        raise _bad(field, text)
    return value.replace(tzinfo=timezone(sign * timedelta(minutes=minutes)))


def _bad(field: str, text: str) -> ApiError:
    return ApiError(400, "ArgumentException", "invalid_datetime", field=field, value=text[:60])


# TimeSpans: "hh:mm:ss" out; in, also "hh:mm", "d.hh:mm:ss", fractions and ISO-8601 durations ("P0D", "PT15M").
_SPAN = re.compile(r"^\s*(-)?(?:(\d+)\.)?(\d+):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?\s*$")
_ISO_SPAN = re.compile(r"^\s*(-)?P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
                       r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?\s*$", re.IGNORECASE)
_MAX_SPAN_SECONDS = 366 * 24 * 3600


def render_span(seconds: int) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{sign}{days}.{text}" if days else sign + text


def parse_span(text: str | None, field: str) -> int:
    """A TimeSpan in whole seconds; missing or empty is zero."""
    if text is None or not str(text).strip():
        return 0
    raw = str(text)
    seconds: float
    m = _SPAN.match(raw)
    if m is not None:
        seconds = int(m.group(2) or 0) * 86400 + int(m.group(3)) * 3600 + int(m.group(4)) * 60 + int(m.group(5) or 0)
        negative = bool(m.group(1))
    else:
        m = _ISO_SPAN.match(raw)
        if m is None or raw.strip().upper().rstrip("T") in ("P", "-P"):
            raise ApiError(400, "ArgumentException", "invalid_timespan", field=field, value=raw[:60])
        weeks, days, hours, minutes, secs = (float(g or 0) for g in m.groups()[1:])
        seconds = (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + secs
        negative = bool(m.group(1))
    if seconds > _MAX_SPAN_SECONDS:
        raise ApiError(400, "ArgumentException", "invalid_timespan", field=field, value=raw[:60])
    return -int(seconds) if negative else int(seconds)
