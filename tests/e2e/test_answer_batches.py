"""Many answers at once: they are committed in groups (SQLite, and PostgreSQL's pg_group_commit), yet each
request is its own: a refused answer changes nothing, every other one is written once and acknowledged
only once it is in the database. Two server processes (or instances) on one database: tests/e2e/test_workers.py."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from tests.support.seed import Seeder
from tests.support.server import DEMO_PASSWORDS, LiveServer

ACCEPT = "/api/v1/Agents/Appointment/Accept"
REJECT = "/api/v1/Agents/Appointment/Reject"


def _answer(server: LiveServer, path: str, body: dict[str, object]) -> int:
    with httpx.Client(base_url=server.url, auth=("tje0", DEMO_PASSWORDS["tje0"]), timeout=30) as client:
        return client.post(path, json=body).status_code


def test_concurrent_answers_commit_the_allowed_ones_and_refuse_the_others_alone(server: LiveServer,
                                                                                seed: Seeder) -> None:
    accepted = seed.bookings(60, invitee="tje0")
    rejected = seed.bookings(20, invitee="tje0")
    cancelled = seed.bookings(15, invitee="tje0")
    for child in cancelled:
        seed.set_status(child, S.BookingDeleted)
    others = seed.bookings(15, invitee="ben")  # not tje0's: 403
    missing = [max(accepted + rejected + cancelled + others) + 10_000 + i for i in range(10)]
    history_before = {i: len(seed.history(i)) for i in cancelled + others}

    calls = ([(ACCEPT, {"AppointmentId": i}, 204) for i in accepted]
             + [(REJECT, {"AppointmentId": i, "RejectReason": "busy"}, 204) for i in rejected]
             + [(ACCEPT, {"AppointmentId": i}, 409) for i in cancelled]
             + [(ACCEPT, {"AppointmentId": i}, 403) for i in others]
             + [(ACCEPT, {"AppointmentId": i}, 404) for i in missing])
    calls = calls[::2] + calls[1::2]  # refused and allowed answers interleaved in the batches
    with ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(lambda c: _answer(server, c[0], c[1]), calls))

    assert statuses == [expected for _, _, expected in calls]
    # Read back at once: a 204 was sent only after its answer was committed.
    assert all(seed.state(i) == (S.NotStarted, T.inDiary) for i in accepted)
    assert all(seed.state(i)[0] == S.BookingDeleted for i in cancelled)
    assert all(seed.state(i)[0] == S.Booking for i in others)
    assert all(len(seed.history(i)) == 1 for i in accepted + rejected), "each answer recorded exactly once"
    assert {i: len(seed.history(i)) for i in cancelled + others} == history_before
    assert all(seed.history(i)[0]["reason"] == "busy" for i in rejected)
