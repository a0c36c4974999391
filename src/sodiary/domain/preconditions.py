"""Conditional requests (RFC 9110 §13): whether a request's preconditions hold for an entity's version.

Pure rules, evaluated by the service inside the unit of work that writes, so that the check and the
write see the same row. The wire parses the header fields into `Preconditions`; the service derives
the `Version` from the rows it read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from enum import Enum

from .errors import PreconditionFailed

ANY = "*"
_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


@dataclass(frozen=True, slots=True)
class EntityTag:
    opaque: str  # with its double quotes, as sent
    weak: bool = False

    def __str__(self) -> str:
        return ("W/" if self.weak else "") + self.opaque


@dataclass(frozen=True, slots=True)
class Version:
    """What identifies one state of an entity: its strong entity-tag and its modification second (naive UTC)."""

    tag: EntityTag
    modified: datetime


def parse_tags(value: str | None) -> tuple[EntityTag, ...] | str | None:
    """`If-Match` / `If-None-Match`: None when absent, ANY for `*`, else the tags (a malformed list matches nothing)."""
    if value is None or not value.strip():
        return None
    if value.strip() == ANY:
        return ANY
    tags, position = [], 0
    text = value.strip()
    while position < len(text):
        found = _TAG.match(text, position)
        if found is None or found.end() == position:
            return ()  # not a list of entity-tags: no tag of ours can match it
        tags.append(EntityTag(found.group(2), bool(found.group(1))))
        position = found.end()
    return tuple(tags)


def _strong_match(tags: tuple[EntityTag, ...] | str, tag: EntityTag) -> bool:
    if isinstance(tags, str):  # `*`
        return True
    return any(not t.weak and not tag.weak and t.opaque == tag.opaque for t in tags)


def _weak_match(tags: tuple[EntityTag, ...] | str, tag: EntityTag) -> bool:
    if isinstance(tags, str):  # `*`
        return True
    return any(t.opaque == tag.opaque for t in tags)


class Outcome(Enum):
    PROCEED = "proceed"
    NOT_MODIFIED = "not_modified"  # GET/HEAD only: 304
    FAILED = "failed"  # 412


@dataclass(frozen=True, slots=True)
class Preconditions:
    """The conditional header fields of one request (absent = None); dates are naive UTC."""

    if_match: tuple[EntityTag, ...] | str | None = None
    if_none_match: tuple[EntityTag, ...] | str | None = None
    unmodified_since: datetime | None = None
    modified_since: datetime | None = None

    def _decide(self, version: Version, safe: bool) -> tuple[Outcome, str]:
        """RFC 9110 §13.2.2, in its order, for an entity that exists; the outcome and the field that decided it."""
        if self.if_match is not None:
            if not _strong_match(self.if_match, version.tag):
                return Outcome.FAILED, "if_match_failed"
        elif self.unmodified_since is not None and version.modified > self.unmodified_since:
            return Outcome.FAILED, "modified_since"
        if self.if_none_match is not None:
            if _weak_match(self.if_none_match, version.tag):
                return (Outcome.NOT_MODIFIED if safe else Outcome.FAILED), "if_none_match_failed"
        elif safe and self.modified_since is not None and version.modified <= self.modified_since:
            return Outcome.NOT_MODIFIED, ""
        return Outcome.PROCEED, ""

    def outcome(self, version: Version, *, safe: bool) -> Outcome:
        """What the request gets: go ahead, 304 (`safe`, i.e. GET/HEAD, only) or 412."""
        return self._decide(version, safe)[0]

    def check(self, appointment_id: int, version: Version, *, safe: bool = False) -> Outcome:
        """Raise PreconditionFailed (412) unless the request may go ahead on this version (or get a 304)."""
        outcome, key = self._decide(version, safe)
        if outcome is Outcome.FAILED:
            raise PreconditionFailed(key, appointment_id=appointment_id, etag=str(version.tag),
                                     modified=format_datetime(version.modified.replace(tzinfo=UTC), usegmt=True))
        return outcome


NONE = Preconditions()
