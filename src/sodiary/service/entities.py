"""Whole appointments: the public face of service/entity/ (defaults and copies, reads and lists, save,
series), so that the wire imports one module. The use cases live in the package's modules."""

from __future__ import annotations

from ..domain.appointment import ListQuery, holding
from .entity.defaults import copy_entity, create_default, next_half_hour
from .entity.model import (
    EntityData,
    ListData,
    ParticipantInput,
    People,
    SaveInput,
    task_type_of,
    type_for_task,
)
from .entity.reads import (
    can_insert_for,
    check_preconditions,
    current,
    find,
    get_appointments,
    get_entity,
    get_records,
    list_data,
    load,
    modified_at,
    organizer_name,
    person_diary,
    version_of,
)
from .entity.save import Edit, edit_entity, refusal, save, save_entity

# Within another use case's unit of work (REST PUT/PATCH with mail): the entity, locked and checked.
current_entity = current

__all__ = [
    "Edit", "EntityData", "ListData", "ListQuery", "ParticipantInput", "People", "SaveInput", "can_insert_for",
    "check_preconditions", "copy_entity", "create_default", "current", "current_entity", "edit_entity", "find",
    "get_appointments", "get_entity", "get_records", "holding", "list_data", "load", "modified_at",
    "next_half_hour", "organizer_name", "person_diary", "refusal", "save", "save_entity", "task_type_of",
    "type_for_task", "version_of",
]
