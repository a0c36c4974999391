"""The outbox table and the invitation record: enqueue in a unit of work, claim with a lease, record outcomes.

Claims never hand one message to two workers while a lease runs: PostgreSQL locks the candidate rows with
FOR UPDATE SKIP LOCKED (a concurrent claimer passes over them), and every claim is a conditional UPDATE
that only succeeds on a row that is still due and unleased (what makes it safe on SQLite, whose writers
take turns anyway). A worker that dies mid-send lets its lease run out; the message is then claimed
again — delivery is at least once, with the same Message-ID.
"""

from __future__ import annotations

import random
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from .driver import DriverStatement
from .schema import appointment, invitation, outbox_message, outbox_reply

_o = outbox_message.c
_i = invitation.c

PENDING, SENT, FAILED = "pending", "sent", "failed"
_bits = random.getrandbits


def new_key() -> str:
    """A message's key (its Message-ID's local part, a webhook's EventId seed): 32 hex digits, the time in
    nanoseconds and 64 random bits, unique as a random UUID is (no index enforces it: migration 0015). The key is
    no secret (it names a message, it authorises nothing), so the bits come from the process's seeded generator
    (`random`, seeded from the operating system and again in a forked child) without a system call per key:
    every confirmation makes one."""
    return f"{time.time_ns():016x}{_bits(64):016x}"


@dataclass(frozen=True, slots=True)
class NewMessage:
    kind: str
    message_key: str
    destination: str
    summary: str
    payload: str
    appointment_id: int = 0


@dataclass(frozen=True, slots=True)
class Message:
    message_id: int
    kind: str
    status: str
    message_key: str
    destination: str
    summary: str
    payload: str
    appointment_id: int
    attempts: int
    created: datetime
    next_attempt_at: datetime
    claimed_until: datetime | None
    claimed_by: str
    sent_at: datetime | None
    last_error: str


def _message(row: Any) -> Message:
    return Message(**{k: row[k] for k in Message.__slots__})  # type: ignore[attr-defined]


_MESSAGE_COLUMNS = ("kind", "status", "message_key", "destination", "summary", "payload", "appointment_id",
                    "attempts", "created", "next_attempt_at", "claimed_until", "claimed_by", "sent_at", "last_error")
# On the driver: the delivery worker moves each waiting confirmation into one of these (service/mail.py).
_insert_message = DriverStatement(insert(outbox_message), column_keys=_MESSAGE_COLUMNS)


def enqueue(conn: Connection, messages: Sequence[NewMessage], now: datetime) -> None:
    if not messages:
        return
    _insert_message.run(conn, [
        dict(kind=m.kind, status=PENDING, message_key=m.message_key, destination=m.destination[:1000],
             summary=m.summary[:300], payload=m.payload, appointment_id=m.appointment_id, attempts=0,
             created=now, next_attempt_at=now, claimed_until=None, claimed_by="", sent_at=None, last_error="")
        for m in messages
    ])


def _due(now: datetime) -> Any:
    return and_(_o.status == PENDING, _o.next_attempt_at <= now,
                or_(_o.claimed_until.is_(None), _o.claimed_until < now))


def claim(conn: Connection, worker: str, now: datetime, lease: timedelta, limit: int, kind: str = "mail"
          ) -> list[Message]:
    """Lease up to `limit` due messages of `kind` to `worker` until now + lease."""
    q = select(_o.message_id).where(_due(now), _o.kind == kind).order_by(_o.next_attempt_at, _o.message_id)
    q = q.limit(limit)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    ids = list(conn.execute(q).scalars())
    if not ids:
        return []
    until = now + lease
    # One statement for the batch, still conditional per row: a row another claimer took meanwhile is left out.
    conn.execute(update(outbox_message).where(_o.message_id.in_(ids), _due(now))
                 .values(claimed_until=until, claimed_by=worker))
    rows = conn.execute(select(outbox_message).where(_o.message_id.in_(ids), _o.claimed_by == worker,
                                                     _o.claimed_until == until).order_by(_o.message_id))
    return [_message(r) for r in rows.mappings()]


def next_due(conn: Connection, kind: str = "mail") -> datetime | None:
    """When the earliest pending message is next due (a running lease is the poll's to notice), or None."""
    q = select(func.min(_o.next_attempt_at)).where(_o.status == PENDING, _o.kind == kind)
    value = conn.execute(q).scalar()
    due = value if isinstance(value, datetime) else None
    if kind == "mail":
        # A confirmation waiting to be moved into the outbox is due since its answer: the first by its key says
        # when, without reading the table.
        waiting = conn.execute(select(outbox_reply.c.created).order_by(outbox_reply.c.reply_id).limit(1)).scalar()
        if isinstance(waiting, datetime) and (due is None or waiting < due):
            due = waiting
    return due


@dataclass(frozen=True, slots=True)
class Outcome:
    message_id: int
    sent: bool
    error: str = ""
    permanent: bool = False
    retry_at: datetime | None = None  # for a temporary failure


def record(conn: Connection, worker: str, outcomes: Iterable[Outcome], now: datetime, max_attempts: int) -> None:
    """Write what delivery did; only the worker still holding the lease may (a late worker whose lease ran
    out and whose message another worker took is ignored: that other worker records it)."""
    outcomes = list(outcomes)
    sent = [o.message_id for o in outcomes if o.sent]
    if sent:  # the usual case, one statement for the batch
        conn.execute(update(outbox_message).where(
            _o.message_id.in_(sent), _o.claimed_by == worker, _o.status == PENDING).values(
            status=SENT, sent_at=now, last_error="", attempts=_o.attempts + 1, claimed_until=None, claimed_by=""))
    for o in outcomes:
        if o.sent:
            continue
        mine = and_(_o.message_id == o.message_id, _o.claimed_by == worker, _o.status == PENDING)
        row = conn.execute(select(_o.attempts).where(_o.message_id == o.message_id)).scalar()
        gives_up = o.permanent or (row or 0) + 1 >= max_attempts
        values = dict(status=FAILED if gives_up else PENDING, last_error=o.error[:2000],
                      next_attempt_at=o.retry_at or now)
        conn.execute(update(outbox_message).where(mine).values(
            attempts=_o.attempts + 1, claimed_until=None, claimed_by="", **values))


@dataclass(frozen=True, slots=True)
class Completed:
    message_id: int
    payload: str
    summary: str
    destination: str


# On the driver, one execution for a claim's batch: composing confirmations runs inside the claim's unit of work.
_set_payload = DriverStatement(update(outbox_message).where(_o.message_id == bindparam("id")).values(
    payload=bindparam("new_payload"), summary=bindparam("new_summary"), destination=bindparam("new_destination")))


def set_payloads(conn: Connection, completed: Sequence[Completed]) -> None:
    """Messages completed at their first claim (confirmations' snapshots composed into their mails)."""
    if completed:
        _set_payload.run(conn, [dict(id=c.message_id, new_payload=c.payload, new_summary=c.summary[:300],
                                     new_destination=c.destination[:1000]) for c in completed])


def listing(conn: Connection, status: str | None = None, limit: int = 100) -> list[Message]:
    q = select(outbox_message).order_by(_o.message_id.desc()).limit(limit)
    if status:
        q = q.where(_o.status == status)
    return [_message(r) for r in conn.execute(q).mappings()]


def overdue(conn: Connection, due_before: datetime) -> int:
    """Pending messages due before `due_before` that no live lease holds: nobody is delivering them."""
    q = select(func.count()).select_from(outbox_message).where(
        _o.status == PENDING, _o.next_attempt_at < due_before,
        or_(_o.claimed_until.is_(None), _o.claimed_until < due_before))
    return int(conn.execute(q).scalar_one()) + waiting_replies(conn, due_before)


def waiting_replies(conn: Connection, before: datetime | None = None) -> int:
    """Confirmations not yet moved into outbox_message (store/mail.py take_replies), answered before `before`;
    they count as pending mail."""
    q = select(func.count()).select_from(outbox_reply)
    if before is not None:
        q = q.where(outbox_reply.c.created < before)
    return int(conn.execute(q).scalar_one())


def release(conn: Connection, worker: str) -> int:
    """A stopping worker gives back the leases it holds, so another worker need not wait for them to run out."""
    mine = and_(_o.claimed_by == worker, _o.status == PENDING)
    return int(conn.execute(update(outbox_message).where(mine).values(claimed_until=None, claimed_by="")).rowcount)


def depth(conn: Connection) -> dict[tuple[str, str], int]:
    """Messages by (kind, status), every status present (0 when none), for the metrics."""
    found = {(str(k), str(s)): int(n) for k, s, n in
             conn.execute(select(_o.kind, _o.status, func.count()).group_by(_o.kind, _o.status))}
    found[("mail", PENDING)] = found.get(("mail", PENDING), 0) + waiting_replies(conn)
    kinds = {k for k, _ in found} | {"mail", "webhook"}
    return {(k, s): found.get((k, s), 0) for k in kinds for s in (PENDING, SENT, FAILED)}


def counts(conn: Connection) -> dict[str, int]:
    q = select(_o.status, func.count()).group_by(_o.status)
    found = {str(s): int(n) for s, n in conn.execute(q)}
    if waiting := waiting_replies(conn):
        found[PENDING] = found.get(PENDING, 0) + waiting
    return found


def get(conn: Connection, message_id: int) -> Message | None:
    row = conn.execute(select(outbox_message).where(_o.message_id == message_id)).mappings().first()
    return None if row is None else _message(row)


def retry(conn: Connection, message_id: int, now: datetime) -> bool:
    """Due again now, whatever it was (a sent message is sent once more: the operator asked)."""
    result = conn.execute(update(outbox_message).where(_o.message_id == message_id).values(
        status=PENDING, next_attempt_at=now, claimed_until=None, claimed_by=""))
    return result.rowcount == 1


# --- The invitation record -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Invitation:
    appointment_id: int
    uid: str
    sequence: int
    dtstamp: datetime
    series: bool = False  # one recurring event for the whole series (keyed by its first occurrence)
    shift: int = 0  # minutes from an occurrence's original start to its instance in that event


_insert_invitation = DriverStatement(insert(invitation), column_keys=(
    "appointment_id", "event_uid", "event_sequence", "event_dtstamp", "organizer_email", "organizer_fullname",
    "template_language", "registered", "updated", "series", "series_shift"))
INVITATION_COLUMNS = (_i.appointment_id, _i.event_uid, _i.event_sequence, _i.event_dtstamp, _i.series,
                      _i.series_shift)


def invitation_of(row: Any) -> Invitation:
    """An Invitation from a row of INVITATION_COLUMNS."""
    return Invitation(row[0], row[1], row[2], row[3], bool(row[4]), int(row[5] or 0))


def get_invitation(conn: Connection, mother_id: int) -> Invitation | None:
    row = conn.execute(select(*INVITATION_COLUMNS).where(_i.appointment_id == mother_id)).first()
    return None if row is None else invitation_of(row)


_get_invitation = DriverStatement(select(*INVITATION_COLUMNS).where(_i.appointment_id == bindparam("mother_id")))


def find_invitation(conn: Connection, mother_id: int) -> Invitation | None:
    """get_invitation on the driver, for the delivery worker's claim (one per confirmation it composes)."""
    row = _get_invitation.first(conn, {"mother_id": mother_id})
    return None if row is None else invitation_of(row)


def add_invitation(conn: Connection, mother_id: int, uid: str, now: datetime, organizer_email: str,
                   organizer_name: str, language: str, series: bool = False) -> Invitation:
    _insert_invitation.run(conn, [dict(
        appointment_id=mother_id, event_uid=uid, event_sequence=0, event_dtstamp=now,
        organizer_email=organizer_email[:254], organizer_fullname=organizer_name[:254],
        template_language=language[:10], registered=now, updated=None, series=series, series_shift=0)])
    return Invitation(mother_id, uid, 0, now, series)


def touch_invitation(conn: Connection, mother_id: int, sequence: int, now: datetime) -> None:
    conn.execute(update(invitation).where(_i.appointment_id == mother_id).values(
        event_sequence=sequence, event_dtstamp=now, updated=now))


def shift_invitation(conn: Connection, mother_id: int, shift: int) -> None:
    conn.execute(update(invitation).where(_i.appointment_id == mother_id).values(series_shift=shift))


def move_invitation(conn: Connection, mother_id: int, to_mother_id: int) -> None:
    """Key the record by another mother row: a series' record follows its first occurrence when that one
    is deleted, so the series' other occurrences still find it."""
    conn.execute(update(invitation).where(_i.appointment_id == mother_id).values(appointment_id=to_mother_id))


def set_send_email(conn: Connection, ids: Collection[int], value: bool) -> None:
    if ids:
        conn.execute(update(appointment).where(appointment.c.appointment_id.in_(sorted(ids)))
                     .values(send_email=value))
