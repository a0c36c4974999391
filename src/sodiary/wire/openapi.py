"""The OpenAPI 3.1 document, generated from the types that decode requests and encode responses.

Nothing here is written by hand per method: the agent's METHODS lists and rest.OPERATIONS are
walked, and msgspec derives the schemas from the same Structs the binder and encoder use, so
the document cannot drift from what the server does. `python -m sodiary.wire.openapi
--endpoints-md` writes docs/endpoints.md from the same walk.
"""

from __future__ import annotations

import argparse
import re
import sys
import types
import typing
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from sodiary import __version__
from sodiary.web.routes import OPERATIONS as PAGE_OPERATIONS
from sodiary.wire.agent import webhooks as agent_webhooks
from sodiary.wire.agent.methods import ALL_METHODS, NEEDS_MODULE, not_implemented_key
from sodiary.wire.agent.table import agent_methods, agents
from sodiary.wire.auth.sessions import OPERATIONS as SESSION_OPERATIONS
from sodiary.wire.binding import ENUM_NUMBERS, PATCH_VALUE_CONTAINERS
from sodiary.wire.carriers.entity import DATE_PATTERN
from sodiary.wire.decoding import JSON_PATCH_TYPE
from sodiary.wire.decoding import SUPPORTED as REQUEST_TYPES
from sodiary.wire.endpoint import AgentMethod
from sodiary.wire.errors import ErrorBody
from sodiary.wire.messages import message
from sodiary.wire.paths import AGENT_PREFIX, AGENTS_PREFIX
from sodiary.wire.rest.appointment import OPERATIONS as ENTITY_OPERATIONS
from sodiary.wire.rest.appointment import RestOperation
from sodiary.wire.rest.collections import OPERATIONS as COLLECTION_OPERATIONS
from sodiary.wire.rest.people import OPERATIONS as PEOPLE_OPERATIONS
from sodiary.wire.select import ALWAYS_KEPT

OPERATIONS = [*COLLECTION_OPERATIONS, *ENTITY_OPERATIONS, *PEOPLE_OPERATIONS]  # every REST route

REF = "#/components/schemas/{name}"
RESPONSE_TYPES = ("application/json", "text/json", "application/xml", "text/xml")

# Status -> (component name, description). Every error answer has the ErrorBody shape.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "Malformed request: invalid $select, body or query parameter, or an invalid operation"),
    401: ("Unauthorized", "Missing or invalid credentials (WWW-Authenticate names the schemes)"),
    403: ("Forbidden", "The caller may not do this to this appointment"),
    404: ("NotFound", "Unknown appointment id"),
    406: ("NotAcceptable", "Accept names no media type the server can produce (the body is then JSON)"),
    409: ("Conflict", "The appointment's state forbids the operation, or a JSON Patch `test` failed"),
    412: ("PreconditionFailed", "Modified since If-Unmodified-Since"),
    413: ("PayloadTooLarge", "The request body exceeds the configured limit"),
    415: ("UnsupportedMediaType", "Content-Type (or its charset) is not supported"),
    429: ("TooManyRequests", "Too many failed authentications from this client or for this user (Retry-After)"),
    501: ("NotImplemented", "sodiary does not implement this method, or this use of it (e.g. saving a new "
                            "recurring appointment), yet"),
}
# What authentication alone may answer: 401, 403 (XSRF or SO-AppToken refused), 429 (throttled).
AUTH_ERRORS = (401, 403, 429)
AGENT_ERRORS = (400, *AUTH_ERRORS, 404, 406, 409, 413, 415, 501)
UNIMPLEMENTED_ERRORS = (400, *AUTH_ERRORS, 406, 501)  # 400: a malformed $select is refused before the 501

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "Basic": {"type": "http", "scheme": "basic", "description": "User name and password (onsite)."},
    "SOTicket": {"type": "apiKey", "in": "header", "name": "Authorization",
                 "description": "`Authorization: SOTicket <ticket>`, the ticket passed verbatim."},
    "Bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": "`Authorization: Bearer <token>` (SuperID-style access token)."},
    "SOAppToken": {"type": "apiKey", "in": "header", "name": "SO-AppToken",
                   "description": "The partner application's secret; identifies the app, never the user."},
    "XSRF": {"type": "apiKey", "in": "header", "name": "X-XSRF-TOKEN",
             "description": "A logged-in browser session: the header must match the XSRF-TOKEN cookie."},
}
SECURITY: list[dict[str, list[str]]] = [
    {"Basic": []}, {"SOTicket": []}, {"SOTicket": [], "SOAppToken": []}, {"Bearer": []}, {"XSRF": []},
]

_SEGMENT = r"(\*|[A-Za-z_][A-Za-z0-9_.:]*)"
_PATH = rf"{_SEGMENT}(\s*/\s*{_SEGMENT})*"
SELECT_PARAMETER = {
    "name": "$select",
    "in": "query",
    "required": False,
    "description": "Comma-separated property names to keep (case-insensitive, `a/b` for nested ones); "
                   "the others are nulled, as SuperOffice does, so the answer has the `<Name>.Selected` "
                   "shape. Validated on every call, even a void one.",
    "schema": {"type": "string", "pattern": rf"^\s*({_PATH}(\s*,\s*{_PATH})*)?\s*$"},
    "example": "AppointmentId,StartDate,Associate/AssociateId",
}


_PLAIN_NAMES = {str: "string", int: "integer", bool: "boolean", float: "number", type(None): "null", Any: "any"}


def _type_name(tp: Any) -> str:
    """A short, stable name for docs: `Appointment[]`, `string`, `AppointmentEntity | null`."""
    if tp is None:
        return "—"
    if tp in _PLAIN_NAMES:
        return _PLAIN_NAMES[tp]
    if hasattr(tp, "__supertype__"):  # NewType
        return _type_name(tp.__supertype__)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (list, tuple, set, frozenset) and args:
        return _type_name(args[0]) + "[]"
    if origin is dict and args:
        return f"{{string: {_type_name(args[1])}}}"
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is typing.Annotated:
        return _type_name(args[0])
    return str(getattr(tp, "__name__", tp))


class _Schemas:
    """Collects types, then resolves them all in one schema_components call (shared components)."""

    def __init__(self) -> None:
        self._types: list[Any] = [ErrorBody]
        self._resolved: list[dict[str, Any]] = []
        self.components: dict[str, Any] = {}

    def add(self, tp: Any) -> int:
        self._types.append(tp)
        return len(self._types) - 1

    def resolve(self) -> None:
        schemas, self.components = msgspec.json.schema_components(self._types, ref_template=REF)
        self._resolved = list(schemas)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self._resolved[index]


SELECTED = "{name}.Selected"
_NULL: dict[str, Any] = {"type": "null"}


def _component(schema: dict[str, Any], components: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(REF.format(name="")):
        name = ref[len(REF.format(name="")):]
        return name, components[name]
    return None, schema


def _agent_body(body: dict[str, Any], schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """An agent call's body is required exactly when its type has required members.

    No body (or `null`, which the official client posts when it has nothing to send) binds as `{}`
    (`[]` for a list): that is a request when no member is required, and a 400 otherwise."""
    _, target = _component(schema, components)
    required = bool(target.get("required"))
    body["required"] = required
    return schema if required else {"anyOf": [schema, _NULL]}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if schema == {} or schema.get("type") == "null" or _NULL in schema.get("anyOf", ()):
        return schema
    if "anyOf" in schema and len(schema) == 1:
        return {"anyOf": [*schema["anyOf"], _NULL]}
    return {"anyOf": [schema, _NULL]}


class _Selection:
    """What `$select` makes of an answer (wire/select.py), as schemas.

    SuperOffice keeps every member and nulls those not selected ("Other fields are then nulled out"),
    so a selected answer has the same members, each also allowed to be null, except the ones select.py
    always keeps (TableRight, FieldProperties, _Links). Each carrier gets a `<Name>.Selected` component;
    a 200 that $select can change is documented as `anyOf: [<the whole answer>, <the selected answer>]`.
    """

    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components

    def answer(self, schema: dict[str, Any]) -> dict[str, Any]:
        selected = self.schema(schema)
        if selected == schema:
            return schema  # scalars and enums: nothing to select
        branches: list[dict[str, Any]] = []
        for s in (schema, selected):
            for branch in s["anyOf"] if list(s) == ["anyOf"] else [s]:
                if branch not in branches and branch != _NULL:
                    branches.append(branch)
        nullable = _NULL in schema.get("anyOf", ())
        return {"anyOf": [*branches, _NULL] if nullable else branches}

    def schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        name, target = _component(schema, self.components)
        if name is not None:
            if "properties" not in target and "additionalProperties" not in target:
                return schema  # an enum or another scalar component
            selected = SELECTED.format(name=name)
            if selected not in self.components:
                self.components[selected] = {}  # first, so that self-referencing carriers terminate
                self.components[selected] = self._object(target, name)
            return {"$ref": REF.format(name=selected)}
        if "anyOf" in schema:
            return {**schema, "anyOf": [self.schema(s) for s in schema["anyOf"]]}
        if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
            return {**schema, "items": self.schema(schema["items"])}
        if schema.get("type") == "object":
            return self._object(schema, None)
        return schema

    def _object(self, schema: dict[str, Any], name: str | None) -> dict[str, Any]:
        out = dict(schema)
        if name is not None:
            out["title"] = SELECTED.format(name=name)
            out["description"] = (f"{name} as `$select` leaves it: every member is present; those not "
                                  "selected are null.")
        if "properties" in schema:
            out["properties"] = {
                key: value if key.lower() in ALWAYS_KEPT else _nullable(self.schema(value))
                for key, value in schema["properties"].items()
            }
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            out["additionalProperties"] = _nullable(self.schema(additional))
        return out


# The binder refuses a U+0000 in any text it binds (wire/binding.py: PostgreSQL's text cannot hold one), so
# the document forbids it in every string of a body, and in what free-form members (`dict[str, Any]`:
# ExtraFields, FieldProperties, ...) hold. Unknown members are ignored, NUL or not: Structs stay open.
NO_NUL = r"^[^\x00]*$"
_SCALAR: dict[str, Any] = {"anyOf": [{"type": "string", "pattern": NO_NUL}, {"type": ["number", "boolean", "null"]}]}


def _level(below: dict[str, Any]) -> dict[str, Any]:
    """A scalar, or a list or object of `below`: one more level of nesting."""
    return {"anyOf": [_SCALAR, {"type": "array", "items": below},
                      {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": below}]}


JSON_VALUE: dict[str, Any] = {
    "description": "Any JSON value without U+0000 (sodiary keeps the nesting SuperOffice's carriers use: "
                   "three levels)",
    **_level(_level(_SCALAR)),  # JSON_VALUE_CONTAINERS (wire/binding.py) lists/objects, then scalars
}
_JSON_VALUE_REF = {"$ref": REF.format(name="JsonValue")}


def _patch_values() -> dict[str, Any]:
    """PatchValue: any NUL-free JSON value nested up to PATCH_VALUE_CONTAINERS lists/objects — a member of a
    whole entity, which a PATCH may set (wire/rest/patch.py refuses deeper). A chain of components, not a
    recursive one: schemathesis cannot generate from recursive references."""
    names = ["PatchValue", *(f"PatchValue{n}" for n in range(PATCH_VALUE_CONTAINERS - 1, 0, -1))]
    out: dict[str, Any] = {}
    for name, inner in zip(names, [*names[1:], None], strict=True):
        out[name] = _level({"$ref": REF.format(name=inner)} if inner else _SCALAR)
    out["PatchValue"]["description"] = (f"Any JSON value without U+0000, nested at most {PATCH_VALUE_CONTAINERS} "
                                        "levels: what a member of an entity holds")
    return out


def _as_patch_values(node: Any) -> Any:
    """`node` with every JsonValue reference made a PatchValue one (a PATCH body's values)."""
    if isinstance(node, list):
        return [_as_patch_values(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node == _JSON_VALUE_REF:
        return {"$ref": REF.format(name="PatchValue")}
    return {key: _as_patch_values(value) for key, value in node.items()}
_TEXT_KEYS = ("pattern", "enum", "const", "format")


def _without_nul(node: Any) -> Any:
    """Every string schema under `node` refuses U+0000; every free-form value is a NUL-free JSON value."""
    if isinstance(node, list):
        return [_without_nul(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _without_nul(value) for key, value in node.items()}
    kind = out.get("type")
    if (kind == "string" or isinstance(kind, list) and "string" in kind) and not any(k in out for k in _TEXT_KEYS):
        out["pattern"] = NO_NUL
    if kind == "object" and "properties" not in out:  # a dictionary: its keys are text too
        out["propertyNames"] = {"pattern": NO_NUL}
        out.setdefault("additionalProperties", _JSON_VALUE_REF)
    if kind == "array" and "items" not in out:
        out["items"] = _JSON_VALUE_REF
    for key in ("items", "additionalProperties"):
        if out.get(key) == {}:
            out[key] = _JSON_VALUE_REF
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _JSON_VALUE_REF if v == {} else v for k, v in out["properties"].items()}
    return out


# The binder reads a number where a boolean is due (non-zero: true) and an enum's number where its name is,
# as Json.NET does (docs/decisions.md, "Numbers for booleans and enums"): the document says so, so that what it
# allows and what the server takes are the same. Answers still carry true/false and the names.
_BOOLEAN: dict[str, Any] = {"anyOf": [{"type": "boolean"}, {"type": "integer"}]}
_EMPTY: dict[str, Any] = {"const": ""}


def _with_numbers(node: Any) -> Any:
    """Every boolean under `node` also a number; enum components are widened in `_enums_with_numbers`."""
    if isinstance(node, list):
        return [_with_numbers(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _with_numbers(value) for key, value in node.items()}
    branches = out.get("anyOf", ())
    if _NULL in branches and any(b.get("pattern") == DATE_PATTERN for b in branches if isinstance(b, dict)):
        out["anyOf"] = [*branches, _EMPTY]  # a date that may be null may be "": null (carriers/entity.py)
    if out.get("type") == "boolean":
        del out["type"]
        out.update(_BOOLEAN)
    return out


def _enums_with_numbers(components: dict[str, Any]) -> None:
    numbers = {cls.__name__: by_name for cls, by_name in ENUM_NUMBERS.items()}
    for name, schema in components.items():
        if name in numbers and "enum" in schema:
            by_name = numbers[name]
            rest = {k: v for k, v in schema.items() if k != "enum"}
            components[name] = {**rest, "description": "The name, or SuperOffice's number for it: " + ", ".join(
                f"{n} = {by_name[n]}" for n in schema["enum"]),
                "anyOf": [{"enum": schema["enum"]}, {"enum": [by_name[n] for n in schema["enum"]]}]}


def _content(schema: dict[str, Any], types: Iterable[str]) -> dict[str, Any]:
    return {t: {"schema": schema} for t in types}


def _error_refs(statuses: Iterable[int]) -> dict[str, Any]:
    return {str(s): {"$ref": f"#/components/responses/{ERRORS[s][0]}"} for s in sorted(set(statuses))}


def _admits_none(tp: Any) -> bool:
    if typing.get_origin(tp) is typing.Annotated:
        return _admits_none(typing.get_args(tp)[0])
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in typing.get_args(tp)


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is there with a value or not there: `?id=null` is the text "null", which an
    integer parameter refuses, so an optional one is documented by its value's type alone."""
    branches = [s for s in schema.get("anyOf", ()) if s != _NULL]
    if "anyOf" not in schema or len(branches) == len(schema["anyOf"]):
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**rest, **branches[0]} if len(branches) == 1 else {**rest, "anyOf": branches}


def _query_parameters(query: dict[str, Any], schemas: _Schemas, pending: list[Any],
                      select: bool = True) -> list[dict[str, Any]]:
    """A query parameter is required unless its type admits None (the handlers refuse a missing one)."""
    params: list[dict[str, Any]] = [SELECT_PARAMETER] if select else []
    for name, tp in query.items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": not _admits_none(tp),
                                 "description": "Matched case-insensitively."}
        pending.append((param, schemas.add(tp)))
        params.append(param)
    return params


def response_type(method: AgentMethod) -> Any:
    """The 200 body's type: nullable when the handler may answer `null` (unknown or invisible ids)."""
    try:
        returns = typing.get_type_hints(method.handler).get("return")
    except Exception:  # an annotation that does not resolve: document the declared type
        returns = None
    nullable = typing.get_origin(returns) in (typing.Union, types.UnionType) and type(None) in typing.get_args(returns)
    return method.response | None if nullable else method.response


def _why_501(name: str) -> str:
    """The English text of the method's 501 (for a module sodiary lacks, it names the module)."""
    return message(not_implemented_key(name), "en", {"method": name})


def _agent_operation(method: AgentMethod, schemas: _Schemas, pending: list[Any], agent: str = "Appointment"
                     ) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": method.name if agent == "Appointment" else f"{agent}Agent{method.name}",
        "tags": [f"Agents/{agent}"],
        "parameters": _query_parameters(method.query, schemas, pending),
    }
    if method.handler is None:
        op["summary"] = f"{method.name} (not implemented)"
        why = "" if method.name not in NEEDS_MODULE else f" ({_why_501(method.name)})"
        op["description"] = (f"AppointmentAgent.{method.name} is not implemented by sodiary{why}: an authenticated "
                             "call answers 501 in SuperOffice's error shape.")
        op["deprecated"] = False
        op["responses"] = _error_refs(UNIMPLEMENTED_ERRORS)
        return op
    op["summary"] = method.summary or method.name
    errors = set(AGENT_ERRORS)
    if method.request is not None:
        body: dict[str, Any] = {"description": "Member names bind case-insensitively; enums by name or number."}
        pending.append((body, schemas.add(method.request), REQUEST_TYPES, "agent-body"))
        op["requestBody"] = body
    else:
        errors.discard(415)  # the body is not read as a document
    if method.response is None:
        responses: dict[str, Any] = {"204": {"description": "Done; no body"}}
    else:
        ok: dict[str, Any] = {"description": f"{_type_name(method.response)} (`null` when there is nothing)"}
        pending.append((ok, schemas.add(response_type(method)), RESPONSE_TYPES, "selectable"))
        responses = {"200": ok}
    op["responses"] = responses | _error_refs(errors)
    return op


def _rest_operation(rest: RestOperation, schemas: _Schemas, pending: list[Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": "Rest" + rest.method.capitalize() + re.sub(r"[^A-Za-z0-9]+", "_", rest.path).rstrip("_"),
        "tags": [rest.tag],
        "summary": rest.summary,
        "description": f"Calls the same service as AppointmentAgent.{rest.backed_by}." if rest.backed_by
                       else rest.summary + ".",
        "parameters": _query_parameters(rest.query, schemas, pending, rest.takes_select),
    }
    if rest.security is not None:
        op["security"] = rest.security
    if "{id}" in rest.path:
        op["parameters"] = [{"name": "id", "in": "path", "required": True,
                             "schema": {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}},
                            *op["parameters"]]
    for name in reversed(re.findall(r"\{(\w+)\}", rest.path)):  # other path parts (Webhook's SignalEvent)
        if name != "id":
            schema = ({"type": "integer", "minimum": 0, "maximum": 2_147_483_647} if name.endswith("Key")
                      else {"type": "string", "minLength": 1})
            op["parameters"].insert(0, {"name": name, "in": "path", "required": True, "schema": schema})
    for header in rest.headers:
        tags = header.endswith("-Match")
        op["parameters"].append({"name": header, "in": "header", "required": False,
                                 "description": "Entity-tags from ETag (RFC 9110), comma-separated, or *." if tags
                                 else "An HTTP date (RFC 1123), compared at one-second resolution.",
                                 "schema": {"type": "string"},
                                 "example": '"5f1c0a9e2b7d44c1a0e3b6f2"' if tags else "Wed, 21 Oct 2015 07:28:00 GMT"})
    if rest.request is not None:
        body: dict[str, Any] = {"required": rest.body_required}
        pending.append((body, schemas.add(rest.request), rest.request_types, "body"))
        op["requestBody"] = body
    responses: dict[str, Any]
    if rest.response is None:
        responses = {"204": {"description": "Done; no body"}}
    else:
        ok: dict[str, Any] = {"description": _type_name(rest.response)}
        if rest.last_modified:
            ok["headers"] = {"Last-Modified": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}}
        pending.append((ok, schemas.add(rest.response), RESPONSE_TYPES, "selectable" if rest.takes_select else ""))
        responses = {"200": ok}
    if 304 in rest.statuses:
        responses["304"] = {"description": "Not modified (If-None-Match, If-Modified-Since)"}
    errors = {400, *AUTH_ERRORS, 406, *(s for s in rest.statuses if s in ERRORS)}
    op["responses"] = responses | _error_refs(errors)
    return op


def _people_agents() -> list[tuple[str, list[AgentMethod]]]:
    """The agents besides Appointment (Associate, Person, Contact), each with its methods."""
    return [(name, list(table.values())) for key, (name, table) in agents().items() if key != "appointment"]


def document(methods: dict[str, AgentMethod] | None = None,
             rest: Iterable[RestOperation] | None = None) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document as plain data.

    `rest` replaces the REST and login operations (rest.OPERATIONS + sessions.OPERATIONS)."""
    table = methods if methods is not None else agent_methods()
    schemas = _Schemas()
    pending: list[Any] = []  # (target, schema index[, media types]) filled once schemas are resolved
    paths: dict[str, Any] = {}
    for name in ALL_METHODS:
        paths[AGENT_PREFIX + name] = {"post": _agent_operation(table[name.lower()], schemas, pending)}
    for agent, people in _people_agents():
        for method in people:
            described = _agent_operation(method, schemas, pending, agent)
            described["operationId"], described["tags"] = f"{agent}_{method.name}", [f"Agents/{agent}"]
            paths[f"{AGENTS_PREFIX}{agent}/{method.name}"] = {"post": described}
    if rest is None:  # the WebhookAgent (issue 14)
        for method in agent_webhooks.METHODS:
            paths[f"{agent_webhooks.AGENT}/{method.name}"] = {
                "post": _agent_operation(method, schemas, pending, "Webhook")}
    everything = [*OPERATIONS, *SESSION_OPERATIONS, *PAGE_OPERATIONS, *agent_webhooks.OPERATIONS]
    for op in rest if rest is not None else everything:
        paths.setdefault(op.path, {})[op.method.lower()] = _rest_operation(op, schemas, pending)
    schemas.resolve()
    error_body = schemas.components.get("ErrorBody")  # errors may quote what was sent, NUL included
    schemas.components.update(_with_numbers(_without_nul(schemas.components)), JsonValue=JSON_VALUE,
                              **_patch_values())
    if "PatchOperation" in schemas.components:  # its `value` is Any with a default: no `{}` to rewrite
        schemas.components["PatchOperation"]["properties"]["value"] = {"$ref": REF.format(name="PatchValue")}
    _enums_with_numbers(schemas.components)
    if error_body is not None:
        schemas.components["ErrorBody"] = error_body
    selection = _Selection(schemas.components)
    for target, index, *rest_ in pending:
        schema = schemas[index]
        if not rest_:
            target["schema"] = _not_null(schema) if target.get("in") == "query" else schema
            continue
        media, kind = rest_[0], (rest_[1] if len(rest_) > 1 else "")
        if kind in ("agent-body", "body"):
            schema = _with_numbers(_without_nul(schema))
        if kind == "body" and JSON_PATCH_TYPE in media:
            schema = _as_patch_values(schema)
        if kind == "agent-body":
            schema = _agent_body(target, schema, schemas.components)
        elif kind == "selectable":
            schema = selection.answer(schema)
        target["content"] = _content(schema, media)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sodiary — SuperOffice Appointment WebAPI",
            "version": __version__,
            "description": "A self-hosted diary server speaking SuperOffice CRM's appointment WebAPI. "
                           "Responses are PascalCase; requests bind case-insensitively. Every error answer "
                           "has the ErrorBody shape, in English or Norwegian (Accept-Language / SO-Language).",
        },
        "tags": [{"name": "Agents/Appointment", "description": "POST /api/v1/Agents/Appointment/<Method>"},
                 *({"name": f"Agents/{a}", "description": f"POST /api/v1/Agents/{a}/<Method>"}
                   for a, _ in _people_agents()),
                 {"name": "Appointment", "description": "REST /api/v1/Appointment, with HTTP semantics"},
                 {"name": "Agents/Webhook", "description": "POST /api/v1/Agents/Webhook/<Method>"},
                 {"name": "Webhook", "description": "REST /api/v1/Webhook"},
                 {"name": "Sessions", "description": "sodiary's own login routes: SOTicket tickets and "
                                                     "browser sessions (cookie + X-XSRF-TOKEN)"},
                 {"name": "Web page", "description": "sodiary's own helpers of the web page at `/`"}],
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "responses": {
                name: {"description": text, "content": _content(schemas[0], RESPONSE_TYPES)}
                | ({"headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}}
                   if status == 429 else {})
                for status, (name, text) in ERRORS.items()
            },
            "securitySchemes": SECURITY_SCHEMES,
        },
        "security": SECURITY,
    }


def endpoints_markdown(methods: dict[str, AgentMethod] | None = None,
                       rest: Iterable[RestOperation] | None = None) -> str:
    """docs/endpoints.md: every agent method with its status, and the REST routes."""
    table = methods if methods is not None else agent_methods()
    done = sum(1 for name in ALL_METHODS if table[name.lower()].handler is not None)
    lines = [
        "# Endpoints",
        "",
        "Generated by `python -m sodiary.wire.openapi --endpoints-md` from the same tables that route the calls",
        "(tests/e2e/test_openapi.py fails when this file is out of date). The OpenAPI document is served at",
        "`GET /api/openapi.json`, rendered at `GET /api/docs`.",
        "",
        f"## AppointmentAgent — `POST {AGENT_PREFIX}<Method>`",
        "",
        f"{done} of {len(ALL_METHODS)} methods implemented; the others answer **501** in SuperOffice's error shape.",
        "",
        "| # | Method | Status | Request | Response | Summary |",
        "|---|---|---|---|---|---|",
    ]
    for i, name in enumerate(ALL_METHODS, 1):
        m = table[name.lower()]
        if m.handler is None:
            why = f"{_why_501(name)}." if name in NEEDS_MODULE else ""
            lines.append(f"| {i} | {name} | 501 | | | {why} |".replace("|  |", "| |"))
            continue
        response = "204 (void)" if m.response is None else _type_name(m.response)
        lines.append(f"| {i} | {name} | implemented | {_type_name(m.request)} | {response} | {m.summary} |")
    for agent, people in _people_agents():
        lines += ["", f"## {agent}Agent — `POST {AGENTS_PREFIX}{agent}/<Method>`", "",
                  "| Method | Request | Response | Summary |", "|---|---|---|---|"]
        for m in people:
            response = "204 (void)" if m.response is None else _type_name(m.response)
            lines.append(f"| {m.name} | {_type_name(m.request)} | {response} | {m.summary} |")
    lines += ["", "## REST — `/api/v1/Appointment`, `/api/v1/Person`, `/api/v1/Contact`, `/api/v1/Associate`", ""]
    operations = list(rest if rest is not None else OPERATIONS)
    if not operations:
        lines.append("None yet.")
    else:
        lines += ["| Verb | Path | Backed by | Answers | Summary |", "|---|---|---|---|---|"]
        for op in operations:
            ok = "200" if op.response is not None else "204"
            answers = ", ".join([ok, *(str(s) for s in sorted(op.statuses))])
            lines.append(f"| {op.method} | `{op.path}` | {op.backed_by} | {answers} | {op.summary} |")
    if rest is None:
        lines += ["", "## Sessions — sodiary's login routes", "", "| Verb | Path | Answers | Summary |",
                  "|---|---|---|---|"]
        for op in SESSION_OPERATIONS:
            ok = "200" if op.response is not None else "204"
            answers = ", ".join([ok, *(str(s) for s in sorted(op.statuses))])
            lines.append(f"| {op.method} | `{op.path}` | {answers} | {op.summary} |")
        lines += ["", "## Web page — the helpers of the page at `/`", "", "| Verb | Path | Answers | Summary |",
                  "|---|---|---|---|"]
        lines += [f"| {op.method} | `{op.path}` | 200 | {op.summary} |" for op in PAGE_OPERATIONS]
    if rest is None:
        lines += ["", f"## WebhookAgent — `POST {agent_webhooks.AGENT}/<Method>`", "",
                  "| Method | Status | Request | Response | Summary |", "|---|---|---|---|---|"]
        for m in agent_webhooks.METHODS:
            if m.handler is None:
                lines.append(f"| {m.name} | 501 | | | {m.summary} |")
                continue
            response = "204 (void)" if m.response is None else _type_name(m.response)
            lines.append(f"| {m.name} | implemented | {_type_name(m.request)} | {response} | {m.summary} |")
        lines += ["", f"## REST — `{agent_webhooks.PREFIX}`", "", "| Verb | Path | Backed by | Answers | Summary |",
                  "|---|---|---|---|---|"]
        for op in agent_webhooks.OPERATIONS:
            ok = "200" if op.response is not None else "204"
            answers = ", ".join([ok, *(str(s) for s in sorted(op.statuses))])
            lines.append(f"| {op.method} | `{op.path}` | {op.backed_by} | {answers} | {op.summary} |")
    lines += ["", "## Other", "", "| Verb | Path | What |", "|---|---|---|",
              "| GET | `/api/openapi.json` | this API as an OpenAPI 3.1 document (no authentication) |",
              "| GET | `/api/docs` | the document rendered as a page, offline (no CDN) |", ""]
    return "\n".join(lines)


def routes(methods: dict[str, AgentMethod]) -> list[Route]:
    """GET /api/openapi.json and GET /api/docs; public, like SuperOffice's own docs."""
    cache: dict[str, bytes] = {}

    async def openapi_json(request: Request) -> Response:
        if "json" not in cache:
            cache["json"] = msgspec.json.encode(document(methods))
        return Response(cache["json"], media_type="application/json; charset=utf-8")

    async def docs(request: Request) -> Response:
        if "html" not in cache:
            cache["html"] = resources.files(__package__).joinpath("static/docs.html").read_bytes()
        return HTMLResponse(cache["html"])

    return [Route("/api/openapi.json", openapi_json, methods=["GET"]), Route("/api/docs", docs, methods=["GET"])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sodiary.wire.openapi")
    parser.add_argument("--endpoints-md", nargs="?", const="docs/endpoints.md", metavar="PATH",
                        help="write the endpoint list (default docs/endpoints.md)")
    args = parser.parse_args(argv)
    if args.endpoints_md:
        Path(args.endpoints_md).write_text(endpoints_markdown(), encoding="utf-8")
    else:
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(document())).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
