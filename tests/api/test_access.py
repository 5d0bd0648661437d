"""Who may call which endpoint: every endpoint refuses anonymous callers and wrong roles.

Personas: alice is an employee, olivia a privacy officer (and employee), leo is
legal (and employee), ada an admin with no Employee record. A refused call
writes nothing.
"""

import pytest
from rest_framework.test import APIClient

from governance.models import SafeguardRule
from governance.services.catalogue import catalogue_create
from governance.services.consent import RequestContext, consent_grant
from governance.services.devices import device_create
from governance.services.notices import notice_create
from tests.api.conftest import written

PERSONAS = ("anonymous", "alice", "olivia", "leo", "ada")
EMPLOYEES = {"alice", "olivia", "leo"}
OFFICER = {"olivia"}
OFFICER_LEGAL = {"olivia", "leo"}
CATALOGUE_READERS = {"alice", "olivia", "leo"}

SCOPE = {"purpose": "train-computer-use-models", "application": "vscode", "data_kind": "key"}

# (method, path with {placeholders}, body, personas allowed)
ENDPOINTS = [
    ("get", "/api/v1/me/consents", None, EMPLOYEES),
    ("post", "/api/v1/me/consents/grant", SCOPE, EMPLOYEES),
    ("post", "/api/v1/me/consents/withdraw", SCOPE, EMPLOYEES),
    ("get", "/api/v1/me/consents/receipts/{receipt}", None, EMPLOYEES),
    ("get", "/api/v1/me/erasures", None, EMPLOYEES),
    ("get", "/api/v1/me/access-log", None, EMPLOYEES),
    ("get", "/api/v1/applications", None, CATALOGUE_READERS),
    ("get", "/api/v1/applications/{application}", None, CATALOGUE_READERS),
    ("post", "/api/v1/applications", {"slug": "gimp", "name": "GIMP"}, OFFICER),
    ("patch", "/api/v1/applications/{application}", {"name": "Code"}, OFFICER),
    ("post", "/api/v1/applications/{application}/disable", None, OFFICER),
    ("get", "/api/v1/data-kinds", None, CATALOGUE_READERS),
    ("get", "/api/v1/data-kinds/{data_kind}", None, CATALOGUE_READERS),
    ("post", "/api/v1/data-kinds", {"slug": "touch", "name": "Touch"}, OFFICER),
    ("patch", "/api/v1/data-kinds/{data_kind}", {"name": "Keys"}, OFFICER),
    ("post", "/api/v1/data-kinds/{data_kind}/disable", None, OFFICER),
    ("get", "/api/v1/purposes", None, CATALOGUE_READERS),
    ("get", "/api/v1/purposes/{purpose}", None, CATALOGUE_READERS),
    ("post", "/api/v1/purposes", {"slug": "qa", "name": "Quality assurance"}, OFFICER),
    ("patch", "/api/v1/purposes/{purpose}", {"name": "Train"}, OFFICER),
    ("post", "/api/v1/purposes/{purpose}/disable", None, OFFICER),
    ("get", "/api/v1/safeguards", None, OFFICER_LEGAL),
    ("get", "/api/v1/safeguards/{safeguard}", None, OFFICER_LEGAL),
    (
        "post",
        "/api/v1/safeguards",
        {"kind": "redaction_detector", "name": "IBAN", "detector": "iban"},
        OFFICER,
    ),
    ("patch", "/api/v1/safeguards/{safeguard}", {"name": "Cards!"}, OFFICER),
    ("post", "/api/v1/safeguards/{safeguard}/disable", None, OFFICER),
    ("get", "/api/v1/notices", None, EMPLOYEES | OFFICER_LEGAL),
    ("get", "/api/v1/notices/{published_notice}", None, EMPLOYEES | OFFICER_LEGAL),
    (
        "post",
        "/api/v1/notices",
        {"title": "t", "body": "b", "purposes": [], "applications": [], "data_kinds": []},
        OFFICER,
    ),
    ("patch", "/api/v1/notices/{draft_notice}", {"title": "Changed"}, OFFICER),
    ("post", "/api/v1/notices/{draft_notice}/publish", None, OFFICER),
    ("get", "/api/v1/devices", None, OFFICER),
    ("get", "/api/v1/devices/{device}", None, OFFICER),
    ("post", "/api/v1/devices", {"name": "laptop-42"}, OFFICER),
    ("post", "/api/v1/devices/{device}/revoke", None, OFFICER),
    ("get", "/api/v1/erasures/owed", None, OFFICER),
    ("post", "/api/v1/employees/{bob_number}/consent-disclosure", {"reason": "DSR 7"}, OFFICER),
    ("get", "/api/v1/reports/consent-aggregates", None, OFFICER_LEGAL),
    ("get", "/api/v1/audit/events", None, OFFICER_LEGAL),
    ("get", "/api/v1/audit/verify", None, OFFICER_LEGAL),
]

REFUSALS = [
    pytest.param(method, path, body, persona, id=f"{persona}-{method}-{path}")
    for method, path, body, allowed in ENDPOINTS
    for persona in PERSONAS
    if persona not in allowed
]


@pytest.fixture
def world(catalogue, scope, olivia, bob):
    """One of everything an endpoint can address, owned by someone other than the caller."""
    grant = consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())
    safeguard = catalogue_create(
        SafeguardRule,
        actor=olivia,
        kind=SafeguardRule.Kind.REDACTION_DETECTOR,
        name="Cards",
        detector="card_number",
    )
    draft = notice_create(
        actor=olivia,
        title="Draft",
        body="Next version",
        purposes=[catalogue["purpose"]],
        applications=catalogue["applications"],
        data_kinds=catalogue["kinds"],
    )
    device, _ = device_create(name="laptop-1", actor=olivia)
    return {
        "receipt": grant.receipt_id,
        "application": catalogue["applications"][0].pk,
        "data_kind": catalogue["kinds"][0].pk,
        "purpose": catalogue["purpose"].pk,
        "safeguard": safeguard.pk,
        "published_notice": catalogue["notice"].pk,
        "draft_notice": draft.pk,
        "device": device.pk,
        "bob_number": bob.employee.employee_number,
    }


@pytest.fixture
def personas(alice, olivia, leo, ada):
    return {"anonymous": None, "alice": alice, "olivia": olivia, "leo": leo, "ada": ada}


@pytest.mark.parametrize(("method", "path", "body", "persona"), REFUSALS)
def test_endpoint_refuses_callers_without_the_role(
    client_as, world, personas, method, path, body, persona
):
    before = written()
    client = client_as(personas[persona])
    response = getattr(client, method)(path.format(**world), body, format="json")

    if persona == "anonymous":
        assert response.status_code in (401, 403)
        assert response.json()["detail"] == "Authentication credentials were not provided."
    else:
        assert response.status_code == 403, response.content
    assert written() == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/applications/{application}",
        "/api/v1/data-kinds/{data_kind}",
        "/api/v1/purposes/{purpose}",
        "/api/v1/safeguards/{safeguard}",
        "/api/v1/notices/{draft_notice}",
        "/api/v1/devices/{device}",
    ],
)
def test_nothing_is_ever_deleted_or_replaced_through_the_api(client_as, world, olivia, path):
    client = client_as(olivia)
    before = written()

    assert client.delete(path.format(**world)).status_code == 405
    assert client.put(path.format(**world), {"name": "x"}, format="json").status_code == 405
    assert written() == before


def test_disclosure_cannot_be_read_with_get(client_as, world, olivia):
    before = written()
    response = client_as(olivia).get(
        "/api/v1/employees/{bob_number}/consent-disclosure".format(**world)
    )
    assert response.status_code == 405
    assert written() == before


READS = [
    pytest.param(path, persona, id=f"{persona}-{path}")
    for method, path, _, allowed in ENDPOINTS
    if method == "get" and "{receipt}" not in path  # a receipt is only ever its owner's
    for persona in sorted(allowed)
]


@pytest.mark.parametrize(("path", "persona"), READS)
def test_endpoint_serves_the_roles_it_is_for(client_as, world, personas, path, persona):
    response = client_as(personas[persona]).get(path.format(**world))

    assert response.status_code == 200, response.content


def test_ada_the_admin_has_no_consent_of_her_own_to_see(client_as, ada):
    response = client_as(ada).get("/api/v1/me/consents")

    assert response.status_code == 403
    assert response.json()["detail"] == "Only employees have consent records."


def test_session_writes_without_a_csrf_token_are_refused(alice, scope):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    before = written()

    response = client.post("/api/v1/me/consents/grant", scope.as_slugs(), format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert written() == before
