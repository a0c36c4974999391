"""The audit stamp: what every write records about itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .enums import RecurrenceUpdateMode


@dataclass(frozen=True, slots=True)
class Stamp:
    """Who wrote (`actor`, an associate id), how they signed in (`scheme`), through which application
    (`app`), when (`now`, naive UTC), as which operation and in which update mode. One record instead
    of six keyword arguments on every write: the rows' `updated` columns and answer_history take it."""

    actor: int
    scheme: str
    app: str
    now: datetime
    operation: str
    mode: RecurrenceUpdateMode
