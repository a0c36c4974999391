"""Routes for POST /api/v1/Agents/<Agent>/<Method>: the Appointment agent, and the people agents.

Each area of the agent lives in its own module with a METHODS list; every other one of
SuperOffice's 113 methods is listed and answers 501 in SuperOffice's error shape.
"""

from __future__ import annotations

from . import (
    agent_activities,
    agent_answers,
    agent_calendar,
    agent_diary,
    agent_entities,
    agent_groupings,
    agent_ical,
    agent_lists,
    agent_mail,
    agent_organiser,
    agent_people,
    agent_recurrence,
    agent_tasks,
    agent_video,
)
from .agent_methods import ALL_METHODS
from .endpoint import AgentMethod

AREAS = (agent_answers, agent_entities, agent_ical, agent_lists, agent_organiser, agent_recurrence, agent_diary,
         agent_calendar, agent_activities, agent_tasks, agent_video, agent_groupings,
         agent_mail)


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
        "associate": ("Associate", agent_people.table(agent_people.ASSOCIATE_METHODS)),
        "person": ("Person", agent_people.table(agent_people.PERSON_METHODS)),
        "contact": ("Contact", agent_people.table(agent_people.CONTACT_METHODS)),
        "project": ("Project", agent_people.table(agent_groupings.PROJECT_METHODS)),
    }
