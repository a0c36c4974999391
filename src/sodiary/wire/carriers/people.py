"""PersonEntity and ContactEntity (SuperOffice's Person and Contact agents), trimmed to what a diary uses.

The simple Person, Contact and Associate carriers are the appointment's (carriers/entity.py). Members
sodiary keeps no data for are present with SuperOffice's defaults, so a client reading them finds them.
"""

from __future__ import annotations

from typing import Any

import msgspec

from sodiary.wire.carriers.entity import Associate, Contact, Int32, RightsCarrier, Text


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


class ProjectMember(RightsCarrier):
    """One member of a project: a person, with the company it belongs to."""

    projectmember_id: Int32 = 0
    contact_id: Int32 = 0
    contact_name: Text = ""
    contact_department: Text = ""
    project_id: Int32 = 0
    contact_country_id: Int32 = 0
    person_id: Int32 = 0
    email_id: Int32 = 0
    email_address: Text = ""
    country_id: Int32 = 0
    firstname: Text = ""
    middle_name: Text = ""
    lastname: Text = ""
    phone_id: Int32 = 0
    phone: Text = ""
    project_member_type_id: Int32 = 0
    project_member_type_name: Text = ""
    comment: Text = ""
    full_name: Text = ""


class ProjectEntity(RightsCarrier):
    """The Project agent's ProjectEntity. Real: ProjectId, Name, ProjectNumber, Associate (the owner), Done
    and ProjectMembers (their PersonId); the other members keep SuperOffice's defaults."""

    project_id: Int32 = 0
    name: Text = ""
    project_number: Text = ""
    project_type: Any = None
    project_status: Any = None
    associate: Associate | None = None
    has_image: bool = False
    image_description: Text = ""
    urls: list[EntityElement] = msgspec.field(default_factory=list)
    active_links: Int32 = 0
    links: list[Any] = msgspec.field(default_factory=list)
    text: Text = ""
    deleted: Int32 = 0
    active_status_monitor_id: Int32 = 0
    project_members: list[ProjectMember] = msgspec.field(default_factory=list)
    done: bool = False
    end_date: Text | None = None
    next_milestone_date: Text | None = None
    nearest_milestone_date: Text | None = None
    active_erp_links: Int32 = 0
    created_by: Associate | None = None
    updated_by: Associate | None = None
    created_date: Text | None = None
    updated_date: Text | None = None
    description: Text = ""
    postit: Text = ""
    user_defined_fields: dict[str, Any] = msgspec.field(default_factory=dict)
    extra_fields: dict[str, Any] = msgspec.field(default_factory=dict)
    custom_fields: dict[str, Any] = msgspec.field(default_factory=dict)
    publish_event_date: Text | None = None
    publish_to: Text | None = None
    publish_from: Text | None = None
    is_published: bool = False
