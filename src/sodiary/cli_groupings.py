"""`sodiary group | heading | project | workhours ...`: user groups (GetDiaryByGroup, an Associate's
GroupIdx), task headings (the ...ByTaskHeading lists), projects with their members, and users' own
working days (GetNextAvailableTime, PercentageBusy), for operators.

SuperOffice administers these in its admin client and List agent, which sodiary does not serve.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.engine import Connection

from .config import SettingError, Weekdays, WorkingHours
from .service import groupings as svc
from .store import groupings as store
from .store import working_hours
from .store.database import Database
from .store.schema import associate

COMMANDS = ("group", "heading", "project", "workhours")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p_group = subparsers.add_parser("group", help="user groups: add, member, list")
    groups = p_group.add_subparsers(dest="group_command", required=True)
    p_add = groups.add_parser("add", help="add a user group; prints its id")
    p_add.add_argument("name")
    p_add.add_argument("--description", default="")
    p_add.add_argument("--rank", type=int, default=0, help="a user's GroupIdx is their first group by rank")
    p_member = groups.add_parser("member", help="put users (by user name) in a group (by name)")
    p_member.add_argument("group")
    p_member.add_argument("users", nargs="+")
    groups.add_parser("list", help="list groups: id, name, rank, members")

    p_heading = subparsers.add_parser("heading", help="task headings: add, list")
    headings = p_heading.add_subparsers(dest="heading_command", required=True)
    p_hadd = headings.add_parser("add", help="add a task heading over tasks (by id); prints its id")
    p_hadd.add_argument("name")
    p_hadd.add_argument("--task", type=int, action="append", default=[], dest="tasks", help="a task list item id")
    p_hadd.add_argument("--rank", type=int, default=0)
    headings.add_parser("list", help="list headings: id, name, rank, task ids")

    p_project = subparsers.add_parser("project", help="projects: add, member, list")
    projects = p_project.add_subparsers(dest="project_command", required=True)
    p_padd = projects.add_parser("add", help="add a project; prints its id")
    p_padd.add_argument("name")
    p_padd.add_argument("--number", default="", help="the project number")
    p_padd.add_argument("--owner", help="the user name of the project's owner")
    p_pmember = projects.add_parser("member", help="make persons (by id) members of a project (by id)")
    p_pmember.add_argument("project", type=int)
    p_pmember.add_argument("persons", type=int, nargs="+")
    projects.add_parser("list", help="list projects: id, number, name, member person ids")

    p_hours = subparsers.add_parser("workhours", help="users' own working days: set, clear, list")
    hours = p_hours.add_subparsers(dest="workhours_command", required=True)
    p_set = hours.add_parser("set", help="a user's own working hours and days (over SODIARY_WORKING_HOURS/DAYS)")
    p_set.add_argument("user")
    p_set.add_argument("hours", help="HH:MM-HH:MM")
    p_set.add_argument("--days", default="mon-fri", help="weekdays such as mon-fri or sun,mon,tue,wed,thu")
    hours.add_parser("clear", help="a user goes back to the settings' working day").add_argument("user")
    hours.add_parser("list", help="list users with their own working day: user name, hours, days")


def _user_ids(conn: Connection, names: list[str]) -> list[int]:
    q = select(associate.c.name, associate.c.associate_id).where(associate.c.name.in_(names))
    found = {r[0]: r[1] for r in conn.execute(q)}
    missing = [n for n in names if n not in found]
    if missing:
        raise svc.Refused(f"no such user: {', '.join(missing)}")
    return [int(found[n]) for n in names]


def _group_id(conn: Connection, name: str) -> int:
    found = store.group_named(conn, name)
    if found is None:
        raise svc.Refused(f"no such group: {name}")
    return found


def _commands(args: argparse.Namespace) -> Callable[[Connection], None]:
    """The command as one unit of work that prints what it did."""
    command = args.command, getattr(args, f"{args.command}_command")

    def work(conn: Connection) -> None:
        if command == ("group", "add"):
            print(svc.add_group(conn, args.name, args.description, args.rank))
        elif command == ("group", "member"):
            svc.add_group_members(conn, _group_id(conn, args.group), _user_ids(conn, args.users))
        elif command == ("group", "list"):
            for g in store.groups(conn):
                print(f"{g.group_id}\t{g.name}\t{g.rank}\t{','.join(map(str, g.associate_ids))}")
        elif command == ("heading", "add"):
            print(svc.add_heading(conn, args.name, args.tasks, args.rank))
        elif command == ("heading", "list"):
            for h in store.headings(conn):
                print(f"{h.heading_id}\t{h.name}\t{h.rank}\t{','.join(map(str, h.task_ids))}")
        elif command == ("project", "add"):
            owner = _user_ids(conn, [args.owner])[0] if args.owner else 0
            print(svc.add_project(conn, args.name, args.number, owner))
        elif command == ("project", "member"):
            svc.add_project_members(conn, args.project, args.persons)
        elif command == ("workhours", "set"):
            try:
                span, days = WorkingHours()("hours", args.hours), Weekdays()("--days", args.days)
            except SettingError as exc:
                raise svc.Refused(f"{exc.value!r} is not valid: {exc.allowed}") from None
            working_hours.put(conn, _user_ids(conn, [args.user])[0], span, days)
        elif command == ("workhours", "clear"):
            working_hours.clear(conn, _user_ids(conn, [args.user])[0])
        elif command == ("workhours", "list"):
            names = {r[0]: r[1] for r in conn.execute(select(associate.c.associate_id, associate.c.name))}
            for user, (span, days) in sorted(working_hours.every(conn).items()):
                print(f"{names.get(user, user)}\t{span}\t{days}")
        else:
            for p in store.projects(conn).values():
                print(f"{p.project_id}\t{p.project_number}\t{p.name}\t{','.join(map(str, p.person_ids))}")

    return work


def run(db: Database, args: argparse.Namespace) -> int:
    try:
        db.run_sync(_commands(args))
        return 0
    except svc.Refused as exc:
        print(f"sodiary: {exc}", file=sys.stderr)
        return 1
