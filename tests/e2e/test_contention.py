"""Many answers and moves on one booking at once (issue 12, defect 5): every request is answered without a
5xx, and the answer history of every row is one unbroken chain that ends in the row's status."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from sodiary.store.schema import answer_history, appointment
from tests.support.seed import Booking, Seeder
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents/Appointment/"
REQUESTS = 200
THREADS = 24


def _request(server: LiveServer, booking: Booking, i: int) -> tuple[str, int, str]:
    """The i-th request of the mix: ada moves, ben and tje0 accept and reject, by child or mother id."""
    kind = i % 5
    if kind == 0:
        start = datetime(2031, 3, 3, 8) + timedelta(hours=i % 7)
        user, method, body = "ada", "Move", {"AppointmentId": booking.mother_id, "UpdateMode": "OnlyThis",
                                             "NewStartTime": start.isoformat()}
    else:
        user = "ben" if kind in (1, 2) else "tje0"
        method = "Accept" if kind in (1, 3) else "Reject"
        target = booking.children[user] if i % 2 else booking.mother_id
        body = {"AppointmentId": target, "UpdateMode": "OnlyThis"}
    with server.client(user) as client:
        response = client.post(AGENT + method, json=body)
    return method, response.status_code, response.text[:300]


def _chains(seed: Seeder, ids: list[int]) -> tuple[dict[int, list[dict[str, Any]]], dict[int, int]]:
    with seed.engine.connect() as conn:
        q = select(answer_history).where(answer_history.c.appointment_id.in_(ids)).order_by(answer_history.c.answer_id)
        history: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for r in conn.execute(q).mappings():
            history[r["appointment_id"]].append(dict(r))
        rows = conn.execute(select(appointment.c.appointment_id, appointment.c.status)
                            .where(appointment.c.appointment_id.in_(ids))).all()
    return history, {r[0]: r[1] for r in rows}


def _broken_links(history: list[dict[str, Any]], status: int) -> list[str]:
    broken = [f"{h['operation']} from {h['from_status']} after {p['operation']} to {p['to_status']}"
              for p, h in zip(history, history[1:], strict=False) if h["from_status"] != p["to_status"]]
    if history and history[-1]["to_status"] != status:
        broken.append(f"the last answer ends in {history[-1]['to_status']}, the row is {status}")
    return broken


def test_concurrent_answers_and_moves_on_one_booking_all_succeed_and_leave_a_consistent_history(
    server: LiveServer, seed: Seeder
) -> None:
    booking = seed.booking(organiser="ada", invitees=("ben", "tje0"))
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda i: _request(server, booking, i), range(REQUESTS)))
    failures = [r for r in results if r[1] not in (200, 204)]
    assert not failures, failures[:5]
    assert sum(1 for r in results if r[0] == "Move") == REQUESTS // 5
    ids = [booking.mother_id, *booking.children.values()]
    history, status = _chains(seed, ids)
    for child in booking.children.values():
        assert len(history[child]) >= 2  # the mix did answer and move each invitation
    broken = {i: _broken_links(history[i], status[i]) for i in ids}
    assert broken == {i: [] for i in ids}


def test_a_move_after_an_accept_asks_the_invitee_again(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(organiser="ada", invitees=("ben",))
    child = booking.children["ben"]
    with server.client("ben") as ben, server.client("ada") as ada:
        assert ben.post(AGENT + "Accept", json={"AppointmentId": child}).status_code == 204
        moved = ada.post(AGENT + "Move", json={"AppointmentId": booking.mother_id,
                                               "NewStartTime": "2031-04-01T09:00:00"})
    assert moved.status_code == 200, moved.text
    history, status = _chains(seed, [child])
    assert [(h["operation"], h["to_status"]) for h in history[child]] == [("Accept", 1), ("Move", 6)]
    assert status[child] == 6 and _broken_links(history[child], status[child]) == []
