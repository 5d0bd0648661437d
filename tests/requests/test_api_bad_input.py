"""Bad input to the requests API is a 400 naming the field, and nothing changes.

"Nothing" is checked on everything a request endpoint could write: the requests
themselves (every column), their history, emails, packages, erasure jobs, consent
and the audit log, and the person's profile.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.models import (
    AuditEvent,
    ConsentEvent,
    DataRequest,
    DataRequestEvent,
    Employee,
    ErasureJob,
    ExportPackage,
    SentEmail,
)

pytestmark = pytest.mark.django_db

MINE = "/api/v1/me/requests"
QUEUE = "/api/v1/requests"
HUGE = 2**63


def snapshot() -> dict:
    requests = [
        {f.attname: getattr(r, f.attname) for f in DataRequest._meta.fields}
        for r in DataRequest.objects.order_by("pk")
    ]
    employees = list(Employee.objects.order_by("pk").values())
    counts = {
        model.__name__: model.objects.count()
        for model in (
            DataRequestEvent,
            SentEmail,
            ExportPackage,
            ErasureJob,
            ConsentEvent,
            AuditEvent,
        )
    }
    return {"requests": requests, "employees": employees, **counts}


@pytest.fixture
def filed(client_as, alice):
    """file(kind, **scope) -> the id of alice's request, filed through the API."""

    def filing(kind="access", **body):
        response = client_as(alice).post(MINE, {"kind": kind, **body}, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    return filing


def refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


# Filing


FILING = [
    ({"kind": "teleport"}, "kind"),
    ({"kind": 1}, "kind"),
    ({"kind": None}, "kind"),
    ({}, "kind"),
    ({"kind": "access", "purpose": "train-computer-use-models"}, "kind"),
    ({"kind": "portability", "application": "vscode"}, "kind"),
    ({"kind": "rectification", "data_kind": "key"}, "kind"),
    ({"kind": "erasure", "purpose": "no-such-purpose"}, "purpose"),
    ({"kind": "erasure", "application": "notepad"}, "application"),
    ({"kind": "erasure", "data_kind": "telepathy"}, "data_kind"),
    ({"kind": "erasure", "application": "vs code"}, "application"),
    ({"kind": "erasure", "application": "vscode\x00"}, "application"),
    ({"kind": "erasure", "application": 7}, "application"),
    ({"kind": "erasure", "application": ["vscode"]}, "application"),
    ({"kind": "access", "details": 42}, "details"),
    ({"kind": "access", "details": "x" * 5001}, "details"),
    ({"kind": "access", "details": "nul \x00 in it"}, "details"),
    ({"kind": "access", "aplication": "vscode"}, "aplication"),
    ({"kind": "access", "employee": "E1"}, "employee"),
]


@pytest.mark.parametrize(("body", "field"), FILING)
def test_a_bad_filing_is_400_naming_the_field_and_files_nothing(
    client_as, alice, catalogue, filed, body, field
):
    filed("erasure", application="vscode")
    before = snapshot()

    response = client_as(alice).post(MINE, body, format="json")

    refused(response, field)
    assert snapshot() == before


@pytest.mark.parametrize("body", ['["access"]', '"access"', "42", "{", ""])
def test_a_body_that_is_not_a_json_object_is_400(client_as, alice, body):
    response = client_as(alice).post(MINE, body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert DataRequest.objects.count() == 0


def test_a_form_body_is_415(client_as, alice):
    response = client_as(alice).post(MINE, {"kind": "access"}, format="multipart")

    assert response.status_code == 415
    assert DataRequest.objects.count() == 0


ON_BEHALF = [
    ({"kind": "access", "identity_check": "Badge"}, "employee"),
    ({"employee": "E-nobody", "kind": "access", "identity_check": "Badge"}, "employee"),
    ({"employee": "{number}", "kind": "access"}, "identity_check"),
    ({"employee": "{number}", "kind": "access", "identity_check": ""}, "identity_check"),
    ({"employee": "{number}", "kind": "access", "identity_check": "   "}, "identity_check"),
    ({"employee": "{number}", "kind": "access", "identity_check": 1}, "identity_check"),
    ({"employee": 1000, "kind": "access", "identity_check": "Badge"}, "employee"),
    ({"employee": "{number}", "kind": "wish", "identity_check": "Badge"}, "kind"),
    (
        {"employee": "{number}", "kind": "access", "identity_check": "x" * 501},
        "identity_check",
    ),
]


@pytest.mark.parametrize(("body", "field"), ON_BEHALF)
def test_a_bad_filing_on_someones_behalf_is_400_and_files_nothing(
    client_as, alice, olivia, body, field
):
    body = {
        name: value.format(number=alice.employee.employee_number)
        if isinstance(value, str)
        else value
        for name, value in body.items()
    }
    before = snapshot()

    response = client_as(olivia).post(QUEUE, body, format="json")

    refused(response, field)
    assert snapshot() == before


# Transitions


EXTENSIONS = [
    {"days": "30", "reason": "Volume"},
    {"days": 30.0, "reason": "Volume"},
    {"days": 30.5, "reason": "Volume"},
    {"days": True, "reason": "Volume"},
    {"days": None, "reason": "Volume"},
    {"days": 0, "reason": "Volume"},
    {"days": -1, "reason": "Volume"},
    {"days": HUGE, "reason": "Volume"},
    {"days": 10**40, "reason": "Volume"},
    {"days": 367, "reason": "Volume"},
    {"days": 200, "reason": "Volume"},  # under the schema's bound, over GDPR's two months
    {"reason": "Volume"},
]


@pytest.mark.parametrize("body", EXTENSIONS)
def test_an_extension_of_no_whole_number_of_days_in_range_is_400(client_as, olivia, filed, body):
    pk = filed()
    before = snapshot()

    response = client_as(olivia).post(f"{QUEUE}/{pk}/extend", body, format="json")

    refused(response, "days")
    assert snapshot() == before


@pytest.mark.parametrize("reason", [None, "", "   ", 5, "x" * 501])
def test_an_extension_without_a_reason_is_400(client_as, olivia, filed, reason):
    pk = filed()
    before = snapshot()

    response = client_as(olivia).post(
        f"{QUEUE}/{pk}/extend", {"days": 10, "reason": reason}, format="json"
    )

    refused(response, "reason")
    assert snapshot() == before


def test_a_second_extension_is_400(client_as, olivia, filed):
    pk = filed()
    client = client_as(olivia)
    assert client.post(f"{QUEUE}/{pk}/extend", {"days": 10, "reason": "Volume"}).status_code == 200
    before = snapshot()

    response = client.post(f"{QUEUE}/{pk}/extend", {"days": 5, "reason": "More"}, format="json")

    refused(response, "days")
    assert "already" in response.json()["days"][0]
    assert snapshot() == before


def test_an_extension_after_the_due_date_is_400(client_as, olivia, filed):
    pk = filed()
    DataRequest.objects.filter(pk=pk).update(due_on=timezone.now().date() - timedelta(days=1))
    before = snapshot()

    response = client_as(olivia).post(
        f"{QUEUE}/{pk}/extend", {"days": 10, "reason": "Volume"}, format="json"
    )

    refused(response, "days")
    assert "passed" in response.json()["days"][0]
    assert snapshot() == before


def _to(state: str, filed, client):
    """A request in `state`, moved there through the API."""
    pk = filed("rectification")
    if state == "awaiting_identity":
        client.post(f"{QUEUE}/{pk}/identity", {"reason": "Proof"}, format="json")
    elif state == "in_progress":
        client.post(f"{QUEUE}/{pk}/verify", {"identity_check": "SSO"}, format="json")
    elif state == "completed":
        client.post(f"{QUEUE}/{pk}/verify", {"identity_check": "SSO"}, format="json")
        client.post(f"{QUEUE}/{pk}/complete", {"outcome": "Nothing to correct."}, format="json")
    elif state == "rejected":
        client.post(f"{QUEUE}/{pk}/reject", {"reason": "Unfounded"}, format="json")
    elif state == "withdrawn":
        DataRequest.objects.filter(pk=pk).update(state="withdrawn", closed_at=timezone.now())
    assert DataRequest.objects.get(pk=pk).state == state
    return pk


NOT_ALLOWED = [
    ("received", "complete", {"outcome": "Done"}),
    ("awaiting_identity", "identity", {"reason": "Again"}),
    ("awaiting_identity", "complete", {"outcome": "Done"}),
    ("in_progress", "identity", {"reason": "Proof"}),
    ("in_progress", "verify", {}),
    ("completed", "verify", {}),
    ("completed", "reject", {"reason": "Late"}),
    ("completed", "extend", {"days": 5, "reason": "Late"}),
    ("completed", "assign", {"assignee": None}),
    ("completed", "complete", {"outcome": "Again"}),
    ("rejected", "verify", {}),
    ("rejected", "identity", {"reason": "Proof"}),
    ("withdrawn", "reject", {"reason": "x"}),
    ("withdrawn", "complete", {"outcome": "x"}),
]


@pytest.mark.parametrize(("state", "action", "body"), NOT_ALLOWED)
def test_a_transition_not_allowed_from_the_current_state_is_400(
    client_as, olivia, filed, state, action, body
):
    client = client_as(olivia)
    pk = _to(state, filed, client)
    before = snapshot()

    response = client.post(f"{QUEUE}/{pk}/{action}", body, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) & {"state", "days"}, response.json()
    assert snapshot() == before


@pytest.mark.parametrize("state", ["completed", "rejected", "withdrawn"])
def test_withdrawing_a_closed_request_is_400(client_as, alice, olivia, filed, state):
    pk = _to(state, filed, client_as(olivia))
    before = snapshot()

    response = client_as(alice).post(f"{MINE}/{pk}/withdraw", {}, format="json")

    refused(response, "state")
    assert snapshot() == before


@pytest.mark.parametrize("body", [{"reason": 5}, {"reason": "x" * 501}, {"why": "x"}])
def test_a_bad_withdrawal_body_is_400(client_as, alice, filed, body):
    pk = filed()
    before = snapshot()

    response = client_as(alice).post(f"{MINE}/{pk}/withdraw", body, format="json")

    assert response.status_code == 400
    assert snapshot() == before


def test_completing_an_access_request_by_hand_is_400(client_as, olivia, filed):
    pk = filed("access")
    client = client_as(olivia)
    client.post(f"{QUEUE}/{pk}/verify", {"identity_check": "SSO"}, format="json")
    before = snapshot()

    response = client.post(f"{QUEUE}/{pk}/complete", {"outcome": "Sent"}, format="json")

    refused(response, "state")
    assert snapshot() == before


ASSIGNMENTS = [
    ({"assignee": "{olivia}"}, "assignee"),  # a string, not a number
    ({"assignee": True}, "assignee"),
    ({"assignee": 0}, "assignee"),
    ({"assignee": HUGE}, "assignee"),
    ({"assignee": 987654}, "assignee"),  # nobody
    ({"assignee": "{alice_id}"}, "assignee"),  # not an officer
    ({}, "assignee"),
    ({"assignee": None, "note": "x"}, "note"),
]


@pytest.mark.parametrize(("body", "field"), ASSIGNMENTS)
def test_a_bad_assignment_is_400(client_as, alice, olivia, filed, body, field):
    pk = filed()
    values = {"{olivia}": str(olivia.pk), "{alice_id}": alice.pk}
    body = {name: values.get(value, value) for name, value in body.items()}
    before = snapshot()

    response = client_as(olivia).post(f"{QUEUE}/{pk}/assign", body, format="json")

    refused(response, field)
    assert snapshot() == before


COMPLETIONS = [
    ("restriction", {}, "restrict"),
    ("restriction", {"restrict": "yes"}, "restrict"),
    ("restriction", {"restrict": 1}, "restrict"),
    ("restriction", {"restrict": False}, "outcome"),
    ("rectification", {}, "outcome"),
    ("rectification", {"corrections": ["department"]}, "corrections"),
    ("rectification", {"corrections": "department=Legal"}, "corrections"),
    ("rectification", {"corrections": {"salary": "1"}}, "corrections"),
    ("rectification", {"corrections": {"country": "Germany"}}, "corrections"),
    ("rectification", {"corrections": {"department": 5}}, "corrections"),
    ("rectification", {"corrections": {"department": "x" * 151}}, "corrections"),
    ("rectification", {"outcome": 5}, "outcome"),
    ("rectification", {"outcome": "x" * 5001}, "outcome"),
]


@pytest.mark.parametrize(("kind", "body", "field"), COMPLETIONS)
def test_a_bad_completion_is_400_and_corrects_nothing(client_as, olivia, filed, kind, body, field):
    pk = filed(kind)
    client = client_as(olivia)
    client.post(f"{QUEUE}/{pk}/verify", {"identity_check": "SSO"}, format="json")
    before = snapshot()

    response = client.post(f"{QUEUE}/{pk}/complete", body, format="json")

    refused(response, field)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("identity", {}, "reason"),
        ("identity", {"reason": ""}, "reason"),
        ("identity", {"reason": ["x"]}, "reason"),
        ("reject", {}, "reason"),
        ("reject", {"reason": "   "}, "reason"),
        ("reject", {"reason": "x" * 5001}, "reason"),
        ("verify", {}, "identity_check"),
        ("verify", {"identity_check": "  "}, "identity_check"),
        ("verify", {"identity_check": 5}, "identity_check"),
        ("verify", {"identity_check": "x" * 501}, "identity_check"),
        ("verify", {"identiy_check": "typo"}, "identiy_check"),
    ],
)
def test_a_transition_without_what_it_needs_is_400(client_as, olivia, filed, action, body, field):
    pk = filed()
    before = snapshot()

    response = client_as(olivia).post(f"{QUEUE}/{pk}/{action}", body, format="json")

    refused(response, field)
    assert snapshot() == before


# The queue's filters and paths


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("state=lost", "state"),
        ("kind=wish", "kind"),
        ("overdue=yes", "overdue"),
        ("overdue=", "overdue"),
        ("open=1", "open"),
        ("assignee=someone", "assignee"),
        ("assignee=-1", "assignee"),
        (f"assignee={HUGE}", "assignee"),
        ("due_before=tomorrow", "due_before"),
        ("due_before=2026-02-30", "due_before"),
        ("limit=0", "limit"),
        (f"offset={HUGE}0", "offset"),
    ],
)
def test_a_bad_queue_filter_is_400_naming_it(client_as, olivia, filed, query, field):
    filed()

    response = client_as(olivia).get(f"{QUEUE}?{query}")

    refused(response, field)


@pytest.mark.parametrize("pk", ["0", str(HUGE), "99999999999999999999999"])
@pytest.mark.parametrize(
    ("who", "path"),
    [("alice", MINE + "/{pk}"), ("olivia", QUEUE + "/{pk}")],
)
def test_a_request_id_that_names_nothing_is_404(request, client_as, who, path, pk):
    response = client_as(request.getfixturevalue(who)).get(path.format(pk=pk))

    assert response.status_code == 404
