"""Rules for the people an appointment names (pure; no I/O)."""

from __future__ import annotations

from .errors import Conflict, Forbidden, Invalid

NAME_MAX = 50  # person.firstname / lastname
COMPANY_MAX = 220  # contact.name / department
EMAIL_MAX = 254
PROJECT_NAME_MAX = 254  # project.name
PROJECT_NUMBER_MAX = 50  # project.project_number


def check_person(firstname: str, lastname: str, email: str) -> None:
    """A person needs a name, names fit their columns, and an e-mail address looks like one."""
    if not (firstname.strip() or lastname.strip()):
        raise Invalid("person_needs_name")
    if len(firstname) > NAME_MAX or len(lastname) > NAME_MAX:
        raise Invalid("field_too_long", field="Firstname/Lastname", limit=NAME_MAX)
    if len(email) > EMAIL_MAX:
        raise Invalid("field_too_long", field="Emails", limit=EMAIL_MAX)
    if email and (email.count("@") != 1 or email.startswith("@") or email.endswith("@") or " " in email):
        raise Invalid("invalid_email", email=email[:80])


def check_contact(name: str, department: str) -> None:
    if not name.strip():
        raise Invalid("contact_needs_name")
    if len(name) > COMPANY_MAX or len(department) > COMPANY_MAX:
        raise Invalid("field_too_long", field="Name/Department", limit=COMPANY_MAX)


def may_change_person(caller_associate_id: int, person_user_id: int) -> None:
    """A person who is a user is that user's own card: only they change it (others may read it)."""
    if person_user_id and person_user_id != caller_associate_id:
        raise Forbidden("not_your_person", associate_id=person_user_id)


def may_delete_person(person_id: int, is_user: bool, named: bool) -> None:
    """A user's person goes with the user (`sodiary user remove`); a person an appointment names stays,
    or the appointment would name no one."""
    if is_user:
        raise Conflict("person_is_user", person_id=person_id)
    if named:
        raise Conflict("person_in_use", person_id=person_id)


def may_delete_contact(contact_id: int, in_use: bool) -> None:
    if in_use:
        raise Conflict("contact_in_use", contact_id=contact_id)


def check_project(name: str, number: str) -> None:
    if not name.strip():
        raise Invalid("project_needs_name")
    if len(name) > PROJECT_NAME_MAX:
        raise Invalid("field_too_long", field="Name", limit=PROJECT_NAME_MAX)
    if len(number) > PROJECT_NUMBER_MAX:
        raise Invalid("field_too_long", field="ProjectNumber", limit=PROJECT_NUMBER_MAX)


def may_delete_project(project_id: int, named: bool) -> None:
    """A project an appointment names stays, as a person or company does: the appointment's ProjectId
    would otherwise name nothing (docs/decisions.md)."""
    if named:
        raise Conflict("project_in_use", project_id=project_id)
