"""sodiary: a SuperOffice-compatible diary server.

Commands: serve, migrate, init, demo, config, user (add, passwd, disable, enable, list, remove, feed, feeds,
unfeed), app (add, list, remove), backup, restore, export, mail (list, show, retry, receive), import.
Settings come from the environment (`sodiary config` shows them). Every command names the database it uses
on stderr; every refusal is one line on stderr (exit status 2 for a bad setting or argument, 1 for anything
else).
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from . import cli_groupings, cli_import, cli_mail, cli_ops
from .config import SETTINGS, SettingError, Settings, unknown_variables
from .store.database import Database, normalise_url
from .store.migrate import SchemaTooNew, upgrade

DEMO_LOGINS = "users tje0/Tje0, ada/Ada, ben/Ben"
NAME_MAX = 50  # associate.name's width
R = TypeVar("R")


class Refusal(Exception):
    """One line for the operator (without the `sodiary: ` prefix) and the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


# ---- the database -------------------------------------------------------------------------------------------


def describe(url: str) -> str:
    """Where the database is, for a human: the SQLite file's absolute path, or the URL without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return str(Path(parsed.database).resolve())
    return parsed.render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def _open(settings: Settings, *, announce: bool) -> Database:
    """The settings' database, migrated to this code's schema; every way that can fail is a Refusal."""
    where = describe(settings.database_url)
    if announce:
        print(f"sodiary: database {where}", file=sys.stderr)
    url = normalise_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        folder = Path(url.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Refusal(f"cannot create the database folder {folder}: {exc.strerror}") from None
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous, pool_size=settings.pool_size)
    try:
        before, after = upgrade(db.engine)
    except SchemaTooNew as exc:
        db.engine.dispose()
        raise Refusal(str(exc)) from None
    except (DBAPIError, OSError) as exc:
        db.engine.dispose()
        raise Refusal(f"cannot open the database {where}: {_first_line(exc)}") from None
    if before != after and announce:
        was = ", ".join(before) or "an empty database"
        print(f"sodiary: migrated the schema from {was} to revision {', '.join(after)}", file=sys.stderr)
    return db


@contextmanager
def opened(settings: Settings, *, announce: bool = True) -> Iterator[Database]:
    db = _open(settings, announce=announce)
    try:
        yield db
    finally:
        db.engine.dispose()


def _run(db: Database, work: Callable[[Connection], R], what: str) -> R:
    """db.run_sync with a database failure as a Refusal (the database may go away between two commands)."""
    try:
        return db.run_sync(work)
    except IntegrityError:
        raise
    except DBAPIError as exc:
        raise Refusal(f"{what} failed: {_first_line(exc)}") from None


def init(settings: Settings, *, demo: bool) -> None:
    """Migrate to the newest schema; with `demo`, load the demo data into a database without users."""
    with opened(settings) as db:
        if demo:
            from .service import demo as demo_data

            try:
                loaded = _run(db, demo_data.load_if_empty, "loading the demo data")
            except IntegrityError:  # another process loaded it at the same moment; one copy is what was asked
                loaded = False
            if loaded:
                print(f"sodiary: loaded the demo data into the empty database ({DEMO_LOGINS})", file=sys.stderr)


def _migrate(settings: Settings) -> int:
    from .store.migrate import current_revisions

    with opened(settings) as db, db.engine.connect() as conn:
        now = ", ".join(current_revisions(conn))
    print(f"sodiary: the schema is at revision {now}, this version's newest", file=sys.stderr)
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from .service import demo as demo_data

    with opened(settings) as db:
        if args.reset:
            try:
                _run(db, lambda conn: demo_data.reset(conn, force=args.force), "resetting the demo data")
            except demo_data.NotDemoOnly:
                raise Refusal("the database holds more than the demo data (other users or registered "
                              "applications); `sodiary demo --reset --force` wipes it anyway") from None
            print(f"sodiary: wiped the database and loaded the demo data ({DEMO_LOGINS})", file=sys.stderr)
            return 0
        if _run(db, demo_data.load_if_empty, "loading the demo data"):
            print(f"sodiary: loaded the demo data ({DEMO_LOGINS})", file=sys.stderr)
            return 0
        if _run(db, demo_data.is_demo_only, "reading the users"):
            print("sodiary: the demo data is already loaded (`sodiary demo --reset` loads it afresh)", file=sys.stderr)
            return 0
        raise Refusal("the database already has users: demo data not loaded (`sodiary demo --reset --force` "
                      "replaces everything with it)")


# ---- serve --------------------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True when only this machine can reach `host` (a name counts when every address it has is loopback)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses)


def _warn_published_logins(settings: Settings) -> None:
    if is_loopback(settings.host):
        return
    from .service import demo as demo_data

    with opened(settings, announce=False) as db:
        names = _run(db, demo_data.published_logins, "reading the users")
    if names:
        print(f"sodiary: WARNING: the demo users {', '.join(names)} still sign in with their published passwords "
              f"and this server listens on {settings.host}, reachable from other machines: anyone can sign in "
              "as them. Run `sodiary user remove NAME` or `sodiary user passwd NAME`, or listen on 127.0.0.1.",
              file=sys.stderr)


def serving_line(settings: Settings, workers: int) -> str:
    base = f"http://{settings.host}:{settings.port}"
    return f"sodiary: serving {base} ({workers} worker(s)); API docs at {base}/api/docs"


def serve(settings: Settings, *, demo: bool, workers: int = 1) -> None:
    from .wire.server_options import listen, probe, run, uvicorn_options

    # A taken port is one line, before the database is touched; workers > 1 bind their own sockets later.
    sock = listen(settings.host, settings.port, reuse_port=False, backlog=None) if workers <= 1 else None
    if sock is None:
        probe(settings.host, settings.port)
    init(settings, demo=demo)
    _warn_published_logins(settings)
    common = uvicorn_options(settings)  # limits, timeouts, graceful shutdown: wire/server_options.py
    if workers > 1:
        # The supervisor stays small (the workers import the application themselves).
        from .metrics import multiprocess_dir
        from .workers import supervise

        print(serving_line(settings, workers), file=sys.stderr)
        with multiprocess_dir():  # the workers' metrics, summed by whichever answers a scrape
            supervise(settings, workers, common)
        return
    from .wire.app import create_app

    assert sock is not None
    try:
        app = create_app(settings)
    except (ValueError, OSError, KeyError) as exc:  # e.g. a JWKS file that is not JSON
        raise Refusal(f"cannot start: {type(exc).__name__}: {exc}") from None
    print(serving_line(settings, workers), file=sys.stderr)
    run(app, settings, common, sock)


# ---- config -------------------------------------------------------------------------------------------------


def _config(settings: Settings) -> int:
    sources = settings.sources()
    for setting in SETTINGS:
        value = getattr(settings, setting.name)
        if setting.secret:
            shown = ("********" if value else "") if sources[setting.env] == "environment" else (
                "(random per start)" if value else "")
        elif setting.name == "database_url":
            shown = make_url(value).render_as_string(hide_password=True)
        elif isinstance(value, bool):
            shown = str(value).lower()
        else:
            shown = str(value)
        print(f"{setting.env}={shown}\t# {sources[setting.env]}")
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(describe(settings.database_url))
        state = "exists" if path.exists() else "not created yet"
        print(f"# database: SQLite file {path} ({state})")
    else:
        print(f"# database: PostgreSQL {describe(settings.database_url)}")
    return 0


# ---- users --------------------------------------------------------------------------------------------------


def check_user_name(name: str) -> str:
    if not name.strip():
        raise Refusal("the user name is empty", 2)
    if name != name.strip():
        raise Refusal(f"the user name {name!r} begins or ends with white space", 2)
    if ":" in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise Refusal(f"the user name {name!r} contains ':' or a control character (Basic credentials "
                      "could not carry it)", 2)
    if len(name) > NAME_MAX:
        raise Refusal(f"the user name is longer than {NAME_MAX} characters", 2)
    return name


def _password_line() -> str:
    line = sys.stdin.readline()
    if not line:
        raise Refusal("no password on standard input", 2)
    return line[:-1] if line.endswith("\n") else line


def read_password(args: argparse.Namespace, settings: Settings, name: str) -> str:
    """From --password, --password-stdin, a pipe (the first line), or the terminal (asked twice)."""
    if args.password is not None:
        password = args.password
    elif args.password_stdin or not sys.stdin.isatty():
        password = _password_line().rstrip("\r")
    else:
        try:
            password = getpass.getpass(f"Password for {name}: ")
            if password and getpass.getpass("The same again: ") != password:
                raise Refusal("the two passwords differ", 2)
        except EOFError:
            raise Refusal("no password given", 2) from None
    if not password:
        raise Refusal("the password is empty", 2)
    if len(password) < settings.password_min_length:
        raise Refusal(f"the password is shorter than {settings.password_min_length} characters "
                      "(SODIARY_PASSWORD_MIN_LENGTH)", 2)
    return password


def _feed(db: Database, name: str) -> int:
    """A new calendar subscription feed for a user (issue 15); the token is printed once, kept hashed."""
    import secrets

    from .service.clock import utc_now
    from .service.ical import token_hash
    from .store import associates, feeds

    found = [u for u in _run(db, lambda conn: associates.users(conn), "reading the users") if u.name == name]
    if not found:
        print(f"no such user: {name}", file=sys.stderr)
        return 1
    token = secrets.token_urlsafe(32)
    feed_id = _run(db, lambda conn: feeds.add(conn, found[0].associate_id, token_hash(token), utc_now()),
                   "creating the feed")
    print(f"feed {feed_id} for {name}: /api/v1/Sodiary/Calendar/{token}.ics (shown once; keep it secret)")
    return 0


def _feeds(db: Database, name: str, revoke: int | None) -> int:
    """A user's live feeds (id, created), or revoke one: what the user does with /api/v1/Sodiary/CalendarFeed."""
    from .service.clock import utc_now
    from .store import associates, feeds

    found = [u for u in _run(db, lambda conn: associates.users(conn), "reading the users") if u.name == name]
    if not found:
        print(f"no such user: {name}", file=sys.stderr)
        return 1
    associate_id = found[0].associate_id
    if revoke is None:
        for feed_id, created in _run(db, lambda conn: feeds.live(conn, associate_id), "listing the feeds"):
            print(f"{feed_id}\t{created.replace(microsecond=0).isoformat()}Z")
        return 0
    if not _run(db, lambda conn: feeds.revoke(conn, associate_id, revoke, utc_now()), "revoking the feed"):
        print(f"{name} has no live feed {revoke}", file=sys.stderr)
        return 1
    print(f"feed {revoke} of {name} revoked: its URL now answers 404")
    return 0


def _user(settings: Settings, args: argparse.Namespace) -> int:
    from .service.passwords import hash_password
    from .store import associates

    command = args.user_command
    with opened(settings) as db:
        if command == "list":
            for user in _run(db, lambda conn: associates.users(conn, retired=args.all), "listing the users"):
                state = "retired" if user.deleted else "disabled" if user.disabled else "enabled"
                print(f"{user.name}\t{user.associate_id}\t{state}\t{user.full_name}\t{user.email}")
            return 0
        name = check_user_name(args.name) if command == "add" else args.name
        if command == "feed":
            return _feed(db, name)
        if command == "feeds":
            return _feeds(db, name, None)
        if command == "unfeed":
            return _feeds(db, name, args.feed_id)
        if command in ("add", "passwd"):
            known = _run(db, lambda conn: associates.exists_named(conn, name), "reading the users")
            if command == "add" and known:
                print(f"user already exists: {name}", file=sys.stderr)
                return 1
            if command == "passwd" and not known:
                print(f"no such user: {name}", file=sys.stderr)
                return 1
            password_hash = hash_password(read_password(args, settings, name))
        if command == "add":
            def add(conn):  # type: ignore[no-untyped-def]
                contact_id = associates.add_contact(conn, args.company)
                person_id = associates.add_person(conn, contact_id, args.firstname or name, args.lastname or "")
                return associates.add_associate(conn, name, password_hash, person_id)

            try:
                print(f"associate {_run(db, add, 'adding the user')} added: {name}")
            except IntegrityError:
                print(f"user already exists: {name}", file=sys.stderr)
                return 1
            return 0
        if command == "remove":
            outcome = _run(db, lambda conn: associates.remove(conn, name), "removing the user")
            if outcome is None:
                print(f"no such user: {name}", file=sys.stderr)
                return 1
            detail = "nothing referred to them" if outcome == "deleted" else \
                "retired: their appointments stay, they can no longer sign in; `sodiary user enable` brings them back"
            print(f"{outcome}: {name} ({detail})")
            return 0
        if command == "passwd":
            done = _run(db, lambda conn: associates.set_password(conn, name, password_hash), "changing the password")
        else:
            disabled = command == "disable"
            done = _run(db, lambda conn: associates.set_disabled(conn, name, disabled), f"{command} the user")
        if not done:
            print(f"no such user: {name}", file=sys.stderr)
            return 1
        print(f"{command}: {name}")
        return 0


def _app(settings: Settings, args: argparse.Namespace) -> int:
    """Partner applications (SO-AppToken): the token is printed once and stored only as a hash."""
    from .service import apps

    with opened(settings) as db:
        if args.app_command == "add":
            try:
                token = _run(db, lambda conn: apps.add(conn, args.name), "registering the application")
            except apps.AppExists:
                print(f"application already registered: {args.name}", file=sys.stderr)
                return 1
            print(f"application {args.name} registered; its SO-AppToken (shown only now):", file=sys.stderr)
            print(token)
            return 0
        if args.app_command == "remove":
            if not _run(db, lambda conn: apps.remove(conn, args.name), "removing the application"):
                print(f"no such application: {args.name}", file=sys.stderr)
                return 1
            print(f"removed: {args.name}")
            return 0
        for name, created in _run(db, apps.listing, "listing the applications"):
            print(f"{name}\t{created:%Y-%m-%dT%H:%M:%SZ}")
        return 0


# ---- the command line ---------------------------------------------------------------------------------------


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("sodiary")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--password", help="the password (visible to other local users in the process list)")
    group.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="sodiary", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("--version", action="version", version=f"sodiary {version()}")
    sub = root.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="migrate the database and serve HTTP")
    p_serve.add_argument("--host", help="listen address (HOST; default 127.0.0.1)")
    p_serve.add_argument("--port", type=int, help="listen port (PORT; default 8000)")
    p_serve.add_argument("--workers", type=int, help="server processes on one port (SODIARY_WORKERS; default 1)")
    p_serve.add_argument("--demo", action="store_true", help="load the demo data if the database has no users")
    p_serve.add_argument("--no-demo", action="store_true", help=argparse.SUPPRESS)  # the old default; a no-op
    sub.add_parser("migrate", help="upgrade the database's schema to this version's")
    p_init = sub.add_parser("init", help="create or migrate the database")
    p_init.add_argument("--demo", action="store_true", help="also load the demo data if the database has no users")
    p_demo = sub.add_parser("demo", help="load the demo data into a database without users")
    p_demo.add_argument("--reset", action="store_true",
                        help="wipe the database and load the demo afresh (only if it holds nothing but the demo)")
    p_demo.add_argument("--force", action="store_true", help="with --reset: wipe even a database with real data")
    sub.add_parser("config", help="print the effective settings (secrets masked) and the database's location")
    p_user = sub.add_parser("user", help="manage users")
    users = p_user.add_subparsers(dest="user_command", required=True)
    p_add = users.add_parser("add", help="add a user (an associate with a person)")
    p_add.add_argument("name")
    _password_options(p_add)
    p_add.add_argument("--firstname")
    p_add.add_argument("--lastname")
    p_add.add_argument("--company", default="Nordic Diary AS")
    p_pw = users.add_parser("passwd", help="change a user's password")
    p_pw.add_argument("name")
    _password_options(p_pw)
    for name in ("disable", "enable"):
        users.add_parser(name, help=f"{name} a user").add_argument("name")
    p_list = users.add_parser("list", help="list users: name, associate id, state, full name, e-mail")
    p_list.add_argument("--all", action="store_true", help="also the retired ones")
    users.add_parser("remove", help="remove a user (retired when their appointments remain)").add_argument("name")
    users.add_parser("feed", help="create a calendar subscription feed for a user; prints its URL once"
                     ).add_argument("name")
    users.add_parser("feeds", help="list a user's live calendar feeds: id, created").add_argument("name")
    p_unfeed = users.add_parser("unfeed", help="revoke one of a user's calendar feeds")
    p_unfeed.add_argument("name")
    p_unfeed.add_argument("feed_id", type=int)
    p_app = sub.add_parser("app", help="manage partner applications (SO-AppToken)")
    app_commands = p_app.add_subparsers(dest="app_command", required=True)
    app_commands.add_parser("add", help="register an application; prints its token once").add_argument("name")
    app_commands.add_parser("remove", help="unregister an application").add_argument("name")
    app_commands.add_parser("list", help="list registered applications")
    cli_ops.register(sub)
    cli_mail.register(sub)
    cli_groupings.register(sub)
    cli_import.register(sub)
    return root


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "serve":
        overrides = {k: v for k, v in (("host", args.host), ("port", args.port), ("workers", args.workers))
                     if v is not None}
        settings = replace(settings, **overrides)
        if not 1 <= settings.port <= 65535:
            raise Refusal(f"--port {settings.port} is not valid: 1–65535", 2)
        if settings.workers < 1:
            raise Refusal(f"--workers {settings.workers} is not valid: a whole number from 1 up", 2)
        serve(settings, demo=args.demo, workers=settings.workers)
        return 0
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "init":
        init(settings, demo=args.demo)
        return 0
    if args.command == "demo":
        if args.force and not args.reset:
            raise Refusal("--force only goes with --reset", 2)
        return _demo(settings, args)
    if args.command == "config":
        return _config(settings)
    if args.command == "user":
        return _user(settings, args)
    if args.command in ("backup", "restore", "export"):
        return cli_ops.run(settings, args)
    if args.command == "mail":
        return cli_mail.run(settings, args)
    if args.command in cli_groupings.COMMANDS:
        with opened(settings) as db:
            return cli_groupings.run(db, args)
    if args.command == "import":
        return cli_import.run(settings, args)
    return _app(settings, args)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        for warning in unknown_variables():
            print(warning, file=sys.stderr)
        return run(settings, args)
    except SettingError as exc:
        print(exc, file=sys.stderr)
        return 2
    except Refusal as exc:
        print(f"sodiary: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
