"""Video meetings (issue 17): the link-template provider. A reservation is a room id the provider creates on
first join (Jitsi-style), so nothing is stored and nothing needs deleting."""

from __future__ import annotations

import uuid

from ..domain import video
from ..domain.errors import Invalid


def reserve(template: str) -> tuple[str, str]:
    """A new meeting: (id, join URL). Without a configured provider, a 400 saying how to configure one."""
    if not template:
        raise Invalid("video_not_configured")
    meeting_id = uuid.uuid4().hex
    return meeting_id, video.join_url(template, meeting_id)


def release(template: str, meeting_id: str) -> None:
    if not template:
        raise Invalid("video_not_configured")
    video.check_id(meeting_id)
