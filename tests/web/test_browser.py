"""The diary in a browser: sign in, answer invitations, see the answers, organise, and the week in two zones."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.server import LiveServer
from tests.web.pages import axe_violations, go, open_page, sign_in, wait_settled

AGENT = "/api/v1/Agents/Appointment/"


def call(server: LiveServer, user: str, method: str, body: dict[str, Any] | None = None, **query: Any) -> Any:
    with server.client(user) as client:
        r = client.post(AGENT + method, json=body, params=query)
    assert r.status_code in (200, 204), r.text
    return r.json() if r.status_code == 200 else None


def rows_of(server: LiveServer, mother_id: int) -> dict[int, dict[str, Any]]:
    """The booking's rows by associate id, as the organiser reads them."""
    rows = call(server, "ada", "GetAppointmentRecords", {"MotherId": mother_id, "RecurrenceRuleId": 0})
    return {row["AssociateId"]: row for row in rows}


def user_id(server: LiveServer, name: str) -> int:
    with server.client(name) as client:
        return int(client.get("/api/v1/Sodiary/Me").json()["AssociateId"])


def invitation(page: Page, title: str, nth: int = 0) -> Any:
    return page.locator("li.invitation", has_text=title).nth(nth)


def test_a_wrong_password_shows_an_error_and_keeps_the_sign_in_form(browser: Browser, demo_server: LiveServer) -> None:
    page = open_page(browser, demo_server)
    page.get_by_label("User name").fill("ben")
    page.get_by_label("Password").fill("not-bens-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Sign-in failed")
    expect(page.get_by_label("User name")).to_be_visible()
    expect(page.get_by_role("navigation")).to_be_hidden()


def test_a_norwegian_browser_gets_the_page_and_the_apis_errors_in_norwegian(
    browser: Browser, demo_server: LiveServer
) -> None:
    page = open_page(browser, demo_server, locale="nb-NO")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    page.get_by_label("Brukernavn").fill("ben")
    page.get_by_label("Passord").fill("feil")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("alert")).to_contain_text("Innlogging mislyktes")
    with httpx.Client(base_url=demo_server.url) as client:
        norwegian = client.post("/api/v1/Sodiary/Session", json={"UserName": "ben", "Password": "feil"},
                                headers={"Accept-Language": "nb"}).json()["Message"]
        english = client.post("/api/v1/Sodiary/Session", json={"UserName": "ben", "Password": "feil"},
                              headers={"Accept-Language": "en"}).json()["Message"]
    assert norwegian != english
    expect(page.get_by_role("alert")).to_have_text(f"Innlogging mislyktes: {norwegian}")


def test_ben_accepts_one_invitation_and_declines_the_series_from_one_occurrence_and_ada_sees_both(
    browser: Browser, demo_server: LiveServer
) -> None:
    ben = open_page(browser, demo_server)
    sign_in(ben, "ben")
    kickoff = invitation(ben, "Project kick-off")
    kickoff_id = int(kickoff.get_attribute("data-id") or 0)
    kickoff.get_by_role("button", name="Accept").click()
    wait_settled(ben)
    expect(ben.locator(f"li.invitation[data-id='{kickoff_id}']")).to_have_count(0)

    weekly_before = ben.locator("li.invitation", has_text="Weekly team meeting").count()
    second = invitation(ben, "Weekly team meeting", 1)
    declined_id = int(second.get_attribute("data-id") or 0)
    second.get_by_label("This and following").check()
    second.get_by_role("button", name="Decline").click()
    second.get_by_label("Reason (optional)").fill("On leave from then on")
    second.get_by_role("button", name="Send decline").click()
    expect(ben.get_by_role("status")).to_have_text("Declined.")
    expect(ben.locator("li.invitation", has_text="Weekly team meeting")).to_have_count(1)
    assert weekly_before > 2

    ben_id = user_id(demo_server, "ben")
    declined_mother = call(demo_server, "ben", "GetAppointment", appointmentId=declined_id)["MotherId"]
    assert rows_of(demo_server, 684)[ben_id]["InvitationStatus"] == "Accepted"
    assert rows_of(demo_server, declined_mother)[ben_id]["RejectReason"] == "On leave from then on"

    ada = open_page(browser, demo_server)
    sign_in(ada, "ada")
    go(ada, "organise", "Organise")
    kickoff_card = ada.locator("li.meeting[data-id='684']")
    expect(kickoff_card.locator(f"li[data-associate='{ben_id}']")).to_have_text("Ben Hansen: accepted")
    declined_card = ada.locator(f"li.meeting[data-id='{declined_mother}']")
    expect(declined_card.locator(f"li[data-associate='{ben_id}']")).to_have_text(
        "Ben Hansen: declined — “On leave from then on”")
    expect(declined_card.get_by_role("button", name="Acknowledge decline of Ben Hansen")).to_be_visible()


def test_opening_an_invitation_marks_it_seen(browser: Browser, demo_server: LiveServer) -> None:
    page = open_page(browser, demo_server)
    sign_in(page, "ben")
    card = invitation(page, "Project kick-off")
    card.locator("summary").click()
    expect(card.get_by_text("Organiser: Ada Lovelace")).to_be_visible()
    seen = None
    for _ in range(50):
        seen = call(demo_server, "ben", "GetAppointment", appointmentId=686)["InvitationStatus"]
        if seen == "Seen":
            break
        page.wait_for_timeout(100)
    assert seen == "Seen"


def test_a_meeting_ada_creates_with_ben_and_tje0_appears_in_bens_invitations(
    browser: Browser, demo_server: LiveServer
) -> None:
    ada = open_page(browser, demo_server)
    sign_in(ada, "ada")
    go(ada, "organise", "Organise")
    ada.get_by_label("Title").fill("Budget review")
    ada.get_by_label("Start", exact=True).fill(f"{date.today() + timedelta(days=20):%Y-%m-%d}T13:30")
    ada.get_by_label("Place").fill("Room 2")
    ada.get_by_label("Agenda").fill("Numbers for Q2")
    ada.get_by_label("Ben Hansen (ben)").check()
    ada.get_by_label("Tore Jensen (tje0)").check()
    ada.get_by_role("button", name="Create meeting").click()
    expect(ada.get_by_role("status")).to_have_text("Meeting created.")
    expect(ada.locator("li.meeting", has_text="Budget review")).to_have_count(1)

    ben = open_page(browser, demo_server)
    sign_in(ben, "ben")
    card = invitation(ben, "Budget review")
    expect(card).to_contain_text("13:30")
    card.locator("summary").click()
    expect(card).to_contain_text("Organiser: Ada Lovelace")
    expect(card).to_contain_text("Place: Room 2")
    expect(card).to_contain_text("Agenda: Numbers for Q2")
    expect(card).to_contain_text("Tore Jensen: not answered")


def test_a_session_that_ended_returns_to_sign_in(browser: Browser, demo_server: LiveServer) -> None:
    page = open_page(browser, demo_server)
    sign_in(page, "ben")
    page.context.clear_cookies()
    page.get_by_role("navigation").get_by_role("button", name="My week").click()
    expect(page.get_by_role("alert")).to_have_text("Your session has ended. Please sign in again.")
    expect(page.get_by_label("User name")).to_be_visible()


def test_signing_out_ends_the_session(browser: Browser, demo_server: LiveServer) -> None:
    page = open_page(browser, demo_server)
    sign_in(page, "ben")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("User name")).to_be_visible()
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "signin")


@pytest.mark.parametrize("zone", ["Europe/Oslo", "America/New_York"])
def test_the_week_puts_meetings_at_the_instants_the_api_answers(
    browser: Browser, demo_server: LiveServer, zone: str
) -> None:
    page = open_page(browser, demo_server, zone=zone)
    sign_in(page, "ben")
    go(page, "week", "My week")
    page.locator("body").evaluate("b => { delete b.dataset.ready; }")
    page.get_by_role("button", name="Next week").click()
    kickoff = page.locator("button[data-id='686']")
    expect(kickoff).to_be_visible()
    # The API's own answer, without any time-zone header: wall clock in the server's base zone (UTC).
    answered = call(demo_server, "ben", "GetAppointment", appointmentId=686)["StartDate"]
    local = datetime.fromisoformat(answered).replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone))
    day = page.locator(f"li.day[data-day='{local:%Y-%m-%d}']")
    expect(day.locator("button[data-id='686']")).to_have_text(f"{local:%H:%M} Project kick-off (pending)")
    kickoff.click()
    expect(page.locator("#details")).to_contain_text("Ada Lovelace")


def test_the_page_is_framed_by_nobody_and_runs_no_inline_script(demo_server: LiveServer) -> None:
    with httpx.Client(base_url=demo_server.url) as client:
        page = client.get("/")
        api = client.post(AGENT + "GetMyDiary", json={})
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and "XSRF" not in page.text
    assert "content-security-policy" not in api.headers


def test_a_script_call_without_a_session_gets_no_basic_challenge(demo_server: LiveServer) -> None:
    with httpx.Client(base_url=demo_server.url) as client:
        plain = client.post(AGENT + "GetMyDiary", json={})
        scripted = client.post(AGENT + "GetMyDiary", json={}, headers={"X-Requested-With": "XMLHttpRequest"})
    assert plain.status_code == scripted.status_code == 401
    assert plain.headers["www-authenticate"].startswith("Basic")
    assert "basic" not in scripted.headers["www-authenticate"].lower()


def test_the_pages_have_no_serious_or_critical_accessibility_violations(
    browser: Browser, demo_server: LiveServer, axe_source: str
) -> None:
    page = open_page(browser, demo_server)
    found = {"sign-in": axe_violations(page, axe_source)}
    sign_in(page, "ben")
    invitation(page, "Project kick-off").locator("summary").click()
    found["invitations"] = axe_violations(page, axe_source)
    go(page, "week", "My week")
    found["week"] = axe_violations(page, axe_source)
    go(page, "organise", "Organise")
    page.get_by_label("Find a contact person").fill("Kari")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_label("Kari Nordmann (Fjord Consulting AS)")).to_be_visible()
    found["organise"] = axe_violations(page, axe_source)
    assert {name: [(v["id"], v["help"]) for v in found[name]] for name in found if found[name]} == {}


def test_answering_a_meeting_cancelled_meanwhile_says_so_and_refreshes(
    browser: Browser, demo_server: LiveServer
) -> None:
    page = open_page(browser, demo_server)
    sign_in(page, "ben")
    card = invitation(page, "Project kick-off")
    expect(card).to_be_visible()
    with demo_server.client("ada") as ada:
        assert ada.post(AGENT + "Delete", json={"AppointmentId": 684}).status_code == 204
    card.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("alert")).to_have_text(
        "This appointment was changed or cancelled meanwhile. The list has been refreshed.")
    expect(page.locator("li.invitation", has_text="Project kick-off")).to_have_count(0)


def test_on_a_phone_sized_screen_the_week_fits_without_sideways_scrolling(
    browser: Browser, demo_server: LiveServer
) -> None:
    page = open_page(browser, demo_server, width=375)
    sign_in(page, "ben")
    go(page, "week", "My week")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    boxes = [page.locator("li.day").nth(i).bounding_box() for i in range(2)]
    assert boxes[0] and boxes[1] and boxes[1]["y"] > boxes[0]["y"]  # days stacked, not squeezed side by side


def test_signing_in_and_accepting_works_with_the_keyboard_alone(browser: Browser, demo_server: LiveServer) -> None:
    page = open_page(browser, demo_server)
    expect(page.get_by_label("User name")).to_be_focused()
    page.keyboard.type("ben")
    page.keyboard.press("Tab")
    page.keyboard.type("Ben")
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_have_attribute("data-ready", "invitations")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Accept":
            break
    answered = page.evaluate("document.activeElement.closest('li.invitation').dataset.id")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Accepted.")
    assert call(demo_server, "ben", "GetAppointment", appointmentId=int(answered))["InvitationStatus"] == "Accepted"


def organise(browser: Browser, server: LiveServer) -> Page:
    page = open_page(browser, server)
    sign_in(page, "ada")
    go(page, "organise", "Organise")
    return page


def test_ada_acknowledges_bens_decline_from_the_meeting(browser: Browser, demo_server: LiveServer) -> None:
    call(demo_server, "ben", "Reject", {"AppointmentId": 686, "RejectReason": "Ill"})
    page = organise(browser, demo_server)
    card = page.locator("li.meeting[data-id='684']")
    expect(card).to_contain_text("Ben Hansen: declined — “Ill”")
    card.get_by_role("button", name="Acknowledge decline of Ben Hansen").click()
    expect(page.get_by_role("status")).to_have_text("Decline acknowledged.")
    expect(page.locator("li.meeting[data-id='684']").get_by_role("button", name="Acknowledge decline of Ben Hansen")
           ).to_have_count(0)


def test_ada_moves_a_meeting_and_bens_acceptance_is_asked_again(browser: Browser, demo_server: LiveServer) -> None:
    call(demo_server, "ben", "Accept", {"AppointmentId": 686})
    page = organise(browser, demo_server)
    card = page.locator("li.meeting[data-id='684']")
    field = card.get_by_label("New start")
    moved_to = field.input_value()[:11] + "15:30"
    field.fill(moved_to)
    card.get_by_role("button", name="Move").click()
    expect(page.get_by_role("status")).to_have_text("Meeting moved.")
    expect(page.locator("li.meeting[data-id='684']")).to_contain_text("Ben Hansen: moved, not answered")
    instant = datetime.fromisoformat(moved_to).replace(tzinfo=ZoneInfo("Europe/Oslo")).astimezone(ZoneInfo("UTC"))
    start = call(demo_server, "ada", "GetAppointment", appointmentId=684)["StartDate"]
    assert datetime.fromisoformat(start) == instant.replace(tzinfo=None)  # the API's base zone is UTC


def test_ada_cancels_a_meeting_and_it_leaves_bens_invitations(browser: Browser, demo_server: LiveServer) -> None:
    page = organise(browser, demo_server)
    page.locator("li.meeting[data-id='684']").get_by_role("button", name="Cancel meeting").click()
    expect(page.get_by_role("status")).to_have_text("Meeting cancelled.")
    assert call(demo_server, "ben", "GetAppointment", appointmentId=686)["InvitationStatus"] == "Cancelled"
    ben = open_page(browser, demo_server)
    sign_in(ben, "ben")
    expect(ben.locator("li.invitation", has_text="Weekly team meeting").first).to_be_visible()
    expect(ben.locator("li.invitation", has_text="Project kick-off")).to_have_count(0)


def test_a_weekly_meeting_booked_in_the_browser_invites_to_every_occurrence(
    browser: Browser, demo_server: LiveServer
) -> None:
    page = organise(browser, demo_server)
    page.get_by_label("Title").fill("Stand-up")
    page.get_by_label("Start", exact=True).fill(f"{date.today() + timedelta(days=3):%Y-%m-%d}T08:45")
    page.get_by_label("Ben Hansen (ben)").check()
    page.get_by_label("Repeats").select_option("Every week")
    page.get_by_label("Occurrences").fill("3")
    page.get_by_role("button", name="Create meeting").click()
    expect(page.get_by_role("status")).to_have_text("Meeting created.")
    expect(page.locator("li.meeting", has_text="Stand-up")).to_have_count(3)
    ben = open_page(browser, demo_server)
    sign_in(ben, "ben")
    expect(ben.locator("li.invitation", has_text="Stand-up")).to_have_count(3)
    expect(ben.locator("li.invitation", has_text="Stand-up").first.get_by_label("This and following")).to_be_visible()


def test_axe_as_injected_here_does_report_an_unlabelled_field(browser: Browser, demo_server: LiveServer,
                                                              axe_source: str) -> None:
    page = open_page(browser, demo_server)
    page.evaluate("document.getElementById('signin-form').append(document.createElement('input'))")
    assert "label" in {v["id"] for v in axe_violations(page, axe_source)}


def test_the_pages_helpers_name_the_caller_and_the_users_and_need_a_login(demo_server: LiveServer) -> None:
    with httpx.Client(base_url=demo_server.url) as anonymous:
        assert anonymous.get("/api/v1/Sodiary/Me").status_code == 401
        assert anonymous.get("/api/v1/Sodiary/Users").status_code == 401
    with demo_server.client("ben") as ben:
        assert ben.get("/api/v1/Sodiary/Me").json()["UserName"] == "ben"
        users = {u["Name"]: u["FullName"] for u in ben.get("/api/v1/Sodiary/Users").json()}
    assert users == {"ada": "Ada Lovelace", "ben": "Ben Hansen", "tje0": "Tore Jensen"}


def test_a_monthly_meeting_booked_in_the_browser_falls_on_the_same_day_of_each_month(
    browser: Browser, demo_server: LiveServer
) -> None:
    page = organise(browser, demo_server)
    first = date.today().replace(day=12) + timedelta(days=31)
    page.get_by_label("Title").fill("Monthly review")
    page.get_by_label("Start", exact=True).fill(f"{first:%Y-%m-%d}T10:00")
    page.get_by_label("Ben Hansen (ben)").check()
    page.get_by_label("Repeats").select_option("Every month")
    page.get_by_label("Occurrences").fill("3")
    page.get_by_role("button", name="Create meeting").click()
    expect(page.get_by_role("status")).to_have_text("Meeting created.")
    cards = page.locator("li.meeting", has_text="Monthly review")
    expect(cards).to_have_count(3)
    starts = [datetime.fromisoformat(cards.nth(i).locator("time").get_attribute("datetime") or "") for i in range(3)]
    assert [s.astimezone(ZoneInfo("Europe/Oslo")).day for s in starts] == [first.day] * 3
    assert len({(s.year, s.month) for s in starts}) == 3


def test_a_weekly_meeting_just_after_midnight_stays_on_the_weekday_the_organiser_picked(
    browser: Browser, demo_server: LiveServer
) -> None:
    page = organise(browser, demo_server)  # the browser in Oslo, the server's base zone UTC: 00:30 is the day before
    first = date.today() + timedelta(days=5)
    page.get_by_label("Title").fill("Night shift handover")
    page.get_by_label("Start", exact=True).fill(f"{first:%Y-%m-%d}T00:30")
    page.get_by_label("Ben Hansen (ben)").check()
    page.get_by_label("Repeats").select_option("Every week")
    page.get_by_label("Occurrences").fill("3")
    page.get_by_role("button", name="Create meeting").click()
    expect(page.get_by_role("status")).to_have_text("Meeting created.")
    cards = page.locator("li.meeting", has_text="Night shift handover")
    expect(cards).to_have_count(3)
    local = [datetime.fromisoformat(cards.nth(i).locator("time").get_attribute("datetime") or "")
             .astimezone(ZoneInfo("Europe/Oslo")) for i in range(3)]
    assert [(d.date(), d.strftime("%H:%M")) for d in local] == [
        (first + timedelta(weeks=w), "00:30") for w in range(3)]


def test_a_meeting_without_participants_is_refused_before_anything_is_saved(
    browser: Browser, demo_server: LiveServer
) -> None:
    page = organise(browser, demo_server)
    page.get_by_label("Title").fill("Alone")
    page.get_by_role("button", name="Create meeting").click()
    expect(page.get_by_role("alert")).to_have_text("Pick at least one participant.")
    expect(page.get_by_label("Ada Lovelace (ada)")).to_have_count(0)  # the organiser is no invitee
    with demo_server.client("ada") as ada:
        diary = ada.post(AGENT + "GetMyAppointments", json={"StartTime": f"{date.today()}",
                                                            "EndTime": f"{date.today() + timedelta(days=400)}"})
    assert "Alone" not in {a["Title"] for a in diary.json()}
