"""PersonEntity and ContactEntity (SuperOffice's Person and Contact agents), trimmed to what a diary uses.

The simple Person, Contact and Associate carriers are the appointment's (entity_carriers.py). Members
sodiary keeps no data for are present with SuperOffice's defaults, so a client reading them finds them.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .entity_carriers import Associate, Contact, Int32, RightsCarrier, Text


class EntityElement(msgspec.Struct, rename="pascal", kw_only=True):
    """One e-mail address, phone or URL of a person or company."""

    value: Text = ""
    stripped_value: Text = ""
    description: Text = ""


class PersonEntity(RightsCarrier):
    person_id: Int32 = 0
    firstname: Text = ""
    middle_name: Text = ""
    lastname: Text = ""
    mrmrs: Text = ""
    title: Text = ""
    description: Text = ""
    full_name: Text = ""
    formal_name: Text = ""
    contact: Contact | None = None
    emails: list[EntityElement] = msgspec.field(default_factory=list)
    phones: list[EntityElement] = msgspec.field(default_factory=list)
    urls: list[EntityElement] = msgspec.field(default_factory=list)
    associate: Associate | None = None
    is_associate: bool = False
    private_phones: list[EntityElement] = msgspec.field(default_factory=list)
    faxes: list[EntityElement] = msgspec.field(default_factory=list)
    retired: bool = False
    rank: Int32 = 0
    position: Any = None
    business: Any = None
    category: Any = None
    country: Any = None
    salutation: Text = ""
    post1: Text = ""
    post2: Text = ""
    post3: Text = ""
    kanafname: Text = ""
    kanalname: Text = ""
    active_interests: Int32 = 0
    no_mailing: bool = False
    use_person_address: bool = False
    person_number: Text = ""
    extra_fields: dict[str, Any] = msgspec.field(default_factory=dict)
    custom_fields: dict[str, Any] = msgspec.field(default_factory=dict)


class ContactEntity(RightsCarrier):
    contact_id: Int32 = 0
    name: Text = ""
    department: Text = ""
    org_nr: Text = ""
    number1: Text = ""
    number2: Text = ""
    kananame: Text = ""
    description: Text = ""
    full_name: Text = ""
    emails: list[EntityElement] = msgspec.field(default_factory=list)
    phones: list[EntityElement] = msgspec.field(default_factory=list)
    urls: list[EntityElement] = msgspec.field(default_factory=list)
    faxes: list[EntityElement] = msgspec.field(default_factory=list)
    associate: Associate | None = None
    persons: list[Any] = msgspec.field(default_factory=list)
    business: Any = None
    category: Any = None
    country: Any = None
    no_mailing: bool = False
    deleted: Int32 = 0
    active_interests: Int32 = 0
    extra_fields: dict[str, Any] = msgspec.field(default_factory=dict)
    custom_fields: dict[str, Any] = msgspec.field(default_factory=dict)
