"""Sale guides and leads (issue 17): methods that need a SuperOffice module sodiary does not have answer 501
in SuperOffice's error shape, naming that module, in English and Norwegian, and change nothing."""

from __future__ import annotations

import httpx
import pytest

from sodiary.wire.agent.methods import NEEDS_MODULE
from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents/Appointment/"

# The module each method's message must name, in each language.
MODULE_WORDS = {
    "needs_guides": ("Sale and Project modules", "Salg og Prosjekt"),
    "needs_sale_guide": ("Sale module", "Salg"),
    "needs_project_guide": ("Project module", "Prosjekt"),
    "needs_sale": ("Sale module", "Salg"),
    "needs_leads": ("Contact, Person and Sale", "Kontakt, Person og Salg"),
}

# What the official client sends for each (12.4.1514 AppointmentAgent.ts), so the 501 is not a body refusal.
BODIES: dict[str, object] = {
    "CreateDefaultSuggestedAppointmentEntity": None,
    "SaveSuggestedAppointmentEntity": {"SuggestedAppointmentId": 0, "Name": "Call back"},
    "GetSuggestedAppointment": None,
    "GetSuggestedAppointmentEntity": None,
    "CreateDefaultAppointmentEntityFromSaleSuggestion": {"SuggestedAppointmentId": 1, "SaleId": 2,
                                                         "CreateNow": True, "OwnerId": 3},
    "CreateDefaultAppointmentEntityFromProjectSuggestion": {"SuggestedAppointmentId": 1, "ProjectId": 2,
                                                            "CreateNow": False, "OwnerId": 3},
    "GetNextSuggestedAppointmentBySale": {"SaleId": 2, "CurrentAppointmentId": 685, "SkipCompleteCheck": True},
    "CreateDefaultReOpenAppointment": {"SaleId": 2},
    "GenerateLead": {"AssociateIdForNewContact": 3, "LeadDescription": "Wants a demo", "LeadContact": "Acme AS",
                     "LeadPersonFirstname": "Kari", "LeadPersonLastname": "Nordmann",
                     "LeadPersonEmail": "kari@example.com"},
    "RequestForInfo": {"AssociateIdForNewContact": 3, "Channel": "web", "Regarding": "Prices",
                       "ContactName": "Acme AS", "PersonFirstname": "Kari", "PersonLastname": "Nordmann",
                       "EmailAddress": "kari@example.com"},
}

QUERIES = {"GetSuggestedAppointment": {"suggestedAppointmentId": 1},
           "GetSuggestedAppointmentEntity": {"suggestedAppointmentEntityId": 1}}


def test_every_sale_guide_and_lead_method_is_listed_here() -> None:
    assert set(BODIES) == set(NEEDS_MODULE)


@pytest.mark.parametrize("method", sorted(NEEDS_MODULE))
def test_a_method_of_a_missing_module_answers_501_naming_the_module_in_english(
        tje0: httpx.Client, seed: Seeder, method: str) -> None:
    with Unchanged(seed):
        r = tje0.post(AGENT + method, json=BODIES[method], params=QUERIES.get(method, {}),
                      headers={"Accept-Language": "en"})
    body = assert_error(r, 501, "NotImplementedException")
    assert method in body["Message"]
    assert MODULE_WORDS[NEEDS_MODULE[method]][0] in body["Message"]
    assert "which sodiary does not have" in body["Message"]
    assert r.headers["content-language"] == "en"


@pytest.mark.parametrize("method", sorted(NEEDS_MODULE))
def test_a_method_of_a_missing_module_answers_501_naming_the_module_in_norwegian(
        tje0: httpx.Client, seed: Seeder, method: str) -> None:
    with Unchanged(seed):
        r = tje0.post(AGENT + method, json=BODIES[method], params=QUERIES.get(method, {}),
                      headers={"Accept-Language": "nb"})
    body = assert_error(r, 501, "NotImplementedException")
    assert MODULE_WORDS[NEEDS_MODULE[method]][1] in body["Message"]
    assert "som sodiary ikke har" in body["Message"]
    assert r.headers["content-language"] == "nb"


def test_a_missing_module_is_named_in_xml_too(tje0: httpx.Client) -> None:
    r = tje0.post(AGENT + "GenerateLead", json=BODIES["GenerateLead"], headers={"Accept": "application/xml"})
    assert r.status_code == 501
    assert r.text.startswith("<") and "<ErrorType>NotImplementedException</ErrorType>" in r.text
    assert "Contact, Person and Sale" in r.text


def test_a_missing_module_is_named_before_the_body_is_read(tje0: httpx.Client) -> None:
    # The official-client suite probes with a body type nobody accepts: a 501 must still be a 501.
    r = tje0.post(AGENT + "RequestForInfo", content=b"?", headers={"Content-Type": "application/x-sodiary-probe"})
    assert_error(r, 501, "NotImplementedException")


def test_a_missing_module_still_needs_a_signed_in_caller(server: LiveServer) -> None:
    with server.client() as anonymous:
        r = anonymous.post(AGENT + "GenerateLead", json=BODIES["GenerateLead"])
    assert_error(r, 401)

