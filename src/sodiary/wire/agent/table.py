"""Routes for POST /api/v1/Agents/<Agent>/<Method>: the Appointment agent, and the people agents.

Each area of the agent lives in its own module with a METHODS list; every other one of
SuperOffice's 113 methods is listed and answers 501 in SuperOffice's error shape.
"""

from __future__ import annotations

from sodiary.wire.agent import (
    activities,
    answers,
    calendar,
    diary,
    entities,
    groupings,
    ical,
    lists,
    mail,
    organiser,
    people,
    recurrence,
    tasks,
    video,
)
from sodiary.wire.agent.methods import ALL_METHODS
from sodiary.wire.endpoint import AgentMethod

AREAS = (answers, entities, ical, lists, organiser, recurrence, diary, calendar, activities, tasks, video,
         groupings, mail)


def implemented() -> list[AgentMethod]:
    return [m for area in AREAS for m in area.METHODS]


def agent_methods() -> dict[str, AgentMethod]:
    """Lower-case name -> method; ASP.NET routes are case-insensitive."""
    table = {name.lower(): AgentMethod(name, None) for name in ALL_METHODS}
    for method in implemented():
        assert method.name.lower() in table, f"{method.name} is not an AppointmentAgent method"
        table[method.name.lower()] = method
    return table


def agents() -> dict[str, tuple[str, dict[str, AgentMethod]]]:
    """Every agent sodiary serves at /api/v1/Agents/<Agent>/<Method>: lower-case name -> (name, its methods)."""
    return {
        "appointment": ("Appointment", agent_methods()),
        "associate": ("Associate", people.table(people.ASSOCIATE_METHODS)),
        "person": ("Person", people.table(people.PERSON_METHODS)),
        "contact": ("Contact", people.table(people.CONTACT_METHODS)),
        "project": ("Project", people.table(groupings.PROJECT_METHODS)),
    }
