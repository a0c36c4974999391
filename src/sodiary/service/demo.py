"""Demo data: three users and their invitations, so the seed's sample request works at once.

tje0 (password Tje0) is invited by ada to a meeting; tje0's invitation is appointment 685,
the id in SuperOffice's sample Accept request. ada also runs a weekly team meeting with
tje0 and ben invited.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Connection

from ..domain.appointment import AppointmentRow
from ..domain.enums import AppointmentStatus as S
from ..domain.enums import AppointmentType as T
from ..store import appointments, associates, mail
from ..store import entities as rows
from ..store.migrate import wipe
from .apps import listing as registered_apps
from .clock import utc_now
from .passwords import hash_password, verify_password

DEMO_USERS = (("ada", "Ada", "Ada", "Lovelace"), ("ben", "Ben", "Ben", "Hansen"), ("tje0", "Tje0", "Tore", "Jensen"))
SAMPLE_MOTHER_ID = 684
SAMPLE_INVITATION_ID = 685  # tje0's invitation, the seed's sample request
WEEKLY_OCCURRENCES = 10


class NotDemoOnly(Exception):
    """The database holds more than the demo: a reset would destroy real data."""


def load_if_empty(conn: Connection, today: date | None = None) -> bool:
    """Load the demo into a database without users; False (nothing written) when it has any."""
    if associates.users(conn, retired=True):
        return False
    load(conn, today)
    return True


def is_demo_only(conn: Connection) -> bool:
    """Only the demo's users (retired ones included) and no registered application: nothing of value."""
    names = {user.name.lower() for user in associates.users(conn, retired=True)}
    return names <= {name for name, *_ in DEMO_USERS} and not registered_apps(conn)


def reset(conn: Connection, *, force: bool = False, today: date | None = None) -> Demo:
    """Wipe every table and load the demo again, in one transaction; refused unless demo-only or forced."""
    if not force and not is_demo_only(conn):
        raise NotDemoOnly
    wipe(conn)
    return load(conn, today)


def published_logins(conn: Connection) -> list[str]:
    """The demo users who still sign in with the password this module publishes."""
    published = {name: password for name, password, *_ in DEMO_USERS}
    found = []
    for user in associates.users(conn):
        password = published.get(user.name.lower())
        if password is not None and not user.disabled:
            login = associates.find_login(conn, user.name)
            if login is not None and verify_password(login.password_hash, password):
                found.append(user.name)
    return found


@dataclass(frozen=True)
class Demo:
    users: dict[str, int]
    persons: dict[str, int]
    contact_id: int


def next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def load(conn: Connection, today: date | None = None) -> Demo:
    today = today or date.today()
    company = associates.add_contact(conn, "Nordic Diary AS")
    customer = associates.add_contact(conn, "Fjord Consulting AS")
    users, persons = {}, {}
    for name, password, first, last in DEMO_USERS:
        person_id = associates.add_person(conn, company, first, last, f"{name}@example.com")
        users[name] = associates.add_associate(conn, name, hash_password(password), person_id)
        persons[name] = person_id
    customer_person = associates.add_person(conn, customer, "Kari", "Nordmann", "kari@example.net")
    mail.set_culture(conn, customer_person, "nb-NO")  # her invitations are written in Norwegian
    demo = Demo(users, persons, company)

    monday = datetime.combine(next_weekday(today, 0), time(10, 0))
    book(conn, demo, "ada", ["tje0", "ben"], monday, "Project kick-off",
         "Kick-off for the Fjord Consulting project", customer_person, customer,
         ids=(SAMPLE_MOTHER_ID, SAMPLE_INVITATION_ID, SAMPLE_INVITATION_ID + 1))

    thursday = datetime.combine(next_weekday(today, 3), time(9, 0))
    rule_id = appointments.insert_rule(
        conn, pattern=2, sub_pattern=0, cycle=1, weekdays=8, start_date=thursday,
        end_type=2, counter=WEEKLY_OCCURRENCES,
    )
    for week in range(WEEKLY_OCCURRENCES):
        start = thursday + timedelta(weeks=week)
        book(conn, demo, "ada", ["tje0", "ben"], start, "Weekly team meeting", "Status round", 0, 0,
             rule_id=rule_id)
    appointments.sync_sequences(conn)
    return demo


def book(
    conn: Connection,
    demo: Demo,
    organiser: str,
    invitees: list[str],
    start: datetime,
    title: str,
    description: str,
    person_id: int,
    contact_id: int,
    *,
    rule_id: int = 0,
    ids: tuple[int, ...] = (),
) -> int:
    """One mother row for the organiser and one child row per invitee, sharing one text."""
    now = utc_now()
    text_id = appointments.insert_text(conn, description)
    organiser_id = demo.users[organiser]
    common = AppointmentRow(
        person_id=person_id, contact_id=contact_id, start_date=start, end_date=start + timedelta(hours=1),
        active_date=start, title=title, text_id=text_id, recurrence_rule_id=rule_id,
        original_start_date=start if rule_id else None, registered=now, registered_associate_id=organiser_id,
        mother_associate_id=organiser_id,
    )
    explicit = iter(ids)  # the sample's known ids; then the database's
    mother = replace(common, appointment_id=next(explicit, 0), associate_id=organiser_id,
                     invited_person_id=demo.persons[organiser], type=T.inDiary, status=S.NotStarted)
    mother_id = rows.insert_row(conn, mother)
    appointments.set_mother(conn, mother_id, mother_id)
    for invitee in invitees:
        rows.insert_row(conn, replace(common, appointment_id=next(explicit, 0), associate_id=demo.users[invitee],
                                      invited_person_id=demo.persons[invitee], type=T.BookingForDiary,
                                      status=S.Booking, mother_id=mother_id))
    return mother_id
