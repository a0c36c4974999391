"""`GET /api/v1/Appointment`: the OData collection SuperOffice serves from its FindAppointment archive.

Query options as documented: `$select` (columns), `$filter` (SuperOffice's dialect, wire/filter/),
`$orderBy`, `$top`, `$skip`, `$format` (JSON/XML over Accept), `$context` and the provider options
`$mode`, `$entities`, `$options`, `$jsonSafe`, `$output` (accepted; they change nothing here). Any other
`$` option is a 400, so a typo never silently lists everything. The answer is SuperOffice's
ODataSlimResponse: `odata.metadata`, `odata.nextLink` (present while rows remain) and `value`, each row
with `PrimaryKey`, `EntityName` and the selected columns. Rows private to another user never appear.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sodiary.domain import booking
from sodiary.domain import enums as d
from sodiary.domain.query import CollectionQuery, Order, matches, sort_rows
from sodiary.service import collections as svc
from sodiary.service import entities
from sodiary.service.clock import utc_now
from sodiary.store.database import Database
from sodiary.wire.endpoint import Authenticate, Call, encode, guarded, open_call
from sodiary.wire.errors import ApiError
from sodiary.wire.filter import Column, FilterContext, parse_filter, parse_order
from sodiary.wire.negotiation import Format
from sodiary.wire.rest.appointment import MAX_ID, PREFIX, RestOperation
from sodiary.wire.timefmt import TimeContext, time_context

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


def _whole(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or int(text) > MAX_SKIP:
        raise ApiError(400, "ArgumentException", "invalid_query_option", option=name, value=raw[:40])
    return int(text)


def _columns(raw: str | None, catalog: dict[str, Column]) -> list[Column]:
    if raw is None or not raw.strip():
        return [c for c in catalog.values() if c.default]
    chosen: list[Column] = []
    for item in raw.split(","):
        name = item.strip()
        if name == "*":
            chosen.extend(catalog.values())
            continue
        column = catalog.get(name.lower())
        if column is None:
            raise ApiError(400, "ArgumentException", "unknown_column", column=name[:80],
                           columns=", ".join(c.name for c in catalog.values()))
        chosen.append(column)
    return list(dict.fromkeys(chosen))


@dataclass(frozen=True, slots=True)
class _Options:
    """The query options of one collection request, checked against the collection's columns."""

    query: CollectionQuery  # limit: the page size + 1, which tells whether another page follows
    page: int
    columns: list[Column]
    tc: TimeContext


def _options(call: Call, catalog: dict[str, Column], default_order: tuple[Order, ...]) -> _Options:
    query = call.query
    unknown = sorted(k for k in query if k.startswith("$") and k not in _ACCEPTED)
    if unknown:
        raise ApiError(400, "ArgumentException", "unknown_query_option", option=unknown[0][:40],
                       options=", ".join(sorted(_ACCEPTED)))
    columns = _columns(query.get("$select"), catalog)
    tc = time_context(call.request)
    raw_filter = query.get("$filter")
    where = parse_filter(raw_filter, _filter_context(call, tc, catalog)) \
        if raw_filter and raw_filter.strip() else None
    raw_order = query.get("$orderby")
    order = parse_order(raw_order, catalog) if raw_order and raw_order.strip() else default_order
    top = _whole(query, "$top")
    skip = _whole(query, "$skip") or 0
    page = DEFAULT_PAGE if top is None else min(top, MAX_PAGE)
    return _Options(CollectionQuery(where, order, skip, page + 1), page, columns, tc)


def _render(row: Mapping[str, Any], columns: list[Column], tc: TimeContext, key: str,
            entity: str) -> dict[str, Any]:
    out: dict[str, Any] = {"PrimaryKey": row[key], "EntityName": entity}
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


def _filter_context(call: Call, tc: TimeContext, catalog: dict[str, Column]) -> FilterContext:
    today = utc_now().replace(tzinfo=UTC).astimezone(tc.view).date()

    def to_stored(wall: datetime) -> datetime:
        return tc.from_view(wall)

    def parse_datetime(text: str) -> datetime:
        value = tc.parse(text, "$filter")
        if value is None:
            raise ValueError(text)
        return value

    return FilterContext(catalog, call.caller.associate_id, today, to_stored, parse_datetime)


def _next_link(request: Request, skip: int, page: int) -> str:
    """The same query one page on: $top is the page size, as SuperOffice's archive pages by $top and $skip."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k.lower() not in ("$skip", "$top")]
    kept += [("$top", str(page)), ("$skip", str(skip + page))]
    return str(request.url.replace(query=urlencode(kept)))


def _answer(call: Call, options: _Options, rows: list[Mapping[str, Any]], key: str, entity: str) -> Response:
    """One page of rows (fetched one beyond the page) as SuperOffice's ODataSlimResponse."""
    more = len(rows) > options.page
    answer = ODataSlimResponse(
        odata_metadata=f"{call.request.base_url}api/v1/archive$metadata",
        odata_next_link=_next_link(call.request, options.query.offset, options.page) if more else None,
        value=[_render(r, options.columns, options.tc, key, entity) for r in rows[:options.page]],
    )
    call.selection = None  # $select named the columns above; the answer's own members always stay
    return encode(answer, call, "ODataSlimResponse")


async def list_appointments(call: Call) -> Response:
    options = _options(call, APPOINTMENT_COLUMNS, (Order("start_date"),))
    rows = await svc.appointment_page(call.db, call.caller, options.query) if options.page > 0 else []
    return _answer(call, options, rows, "appointment_id", "appointment")


# The address book: persons, companies and users, shared data every signed-in user may read.

PERSON_COLUMNS: dict[str, Column] = {c.name.lower(): c for c in (
    Column("personId", "person_id", "int", default=True),
    Column("firstname", "firstname", "text", default=True),
    Column("lastname", "lastname", "text", default=True),
    Column("email", "email", "text", default=True),
    Column("contactId", "contact_id", "int", default=True),
)}
CONTACT_COLUMNS: dict[str, Column] = {c.name.lower(): c for c in (
    Column("contactId", "contact_id", "int", default=True),
    Column("name", "name", "text", default=True),
    Column("department", "department", "text", default=True),
)}
ASSOCIATE_COLUMNS: dict[str, Column] = {c.name.lower(): c for c in (
    Column("associateId", "associate_id", "int", associate=True, default=True),
    Column("name", "name", "text", default=True),
    Column("personId", "person_id", "int", default=True),
    Column("type", "type", "enum", d.UserType, default=True),
    Column("disabled", "disabled", "bool"),
    Column("deleted", "deleted", "bool", default=True),
)}
PROJECT_COLUMNS: dict[str, Column] = {c.name.lower(): c for c in (
    Column("projectId", "project_id", "int", default=True),
    Column("name", "name", "text", default=True),
    Column("projectNumber", "project_number", "text", default=True),
    Column("associateId", "associate_id", "int", associate=True, default=True),
    Column("done", "done", "bool", default=True),
)}
# table -> (its columns, the key, the entity name, the default order)
_BOOK: dict[str, tuple[dict[str, Column], str, str, tuple[Order, ...]]] = {
    "person": (PERSON_COLUMNS, "person_id", "person", (Order("lastname"), Order("firstname"))),
    "contact": (CONTACT_COLUMNS, "contact_id", "contact", (Order("name"), Order("department"))),
    "associate": (ASSOCIATE_COLUMNS, "associate_id", "associate", (Order("name"),)),
    "project": (PROJECT_COLUMNS, "project_id", "project", (Order("name"),)),
}


def _book_listing(table: str) -> Callable[[Call], Awaitable[Response]]:
    columns, key, entity, order = _BOOK[table]

    async def listing(call: Call) -> Response:
        options = _options(call, columns, order)
        rows = await svc.people_page(call.db, table, options.query) if options.page > 0 else []
        return _answer(call, options, [dict(r, person_id=r["person_id"] or 0) if "person_id" in r else r
                                       for r in rows], key, entity)

    return listing


# Sub-resources of one appointment: its few rows are filtered, sorted and paged in memory.

PARTICIPANT_COLUMNS: dict[str, Column] = {c.name.lower(): c for c in (
    Column("personId", "person_id", "int", default=True),
    Column("associateId", "associate_id", "int", associate=True, default=True),
    Column("contactId", "contact_id", "int", default=True),
    Column("fullName", "full_name", "text", default=True),
    Column("email", "email", "text", default=True),
    Column("invitationStatus", "invitation_status", "enum", d.InvitationStatus, default=True),
    Column("appointmentId", "appointment_id", "int"),
)}
LINK_COLUMNS: dict[str, Column] = {c.name.lower(): c for c in (
    Column("linkId", "link_id", "int", default=True),
    Column("entityName", "entity_name", "text", default=True),
    Column("id", "id", "int", default=True),
    Column("description", "description", "text", default=True),
)}


def _ci(name: str) -> str:
    """`[aA][bB]…`: JSON Schema's patterns have no case-insensitive flag, and names match in any case."""
    return "".join(f"[{ch.lower()}{ch.upper()}]" if ch.isalpha() else re.escape(ch) for ch in name)


def _options_of(columns: dict[str, Column]) -> dict[str, Any]:
    """The query options as the handlers read them (`_options`), for the document: `$select` and `$orderBy`
    name this collection's columns, `$top`/`$skip` are whole numbers, `$format` JSON or XML; the provider
    options are accepted as any text and ignored. `$filter`'s grammar (wire/filter/) is no regular language:
    a filter it refuses is a 400 the document cannot foresee."""
    column = "(?:" + "|".join(_ci(c.name) for c in columns.values()) + ")"
    order = rf"\s*(?:{column}(?:\s+(?:{_ci('asc')}|{_ci('desc')}))?\s*)?"
    select = rf"(?:\*|{column})"
    text = Annotated[str, msgspec.Meta(description="Accepted, and changes nothing here")]
    options: dict[str, Any] = {
        "$select": Annotated[str, msgspec.Meta(
            pattern=rf"^\s*(?:{select}\s*(?:,\s*{select}\s*)*)?$",
            description="Comma-separated columns (any case), `*` for all: "
                        + ", ".join(c.name for c in columns.values()))],
        "$filter": Annotated[str, msgspec.Meta(description="SuperOffice's filter dialect over the same columns")],
        "$orderBy": Annotated[str, msgspec.Meta(pattern=rf"^{order}(?:,{order})*$",
                                                description="`column [asc|desc]`, comma-separated")],
        "$top": Annotated[int, msgspec.Meta(ge=0, le=MAX_SKIP, description=f"Page size; at most {MAX_PAGE} are sent")],
        "$skip": Annotated[int, msgspec.Meta(ge=0, le=MAX_SKIP)],
        "$format": Annotated[str, msgspec.Meta(pattern=rf"^\s*(?:{_ci('json')}|{_ci('xml')})?\s*$",
                                               description="JSON or XML, over Accept")],
        **{name: text for name in ("$context", "$mode", "$entities", "$options", "$jsonSafe", "$output")},
    }
    return {name: tp | None for name, tp in options.items()}  # every option may be left out


OPERATIONS = [
    RestOperation("GET", PREFIX, "Appointments the caller may see, as an OData page: $select, $filter (SuperOffice's "
                  "dialect), $orderBy, $top (page size, at most 1000; default 500), $skip, $format, $context; "
                  "odata.nextLink leads to the next page",
                  "", response=ODataSlimResponse, takes_select=False, last_modified=False,
                  query=_options_of(APPOINTMENT_COLUMNS)),
    *(RestOperation("GET", f"/api/v1/{name}", f"{what}, as an OData page with the same query options (look "
                    f"people up by name with $filter, e.g. `{example}`)", "", response=ODataSlimResponse,
                    last_modified=False, query=_options_of(_BOOK[name.lower()][0]), tag=name, takes_select=False)
      for name, what, example in (("Person", "Persons", "lastname begins 'Han'"),
                                  ("Contact", "Companies", "name contains 'bakeri'"),
                                  ("Associate", "Users (retired ones too: `deleted eq false` leaves them out)",
                                   "name eq 'tje0'"),
                                  ("Project", "Projects", "name begins 'Launch'"))),
    RestOperation("GET", PREFIX + "/{id}/Participants", "The appointment's participants (one per booking row), as an "
                  "OData page with the same query options (404 when unknown)", "", response=ODataSlimResponse,
                  statuses=(404,), last_modified=False, query=_options_of(PARTICIPANT_COLUMNS), takes_select=False),
    RestOperation("GET", PREFIX + "/{id}/Links", "The appointment's links to documents and sales, as an OData page: "
                  "always empty, sodiary has neither (404 when unknown)", "", response=ODataSlimResponse,
                  statuses=(404,), last_modified=False, query=_options_of(LINK_COLUMNS), takes_select=False),
    RestOperation("GET", PREFIX + "/{id}/ForeignKey", "The appointment's foreign keys as key -> value: always {}, "
                  "sodiary keeps none (404 when unknown)", "", response=dict[str, str], statuses=(404,),
                  last_modified=False),
]



def _appointment_id(request: Request) -> int:
    raw = str(request.path_params["id"])
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise ApiError(404, "SoNotFoundException", "not_found", path=request.url.path[:200])
    return int(raw)


async def _visible(call: Call) -> entities.EntityData:
    appointment_id = _appointment_id(call.request)
    data = await entities.get_entity(call.db, call.caller, appointment_id)
    if data is None:
        raise ApiError(404, "SoNotFoundException", "appointment_not_found", appointment_id=appointment_id)
    return data


def _in_memory(rows: list[Mapping[str, Any]], query: CollectionQuery) -> list[Mapping[str, Any]]:
    kept = [r for r in rows if query.where is None or matches(query.where, r)]
    return sort_rows(kept, query.order)[query.offset:query.offset + query.limit]


def _participant_rows(data: entities.EntityData) -> list[Mapping[str, Any]]:
    people = data.people
    rows: list[Mapping[str, Any]] = []
    for row in data.booking:
        user = people.associates.get(row.associate_id)
        person = people.persons.get(row.invited_person_id) or (user.person if user else None)
        status = booking.invitation_status(row.status)
        rows.append({
            "person_id": person.person_id if person else 0, "associate_id": row.associate_id,
            "contact_id": person.contact_id if person else 0,
            "full_name": (person.full_name if person else "") or (user.full_name if user else ""),
            "email": person.email if person else "", "invitation_status": int(status),
            "appointment_id": row.appointment_id,
        })
    return rows


async def list_participants(call: Call) -> Response:
    data = await _visible(call)
    options = _options(call, PARTICIPANT_COLUMNS, (Order("appointment_id"),))
    return _answer(call, options, _in_memory(_participant_rows(data), options.query), "person_id", "person")


async def list_links(call: Call) -> Response:
    await _visible(call)
    options = _options(call, LINK_COLUMNS, (Order("link_id"),))
    return _answer(call, options, [], "link_id", "link")  # sodiary has no documents, sales or links to them


async def foreign_keys(call: Call) -> Response:
    await _visible(call)
    return encode({}, call, "StringDictionary")  # no integration has stored foreign keys here


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
    book = [Route(f"/api/v1/{name}{slash}", endpoint(_book_listing(name.lower())), methods=["GET"])
            for name in ("Person", "Contact", "Associate", "Project") for slash in ("", "/")]
    return [
        Route(PREFIX, listing, methods=["GET"]),
        Route(PREFIX + "/", listing, methods=["GET"]),
        *book,
        Route(PREFIX + "/{id:int}/Participants", endpoint(list_participants), methods=["GET"]),
        Route(PREFIX + "/{id:int}/Links", endpoint(list_links), methods=["GET"]),
        Route(PREFIX + "/{id:int}/ForeignKey", endpoint(foreign_keys), methods=["GET"]),
    ]
