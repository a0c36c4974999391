"""`sodiary import --format ics FILE --user NAME`: an existing calendar brought into one user's diary (issue 15).

Idempotent by UID: run it again and what is there already is counted, not doubled. A progress bar goes to
standard error on a terminal; the summary (and every event skipped, with the reason) to standard output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from .config import Settings
from .store.database import Database

MAX_OCCURRENCES_AHEAD_DAYS = 730  # an open series (no COUNT/UNTIL) is imported this far ahead


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("import", help="import a calendar file (.ics) into a user's diary, idempotent by UID")
    p.add_argument("file", type=Path, help="the calendar file; - reads standard input")
    p.add_argument("--user", required=True, help="whose diary the events go into")
    p.add_argument("--format", choices=["ics"], default="ics", help="the file's format (iCalendar)")


def _bar(total: int) -> tuple[Callable[[int], None], Callable[[], None]]:
    live = sys.stderr.isatty() and total > 0

    def step(done: int) -> None:
        if live:
            filled = 30 * done // total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
            sys.stderr.flush()

    def end() -> None:
        if live:
            sys.stderr.write("\n")

    return step, end


def run(settings: Settings, args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from .ical.importing import read_calendar
    from .ical.reply import IcsError
    from .service.context import Caller
    from .service.ical_import import horizon, import_events
    from .store import associates

    try:
        data = sys.stdin.buffer.read() if str(args.file) == "-" else args.file.read_bytes()
    except OSError as exc:
        print(f"sodiary: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous, pool_size=1)
    try:
        found = [u for u in db.run_sync(lambda conn: associates.users(conn)) if u.name == args.user]
        if not found:
            print(f"no such user: {args.user}", file=sys.stderr)
            return 1
        try:
            events, skipped = read_calendar(data, ZoneInfo(settings.time_zone or "UTC"),
                                            horizon(MAX_OCCURRENCES_AHEAD_DAYS), 1000)
        except IcsError as exc:
            print(f"sodiary: {args.file} is not a calendar sodiary can import: {exc}", file=sys.stderr)
            return 65
        caller = Caller(associate_id=found[0].associate_id, name=args.user, scheme="Import")
        step, end = _bar(len(events))
        try:
            summary = import_events(db.run_sync, caller, events, settings.time_zone or "UTC", step)
        finally:
            end()
        summary.skipped[:0] = skipped
        print(f"imported {summary.imported} event(s) ({summary.occurrences} occurrence(s)) into {args.user}'s diary; "
              f"{summary.present} already there; {len(summary.skipped)} skipped")
        for s in summary.skipped:
            print(f"  skipped {s.uid or '(no UID)'} {s.summary!r}: {s.reason}")
        return 0
    finally:
        db.stop()
