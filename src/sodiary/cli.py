"""`sodiary serve | init | demo | user add|passwd|disable|enable | app add|list|remove`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from sqlalchemy import func, select

from . import cli_mail
from .config import Settings
from .store.database import Database, normalise_url
from .store.migrate import upgrade
from .store.schema import associate


def _database(settings: Settings) -> Database:
    url = normalise_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return Database(settings.database_url, synchronous=settings.sqlite_synchronous, pool_size=settings.pool_size)


def init(settings: Settings, *, demo: bool) -> None:
    """Migrate to the newest schema; load the demo data into an empty database."""
    db = _database(settings)
    try:
        upgrade(db.engine)
        if demo:
            from .service import demo as demo_data

            def load_if_empty(conn):  # type: ignore[no-untyped-def]
                if conn.execute(select(func.count()).select_from(associate)).scalar_one() == 0:
                    demo_data.load(conn)
                    return True
                return False

            if db.run_sync(load_if_empty):
                print("sodiary: loaded demo data (users tje0/Tje0, ada/Ada, ben/Ben)", file=sys.stderr)
    finally:
        db.engine.dispose()


def serve(settings: Settings, *, demo: bool, workers: int = 1) -> None:
    import uvicorn

    from .wire.app import create_app

    init(settings, demo=demo)
    print(f"sodiary: serving http://{settings.host}:{settings.port} ({workers} worker(s))", file=sys.stderr)
    common = dict(host=settings.host, port=settings.port, access_log=False, lifespan="on",
                  log_level=os.environ.get("SODIARY_LOG_LEVEL", "warning"))
    if workers > 1:
        from .workers import supervise

        supervise(settings, workers, common)
    else:
        uvicorn.run(create_app(settings), **common)  # type: ignore[arg-type]


def _user(settings: Settings, args: argparse.Namespace) -> int:
    from .service.passwords import hash_password
    from .store import associates

    db = _database(settings)
    upgrade(db.engine)
    try:
        if args.user_command == "add":
            password = args.password or getpass.getpass(f"Password for {args.name}: ")

            def add(conn):  # type: ignore[no-untyped-def]
                contact_id = associates.add_contact(conn, args.company)
                person_id = associates.add_person(conn, contact_id, args.firstname or args.name, args.lastname or "")
                return associates.add_associate(conn, args.name, hash_password(password), person_id)

            from sqlalchemy.exc import IntegrityError

            try:
                print(f"associate {db.run_sync(add)} added: {args.name}")
            except IntegrityError:
                print(f"user already exists: {args.name}", file=sys.stderr)
                return 1
            return 0
        if args.user_command == "passwd":
            password = args.password or getpass.getpass(f"New password for {args.name}: ")
            done = db.run_sync(lambda conn: associates.set_password(conn, args.name, hash_password(password)))
        else:
            disabled = args.user_command == "disable"
            done = db.run_sync(lambda conn: associates.set_disabled(conn, args.name, disabled))
        if not done:
            print(f"no such user: {args.name}", file=sys.stderr)
            return 1
        print(f"{args.user_command}: {args.name}")
        return 0
    finally:
        db.engine.dispose()


def _app(settings: Settings, args: argparse.Namespace) -> int:
    """Partner applications (SO-AppToken): the token is printed once and stored only as a hash."""
    from .service import apps

    db = _database(settings)
    upgrade(db.engine)
    try:
        if args.app_command == "add":
            try:
                token = db.run_sync(lambda conn: apps.add(conn, args.name))
            except apps.AppExists:
                print(f"application already registered: {args.name}", file=sys.stderr)
                return 1
            print(f"application {args.name} registered; its SO-AppToken (shown only now):", file=sys.stderr)
            print(token)
            return 0
        if args.app_command == "remove":
            if not db.run_sync(lambda conn: apps.remove(conn, args.name)):
                print(f"no such application: {args.name}", file=sys.stderr)
                return 1
            print(f"removed: {args.name}")
            return 0
        for name, created in db.run_sync(apps.listing):
            print(f"{name}\t{created:%Y-%m-%dT%H:%M:%SZ}")
        return 0
    finally:
        db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sodiary", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="migrate, load demo data into an empty database, serve HTTP")
    p_serve.add_argument("--host")
    p_serve.add_argument("--port", type=int)
    p_serve.add_argument("--workers", type=int, default=int(os.environ.get("SODIARY_WORKERS", "1")),
                         help="server processes on one port (SODIARY_WORKERS; default 1)")
    p_serve.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty database")
    p_init = sub.add_parser("init", help="create or migrate the database")
    p_init.add_argument("--demo", action="store_true", help="also load the demo data if the database is empty")
    sub.add_parser("demo", help="load the demo data into an empty database")
    p_user = sub.add_parser("user", help="manage users")
    users = p_user.add_subparsers(dest="user_command", required=True)
    p_add = users.add_parser("add", help="add a user (an associate with a person)")
    p_add.add_argument("name")
    p_add.add_argument("--password")
    p_add.add_argument("--firstname")
    p_add.add_argument("--lastname")
    p_add.add_argument("--company", default="Nordic Diary AS")
    p_pw = users.add_parser("passwd", help="change a user's password")
    p_pw.add_argument("name")
    p_pw.add_argument("--password")
    for name in ("disable", "enable"):
        users.add_parser(name, help=f"{name} a user").add_argument("name")
    p_app = sub.add_parser("app", help="manage partner applications (SO-AppToken)")
    app_commands = p_app.add_subparsers(dest="app_command", required=True)
    app_commands.add_parser("add", help="register an application; prints its token once").add_argument("name")
    app_commands.add_parser("remove", help="unregister an application").add_argument("name")
    app_commands.add_parser("list", help="list registered applications")
    cli_mail.register(sub)
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    if args.command == "serve":
        overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v}
        if overrides:
            from dataclasses import replace

            settings = replace(settings, **overrides)
        if args.workers < 1:
            parser.error("--workers must be at least 1")
        serve(settings, demo=not args.no_demo, workers=args.workers)
    elif args.command == "init":
        init(settings, demo=args.demo)
    elif args.command == "demo":
        init(settings, demo=True)
    elif args.command == "user":
        return _user(settings, args)
    elif args.command == "app":
        return _app(settings, args)
    elif args.command == "mail":
        return cli_mail.run(settings, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
