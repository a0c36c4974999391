"""Datetimes and TimeSpans on the wire, in the time zone a request asks for.

Storage is naive wall clock in the server's base zone (Settings.time_zone); Created/Updated are
naive UTC. A request may view times in another zone: SuperOffice's `SO-TimeZone` header (to be
plugged in here by its own issue), or — what the official client sends on every call —
`SO-Browser-TZ-Offset` (minutes EAST of UTC). The client reads a naive string as ITS local time and
sends UTC `Z` back, so answers are in the client's offset and carry it (`+01:00`): a naive answer
would shift every GET → Save round trip by the difference, and one across a DST change by an hour
(docs/decisions.md).

`SO-TimeZone: <code>[, includeTZOffset]` (spec §6.4) takes precedence: the view is that zone (a
SuperOffice code such as `NO`, `US-NY`, its numeric id, or an IANA name); with `includeTZOffset`
outgoing datetimes carry the zone's offset (`+02:00`, `Z` for UTC). Created/Updated are UTC then,
unaffected by the zone, and tagged `Z` with the flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request

from sodiary.wire.errors import ApiError

# "Empty" dates: SuperOffice's DateTime.MinValue, tagged UTC so the client keeps the year (wire spec §6).
MIN_DATE = "0001-01-01T00:00:00Z"
_MAX_OFFSET_MINUTES = 18 * 60


@dataclass(frozen=True, slots=True)
class TimeContext:
    """How one request's datetimes map to storage: `base` is storage, `view` is the wire."""

    base: tzinfo
    view: tzinfo
    include_offset: bool = False  # SO-TimeZone's includeTZOffset
    so_timezone: bool = False  # the view came from SO-TimeZone: Created/Updated stay UTC

    def render(self, stored: datetime | None) -> str | None:
        """A stored base-zone wall clock as the wire string in the view zone (naive unless includeTZOffset)."""
        if stored is None:
            return None
        local = self._convert(stored, self.base, self.view)
        return _offset_text(local, self.view) if self.include_offset else _naive_text(local)

    def render_utc(self, stored: datetime | None) -> str:
        """A stored UTC stamp (Created/Updated) as wire text; never set = MIN_DATE."""
        if stored is None:
            return MIN_DATE
        if self.so_timezone:  # "always UTC, not affected by the TimeZone header" [D]
            return _naive_text(stored) + ("Z" if self.include_offset else "")
        local = self._convert(stored, UTC, self.view)
        return _offset_text(local, self.view) if self.include_offset else _naive_text(local)

    def to_view(self, stored: datetime) -> datetime:
        """A stored base-zone wall clock as the view zone's naive wall clock."""
        return self._convert(stored, self.base, self.view)

    def from_view(self, wall: datetime) -> datetime:
        """A view-zone wall clock as the stored base-zone wall clock."""
        return self._convert(wall, self.view, self.base)

    def parse_view(self, text: str | None, field: str) -> datetime | None:
        """Wire text as a naive wall clock in the view zone (for dates: which day the caller means)."""
        stored = self.parse(text, field)
        return None if stored is None else self.to_view(stored)

    @property
    def zone(self) -> tzinfo:
        """The zone whose wall clock a series keeps: the view if it is a real zone, else the base."""
        return self.view if isinstance(self.view, ZoneInfo) or self.view is UTC else self.base

    def parse(self, text: str | None, field: str) -> datetime | None:
        """Wire text to a stored base-zone wall clock. Offsets/`Z` are instants; naive text is view-zone.

        `""` is no date, as Json.NET reads it for a DateTime?; blank text (a lone "\\r") is malformed: a 400."""
        if text is None or text == "":
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
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
        return UTC


def time_context(request: Request) -> TimeContext:
    """The request's time context: base zone from the settings, view zone from the headers.

    `SO-TimeZone` takes precedence; else `SO-Browser-TZ-Offset` sets the view zone and without
    either the view is the base zone, as NetServer does.
    """
    settings = getattr(request.app.state, "settings", None)
    base = base_zone(getattr(settings, "time_zone", "UTC"))
    view = base
    header = request.headers.get("so-timezone")
    if header is not None:
        zone, include_offset = so_timezone(header)
        return TimeContext(base, zone or base, include_offset, True)
    raw = request.headers.get("so-browser-tz-offset")
    offset = _offset_minutes(raw) if raw is not None else None
    if offset is not None:
        # Tagged with the offset: the offset is the client's NOW, so a naive time on the other side of
        # a DST change would be read an hour off; an instant is read right in any season.
        view = UTC if offset == 0 else timezone(timedelta(minutes=offset))
        return TimeContext(base, view, include_offset=True)
    return TimeContext(base, view)


# SuperOffice's time-zone codes (GET /api/v1/timezone) and the ids the docs show, as IANA zones.
ZONE_CODES: dict[str, str] = {
    "UTC": "UTC", "GMT": "UTC", "NO": "Europe/Oslo", "DK": "Europe/Copenhagen", "SE": "Europe/Stockholm",
    "FI": "Europe/Helsinki", "IS": "Atlantic/Reykjavik", "DE": "Europe/Berlin", "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels", "FR": "Europe/Paris", "ES": "Europe/Madrid", "IT": "Europe/Rome",
    "CH": "Europe/Zurich", "AT": "Europe/Vienna", "PL": "Europe/Warsaw", "GB": "Europe/London",
    "UK": "Europe/London", "IE": "Europe/Dublin", "PT": "Europe/Lisbon", "EE": "Europe/Tallinn",
    "LV": "Europe/Riga", "LT": "Europe/Vilnius", "BD": "Asia/Dhaka", "IN": "Asia/Kolkata", "JP": "Asia/Tokyo",
    "SG": "Asia/Singapore", "AU-ACT": "Australia/Sydney", "AU-NSW": "Australia/Sydney",
    "AU-VIC": "Australia/Melbourne", "AU-QLD": "Australia/Brisbane", "CA-QC": "America/Toronto",
    "CA-ON": "America/Toronto", "CA-BC": "America/Vancouver", "US-NY": "America/New_York",
    "US-MA": "America/New_York", "US-DC": "America/New_York", "US-FL": "America/New_York",
    "US-IL": "America/Chicago", "US-TX": "America/Chicago", "US-CO": "America/Denver",
    "US-AZ": "America/Phoenix", "US-CA": "America/Los_Angeles", "US-WA": "America/Los_Angeles",
    "US-AK": "America/Anchorage", "US-HI": "Pacific/Honolulu",
}
# The longest IANA name has 32 characters; a file name may have 255 (longer ones were a 500, issue 12 item 8).
MAX_ZONE_CHARS = 255
ZONE_IDS: dict[int, str] = {1: "UTC", 36: "AU-ACT", 50: "BD", 114: "CA-QC", 140: "DK", 156: "FR", 261: "NO",
                            425: "US-CA", 433: "US-HI", 460: "US-NY"}


def so_timezone(header: str) -> tuple[tzinfo | None, bool]:
    """`NO, includeTZOffset` → (Europe/Oslo, True); an unknown code is the base zone (None), as no header is."""
    parts = [p.strip() for p in header.split(",") if p.strip()]
    if any(len(p) > MAX_ZONE_CHARS for p in parts):
        raise ApiError(400, "ArgumentException", "invalid_header", name="SO-TimeZone",
                       detail=f"a component longer than {MAX_ZONE_CHARS} characters")
    include_offset = any(p.lower() == "includetzoffset" for p in parts)
    codes = [p for p in parts if p.lower() != "includetzoffset"]
    if not codes:
        return None, include_offset
    code = codes[0]
    if code.isdigit():
        code = ZONE_IDS.get(int(code), "")
    name = ZONE_CODES.get(code.upper())
    if name is None and "/" in code:
        name = code  # an IANA name is accepted too
    if name is None:
        return None, include_offset
    return base_zone(name) if name != "UTC" else UTC, include_offset


def _offset_minutes(raw: str) -> int | None:
    try:
        minutes = int(raw.strip())
    except ValueError:
        return None  # a header we cannot read falls back to the base zone, as a missing one does
    return minutes if abs(minutes) <= _MAX_OFFSET_MINUTES else None


def _naive_text(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat(timespec="seconds")


def _offset_text(local: datetime, zone: tzinfo) -> str:
    """A view-zone wall clock with that zone's offset at that moment: `+02:00`, `Z` for UTC."""
    try:
        offset = local.replace(tzinfo=zone).utcoffset()
    except (OverflowError, ValueError):
        offset = None
    if offset is None:
        return _naive_text(local)
    if not offset and zone is UTC:
        return _naive_text(local) + "Z"
    return local.replace(tzinfo=timezone(offset), microsecond=0).isoformat(timespec="seconds")


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
