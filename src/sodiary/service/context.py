"""Who is asking, and how: what every use case receives from the wire."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    associate_id: int
    name: str
    scheme: str  # "Basic", "SOTicket", "Bearer", "Session"
    app: str = ""  # the SO-AppToken's application, when one was given
