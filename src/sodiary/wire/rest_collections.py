"""`GET /api/v1/Appointment`: the OData collection SuperOffice serves from its FindAppointment archive.

Query options as documented: `$select` (columns), `$filter` (SuperOffice's dialect, wire/filter/),
`$orderBy`, `$top`, `$skip`, `$format` (JSON/XML over Accept), `$context` and the provider options
`$mode`, `$entities`, `$options`, `$jsonSafe`, `$output` (accepted; they change nothing here). Any other
`$` option is a 400, so a typo never silently lists everything. The answer is SuperOffice's
ODataSlimResponse: `odata.metadata`, `odata.nextLink` (present while rows remain) and `value`, each row
with `PrimaryKey`, `EntityName` and the selected columns. Rows private to another user never appear.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..domain import enums as d
from ..domain.query import CollectionQuery, Order
from ..service import collections as svc
from ..service.clock import utc_now
from ..store.database import Database
from .endpoint import Authenticate, Call, encode, guarded, open_call
from .errors import ApiError
from .filter import Column, FilterContext, parse_filter, parse_order
from .negotiation import Format
from .rest import PREFIX, RestOperation
from .timefmt import TimeContext, time_context

DEFAULT_PAGE = 500  # rows per answer without $top
MAX_PAGE = 1000  # rows per answer at most, whatever $top asks; odata.nextLink leads on
MAX_SKIP = 2_147_483_647

APPOINTMENT_COLUMNS: dict[str, Column] = {c.name.lower(): c for c in (
    Column("appointmentId", "appointment_id", "int", default=True),
    Column("date", "start_date", "datetime", default=True),
    Column("endDate", "end_date", "datetime", default=True),
    Column("title", "title", "text", default=True),
    Column("location", "location", "text"),
    Column("associateId", "associate_id", "int", associate=True, default=True),
    Column("contactId", "contact_id", "int", default=True),
    Column("personId", "person_id", "int", default=True),
    Column("invitedPersonId", "invited_person_id", "int"),
    Column("motherId", "mother_id", "int"),
    Column("taskId", "task_id", "int"),
    Column("recurrenceRuleId", "recurrence_rule_id", "int"),
    Column("type", "type", "enum", d.AppointmentType, default=True),
    Column("status", "status", "enum", d.AppointmentStatus, default=True),
    Column("private", "private", "enum", d.AppointmentPrivate),
    Column("isAllDay", "is_allday", "bool"),
    Column("isFree", "is_free", "bool"),
    Column("hasAlarm", "has_alarm", "bool"),
    Column("registered", "registered", "datetime"),
    Column("registeredAssociateId", "registered_associate_id", "int", associate=True),
    Column("updated", "updated", "datetime"),
    Column("updatedAssociateId", "updated_associate_id", "int", associate=True),
)}
_UTC_STAMPS = {"registered", "updated"}  # stored in UTC, the rest as the base zone's wall clock
_ACCEPTED = {"$select", "$filter", "$orderby", "$top", "$skip", "$format", "$context", "$mode", "$entities",
             "$options", "$jsonsafe", "$output"}
_FORMATS = {"json": b"application/json", "xml": b"application/xml"}


class ODataSlimResponse(msgspec.Struct, omit_defaults=True, kw_only=True):
    """SuperOffice's collection answer: the rows of one page and, while more remain, the link to the next."""

    odata_metadata: str = msgspec.field(name="odata.metadata", default="")
    odata_next_link: str | None = msgspec.field(name="odata.nextLink", default=None)
    value: list[dict[str, Any]]  # no default: present even when empty


OPERATIONS = [
    RestOperation("GET", PREFIX, "Appointments the caller may see, as an OData page: $select, $filter (SuperOffice's "
                  "dialect), $orderBy, $top (page size, at most 1000; default 500), $skip, $format, $context; "
                  "odata.nextLink leads to the next page",
                  "", response=ODataSlimResponse, statuses=(), takes_select=True, last_modified=False,
                  query={"$filter": str, "$orderBy": str, "$top": int, "$skip": int, "$format": str, "$context": str,
                         "$mode": str, "$entities": str, "$options": str, "$jsonSafe": bool, "$output": str}),
]


def _whole(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or int(text) > MAX_SKIP:
        raise ApiError(400, "ArgumentException", "invalid_query_option", option=name, value=raw[:40])
    return int(text)


def _columns(raw: str | None) -> list[Column]:
    if raw is None or not raw.strip():
        return [c for c in APPOINTMENT_COLUMNS.values() if c.default]
    chosen: list[Column] = []
    for item in raw.split(","):
        name = item.strip()
        if name == "*":
            chosen.extend(APPOINTMENT_COLUMNS.values())
            continue
        column = APPOINTMENT_COLUMNS.get(name.lower())
        if column is None:
            raise ApiError(400, "ArgumentException", "unknown_column", column=name[:80],
                           columns=", ".join(c.name for c in APPOINTMENT_COLUMNS.values()))
        chosen.append(column)
    return list(dict.fromkeys(chosen))


def _render(row: Mapping[str, Any], columns: list[Column], tc: TimeContext) -> dict[str, Any]:
    out: dict[str, Any] = {"PrimaryKey": row["appointment_id"], "EntityName": "appointment"}
    for column in columns:
        value = row[column.store]
        if column.kind == "datetime":
            value = tc.render_utc(value) if column.store in _UTC_STAMPS else tc.render(value)
        elif column.kind == "enum" and column.enum is not None:
            value = column.enum(value).name.rstrip("_")
        elif column.kind == "bool":
            value = bool(value)
        out[column.name] = value
    return out


def _filter_context(call: Call, tc: TimeContext) -> FilterContext:
    today = utc_now().replace(tzinfo=UTC).astimezone(tc.view).date()

    def to_stored(wall: datetime) -> datetime:
        return tc.from_view(wall)

    def parse_datetime(text: str) -> datetime:
        value = tc.parse(text, "$filter")
        if value is None:
            raise ValueError(text)
        return value

    return FilterContext(APPOINTMENT_COLUMNS, call.caller.associate_id, today, to_stored, parse_datetime)


def _next_link(request: Request, skip: int, page: int) -> str:
    """The same query one page on: $top is the page size, as SuperOffice's archive pages by $top and $skip."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k.lower() not in ("$skip", "$top")]
    kept += [("$top", str(page)), ("$skip", str(skip + page))]
    return str(request.url.replace(query=urlencode(kept)))


async def list_appointments(call: Call) -> Response:
    query = call.query
    unknown = sorted(k for k in query if k.startswith("$") and k not in _ACCEPTED)
    if unknown:
        raise ApiError(400, "ArgumentException", "unknown_query_option", option=unknown[0][:40],
                       options=", ".join(sorted(_ACCEPTED)))
    columns = _columns(query.get("$select"))
    tc = time_context(call.request)
    raw_filter = query.get("$filter")
    where = parse_filter(raw_filter, _filter_context(call, tc)) if raw_filter and raw_filter.strip() else None
    raw_order = query.get("$orderby")
    order = parse_order(raw_order, APPOINTMENT_COLUMNS) if raw_order and raw_order.strip() else (Order("start_date"),)
    top = _whole(query, "$top")
    skip = _whole(query, "$skip") or 0
    page = DEFAULT_PAGE if top is None else min(top, MAX_PAGE)
    # One row more than the page tells whether another page follows, without counting them all.
    rows = await svc.appointment_page(call.db, call.caller, CollectionQuery(where, order, skip, page + 1)) \
        if page > 0 else []
    more = len(rows) > page
    rows = rows[:page]
    base = str(call.request.base_url)
    answer = ODataSlimResponse(
        odata_metadata=f"{base}api/v1/archive$metadata",
        odata_next_link=_next_link(call.request, skip, page) if more else None,
        value=[_render(r, columns, tc) for r in rows],
    )
    call.selection = None  # $select named the columns above; the answer's own members always stay
    return encode(answer, call, "ODataSlimResponse")


def _format_override(request: Request) -> bool:
    """`$format` wins over Accept (as documented): rewrite Accept before negotiation. False: a bad value."""
    raw = next((v for k, v in request.query_params.multi_items() if k.lower() == "$format"), None)
    if raw is None or not raw.strip():
        return True
    media = _FORMATS.get(raw.strip().lower())
    if media is None:
        return False
    headers = [(k, v) for k, v in request.scope["headers"] if k != b"accept"]
    request.scope["headers"] = [*headers, (b"accept", media)]
    return True


def routes(db: Database, authenticate: Authenticate) -> list[BaseRoute]:
    def endpoint(verb: Callable[[Call], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            known_format = _format_override(request)
            request = Request(request.scope, request.receive)  # headers as rewritten

            async def work(fmt: Format) -> Response:
                call = await open_call(request, db, authenticate, fmt)
                if not known_format:
                    raise ApiError(400, "ArgumentException", "invalid_query_option", option="$format",
                                   value=call.query.get("$format", "")[:40])
                return await verb(call)

            return await guarded(request, work)

        return handle

    listing = endpoint(list_appointments)
    return [Route(PREFIX, listing, methods=["GET"]), Route(PREFIX + "/", listing, methods=["GET"])]
