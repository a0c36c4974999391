"""REST conditional requests: a strong ETag on every entity answer, If-Match / If-None-Match /
If-Unmodified-Since checked in the unit of work that writes, and the proof that two writers holding
one validator cannot both write."""

from __future__ import annotations

import threading
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer

REST = "/api/v1/Appointment"
PAIRS = 30


def create(server: LiveServer, title: str = "Conditional") -> httpx.Response:
    with server.client("tje0") as c:
        default = c.get(f"{REST}/default").json()
        default["Title"] = title
        r = c.post(REST, json=default)
    assert r.status_code == 200, r.text
    return r


def get(server: LiveServer, appointment_id: int, user: str = "tje0", **headers: str) -> httpx.Response:
    with server.client(user) as c:
        return c.get(f"{REST}/{appointment_id}", headers={k.replace("_", "-"): v for k, v in headers.items()})


def patch(server: LiveServer, appointment_id: int, change: dict[str, Any], **headers: str) -> httpx.Response:
    with server.client("tje0") as c:
        return c.patch(f"{REST}/{appointment_id}", json=change,
                       headers={k.replace("_", "-"): v for k, v in headers.items()})


def title(server: LiveServer, appointment_id: int) -> str:
    return str(get(server, appointment_id).json()["Title"])


# The validators.


def test_get_answers_a_strong_etag_that_stays_while_nothing_changes(server: LiveServer) -> None:
    appointment_id = create(server).json()["AppointmentId"]
    first, again = get(server, appointment_id), get(server, appointment_id)
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert again.headers["etag"] == tag


def test_post_answers_the_etag_that_get_then_answers(server: LiveServer) -> None:
    created = create(server)
    assert created.headers["etag"] == get(server, created.json()["AppointmentId"]).headers["etag"]
    assert created.headers["content-location"] == created.json()["_Links"]["Self"]


def test_a_patch_answers_a_new_etag_and_last_modified_that_get_then_answers(server: LiveServer) -> None:
    created = create(server)
    appointment_id = created.json()["AppointmentId"]
    r = patch(server, appointment_id, {"Title": "Changed"})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] != created.headers["etag"]
    assert r.headers["content-location"] == f"{server.url}{REST}/{appointment_id}"
    assert (r.headers["etag"], r.headers["last-modified"]) == (
        get(server, appointment_id).headers["etag"], get(server, appointment_id).headers["last-modified"])


def test_a_save_within_the_same_second_still_moves_last_modified_on(server: LiveServer) -> None:
    created = create(server)
    changed = patch(server, created.json()["AppointmentId"], {"Title": "At once"})
    assert parsedate_to_datetime(changed.headers["last-modified"]) > \
        parsedate_to_datetime(created.headers["last-modified"])


def test_an_invitees_answer_changes_the_organisers_etag(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking("ada", ("tje0",))
    before = get(server, booking.mother_id, "ada").headers["etag"]
    with server.client("tje0") as c:
        accepted = c.post("/api/v1/Agents/Appointment/Accept",
                          json={"AppointmentId": booking.children["tje0"], "UpdateMode": "OnlyThis"})
    assert accepted.status_code == 204, accepted.text
    assert get(server, booking.mother_id, "ada").headers["etag"] != before


# GET.


def test_get_if_none_match_the_current_etag_is_304_with_the_validators(server: LiveServer) -> None:
    appointment_id = create(server).json()["AppointmentId"]
    current = get(server, appointment_id)
    r = get(server, appointment_id, If_None_Match=current.headers["etag"])
    assert r.status_code == 304
    assert r.content == b""
    assert r.headers["etag"] == current.headers["etag"]
    assert r.headers["last-modified"] == current.headers["last-modified"]


def test_get_if_none_match_compares_weakly(server: LiveServer) -> None:
    appointment_id = create(server).json()["AppointmentId"]
    tag = get(server, appointment_id).headers["etag"]
    assert get(server, appointment_id, If_None_Match=f'"other", W/{tag}').status_code == 304


def test_get_if_none_match_another_etag_is_200_even_when_not_modified_since(server: LiveServer) -> None:
    appointment_id = create(server).json()["AppointmentId"]
    current = get(server, appointment_id)
    r = get(server, appointment_id, If_None_Match='"other"', If_Modified_Since=current.headers["last-modified"])
    assert r.status_code == 200


def test_get_if_match_another_etag_is_412(server: LiveServer) -> None:
    appointment_id = create(server).json()["AppointmentId"]
    assert_error(get(server, appointment_id, If_Match='"other"'), 412, "PreconditionFailedException")


# Writes.


def test_put_if_match_the_current_etag_saves(server: LiveServer) -> None:
    created = create(server)
    body = created.json()
    body["Title"] = "Put in time"
    with server.client("tje0") as c:
        r = c.put(f"{REST}/{body['AppointmentId']}", json=body, headers={"If-Match": created.headers["etag"]})
    assert r.status_code == 200, r.text
    assert title(server, body["AppointmentId"]) == "Put in time"


def test_put_if_match_a_stale_etag_is_412_and_changes_nothing(server: LiveServer, seed: Seeder) -> None:
    created = create(server)
    body = created.json()
    assert patch(server, body["AppointmentId"], {"Title": "Meanwhile"}).status_code == 200
    body["Title"] = "Lost update"
    with Unchanged(seed), server.client("tje0") as c:
        r = c.put(f"{REST}/{body['AppointmentId']}", json=body, headers={"If-Match": created.headers["etag"]})
        body_ = assert_error(r, 412, "PreconditionFailedException")
    assert get(server, body["AppointmentId"]).headers["etag"] in body_["Message"]
    assert title(server, body["AppointmentId"]) == "Meanwhile"


def test_patch_if_match_the_weak_form_of_the_current_etag_is_412(server: LiveServer, seed: Seeder) -> None:
    created = create(server)
    with Unchanged(seed):
        r = patch(server, created.json()["AppointmentId"], {"Title": "Weak"}, If_Match="W/" + created.headers["etag"])
        assert_error(r, 412, "PreconditionFailedException")


def test_patch_if_match_star_saves_an_existing_appointment(server: LiveServer) -> None:
    appointment_id = create(server).json()["AppointmentId"]
    assert patch(server, appointment_id, {"Title": "Any version"}, If_Match="*").status_code == 200
    assert title(server, appointment_id) == "Any version"


def test_patch_if_none_match_star_is_412_because_the_appointment_exists(server: LiveServer, seed: Seeder) -> None:
    appointment_id = create(server).json()["AppointmentId"]
    with Unchanged(seed):
        assert_error(patch(server, appointment_id, {"Title": "Only if new"}, If_None_Match="*"), 412,
                     "PreconditionFailedException")


def test_if_match_present_ignores_if_unmodified_since(server: LiveServer) -> None:
    created = create(server)
    r = patch(server, created.json()["AppointmentId"], {"Title": "Tag wins"}, If_Match=created.headers["etag"],
              If_Unmodified_Since="Mon, 01 Jan 1990 00:00:00 GMT")
    assert r.status_code == 200, r.text


def test_a_stale_etag_is_412_before_the_body_is_looked_at(server: LiveServer, seed: Seeder) -> None:
    created = create(server)
    appointment_id = created.json()["AppointmentId"]
    assert patch(server, appointment_id, {"Title": "Meanwhile"}).status_code == 200
    with Unchanged(seed), server.client("tje0") as c:
        r = c.patch(f"{REST}/{appointment_id}", content=b"{not json",
                    headers={"Content-Type": "application/json", "If-Match": created.headers["etag"]})
        assert_error(r, 412, "PreconditionFailedException")


def test_an_unknown_id_with_if_match_star_is_404(server: LiveServer) -> None:
    assert_error(patch(server, 999_999, {"Title": "x"}, If_Match="*"), 404, "SoNotFoundException")


def test_delete_if_match_a_stale_etag_is_412_and_changes_nothing(server: LiveServer, seed: Seeder) -> None:
    created = create(server)
    appointment_id = created.json()["AppointmentId"]
    assert patch(server, appointment_id, {"Title": "Meanwhile"}).status_code == 200
    with Unchanged(seed), server.client("tje0") as c:
        assert_error(c.delete(f"{REST}/{appointment_id}", headers={"If-Match": created.headers["etag"]}), 412,
                     "PreconditionFailedException")


def test_delete_if_match_the_current_etag_deletes(server: LiveServer) -> None:
    created = create(server)
    appointment_id = created.json()["AppointmentId"]
    with server.client("tje0") as c:
        assert c.delete(f"{REST}/{appointment_id}", headers={"If-Match": created.headers["etag"]}).status_code == 204
    assert get(server, appointment_id).status_code == 404


# Concurrency: the check and the write are one unit of work.


def _race(server: LiveServer, appointment_id: int, headers: Callable[[httpx.Response], dict[str, str]],
          changes: tuple[dict[str, Any], dict[str, Any]]) -> list[int]:
    """Both PATCHes wait at a barrier and then go at once; their statuses back."""
    current = get(server, appointment_id)
    barrier = threading.Barrier(2)
    statuses: list[int] = [0, 0]
    clients = [server.client("tje0"), server.client("tje0")]
    for c in clients:  # signed in and connected before the race starts
        assert c.get(f"{REST}/{appointment_id}").status_code == 200

    def fire(i: int) -> None:
        barrier.wait()
        statuses[i] = clients[i].patch(f"{REST}/{appointment_id}", json=changes[i],
                                       headers=headers(current)).status_code

    threads = [threading.Thread(target=fire, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    return statuses


def _at_most_one_through(server: LiveServer, headers: Callable[[httpx.Response], dict[str, str]]) -> None:
    appointment_id = create(server).json()["AppointmentId"]
    for n in range(PAIRS):
        changes = ({"Title": f"left {n}"}, {"Title": f"right {n}"})
        statuses = _race(server, appointment_id, headers, changes)
        assert sorted(statuses) == [200, 412], (n, statuses)
        assert title(server, appointment_id) == changes[statuses.index(200)]["Title"]


def test_concurrent_patches_with_one_etag_let_at_most_one_through(server: LiveServer) -> None:
    _at_most_one_through(server, lambda current: {"If-Match": current.headers["etag"]})


def test_concurrent_patches_with_one_last_modified_let_at_most_one_through(server: LiveServer) -> None:
    _at_most_one_through(server, lambda current: {"If-Unmodified-Since": current.headers["last-modified"]})


def test_concurrent_patches_of_different_members_both_land(server: LiveServer) -> None:
    appointment_id = create(server).json()["AppointmentId"]
    for n in range(10):
        changes = ({"Title": f"title {n}"}, {"Location": f"room {n}"})
        assert _race(server, appointment_id, lambda _current: {}, changes) == [200, 200]
        shown = get(server, appointment_id).json()
        assert (shown["Title"], shown["Location"]) == (f"title {n}", f"room {n}")
