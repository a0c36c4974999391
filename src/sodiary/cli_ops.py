"""`sodiary backup | restore | export`: the operator's commands for the data itself."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from .config import Settings


def register(sub: Any) -> None:
    p_backup = sub.add_parser("backup", help="write a backup of the database to FILE (safe while serving)")
    p_backup.add_argument("file", type=Path)
    p_restore = sub.add_parser("restore", help="restore the database from a backup FILE (stop the server first)")
    p_restore.add_argument("file", type=Path)
    p_restore.add_argument("--force", action="store_true", help="replace a database that is not empty")
    p_export = sub.add_parser("export", help="export a user's diary, or everyone's")
    p_export.add_argument("--format", choices=["json", "ics"], default="json",
                          help="json: every column; ics: an iCalendar file a calendar app imports")
    p_export.add_argument("--user", help="only this user's diary (default: every row)")
    p_export.add_argument("--output", type=Path, help="write to this file (default: standard output)")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def run(settings: Settings, args: argparse.Namespace) -> int:
    from .cli import describe
    from .store.backup import BackupError, backup, restore

    print(f"sodiary: database {describe(settings.database_url)}", file=sys.stderr)

    try:
        if args.command == "backup":
            backup(settings.database_url, args.file)
            print(f"sodiary: backup written to {args.file.resolve()}", file=sys.stderr)
            return 0
        if args.command == "restore":
            restore(settings.database_url, args.file, force=args.force)
            print(f"sodiary: restored from {args.file.resolve()}", file=sys.stderr)
            return 0
    except BackupError as exc:
        print(f"sodiary: {exc}", file=sys.stderr)
        return 1
    return _export(settings, args)


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from .service.ical import export_ics
    from .store import export
    from .store.database import Database

    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous, pool_size=1)
    try:
        user_id = None
        if args.user is not None:
            user_id = db.run_sync(lambda conn: export.user_id(conn, args.user))
            if user_id is None:
                print(f"sodiary: no such user: {args.user}", file=sys.stderr)
                return 1
        if args.format == "ics":
            data = db.run_sync(lambda conn: export_ics(conn, user_id, settings.time_zone))
            what = "calendar"
        else:
            rows = db.run_sync(lambda conn: export.appointments(conn, args.user))
            document = json.dumps([dataclasses.asdict(r) for r in rows], default=_json_default, ensure_ascii=False,
                                  indent=1)
            data, what = (document + "\n").encode(), f"{len(rows)} appointments"
    finally:
        db.engine.dispose()
    if args.output is None:
        sys.stdout.buffer.write(data)
    else:
        args.output.write_bytes(data)
        print(f"sodiary: {what} written to {args.output.resolve()}", file=sys.stderr)
    return 0
