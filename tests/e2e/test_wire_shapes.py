"""Shapes every agent answer shares: XML element names as .NET writes them, `null` bodies from the client."""

from __future__ import annotations

from defusedxml import ElementTree

from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents/Appointment/"


def test_a_null_body_for_a_list_request_is_an_empty_list(server: LiveServer) -> None:
    with server.client("ada") as c:
        r = c.post(AGENT + "GetAppointmentList", content=b"null", headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert r.json() == []


def test_lists_in_xml_are_array_of_the_carrier(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    with server.client("ada") as c:
        r = c.post(AGENT + "GetAppointmentList", json=[booking.mother_id], headers={"Accept": "application/xml"})
    assert r.status_code == 200
    root = ElementTree.fromstring(r.content)
    assert root.tag == "ArrayOfAppointment"
    [item] = list(root)
    assert item.tag == "Appointment"
    assert item.findtext("AppointmentId") == str(booking.mother_id)


def test_scalars_in_xml_are_named_as_dotnet_does(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    with server.client("ada") as c:
        r = c.post(AGENT + "GetOrganizerName", json={"MotherAppointmentId": booking.mother_id},
                   headers={"Accept": "application/xml"})
    assert r.status_code == 200
    root = ElementTree.fromstring(r.content)
    assert root.tag == "string"
    assert root.text == "Ada Lovelace"
