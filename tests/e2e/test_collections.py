"""GET /api/v1/Appointment: the OData collection with SuperOffice's query options and $filter dialect."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from defusedxml import ElementTree

from sodiary.store import appointments
from tests.e2e.accept_support import assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer

REST = "/api/v1/Appointment"
_n = itertools.count(1)


def tag() -> str:
    """A title no other test uses, so every filter below sees only its own rows."""
    return f"coll{next(_n)}x"


def add(seed: Seeder, owner: str, title: str, start: datetime | None = None, private: int = 0) -> int:
    start = start or datetime(2030, 1, 1, 9) + timedelta(days=next(_n))
    with seed.engine.begin() as conn:
        users = seed._demo(conn).users
        row = appointments.insert_row(
            conn, associate_id=users[owner], type=1, status=1, private=private, start_date=start,
            end_date=start + timedelta(hours=1), active_date=start, title=title, registered=start, mother_id=0)
        appointments.sync_sequences(conn)
        return row


def listing(client: httpx.Client, **params: str) -> dict[str, Any]:
    r = client.get(REST, params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def ids(body: dict[str, Any]) -> list[int]:
    return [row["PrimaryKey"] for row in body["value"]]


def test_the_collection_answers_odata_rows_with_primary_key_entity_name_and_default_columns(
        server: LiveServer, seed: Seeder, tje0: httpx.Client) -> None:
    title = tag()
    row = add(seed, "tje0", title, datetime(2031, 3, 4, 10, 30))
    body = listing(tje0, **{"$filter": f"title eq '{title}'"})
    assert body["odata.metadata"] == f"{server.url}/api/v1/archive$metadata"
    assert "odata.nextLink" not in body
    assert body["value"] == [{
        "PrimaryKey": row, "EntityName": "appointment", "appointmentId": row, "date": "2031-03-04T10:30:00",
        "endDate": "2031-03-04T11:30:00", "title": title, "associateId": seed.user_id("tje0"), "contactId": 0,
        "personId": 0, "type": "inDiary", "status": "NotStarted"}]


def test_begins_contains_and_startswith_match_text_case_insensitively(seed: Seeder, tje0: httpx.Client) -> None:
    title = tag()
    row = add(seed, "tje0", f"Budget {title} review")
    add(seed, "tje0", f"Other {title}")
    assert ids(listing(tje0, **{"$filter": f"title begins 'budget {title}'"})) == [row]
    assert ids(listing(tje0, **{"$filter": f"title contains '{title.upper()} REV'"})) == [row]
    assert ids(listing(tje0, **{"$filter": f"startswith(title, 'Budget {title}')"})) == [row]
    assert len(ids(listing(tje0, **{"$filter": f"title notBegins 'Budget' and title contains '{title}'"}))) == 1


def test_and_or_parentheses_and_oneof_combine_as_written(seed: Seeder, tje0: httpx.Client) -> None:
    title = tag()
    first, second, third = (add(seed, "tje0", f"{title} {i}") for i in range(3))
    body = listing(tje0, **{"$filter": f"title begins '{title}' and (appointmentId eq {first} or "
                                       f"appointmentId oneOf ({second}, 999999))",
                            "$orderBy": "appointmentId"})
    assert ids(body) == [first, second]
    rest = listing(tje0, **{"$filter": f"title begins '{title}' and appointmentId notOneOf ({third})"})
    assert sorted(ids(rest)) == [first, second]


def test_between_takes_both_ends_and_comparisons_take_dates(seed: Seeder, tje0: httpx.Client) -> None:
    title = tag()
    early = add(seed, "tje0", title, datetime(2032, 5, 1, 9))
    middle = add(seed, "tje0", title, datetime(2032, 5, 2, 9))
    late = add(seed, "tje0", title, datetime(2032, 5, 3, 9))
    where = f"title eq '{title}' and "
    assert ids(listing(tje0, **{"$filter": where + "date between ('2032-05-01T09:00', '2032-05-02T09:00')"})) \
        == [early, middle]
    assert ids(listing(tje0, **{"$filter": where + "date gt '2032-05-02'"})) == [middle, late]
    assert ids(listing(tje0, **{"$filter": where + "date date '2032-05-03'"})) == [late]


def test_date_keywords_count_from_the_servers_today(seed: Seeder, tje0: httpx.Client) -> None:
    title = tag()
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    today = add(seed, "tje0", title, now.replace(hour=0, minute=30) if now.hour else now)
    next_year = add(seed, "tje0", title, now + timedelta(days=400))
    assert ids(listing(tje0, **{"$filter": f"title eq '{title}' and date today"})) == [today]
    assert ids(listing(tje0, **{"$filter": f"title eq '{title}' and date thisYear"})) == [today]
    assert ids(listing(tje0, **{"$filter": f"title eq '{title}' and date afterToday"})) == [next_year]
    assert ids(listing(tje0, **{"$filter": f"title eq '{title}' and associateId currentAssociate"})) \
        == [today, next_year]


def test_orderby_top_skip_and_next_link_page_through_every_row_once(seed: Seeder, tje0: httpx.Client) -> None:
    title = tag()
    rows = [add(seed, "tje0", title) for _ in range(5)]
    seen: list[int] = []
    url: str | None = f"{REST}?$filter=title eq '{title}'&$orderBy=date desc&$top=2"
    pages = 0
    while url:
        body = tje0.get(url).json()
        seen += ids(body)
        url = body.get("odata.nextLink")
        pages += 1
        if url is not None:
            assert urlsplit(url).path == REST
        assert pages < 10
    assert seen == list(reversed(rows))
    assert pages == 3
    one_page = listing(tje0, **{"$filter": f"title eq '{title}'", "$orderBy": "date desc", "$top": "2",
                                "$skip": "1"})
    assert ids(one_page) == list(reversed(rows))[1:3]
    assert "%24skip=3" in one_page["odata.nextLink"] and "%24top=2" in one_page["odata.nextLink"]


def test_select_names_the_columns_of_each_row(seed: Seeder, tje0: httpx.Client) -> None:
    title = tag()
    row = add(seed, "tje0", title)
    body = listing(tje0, **{"$filter": f"title eq '{title}'", "$select": "title,isAllDay, private"})
    assert body["value"] == [{"PrimaryKey": row, "EntityName": "appointment", "title": title, "isAllDay": False,
                              "private": "Public"}]


def test_an_unknown_select_column_is_400_naming_it(tje0: httpx.Client) -> None:
    body = assert_error(tje0.get(REST, params={"$select": "title,colour"}), 400, "ArgumentException")
    assert "colour" in body["Message"]


@pytest.mark.parametrize(("text", "position"), [
    ("title eq 'x' and and", 21),
    ("title eq 'x' and (", 19),
    ("title eq 'unterminated", 10),
    ("(title eq 'x'", 14),
    ("title eq 'x' %", 14),
])
def test_a_filter_that_does_not_parse_is_400_naming_the_position(
        tje0: httpx.Client, text: str, position: int) -> None:
    body = assert_error(tje0.get(REST, params={"$filter": text}), 400, "ArgumentException")
    assert f"position {position}" in body["Message"]


def test_an_unknown_filter_column_is_400_naming_it_and_where(tje0: httpx.Client) -> None:
    body = assert_error(tje0.get(REST, params={"$filter": "title eq 'x' or colour eq 'red'"}), 400)
    assert "'colour'" in body["Message"] and "position 17" in body["Message"]


def test_a_value_of_the_wrong_type_is_400_naming_the_value(tje0: httpx.Client) -> None:
    body = assert_error(tje0.get(REST, params={"$filter": "appointmentId eq 'abc'"}), 400)
    assert "'abc'" in body["Message"] and "position 18" in body["Message"]
    assert_error(tje0.get(REST, params={"$filter": "date eq 'yesterday-ish'"}), 400)
    assert_error(tje0.get(REST, params={"$filter": "appointmentId begins '1'"}), 400)
    assert_error(tje0.get(REST, params={"$filter": "title today"}), 400)


def test_norwegian_callers_get_the_filter_error_in_norwegian(tje0: httpx.Client) -> None:
    r = tje0.get(REST, params={"$filter": "title eq"}, headers={"Accept-Language": "no"})
    assert "posisjon" in assert_error(r, 400)["Message"]


def test_quotes_in_a_value_are_data_not_sql(seed: Seeder, tje0: httpx.Client) -> None:
    title = tag()
    row = add(seed, "tje0", f"{title} it's 100%_done")
    assert ids(listing(tje0, **{"$filter": f"title eq '{title} it''s 100%_done'"})) == [row]
    assert ids(listing(tje0, **{"$filter": f"title eq '{title}'' or ''1''=''1'"})) == []
    assert ids(listing(tje0, **{"$filter": f"title contains '{title} it''s 100%'"})) == [row]
    assert ids(listing(tje0, **{"$filter": f"title contains '{title}%'"})) == []


def test_private_rows_of_others_are_never_listed_even_when_named(seed: Seeder, tje0: httpx.Client,
                                                                   ben: httpx.Client) -> None:
    title = tag()
    public = add(seed, "ben", title)
    secret = add(seed, "ben", title, private=1)
    own_secret = add(seed, "tje0", title, private=1)
    assert ids(listing(tje0, **{"$filter": f"title eq '{title}'", "$orderBy": "appointmentId"})) \
        == [public, own_secret]
    assert ids(listing(tje0, **{"$filter": f"appointmentId eq {secret}"})) == []
    assert ids(listing(ben, **{"$filter": f"title eq '{title}'", "$orderBy": "appointmentId"})) == [public, secret]


def test_format_xml_overrides_accept(seed: Seeder, tje0: httpx.Client) -> None:
    title = tag()
    add(seed, "tje0", title)
    r = tje0.get(REST, params={"$filter": f"title eq '{title}'", "$format": "XML"},
                 headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(r.content)
    assert root.tag == "ODataSlimResponse"
    assert title in r.text


def test_an_unknown_format_or_option_is_400(tje0: httpx.Client) -> None:
    assert_error(tje0.get(REST, params={"$format": "csv"}), 400)
    assert "$fitler" in assert_error(tje0.get(REST, params={"$fitler": "title eq 'x'"}), 400)["Message"]
    assert_error(tje0.get(REST, params={"$top": "-1"}), 400)
    assert_error(tje0.get(REST, params={"$orderBy": "title sideways"}), 400)


def test_context_and_provider_options_are_accepted(seed: Seeder, tje0: httpx.Client) -> None:
    title = tag()
    row = add(seed, "tje0", title)
    body = listing(tje0, **{"$filter": f"title eq '{title}'", "$context": "anything", "$mode": "Slim",
                            "$jsonSafe": "true"})
    assert ids(body) == [row]


def test_the_collection_needs_credentials(server: LiveServer) -> None:
    r = httpx.get(server.url + REST)
    assert r.status_code == 401


# Sub-resources of one appointment.


def test_participants_lists_the_organiser_and_every_invitee_with_their_answer(
        seed: Seeder, tje0: httpx.Client) -> None:
    booking = seed.booking("ada", ("tje0", "ben"))
    body = tje0.get(f"{REST}/{booking.children['tje0']}/Participants").json()
    rows = {row["associateId"]: row for row in body["value"]}
    assert set(rows) == {seed.user_id(u) for u in ("ada", "tje0", "ben")}
    assert rows[seed.user_id("ada")]["invitationStatus"] == "Accepted"
    assert rows[seed.user_id("tje0")]["invitationStatus"] == "Invitation"
    assert rows[seed.user_id("ben")]["fullName"] == "Ben Hansen"
    assert all(row["EntityName"] == "person" and row["PrimaryKey"] == row["personId"] for row in body["value"])


def test_participants_take_filter_select_and_paging(seed: Seeder, tje0: httpx.Client) -> None:
    booking = seed.booking("ada", ("tje0", "ben"))
    url = f"{REST}/{booking.mother_id}/Participants"
    pending = tje0.get(url, params={"$filter": "invitationStatus eq Invitation", "$select": "fullName",
                                    "$orderBy": "fullName desc"}).json()
    assert [row["fullName"] for row in pending["value"]] == ["Tore Jensen", "Ben Hansen"]
    assert set(pending["value"][0]) == {"PrimaryKey", "EntityName", "fullName"}
    first = tje0.get(url, params={"$top": "2"}).json()
    assert len(first["value"]) == 2 and "odata.nextLink" in first
    rest = tje0.get(first["odata.nextLink"]).json()
    assert len(rest["value"]) == 1 and "odata.nextLink" not in rest
    assert_error(tje0.get(url, params={"$filter": "colour eq 1"}), 400)


def test_sub_resources_of_an_unknown_or_anothers_private_appointment_are_404(
        seed: Seeder, tje0: httpx.Client) -> None:
    secret = add(seed, "ben", tag(), private=1)
    for part in ("Participants", "Links", "ForeignKey"):
        assert_error(tje0.get(f"{REST}/{secret}/{part}"), 404, "SoNotFoundException")
        assert_error(tje0.get(f"{REST}/999999/{part}"), 404)


def test_links_are_an_empty_page_and_foreign_keys_an_empty_dictionary(seed: Seeder, tje0: httpx.Client) -> None:
    row = add(seed, "tje0", tag())
    links = tje0.get(f"{REST}/{row}/Links")
    assert links.status_code == 200, links.text
    assert links.json()["value"] == []
    keys = tje0.get(f"{REST}/{row}/ForeignKey")
    assert keys.status_code == 200 and keys.json() == {}
