"""Agent methods of answers from any calendar (issue 15): UpdateAppointmentFromIcsResponse, the UID methods,
the answers to invitations that came in by e-mail (CreateAndAccept, CreateAndAcceptWithEmailConfirmation,
DeclineInvitationFromEmailItem), the mail intake and the subscription feed."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sodiary.domain import enums as d
from sodiary.domain.errors import Invalid
from sodiary.ical.reply import IcsError
from sodiary.service import ical, ical_mail
from sodiary.store.database import Database
from sodiary.store.email_items import EmailItem
from sodiary.wire import enums as w
from sodiary.wire.agent.entities import create_default
from sodiary.wire.carriers import appointment as c
from sodiary.wire.carriers import entity as ec
from sodiary.wire.carriers.entity_view import entity_carrier, load_entity
from sodiary.wire.endpoint import AgentMethod, Authenticate, Call, guarded, open_call, read_body
from sodiary.wire.errors import ApiError
from sodiary.wire.mailing import mail_options
from sodiary.wire.negotiation import Format
from sodiary.wire.series_change import save_input_for
from sodiary.wire.timefmt import time_context

Uid = Annotated[str, msgspec.Meta(min_length=1, max_length=255, description="An iCalendar UID")]


class UpdateFromIcsRequest(c.Request):
    """The responder's address and the iCalendar REPLY, base64-encoded as the official client sends it."""

    email_address: str = ""
    ics_data: bytes = b""


class UidRequest(c.Request):
    uid: Uid


class CreateForUidRequest(c.Request):
    """An importer's create-if-absent: the entity to create and the UID to reserve for it."""

    appointment_entity: ec.AppointmentEntity
    uid: Uid


class GetUidRequest(c.Request):
    appointment_id: ec.Int32 = 0
    use_mother_id: bool = False


async def update_from_ics_response(call: Call, req: UpdateFromIcsRequest) -> bool:
    try:
        return await ical.update_from_ics_response(call.db, call.caller, req.email_address, req.ics_data,
                                                   mail_options(call, False).zone)
    except IcsError as exc:
        raise Invalid("bad_ics", reason=str(exc)) from None


async def get_uid(call: Call, req: GetUidRequest) -> str | None:
    if req.appointment_id <= 0:
        return None
    return await ical.uid_from_appointment_id(call.db, call.caller, req.appointment_id, req.use_mother_id)


async def get_from_uid(call: Call, req: UidRequest) -> ec.AppointmentEntity:
    mother_id = await ical.mother_of_uid(call.db, req.uid.strip())
    found = await load_entity(call, mother_id) if mother_id is not None else None
    # Never null: an unknown UID, or one of a row the caller may not see, answers a default entity.
    return found if found is not None else await create_default(call, None)


async def create_for_uid(call: Call, req: CreateForUidRequest) -> ec.AppointmentEntity | None:
    data = await save_input_for(call, req.appointment_entity, d.RecurrenceUpdateMode.OnlyThis)
    saved = await ical.create_for_uid(call.db, call.caller, req.uid.strip(), data)
    return entity_carrier(saved, call.caller, time_context(call.request)) if saved is not None else None


class EmailItemRequest(c.Request):
    """An invitation that came in by e-mail (GET /api/v1/Sodiary/EmailItem lists the caller's)."""

    email_item_id: ec.Int32 = 0
    update_mode: w.RecurrenceUpdateMode = w.RecurrenceUpdateMode.Unknown  # type: ignore[valid-type]


class DeclineEmailItemRequest(c.Request):
    email_item_id: ec.Int32 = 0
    reject_reason: Annotated[str, msgspec.Meta(max_length=4000)] = ""


async def create_and_accept(call: Call, req: EmailItemRequest) -> None:
    opts = mail_options(call, False)
    await ical_mail.create_and_accept(call.db, call.caller, req.email_item_id, False, opts.zone, opts.language)


async def create_and_accept_confirmed(call: Call, req: EmailItemRequest) -> None:
    opts = mail_options(call, True)
    await ical_mail.create_and_accept(call.db, call.caller, req.email_item_id, True, opts.zone, opts.language)


async def decline_email_item(call: Call, req: DeclineEmailItemRequest) -> None:
    opts = mail_options(call, True)
    await ical_mail.decline(call.db, call.caller, req.email_item_id, " ".join(req.reject_reason.split())[:254],
                            opts.zone, opts.language)


METHODS: list[AgentMethod] = [
    AgentMethod("CreateAndAccept", create_and_accept, EmailItemRequest, None,
                summary="Creating an appointment from an emailItem invitation and accepting it."),
    AgentMethod("CreateAndAcceptWithEmailConfirmation", create_and_accept_confirmed, EmailItemRequest, None,
                summary="Creating an appointment from an emailItem invitation and accepting it, with email "
                        "confirmation to the meeting organizer."),
    AgentMethod("DeclineInvitationFromEmailItem", decline_email_item, DeclineEmailItemRequest, None,
                summary="Declining an appointment invitation where no tentative appointments have been created."),
    AgentMethod("CreateAppointmentForUID", create_for_uid, CreateForUidRequest, ec.AppointmentEntity | None,
                summary="Create an appointment with a given UID if the UID is unused, otherwise null."),
    AgentMethod("GetAppointmentFromUID", get_from_uid, UidRequest, ec.AppointmentEntity,
                summary="Get the appointment that corresponds to the given UID, or a default entity."),
    AgentMethod("UpdateAppointmentFromIcsResponse", update_from_ics_response, UpdateFromIcsRequest, bool,
                summary="Update the attendance to an appointment based on incoming ICS RSVPs."),
    AgentMethod("GetUIDFromAppointmentId", get_uid, GetUidRequest, str | None,
                summary="Get the UID associated with the appointment id in the Invitation table."),
]


# --- The subscription feed (not agent methods: a calendar app fetches it with no credentials) -------

FEED_PATH = "/api/v1/Sodiary/Calendar/"
SHORT_FEED_PATH = "/ical/"


def routes(db: Database, authenticate: Authenticate) -> list[BaseRoute]:
    async def create_feed(request: Request) -> Response:
        async def work(fmt: Format) -> Response:
            call = await open_call(request, db, authenticate, fmt)
            feed_id, token = await ical.create_feed(db, call.caller.associate_id)
            url = str(request.base_url).rstrip("/") + FEED_PATH + token + ".ics"
            return JSONResponse({"CalendarFeedId": feed_id, "Url": url, "Token": token}, status_code=201,
                                headers={"Cache-Control": "no-store"})

        return await guarded(request, work)

    async def list_feeds(request: Request) -> Response:
        async def work(fmt: Format) -> Response:
            call = await open_call(request, db, authenticate, fmt)
            found = await ical.list_feeds(db, call.caller.associate_id)
            return JSONResponse([{"CalendarFeedId": i, "Created": created.replace(microsecond=0).isoformat() + "Z"}
                                 for i, created in found])

        return await guarded(request, work)

    async def revoke_feed(request: Request) -> Response:
        async def work(fmt: Format) -> Response:
            call = await open_call(request, db, authenticate, fmt)
            feed_id = int(request.path_params["id"])
            if not 0 < feed_id <= 2_147_483_647 or not await ical.revoke_feed(db, call.caller.associate_id, feed_id):
                raise ApiError(404, "SoNotFoundException", "feed_not_found", feed_id=feed_id)
            return Response(status_code=204)

        return await guarded(request, work)

    async def get_feed(request: Request) -> Response:
        token = str(request.path_params["token"])
        settings = getattr(request.app.state, "settings", None)
        body = await ical.feed(db, token, getattr(settings, "time_zone", "UTC") or "UTC",
                               getattr(settings, "feed_days_back", ical.FEED_DAYS_BACK),
                               getattr(settings, "feed_days_ahead", ical.FEED_DAYS_AHEAD))
        if body is None:
            # The same answer for an unknown, revoked or malformed token: the URL is the only secret.
            return Response("Not found\n", status_code=404, media_type="text/plain")
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        wanted = [t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")]
        if etag in wanted or "*" in wanted:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)

    async def receive_mail(request: Request) -> Response:
        async def work(fmt: Format) -> Response:
            call = await open_call(request, db, authenticate, fmt)
            settings = getattr(request.app.state, "settings", None)
            allowed = {n.strip().lower() for n in (getattr(settings, "mail_intake_users", "") or "").split(",")}
            if call.caller.name.lower() not in allowed - {""}:
                raise ApiError(403, "SoAccessDeniedException", "mail_intake_forbidden", user=call.caller.name)
            raw = await read_body(request, ical_mail.MAX_MESSAGE_BYTES)
            try:
                done = await ical_mail.receive(db, raw, getattr(settings, "time_zone", "UTC") or "UTC")
            except IcsError as exc:
                raise ApiError(400, "ArgumentException", "bad_mail", reason=str(exc)) from None
            return JSONResponse({"Method": done.method, "UID": done.uid, "Applied": done.applied,
                                 "Recipients": len(done.recipients)})

        return await guarded(request, work)

    async def list_email_items(request: Request) -> Response:
        async def work(fmt: Format) -> Response:
            call = await open_call(request, db, authenticate, fmt)
            found = await ical_mail.items(db, call.caller)
            return JSONResponse([_email_item(i) for i in found])

        return await guarded(request, work)

    return [
        Route("/api/v1/Sodiary/Mail", receive_mail, methods=["POST"]),
        Route("/api/v1/Sodiary/EmailItem", list_email_items, methods=["GET"]),
        Route("/api/v1/Sodiary/CalendarFeed", create_feed, methods=["POST"]),
        Route("/api/v1/Sodiary/CalendarFeed", list_feeds, methods=["GET"]),
        Route("/api/v1/Sodiary/CalendarFeed/{id:int}", revoke_feed, methods=["DELETE"]),
        Route(FEED_PATH + "{token:str}.ics", get_feed, methods=["GET"]),
        # The short address calendar apps are given in guides (issue 15): the same feed, the same token.
        Route(SHORT_FEED_PATH + "{token:str}.ics", get_feed, methods=["GET"]),
    ]


def _email_item(item: EmailItem) -> dict[str, object]:
    def utc(value: datetime) -> str:
        return value.replace(microsecond=0).isoformat() + "Z"

    return {"EmailItemId": item.email_item_id, "UID": item.event_uid, "Status": item.status,
            "Title": item.title, "Location": item.location, "OrganizerEmail": item.organizer_email,
            "OrganizerName": item.organizer_fullname, "StartDate": utc(item.start_utc), "EndDate": utc(item.end_utc),
            "IsAlldayEvent": item.is_allday, "AppointmentId": item.appointment_id, "Received": utc(item.received)}
