"""Appointment changes reach a registered webhook as SuperOffice sends them, signed, retried, never lost."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.e2e.webhook_support import SECRET, WEBHOOK_ENV, Received, Receiver, receiving
from tests.support.databases import fresh_database
from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents"
_day = iter(range(1, 10_000))


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiving()


def start(database: str, tmp_path: Path, demo: bool = True) -> LiveServer:
    return LiveServer(database, tmp_path / "server.log", env=WEBHOOK_ENV, demo=demo).start()


def register(client: httpx.Client, receiver: Receiver, **extra: Any) -> dict[str, Any]:
    body = {"Name": "Integration", "Events": ["activity.created", "activity.changed", "activity.deleted"],
            "TargetUrl": receiver.url, "Secret": SECRET, "State": "Active", **extra}
    r = client.post(f"{AGENT}/Webhook/SaveWebhook", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def book(client: httpx.Client, invitee_id: int) -> int:
    """ada books a meeting with one invitee through the API; the mother's id."""
    entity = client.post(f"{AGENT}/Appointment/CreateDefaultAppointmentEntity").json()
    begin = datetime(2031, 5, 5, 9, 0) + timedelta(days=next(_day))
    entity.update(StartDate=begin.isoformat(), EndDate=(begin + timedelta(hours=1)).isoformat(), Title="Plan",
                  Participants=[{"AssociateId": invitee_id}])
    r = client.post(f"{AGENT}/Appointment/SaveAppointmentEntity", json=entity)
    assert r.status_code == 200, r.text
    return int(r.json()["AppointmentId"])


def rows_of(seed: Seeder, mother_id: int) -> dict[int, int]:
    """appointment_id → associate_id for every row of the booking."""
    with seed.engine.connect() as conn:
        q = text("SELECT appointment_id, associate_id FROM appointment WHERE appointment_id = :m OR mother_id = :m")
        return {int(a): int(b) for a, b in conn.execute(q, {"m": mother_id})}


def activity(receiver: Receiver) -> list[Received]:
    return [r for r in receiver.events() if r.event.startswith("activity.")]


def test_booking_accepting_and_deleting_send_signed_events_for_every_row(database: str, tmp_path: Path,
                                                                         receiver: Receiver) -> None:
    server = start(database, tmp_path)
    seed = Seeder(database)
    try:
        with server.client("ada") as ada, server.client("tje0") as tje0:
            hook = register(ada, receiver)
            tje0_id = seed.user_id("tje0")
            mother = book(ada, tje0_id)
            rows = rows_of(seed, mother)
            child = next(a for a, who in rows.items() if who == tje0_id and a != mother)
            created = receiver.wait_for(lambda got: len([r for r in got if r.event == "activity.created"]) == 2)
            assert {r.json["PrimaryKey"] for r in created if r.event == "activity.created"} == set(rows)

            r = tje0.post(f"{AGENT}/Appointment/Accept", json={"AppointmentId": child, "UpdateMode": "OnlyThis"})
            assert r.status_code == 204, r.text
            changed = receiver.wait_for(lambda got: any(r.event == "activity.changed" for r in got))
            [accepted] = [r for r in changed if r.event == "activity.changed"]
            assert accepted.json["PrimaryKey"] == child
            assert "status" in accepted.json["Changes"]
            assert "updatedCount" in accepted.json["Changes"]
            assert accepted.json["ChangedByAssociateId"] == tje0_id

            r = ada.post(f"{AGENT}/Appointment/DeleteAppointmentEntity", params={"AppointmentEntityId": mother})
            assert r.status_code == 204, r.text
            # The organiser's row goes; the invitee's stays, cancelled, until they clean it up (spec §2.6.7).
            got = receiver.wait_for(lambda got: any(r.event == "activity.deleted" for r in got)
                                    and len([r for r in got if r.event == "activity.changed"]) == 2)
            assert [r.json["PrimaryKey"] for r in got if r.event == "activity.deleted"] == [mother]
            cancelled = [r.json for r in got if r.event == "activity.changed"][-1]
            assert cancelled["PrimaryKey"] == child
            assert "status" in cancelled["Changes"]
            assert cancelled["ChangedByAssociateId"] == seed.user_id("ada")
        for event in [r for r in got if r.event.startswith("activity.")]:
            body = event.json
            assert event.signed_with(SECRET)
            assert event.headers["x-superoffice-event"] == body["Event"]
            assert event.headers["x-superoffice-eventid"] == body["EventId"]
            assert event.headers["x-superoffice-retry"] == "0"
            assert event.headers["user-agent"].startswith("NetServer-Webhook/")
            assert body["Entity"] == "activity"
            assert body["WebhookName"] == "Integration"
            assert body["WebhookId"] == hook["WebhookId"]
            assert body["ContextIdentifier"] == "Default"
            assert body["Timestamp"].endswith("Z")
        deleted = [r.json for r in got if r.event == "activity.deleted"]
        assert all(d["Changes"] == [] and d["Values"]["appointment_id"] == d["PrimaryKey"] for d in deleted)
        stats = ada_stats(server, hook["WebhookId"])
        assert stats["TotalCalls"] == len(activity(receiver))
        assert stats["TotalErrors"] == 0
    finally:
        seed.close()
        server.stop()


def ada_stats(server: LiveServer, webhook_id: int) -> dict[str, Any]:
    with server.client("ada") as ada:
        return dict(ada.get(f"/api/v1/Webhook/{webhook_id}").json())


def test_no_event_is_written_while_no_webhook_is_active(database: str, tmp_path: Path) -> None:
    server = start(database, tmp_path)
    seed = Seeder(database)
    try:
        with server.client("ada") as ada:
            book(ada, seed.user_id("tje0"))
        with seed.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM webhook_change")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM outbox_message WHERE kind = 'webhook'")).scalar() == 0
    finally:
        seed.close()
        server.stop()


def test_a_receiver_that_fails_then_recovers_gets_the_event_again_with_the_same_event_id(
        database: str, tmp_path: Path, receiver: Receiver) -> None:
    server = start(database, tmp_path)
    seed = Seeder(database)
    try:
        with server.client("ada") as ada:
            hook = register(ada, receiver, Events=["activity.created"])
            receiver.statuses.extend([500, 500])  # the test event at registration has had its 200
            mother = book(ada, seed.user_id("tje0"))
            rows = rows_of(seed, mother)
            got = receiver.wait_for(lambda got: len([r for r in got if r.event == "activity.created"]) == 4)
        retried = [r for r in got if r.event == "activity.created"]
        assert {r.json["PrimaryKey"] for r in retried} == set(rows)
        by_row: dict[int, list[Received]] = {}
        for r in retried:
            by_row.setdefault(int(r.json["PrimaryKey"]), []).append(r)
        assert sorted(len(v) for v in by_row.values()) in ([1, 3], [2, 2])
        for attempts in by_row.values():
            assert len({a.json["EventId"] for a in attempts}) == 1  # one cycle, one EventId
            assert [a.headers["x-superoffice-retry"] for a in attempts] == [str(i) for i in range(len(attempts))]
        stats = ada_stats(server, hook["WebhookId"])
        assert (stats["TotalCalls"], stats["TotalErrors"], stats["ConsecutiveErrors"]) == (4, 2, 0)
        assert stats["LastError"].startswith("500")
    finally:
        seed.close()
        server.stop()


def test_a_410_gone_stops_the_webhook(database: str, tmp_path: Path, receiver: Receiver) -> None:
    server = start(database, tmp_path)
    seed = Seeder(database)
    try:
        with server.client("ada") as ada:
            hook = register(ada, receiver, Events=["activity.created"])
            receiver.statuses.extend([410])
            book(ada, seed.user_id("tje0"))
            receiver.wait_for(lambda got: len([r for r in got if r.event == "activity.created"]) >= 1)
            deadline = datetime.now() + timedelta(seconds=30)
            while ada_stats(server, hook["WebhookId"])["State"] != "Stopped":
                assert datetime.now() < deadline, "the webhook was not stopped"
                time.sleep(0.1)
    finally:
        seed.close()
        server.stop()


def test_events_committed_before_a_sigkill_are_all_delivered_after_restart(database: str, tmp_path: Path,
                                                                           receiver: Receiver) -> None:
    server = start(database, tmp_path)
    seed = Seeder(database)
    mothers: list[int] = []
    try:
        with server.client("ada") as ada:
            register(ada, receiver, Events=["activity.created"])
        for _round in range(3):
            with server.client("ada") as ada:
                mothers.extend(book(ada, seed.user_id("tje0")) for _ in range(3))
            assert server.process is not None
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
            server.process = None
            server = start(database, tmp_path, demo=False)
        expected = {row for m in mothers for row in rows_of(seed, m)}
        receiver.wait_for(lambda got: expected <= {r.json["PrimaryKey"] for r in got
                                                   if r.event == "activity.created"}, timeout=90)
    finally:
        seed.close()
        server.stop()


def test_nine_consecutive_failures_put_the_webhook_in_too_many_errors_and_discard_its_events(
        database: str, tmp_path: Path, receiver: Receiver) -> None:
    server = start(database, tmp_path)
    seed = Seeder(database)
    try:
        with server.client("ada") as ada:
            hook = register(ada, receiver, Events=["activity.created"])
            receiver.statuses.extend([500] * 100)
            book(ada, seed.user_id("tje0"))
            deadline = time.monotonic() + 60
            while (stats := ada_stats(server, hook["WebhookId"]))["State"] != "TooManyErrors":
                assert time.monotonic() < deadline, f"the webhook was not stopped: {stats}"
                time.sleep(0.2)
            # Both rows' events fail side by side, so the last batch may take the count past 9.
            assert 9 <= stats["ConsecutiveErrors"] <= 10
            assert stats["TotalErrors"] == stats["ConsecutiveErrors"] == stats["TotalCalls"]
            assert stats["LastError"].startswith("500")
            time.sleep(1.5)  # nothing more is tried for a webhook in TooManyErrors
            assert len(activity(receiver)) == stats["TotalCalls"]
            with seed.engine.connect() as conn:
                pending = conn.execute(text("SELECT count(*) FROM outbox_message WHERE kind = 'webhook' "
                                            "AND status = 'pending'")).scalar()
            assert pending == 0
    finally:
        seed.close()
        server.stop()


FIELD_VALUE_KEYS = {"activeDate", "associate_id", "contact_id", "do_by", "document_id", "endDate",
                    "modified_appointment_fields", "mother_id", "person_id", "private", "project_id", "sale_id",
                    "status", "task_idx", "type", "updated", "userdef2_id", "userdef_id"}


def test_created_and_changed_events_carry_the_rows_field_values_local_with_the_offset_and_deleted_none(
        database: str, tmp_path: Path, receiver: Receiver) -> None:
    env = {**WEBHOOK_ENV, "SODIARY_TIME_ZONE": "Europe/Oslo"}
    server = LiveServer(database, tmp_path / "server.log", env=env).start()
    seed = Seeder(database)
    try:
        with server.client("ada") as ada, server.client("tje0") as tje0:
            register(ada, receiver)
            tje0_id = seed.user_id("tje0")
            mother = book(ada, tje0_id)
            child = next(a for a, who in rows_of(seed, mother).items() if a != mother)
            created = receiver.wait_for(lambda got: len([r for r in got if r.event == "activity.created"]) == 2)
            by_row = {r.json["PrimaryKey"]: r.json["FieldValues"] for r in created if r.event == "activity.created"}
            assert set(by_row[child]) == FIELD_VALUE_KEYS
            with seed.engine.connect() as conn:
                start, status = conn.execute(text("SELECT start_date, status FROM appointment "
                                                  "WHERE appointment_id = :a"), {"a": child}).one()
            start = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
            values = by_row[child]
            # May in Oslo is summer time: the base zone's wall clock with its +02:00 offset, seven digits.
            assert values["do_by"] == start.strftime("%Y-%m-%dT%H:%M:%S") + ".0000000+02:00"
            assert values["updated"] == "0001-01-01T00:00:00"  # a new row was never updated
            assert (values["associate_id"], values["mother_id"], values["status"]) == (tje0_id, mother, status)
            assert values["document_id"] == values["sale_id"] == values["project_id"] == 0
            assert by_row[mother]["associate_id"] == seed.user_id("ada")

            r = tje0.post(f"{AGENT}/Appointment/Accept", json={"AppointmentId": child, "UpdateMode": "OnlyThis"})
            assert r.status_code == 204, r.text
            got = receiver.wait_for(lambda got: any(r.event == "activity.changed" for r in got))
            [changed] = [r.json for r in got if r.event == "activity.changed"]
            assert changed["FieldValues"]["status"] != status
            updated = datetime.fromisoformat(changed["FieldValues"]["updated"][:26] + changed["FieldValues"]
                                             ["updated"][-6:])
            assert updated.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
            assert abs((updated - datetime.now(updated.tzinfo)).total_seconds()) < 600

            r = ada.post(f"{AGENT}/Appointment/DeleteAppointmentEntity", params={"AppointmentEntityId": mother})
            assert r.status_code == 204, r.text
            got = receiver.wait_for(lambda got: any(r.event == "activity.deleted" for r in got))
            [deleted] = [r.json for r in got if r.event == "activity.deleted"]
            assert "FieldValues" not in deleted
    finally:
        seed.close()
        server.stop()
