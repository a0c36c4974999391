"""Video meetings (issue 17): a link template as the provider (SODIARY_VIDEO_MEETING_URL), and a clear 400
when none is configured."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.databases import fresh_database
from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents/Appointment/"
TEMPLATE = "https://meet.example.org/sodiary-{id}"


@pytest.fixture(scope="module")
def video(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """tje0 on a server of its own whose provider is the template."""
    with fresh_database(backend, tmp_path_factory.mktemp("db")) as url:
        live = LiveServer(url, tmp_path_factory.mktemp("log") / "server.log",
                          env={"SODIARY_VIDEO_MEETING_URL": TEMPLATE}).start()
        try:
            with live.client("tje0") as client:
                yield client
        finally:
            live.stop()


def test_a_reservation_is_a_fresh_id_in_the_configured_link(video: httpx.Client) -> None:
    first = video.post(AGENT + "CreateVideoMeetingReservation").json()
    second = video.post(AGENT + "CreateVideoMeetingReservation").json()
    assert re.fullmatch(r"[0-9a-f]{32}", first["VideoMeetingId"])
    assert first["VideoMeetingUrl"] == TEMPLATE.replace("{id}", first["VideoMeetingId"])
    assert first["VideoMeetingId"] != second["VideoMeetingId"]
    assert set(first) == {"VideoMeetingId", "VideoMeetingUrl"}  # not a Carrier: no rights


def test_a_configured_provider_reports_the_user_as_connected(video: httpx.Client) -> None:
    state = video.post(AGENT + "GetVideoMeetingConnectedState").json()
    assert state == {"IsConnected": True, "ProviderId": "link-template", "LoginUrl": ""}


def test_deleting_a_reservation_of_this_server_is_accepted(video: httpx.Client) -> None:
    meeting = video.post(AGENT + "CreateVideoMeetingReservation").json()
    r = video.post(AGENT + "DeleteVideoMeetingReservation", json={"VideoMeetingId": meeting["VideoMeetingId"]})
    assert r.status_code == 204


def test_deleting_an_id_this_server_never_made_is_refused(video: httpx.Client) -> None:
    r = video.post(AGENT + "DeleteVideoMeetingReservation", json={"VideoMeetingId": "../../etc"})
    assert_error(r, 400)


def test_without_a_provider_a_reservation_is_refused_saying_how_to_configure_one(tje0: httpx.Client,
                                                                                  seed: Seeder) -> None:
    with Unchanged(seed):
        r = tje0.post(AGENT + "CreateVideoMeetingReservation")
    body = assert_error(r, 400, "InvalidOperationException")
    assert "SODIARY_VIDEO_MEETING_URL" in body["Message"]


def test_without_a_provider_the_refusal_is_in_norwegian_too(tje0: httpx.Client) -> None:
    r = tje0.post(AGENT + "CreateVideoMeetingReservation", headers={"Accept-Language": "nb"})
    assert "Ingen leverandør av videomøter" in assert_error(r, 400)["Message"]


def test_without_a_provider_the_user_is_not_connected(tje0: httpx.Client) -> None:
    state = tje0.post(AGENT + "GetVideoMeetingConnectedState").json()
    assert state == {"IsConnected": False, "ProviderId": "", "LoginUrl": ""}


def test_without_a_provider_deleting_is_refused_too(tje0: httpx.Client) -> None:
    r = tje0.post(AGENT + "DeleteVideoMeetingReservation", json={"VideoMeetingId": "0" * 32})
    assert_error(r, 400)
