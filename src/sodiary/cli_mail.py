"""`sodiary mail list [--status S] | show ID | retry ID`: the outbox, for operators;
`sodiary mail receive < message.eml`: one incoming e-mail's invitation, reply or cancellation (issue 15).

`list` shows the queue depth per status and the newest messages; `show` prints one message as it is
(or will be) sent, with its delivery state; `retry` makes a failed (or sent) message due again now.
"""

from __future__ import annotations

import argparse
import email.policy
import sys
from datetime import datetime

from .config import Settings
from .outbox.mail import Renderer, decode
from .service.clock import utc_now
from .store import outbox
from .store.database import Database
from .store.mail import REPLY_SNAPSHOT


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p_mail = subparsers.add_parser("mail", help="the outbox of e-mail invitations: list, show, retry")
    commands = p_mail.add_subparsers(dest="mail_command", required=True)
    p_list = commands.add_parser("list", help="queue depth per status and the newest messages")
    p_list.add_argument("--status", choices=(outbox.PENDING, outbox.SENT, outbox.FAILED))
    p_list.add_argument("--limit", type=int, default=50)
    commands.add_parser("show", help="one message as it is sent, with its delivery state").add_argument("id", type=int)
    commands.add_parser("retry", help="make a message due again now").add_argument("id", type=int)
    commands.add_parser("receive", help="process one e-mail from standard input (an MTA pipe, fetchmail's mda): "
                                        "a REPLY, or an external organiser's REQUEST or CANCEL")


def _when(value: datetime | None) -> str:
    return value.isoformat(sep=" ") + "Z" if value is not None else "-"


def run(settings: Settings, args: argparse.Namespace) -> int:
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous, pool_size=1)
    try:
        if args.mail_command == "receive":
            return _receive(settings, db)
        if args.mail_command == "list":
            counts = db.run_sync(outbox.counts)
            print("  ".join(f"{s}: {counts.get(s, 0)}" for s in (outbox.PENDING, outbox.SENT, outbox.FAILED)))
            if waiting := db.run_sync(outbox.waiting_replies):
                print(f"({waiting} of the pending are confirmations not yet moved into this list: the delivery "
                      "worker does so before it sends)")
            for m in db.run_sync(lambda conn: outbox.listing(conn, args.status, args.limit)):
                due = f"next {_when(m.next_attempt_at)}" if m.status == outbox.PENDING else _when(m.sent_at)
                error = f"  [{m.last_error.splitlines()[0][:100]}]" if m.last_error else ""
                print(f"{m.message_id:>6}  {m.status:<7}  {m.attempts:>2}x  {due:<28}  {m.destination:<30}  "
                      f"{m.summary}{error}")
            return 0
        message = db.run_sync(lambda conn: outbox.get(conn, args.id))
        if message is None:
            print(f"no message {args.id}", file=sys.stderr)
            return 1
        if args.mail_command == "show":
            print(f"# id {message.message_id}, {message.kind}, {message.status}, {message.attempts} attempt(s), "
                  f"created {_when(message.created)}, sent {_when(message.sent_at)}")
            if message.last_error:
                print(f"# last error: {message.last_error}")
            if message.kind == "mail" and message.payload.startswith(REPLY_SNAPSHOT):
                print("# a confirmation not yet composed: the booking's snapshot its answer wrote")
                print(message.payload)
            elif message.kind == "mail":
                rendered = Renderer(settings.mail_from, settings.mail_templates).render(
                    decode(message.payload), message.message_key, message.created)
                sys.stdout.write(rendered.as_string(policy=email.policy.default))
            else:
                print(message.payload)
            return 0
        db.run_sync(lambda conn: outbox.retry(conn, args.id, utc_now()))
        print(f"message {args.id} is due again; a running server sends it within its poll interval")
        return 0
    finally:
        db.stop()


EX_DATAERR = 65  # sysexits.h: what an MTA reports as "the input data was incorrect"


def _receive(settings: Settings, db: Database) -> int:
    from .domain.errors import DomainError
    from .ical.reply import IcsError
    from .service import ical, ical_mail

    raw = sys.stdin.buffer.read(ical_mail.MAX_MESSAGE_BYTES + 1)
    try:
        refused, work = ical_mail.receive_unit(raw, settings.time_zone)
    except IcsError as exc:
        print(f"sodiary: not processed: {exc}", file=sys.stderr)
        return EX_DATAERR
    try:
        done = db.run_sync(work)
    except (ical.Refused, DomainError):
        done = refused
    outcome = "applied" if done.applied else "nothing to apply"
    print(f"{done.method} {done.uid}: {outcome}" + (f" ({len(done.recipients)} user(s))" if done.recipients else ""))
    return 0
