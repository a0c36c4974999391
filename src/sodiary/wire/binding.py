"""Plain request data to typed request objects, the way ASP.NET binds them.

Member names match case-insensitively (the official client sends camelCase, the docs
PascalCase); unknown members are ignored, missing ones take their defaults; enums come as
names in any case or as numbers; numbers may come as strings (form fields, XML text); booleans as
numbers, any non-zero one true, as Json.NET reads them (docs/decisions.md, "Numbers for booleans and
enums"). A list is never made of a JSON number or boolean: only form fields and XML, which cannot say
"a list of one", give one item where a list is due.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from msgspec import inspect as mi

from sodiary.wire.errors import ApiError
from sodiary.wire.timefmt import parse_iso
from sodiary.wire.xml import Elements

T = TypeVar("T")
Normaliser = Callable[[Any], Any]

# Wire enums (values are SuperOffice's names) -> {lower-case name or number: canonical name}.
_ENUM_ALIASES: dict[type[enum.Enum], dict[str, str]] = {}
# Wire enums -> {name: SuperOffice's number}: what the OpenAPI document lists beside the names.
ENUM_NUMBERS: dict[type[enum.Enum], dict[str, int]] = {}


def register_enum_numbers(wire: type[enum.Enum], numbers: dict[str, int]) -> None:
    ENUM_NUMBERS[wire] = dict(numbers)
    aliases = {}
    for member in wire:
        name = str(member.value)
        aliases[name.lower()] = name
        aliases[str(numbers[name])] = name
    _ENUM_ALIASES[wire] = aliases


def _identity(value: Any) -> Any:
    return value


def _enum(cls: type[enum.Enum]) -> Normaliser:
    aliases = _ENUM_ALIASES.get(cls, {str(m.value).lower(): m.value for m in cls})

    def normalise(value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | str):
            return aliases.get(str(value).strip().lower(), value)
        return value

    return normalise


def _bool(value: Any) -> Any:
    if type(value) is int:
        return value != 0
    return value


# Every list a request may carry (ids, dates, participants, ...), checked here once: longer lists were a 500
# beyond PostgreSQL's 65 535 bind parameters and held SQLite's writer for a third of a second (issue 12, item 8).
MAX_LIST_ITEMS = 10_000


class ListTooLong(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def _list(item: Normaliser) -> Normaliser:
    def normalise(value: Any) -> Any:
        # XML's <Ids><int>1</int><int>2</int></Ids>, and an agent's named parameter around a bare list
        # (GetAppointmentList's {"AppointmentIds": [...]}): one member holding the list.
        if isinstance(value, dict) and len(value) == 1:
            (value,) = value.values()
        if value == "" or value is None:
            return [] if value == "" else value
        if not isinstance(value, list):
            if not (type(value) is str or type(value) is Elements):
                return value  # a JSON number, boolean or object is no list: refused as such
            value = [value]  # one repeated form field or XML element
        if len(value) > MAX_LIST_ITEMS:
            raise ListTooLong(len(value))
        return [item(v) for v in value]

    return normalise


# A free-form member (ExtraFields, FieldProperties, an `Any`) holds what SuperOffice's carriers put there:
# text, a list, or an object of them, at most three levels (FieldProperties: name -> FieldRight -> Mask). The
# document's JsonValue describes exactly that (wire/openapi.py), and the binder keeps to it: deeper is a 400.
JSON_VALUE_CONTAINERS = 2
# A PATCH body's values are members of a whole entity (a participant's Associate's FieldProperties: six levels):
# the document's PatchValue allows eight, wire/rest/patch.py refuses deeper.
PATCH_VALUE_CONTAINERS = 8


class NestedTooDeep(Exception):
    pass


def nests_deeper(value: Any, limit: int) -> bool:
    """Whether `value` nests more than `limit` lists/objects inside one another."""
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return False
    if limit == 0:
        return True
    return any(nests_deeper(child, limit - 1) for child in children)


def _json_value(value: Any) -> Any:
    if nests_deeper(value, JSON_VALUE_CONTAINERS):
        raise NestedTooDeep
    return value


class NotADate(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text
        self.path: list[str] = []


def _date(value: Any) -> Any:
    """A date member is text the server reads as a date, wherever it is and whether or not the call then
    uses it (PublishFrom of an entity that is not published): what the document forbids is refused whole,
    not taken and ignored. Other JSON types are msgspec's to refuse."""
    if type(value) is str:
        try:
            parse_iso(value, "")
        except ApiError:
            raise NotADate(value) from None
    return value


def _struct(info: mi.StructType) -> Normaliser:
    fields: dict[str, tuple[str, Normaliser]] = {}

    def normalise(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = {}
        for key, member in value.items():
            target = fields.get(str(key).lower())
            if target is not None:
                try:
                    out[target[0]] = target[1](member)
                except NotADate as exc:
                    exc.path.insert(0, target[0])
                    raise
        return out

    # Filled after creation so that self-referencing carriers terminate.
    _cache[info.cls] = normalise
    for f in info.fields:
        fields[f.encode_name.lower()] = (f.encode_name, _for(f.type))
    return normalise


_cache: dict[Any, Normaliser] = {}


def _for(t: mi.Type) -> Normaliser:
    if isinstance(t, mi.StructType):
        return _cache.get(t.cls) or _struct(t)
    if isinstance(t, mi.EnumType):
        return _enum(t.cls)
    if isinstance(t, mi.BoolType):
        return _bool
    if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return _list(_for(t.item_type))
    if isinstance(t, mi.Metadata):
        return _date if (t.extra or {}).get("date") else _for(t.type)
    if isinstance(t, mi.UnionType):
        inner = [x for x in t.types if not isinstance(x, mi.NoneType)]
        if len(inner) == 1:
            norm = _for(inner[0])
            if isinstance(inner[0], mi.Metadata) and (inner[0].extra or {}).get("date"):
                return lambda v: None if v is None or v == "" else norm(v)
            return lambda v: None if v is None else norm(v)
    if isinstance(t, mi.DictType):
        value_norm = _for(t.value_type)
        return lambda v: {k: value_norm(x) for k, x in v.items()} if isinstance(v, dict) else v
    if isinstance(t, mi.AnyType):
        return _json_value
    return _identity


def normaliser(tp: Any) -> Normaliser:
    cached = _cache.get(tp)
    if cached is None:
        cached = _for(mi.type_info(tp))
        _cache[tp] = cached
    return cached


def has_nul(data: Any) -> bool:
    """Any U+0000 in a string or member name. PostgreSQL's text cannot hold it (SQLite's can), so it is
    refused on every backend alike, before anything is stored. Iterative: the nesting is the client's.
    Written for speed: a body may hold ten thousand ids, and this runs on the event loop."""
    stack = [data]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str:
            if "\x00" in value:
                return True
            continue
        if kind is dict:
            for key in value:
                if type(key) is str and "\x00" in key:
                    return True
            value = value.values()
        elif kind is not list:
            continue
        for item in value:
            kind = type(item)
            if kind is str:
                if "\x00" in item:
                    return True
            elif kind is dict or kind is list:
                stack.append(item)
    return False


def bind(data: Any, tp: type[T]) -> T:
    """Typed request from plain data, or a 400 in SuperOffice's shape."""
    name = getattr(tp, "__name__", str(tp))
    try:
        normalised = normaliser(tp)(data)  # first: a list over the limit is refused before anything walks it
        # What binds, not what was sent: an unknown member is ignored whatever it holds (as the document's
        # additionalProperties say), so a NUL in it is no reason to refuse the call.
        if has_nul(normalised):
            raise ApiError(400, "ArgumentException", "body_invalid", type=name,
                           detail="text may not contain NUL (U+0000)")
        return msgspec.convert(normalised, tp, strict=False)
    except ListTooLong as exc:
        raise ApiError(400, "ArgumentException", "list_too_long", type=name, count=exc.count,
                       limit=MAX_LIST_ITEMS) from None
    except NotADate as exc:
        raise ApiError(400, "ArgumentException", "invalid_datetime", field=".".join(exc.path) or name,
                       value=exc.text[:60]) from None
    except NestedTooDeep:
        raise ApiError(400, "ArgumentException", "body_invalid", type=name,
                       detail="a free-form member nests lists or objects deeper than three levels") from None
    except msgspec.ValidationError as exc:
        raise ApiError(400, "ArgumentException", "body_invalid", type=name, detail=str(exc)) from None
