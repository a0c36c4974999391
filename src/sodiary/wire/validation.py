"""ValidateAppointmentEntity and REST `POST /api/v1/Appointment/Validate`: what Save would refuse, as
SuperOffice's StringDictionary (field name -> message, in the caller's language); `{}` when it would save.

The service runs the real save and rolls it back (service.entities.refusal), so this answers exactly
what SaveAppointmentEntity would; like Save, it stops at the first refusal.
"""

from __future__ import annotations

from typing import Any

from sodiary.service import entities as svc
from sodiary.wire.carriers import entity as c
from sodiary.wire.endpoint import Call
from sodiary.wire.errors import ApiError
from sodiary.wire.messages import message
from sodiary.wire.negotiation import language
from sodiary.wire.series_change import save_input_for

# The entity member each refusal is about; recurrence_* keys are about Recurrence.
_FIELDS = {
    "dates_required": "StartDate",
    "end_before_start": "EndDate",
    "unknown_associate": "Associate",
    "unknown_person": "Person",
    "appointment_not_found": "AppointmentId",
    "not_organiser": "AppointmentId",
    "not_your_appointment": "AppointmentId",
    "booking_cancelled": "AppointmentId",
}


def field_of(key: str, params: dict[str, Any]) -> str:
    if isinstance(params.get("field"), str):
        return str(params["field"])
    if key.startswith("recurrence"):
        return "Recurrence"
    return _FIELDS.get(key, "AppointmentEntity")


async def validate(call: Call, entity: c.AppointmentEntity) -> dict[str, str]:
    headers = call.request.headers
    lang = language(headers.get("accept-language"), headers.get("so-language"))
    try:
        data = await save_input_for(call, entity)
    except ApiError as exc:  # a member that cannot be read at all (a date, a flag)
        return {field_of(exc.key, exc.params): message(exc.key, lang, exc.params)}
    refused = await svc.refusal(call.db, call.caller, data)
    if refused is None:
        return {}
    params = dict(refused.params)
    return {field_of(refused.key, params): message(refused.key, lang, params)}
