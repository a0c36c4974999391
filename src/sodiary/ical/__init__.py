"""iCalendar (RFC 5545) and iTIP (RFC 5546) objects for sodiary's bookings, as pure functions."""

from .event import Attendee, Event, Party
from .itip import Method, to_ics

__all__ = ["Attendee", "Event", "Method", "Party", "to_ics"]
