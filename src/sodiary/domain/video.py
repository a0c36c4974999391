"""Video meetings (issue 17): a reservation is a fresh meeting id in a configured link template."""

from __future__ import annotations

import re

from .errors import Invalid

# The ids this server hands out: 32 hex digits (a UUID without dashes), safe in any URL path.
ID_PATTERN = r"^[0-9a-f]{32}$"  # also the OpenAPI document's (wire/agent_video.py)
_ID = re.compile(ID_PATTERN)


def join_url(template: str, meeting_id: str) -> str:
    return template.replace("{id}", meeting_id)


def check_id(meeting_id: str) -> str:
    if not _ID.match(meeting_id):
        raise Invalid("video_meeting_id", value=meeting_id[:60])
    return meeting_id
