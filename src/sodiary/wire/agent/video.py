"""Video meetings (issue 17): CreateVideoMeetingReservation, DeleteVideoMeetingReservation,
GetVideoMeetingConnectedState, with the link template of SODIARY_VIDEO_MEETING_URL as the provider."""

from __future__ import annotations

from typing import Annotated

import msgspec

from sodiary.domain.video import ID_PATTERN
from sodiary.service import video as svc
from sodiary.wire.carriers import entity as c
from sodiary.wire.endpoint import AgentMethod, Call

PROVIDER_ID = "link-template"


class VideoMeetingReservation(msgspec.Struct, rename="pascal", kw_only=True):
    """Not a Carrier: no rights [CL]."""

    video_meeting_id: c.Text = ""
    video_meeting_url: c.Text = ""


class UserConnectedState(msgspec.Struct, rename="pascal", kw_only=True):
    is_connected: bool = False
    provider_id: c.Text = ""
    login_url: c.Text = ""


class DeleteVideoMeetingReservationRequest(c.Request):
    # Required, and only ids this server hands out (domain/video.py); a malformed one stays the service's 400.
    video_meeting_id: Annotated[str, msgspec.Meta(max_length=100, extra_json_schema={"pattern": ID_PATTERN})]


def _template(call: Call) -> str:
    return str(call.request.app.state.settings.video_meeting_url)


async def create(call: Call, _req: None) -> VideoMeetingReservation:
    meeting_id, url = svc.reserve(_template(call))
    return VideoMeetingReservation(video_meeting_id=meeting_id, video_meeting_url=url)


async def delete(call: Call, req: DeleteVideoMeetingReservationRequest) -> None:
    svc.release(_template(call), req.video_meeting_id)


async def connected_state(call: Call, _req: None) -> UserConnectedState:
    configured = bool(_template(call))
    # The template needs no sign-in with a provider, so there is no login URL.
    return UserConnectedState(is_connected=configured, provider_id=PROVIDER_ID if configured else "", login_url="")


METHODS: list[AgentMethod] = [
    AgentMethod("CreateVideoMeetingReservation", create, None, VideoMeetingReservation,
                summary="A new video meeting: a fresh id and its join link from SODIARY_VIDEO_MEETING_URL "
                        "(400 when none is configured)."),
    AgentMethod("DeleteVideoMeetingReservation", delete, DeleteVideoMeetingReservationRequest, None,
                summary="Releases a reservation; the link template's rooms need no deleting, so this checks the id."),
    AgentMethod("GetVideoMeetingConnectedState", connected_state, None, UserConnectedState,
                summary="Whether video meetings are configured (SODIARY_VIDEO_MEETING_URL)."),
]
