"""Activity status by identifier (issue 17): ToggleActivity, ToggleActivities, SetActivityStatus and
ToggleAndSetActivities. Identifiers are text such as `appointment_id=666` (service/activities.py)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from sodiary.domain.activities import MAX_IDENTIFIERS
from sodiary.domain.enums import ActivityStatus
from sodiary.service import activities as svc
from sodiary.wire import enums as w
from sodiary.wire.carriers import entity as c
from sodiary.wire.carriers.appointment import AppointmentIdRequest
from sodiary.wire.carriers.entity_view import load_entity
from sodiary.wire.endpoint import AgentMethod, Call
from sodiary.wire.enums import to_domain, to_wire

# What domain/activities.parse accepts, for the document only: the service's 400 names a bad identifier.
_KIND = "|".join("".join(f"[{ch}{ch.upper()}]" if ch.isalpha() else ch for ch in kind)
                 for kind in ("appointment_id", "sale_id", "document_id", "todo_id"))
IDENTIFIER_PATTERN = rf"^\s*(?:{_KIND})\s*=\s*0*[1-9][0-9]{{0,8}}\s*$"
Identifier = Annotated[str, msgspec.Meta(max_length=200, description="appointment_id=N (or sale_id, document_id, "
                                                                     "todo_id: no such record in sodiary)",
                                         extra_json_schema={"pattern": IDENTIFIER_PATTERN})]
Identifiers = Annotated[list[Identifier], msgspec.Meta(max_length=MAX_IDENTIFIERS)]


class ToggleActivityRequest(c.Request):
    activity_identifier: Identifier  # required: without one there is nothing to toggle (the binder's 400)


class ToggleActivitiesRequest(c.Request):
    activity_identifier: Identifiers = msgspec.field(default_factory=list)  # singular name, array value [CL]


class SetActivityStatusRequest(ToggleActivitiesRequest):
    activity_status: w.ActivityStatus = w.ActivityStatus.Unknown  # type: ignore[valid-type]


class ToggleAndSetActivitiesRequest(c.Request):
    activity_identifiers: Identifiers = msgspec.field(default_factory=list)


async def toggle_activity(call: Call, req: ToggleActivityRequest) -> object:
    return to_wire(await svc.toggle(call.db, call.caller, [req.activity_identifier]), w.ActivityStatus)


async def toggle_activities(call: Call, req: ToggleActivitiesRequest) -> object:
    return to_wire(await svc.toggle(call.db, call.caller, req.activity_identifier), w.ActivityStatus)


async def set_activity_status(call: Call, req: SetActivityStatusRequest) -> None:
    await svc.set_status(call.db, call.caller, req.activity_identifier,
                         to_domain(req.activity_status, ActivityStatus))


async def toggle_and_set(call: Call, req: ToggleAndSetActivitiesRequest) -> list[str]:
    return await svc.toggle_and_set(call.db, call.caller, req.activity_identifiers)


async def convert_to_task(call: Call, req: AppointmentIdRequest) -> c.AppointmentEntity | None:
    await svc.convert_to_task(call.db, call.caller, req.appointment_id)
    return await load_entity(call, req.appointment_id)


METHODS: list[AgentMethod] = [
    AgentMethod("ConvertAppointmentToTask", convert_to_task, AppointmentIdRequest, c.AppointmentEntity,
                summary="A diary appointment without other participants becomes a task; a booking stays as it is."),
    AgentMethod("ToggleActivity", toggle_activity, ToggleActivityRequest, w.ActivityStatus,
                summary="Completed, or back to Started, for an appointment_id=N; Unknown when it names no record."),
    AgentMethod("ToggleActivities", toggle_activities, ToggleActivitiesRequest, w.ActivityStatus,
                summary="Toggles each activity, all or nothing; the first one's resulting status."),
    AgentMethod("SetActivityStatus", set_activity_status, SetActivityStatusRequest, None,
                summary="Sets the activities' status, all or nothing; identifiers naming no record are passed over."),
    AgentMethod("ToggleAndSetActivities", toggle_and_set, ToggleAndSetActivitiesRequest, list[str],
                summary="Toggles the first activity and sets the rest to its result; the identifiers not toggled."),
]
