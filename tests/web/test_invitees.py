"""Organising from the page: contact persons from the address book as participants, and e-mail invitations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.mail_support import SmtpSink, engine_for, mail_env, outbox_rows, wait_until
from tests.support.databases import fresh_database
from tests.support.server import LiveServer
from tests.web.pages import go, open_page, sign_in


def organise(browser: Browser, server: LiveServer) -> Page:
    page = open_page(browser, server)
    sign_in(page, "ada")
    go(page, "organise", "Organise")
    return page


def new_meeting(page: Page, title: str, days: int, time: str = "10:00") -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("Start", exact=True).fill(f"{date.today() + timedelta(days=days):%Y-%m-%d}T{time}")


def find(page: Page, text: str) -> None:
    page.get_by_label("Find a contact person").fill(text)
    page.get_by_role("button", name="Search").click()


def person_id(server: LiveServer, lastname: str) -> int:
    with server.client("ada") as ada:
        found = ada.get("/api/v1/Person", params={"$filter": f"lastname eq '{lastname}'"}).json()["value"]
    return int(found[0]["personId"])


def participants(server: LiveServer, appointment_id: int) -> set[tuple[str, int]]:
    with server.client("ada") as ada:
        page = ada.get(f"/api/v1/Appointment/{appointment_id}/Participants",
                       params={"$select": "fullName,associateId"}).json()
    return {(p["fullName"], p["associateId"]) for p in page["value"]}


def test_ada_invites_a_contact_person_she_found_with_ben_and_ben_sees_her_among_the_participants(
    browser: Browser, demo_server: LiveServer
) -> None:
    page = organise(browser, demo_server)
    new_meeting(page, "Fjord follow-up", 9)
    page.get_by_label("Ben Hansen (ben)").check()
    find(page, "nord")
    expect(page.get_by_role("status")).to_have_text("Contact persons found: 1.")
    page.get_by_label("Kari Nordmann (Fjord Consulting AS)").check()
    page.get_by_role("button", name="Create meeting").click()
    expect(page.get_by_role("status")).to_have_text("Meeting created.")

    card = page.locator("li.meeting", has_text="Fjord follow-up")
    kari = person_id(demo_server, "Nordmann")
    expect(card.locator(f"li[data-person='{kari}']")).to_have_text("Kari Nordmann: not answered")
    expect(page.get_by_label("Kari Nordmann (Fjord Consulting AS)")).to_have_count(0)  # the form starts afresh
    assert participants(demo_server, int(card.get_attribute("data-id") or 0)) == {
        ("Ada Lovelace", 1), ("Ben Hansen", 2), ("Kari Nordmann", 0)}

    ben = open_page(browser, demo_server)
    sign_in(ben, "ben")
    invitation = ben.locator("li.invitation", has_text="Fjord follow-up")
    invitation.locator("summary").click()
    expect(invitation.locator(f"li[data-person='{kari}']")).to_have_text("Kari Nordmann: not answered")


def test_a_meeting_with_only_a_contact_person_is_booked(browser: Browser, demo_server: LiveServer) -> None:
    page = organise(browser, demo_server)
    new_meeting(page, "Call with Kari", 4)
    find(page, "Kari")
    page.get_by_label("Kari Nordmann (Fjord Consulting AS)").check()
    page.get_by_role("button", name="Create meeting").click()
    expect(page.get_by_role("status")).to_have_text("Meeting created.")
    card = page.locator("li.meeting", has_text="Call with Kari")
    assert participants(demo_server, int(card.get_attribute("data-id") or 0)) == {
        ("Ada Lovelace", 1), ("Kari Nordmann", 0)}


def test_users_are_not_offered_again_among_the_contact_persons(browser: Browser, demo_server: LiveServer) -> None:
    page = organise(browser, demo_server)
    find(page, "Hansen")
    expect(page.get_by_role("status")).to_have_text("No contact person found.")
    expect(page.locator("#m-contacts input")).to_have_count(0)
    expect(page.get_by_label("Ben Hansen (ben)")).to_have_count(1)


def test_a_name_with_an_apostrophe_is_found_and_a_picked_person_stays_through_the_next_search(
    browser: Browser, demo_server: LiveServer
) -> None:
    with demo_server.client("ada") as ada:
        saved = ada.post("/api/v1/Person", json={"Firstname": "Ola", "Lastname": "O'Brien",
                                                 "Emails": [{"Value": "ola@fjord.example"}]})
    assert saved.status_code == 200, saved.text
    page = organise(browser, demo_server)
    find(page, "Kari Nord")
    page.get_by_label("Kari Nordmann (Fjord Consulting AS)").check()
    find(page, "o'bri")
    expect(page.get_by_role("status")).to_have_text("Contact persons found: 1.")
    expect(page.get_by_label("Ola O'Brien (ola@fjord.example)")).not_to_be_checked()
    expect(page.get_by_label("Kari Nordmann (Fjord Consulting AS)")).to_be_checked()
    find(page, "nobody-by-this-name")
    expect(page.get_by_role("status")).to_have_text("No contact person found.")
    expect(page.locator("#m-contacts input")).to_have_count(1)  # Kari, picked; Ola was not


def test_a_norwegian_browser_searches_contact_persons_in_norwegian(browser: Browser, demo_server: LiveServer) -> None:
    page = open_page(browser, demo_server, locale="nb-NO")
    page.get_by_label("Brukernavn").fill("ada")
    page.get_by_label("Passord").fill("Ada")
    page.get_by_role("button", name="Logg inn").click()
    go(page, "organise", "Arranger")
    page.get_by_label("Tittel").fill("Kundemøte")
    page.get_by_label("Ben Hansen (ben)").check()
    page.get_by_label("Finn en kontaktperson").fill("Nordmann")
    page.get_by_label("Finn en kontaktperson").press("Enter")  # searches; does not submit the meeting
    expect(page.get_by_role("status")).to_have_text("Kontaktpersoner funnet: 1.")
    expect(page.get_by_label("Kari Nordmann (Fjord Consulting AS)")).to_be_visible()
    expect(page.get_by_label("Send invitasjoner på e-post")).not_to_be_checked()
    expect(page.locator("#alert")).to_be_empty()
    expect(page.get_by_label("Tittel")).to_have_value("Kundemøte")  # the form was not sent
    expect(page.locator("li.meeting", has_text="Kundemøte")).to_have_count(0)


@pytest.fixture
def mail_server(tmp_path: Path) -> Iterator[tuple[LiveServer, SmtpSink]]:
    sink = SmtpSink().start()
    try:
        with fresh_database("sqlite", tmp_path) as url:
            live = LiveServer(url, tmp_path / "server.log", env=mail_env(sink.url)).start()
            try:
                yield live, sink
            finally:
                live.stop()
    finally:
        sink.stop()


def test_send_email_invitations_mails_each_invitee_and_without_it_nobody_is_mailed(
    browser: Browser, mail_server: tuple[LiveServer, SmtpSink]
) -> None:
    server, sink = mail_server
    page = organise(browser, server)
    new_meeting(page, "Quiet meeting", 6)
    page.get_by_label("Ben Hansen (ben)").check()
    page.get_by_role("button", name="Create meeting").click()
    expect(page.get_by_role("status")).to_have_text("Meeting created.")

    new_meeting(page, "Mailed meeting", 7, "14:00")
    page.get_by_label("Ben Hansen (ben)").check()
    find(page, "Kari")
    page.get_by_label("Kari Nordmann (Fjord Consulting AS)").check()
    page.get_by_label("Send e-mail invitations").check()
    page.get_by_role("button", name="Create meeting").click()
    expect(page.get_by_role("status")).to_have_text("Meeting created.")

    wait_until(lambda: len(sink.sink.received) >= 2, "the two invitations")
    got = sink.sink.take()
    assert sorted(r.to for r in got) == ["ben@example.com", "kari@example.net"]
    assert {(r.method, str(r.event()["SUMMARY"])) for r in got} == {("REQUEST", "Mailed meeting")}
    start = page.locator("li.meeting", has_text="Mailed meeting").locator("time").get_attribute("datetime")
    assert {r.event().decoded("DTSTART").timestamp() for r in got} == {datetime.fromisoformat(start or "").timestamp()}
    queued: list[dict[str, Any]] = outbox_rows(engine_for(server.database_url))
    assert len(queued) == 2  # the quiet meeting queued nothing
    expect(page.get_by_label("Send e-mail invitations")).not_to_be_checked()  # the form starts afresh

