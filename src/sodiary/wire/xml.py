"""XML in and out. Parsing goes through defusedxml: no entities, no DTDs, no network."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree as SafeET

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _value(el: Element) -> Any:
    if el.get(XSI_NIL) in ("true", "1"):
        return None
    children = list(el)
    if not children:
        return el.text or ""
    out = Elements()
    for child in children:
        name = _local(child.tag)
        value = _value(child)
        if name in out:
            existing = out[name]
            if isinstance(existing, list) and getattr(existing, "_repeated", False):
                existing.append(value)
            else:
                out[name] = _Repeated([existing, value])
        else:
            out[name] = value
    return out


class Elements(dict[str, Any]):
    """An element's children by name: what the binder may read as a list of one (a JSON object never is)."""


class _Repeated(list[Any]):
    """A list made from repeated elements (as opposed to one element holding a list)."""

    _repeated = True


def parse_xml(body: bytes | str) -> Any:
    """The document's root as plain data: text, dicts of children, lists for repeated names."""
    root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    return _value(root)


def _fill(parent: Element, value: Any, item_name: str = "item") -> None:
    if value is None:
        parent.set("xsi:nil", "true")
    elif isinstance(value, dict):
        for key, child in value.items():
            _fill(SubElement(parent, str(key)), child)
    elif isinstance(value, list):
        for child in value:
            name = _item_name(child, item_name)
            _fill(SubElement(parent, name), child)
    elif isinstance(value, bool):
        parent.text = "true" if value else "false"
    else:
        parent.text = str(value)


def _item_name(value: Any, default: str) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "string"
    return default


def to_xml(root_name: str, value: Any, item_name: str = "item") -> bytes:
    root = Element(root_name)
    root.set("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
    _fill(root, value, item_name)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="unicode").encode("utf-8")
