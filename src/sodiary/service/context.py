"""Who is asking, and how: what every use case receives from the wire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.audit import Stamp
from ..domain.enums import RecurrenceUpdateMode
from .clock import utc_now


@dataclass(frozen=True, slots=True)
class Caller:
    associate_id: int
    name: str
    scheme: str  # "Basic", "SOTicket", "Bearer", "Session"
    app: str = ""  # the SO-AppToken's application, when one was given

    def stamp(self, operation: str, mode: RecurrenceUpdateMode, now: datetime | None = None) -> Stamp:
        """The audit stamp of a write this caller makes now (or at `now`, the unit of work's own time)."""
        return Stamp(self.associate_id, self.scheme, self.app, now or utc_now(), operation, mode)
