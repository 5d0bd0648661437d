"""GET /api/v1/ingest/policy: what a capture device may capture, polled with an ETag."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import AuditEvent, ConsentState, Employee, SafeguardRule
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.devices import device_revoke
from governance.services.scopes import Scope, scope_resolve
from tests.factories import make_user, publish_notice
from tests.ingestion.helpers import batch, event, post

POLICY = "/api/v1/ingest/policy"
ALL_KINDS = ["click", "key", "menu", "pointer", "scroll", "window_focus"]


def policy(client, token, employees: str | None = None, **headers):
    query = {"employees": employees} if employees is not None else {}
    return client.get(POLICY, query, HTTP_AUTHORIZATION=f"Bearer {token}", **headers)


def entry(body: dict, ref: str) -> dict:
    [found] = [e for e in body["employees"] if e["employee"] == ref]
    return found


def test_a_consenting_person_gets_what_they_granted_per_purpose(client, token, alice_consents_all):
    response = policy(client, token, "alice@example.com")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["employees"] == [
        {
            "employee": "alice@example.com",
            "purposes": [
                {
                    "purpose": "train-computer-use-models",
                    "applications": [{"application": "vscode", "data_kinds": ALL_KINDS}],
                }
            ],
        }
    ]
    assert response["ETag"] == f'"{body["version"]}"'
    assert response["Cache-Control"] == "private, no-cache"
    assert body["poll_seconds"] == 60
    assert [a["application"] for a in body["applications"]] == ["calc", "vscode"]
    kinds = {k["data_kind"]: k["event_types"] for k in body["data_kinds"]}
    assert kinds["key"] == ["key_down", "key_up"] and kinds["click"] == [
        "pointer_down",
        "pointer_up",
    ]


def test_who_may_not_be_recorded_looks_the_same_whether_or_not_they_exist(
    client, token, alice_consents_all, bob
):
    restricted = make_user("rita@example.com")
    Employee.objects.filter(pk=restricted.employee.pk).update(
        processing_restricted_at=datetime.now(UTC)
    )
    consent_grant(  # rita had consented before the restriction
        employee=restricted.employee,
        scope=scope_resolve(
            purpose="train-computer-use-models", application="vscode", data_kind="key"
        ),
        actor=restricted,
        context=RequestContext(),
    )
    refs = ["bob@example.com", "nobody@example.com", "rita@example.com", "E404"]

    body = policy(client, token, ",".join(refs)).json()

    assert body["employees"] == [{"employee": ref, "purposes": []} for ref in refs]
    # Each person as the device named them: never another of their identifiers.
    assert bob.employee.employee_number not in str(body)
    assert bob.employee.subject_id not in str(body)


def test_the_employee_number_names_a_person_as_in_batches_and_is_echoed_as_written(
    client, token, alice_consents_all
):
    number = alice_consents_all.employee.employee_number
    body = policy(client, token, f" {number} ,ALICE@example.com").json()

    assert [e["employee"] for e in body["employees"]] == [number, "ALICE@example.com"]
    assert entry(body, number)["purposes"] == entry(body, "ALICE@example.com")["purposes"] != []
    assert "alice@example.com" not in str(body)


def test_without_employees_only_the_catalogue_is_answered(client, token, alice_consents_all):
    body = policy(client, token).json()

    assert body["employees"] == []
    assert body["applications"] and body["data_kinds"]


def test_the_etag_answers_304_until_a_withdrawal_changes_the_version_at_once(
    client, token, alice_consents_all, catalogue
):
    first = policy(client, token, "alice@example.com")
    etag = first["ETag"]

    again = policy(client, token, "alice@example.com", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    weak = policy(client, token, "alice@example.com", HTTP_IF_NONE_MATCH=f'"x", W/{etag}')
    assert weak.status_code == 304

    vscode = catalogue["applications"][0]
    key = next(k for k in catalogue["kinds"] if k.slug == "key")
    consent_withdraw(
        employee=alice_consents_all.employee,
        scope=Scope(catalogue["purpose"], vscode, key),
        actor=alice_consents_all,
        context=RequestContext(),
    )

    after = policy(client, token, "alice@example.com", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and after["ETag"] != etag
    [purpose] = entry(after.json(), "alice@example.com")["purposes"]
    assert purpose["applications"] == [
        {"application": "vscode", "data_kinds": [k for k in ALL_KINDS if k != "key"]}
    ]


def test_the_version_depends_on_who_is_asked_about(client, token, alice_consents_all, bob):
    alice = policy(client, token, "alice@example.com")["ETag"]
    both = policy(client, token, "alice@example.com,bob@example.com")["ETag"]
    assert alice != both
    assert policy(client, token, "alice@example.com")["ETag"] == alice  # stable


def test_excluded_applications_windows_and_timing_come_from_the_catalogue(
    client, token, alice_consents_all, catalogue
):
    vscode = catalogue["applications"][0]
    before = policy(client, token, "alice@example.com")["ETag"]
    SafeguardRule.objects.create(kind="excluded_application", name="no code", application=vscode)
    SafeguardRule.objects.create(kind="window_title_pattern", name="bank", pattern=r"(?i)\bbank\b")
    SafeguardRule.objects.create(kind="keystroke_timing", name="coarse", resolution_ms=50)

    response = policy(client, token, "alice@example.com")
    body = response.json()

    assert response["ETag"] != before
    assert body["excluded_applications"] == [{"application": "vscode", "identifiers": ["code"]}]
    assert [a["application"] for a in body["applications"]] == ["calc"]
    assert body["excluded_window_patterns"] == [r"(?i)\bbank\b"]
    assert body["timing_resolution_ms"] == 50
    # Consent to an excluded application is not capture of it.
    assert entry(body, "alice@example.com")["purposes"] == []


def test_what_the_policy_offers_the_gate_accepts_and_nothing_else(
    client, token, alice_consents_all, catalogue
):
    calc = catalogue["applications"][1]
    for kind in catalogue["kinds"][:2]:
        consent_grant(
            employee=alice_consents_all.employee,
            scope=Scope(catalogue["purpose"], calc, kind),
            actor=alice_consents_all,
            context=RequestContext(),
        )
    [purpose] = entry(policy(client, token, "alice@example.com").json(), "alice@example.com")[
        "purposes"
    ]
    offered = {(a["application"], k) for a in purpose["applications"] for k in a["data_kinds"]}
    identifiers = {"vscode": "code", "calc": "soffice.bin"}
    samples = {"key": "key_down", "click": "pointer_down", "pointer": "pointer_move",
               "scroll": "scroll", "menu": "menu_select", "window_focus": "window_focus"}  # fmt: skip
    for app, identifier in identifiers.items():
        for kind, event_type in samples.items():
            result = post(client, token, batch([event(app=identifier, type=event_type)])).json()
            assert result["accepted"] == int((app, kind) in offered), (app, kind)
    assert len(offered) == 6 + 2


def test_the_answer_costs_the_same_few_queries_for_one_person_or_a_hundred(
    client, token, alice_consents_all
):
    refs = ",".join(["alice@example.com", *(f"E{n}" for n in range(99))])
    with CaptureQueriesContext(connection) as one:
        policy(client, token, "alice@example.com")
    with CaptureQueriesContext(connection) as hundred:
        assert policy(client, token, refs).status_code == 200
    assert len(hundred.captured_queries) == len(one.captured_queries) <= 9
    consent = [q["sql"] for q in hundred.captured_queries if "governance_consentstate" in q["sql"]]
    assert len(consent) == 1


def test_polling_writes_nothing(client, token, alice_consents_all):
    before = (AuditEvent.objects.count(), ConsentState.objects.count())
    policy(client, token, "alice@example.com")
    assert (AuditEvent.objects.count(), ConsentState.objects.count()) == before


@pytest.mark.parametrize(
    "employees, message",
    [
        ("", "An entry is empty."),
        ("alice@example.com,,bob@example.com", "An entry is empty."),
        ("x" * 255, "An entry is longer than 254 characters."),
        (",".join(f"E{n}" for n in range(101)), "At most 100 people per request."),
    ],
)
def test_a_bad_employees_list_is_a_400_naming_it(client, token, catalogue, employees, message):
    response = policy(client, token, employees)

    assert response.status_code == 400
    assert response.json() == {"employees": [message]}


def test_a_revoked_or_missing_token_is_a_401_and_a_session_counts_for_nothing(
    client, device, alice_consents_all
):
    client.force_login(alice_consents_all)
    assert client.get(POLICY, {"employees": "alice@example.com"}).status_code == 401
    device_revoke(device=device[0], actor=None)
    response = policy(client, device[1], "alice@example.com")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="ingest"'


def test_the_schema_documents_the_policy_and_its_etag(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"][POLICY]["get"]
    assert operation["operationId"] == "ingest_policy"
    assert operation["security"] == [{"deviceToken": []}]
    assert {p["name"] for p in operation["parameters"]} == {"employees", "If-None-Match"}
    assert {"200", "304", "400", "401"} <= set(operation["responses"])
    shape = schema["components"]["schemas"]["CapturePolicy"]
    assert {"version", "poll_seconds", "timing_resolution_ms", "employees"} <= set(
        shape["required"]
    )


def test_grants_lapsed_by_a_material_notice_are_not_offered_as_the_gate_refuses_them(
    client, token, alice_consents_all, catalogue, olivia
):
    before = policy(client, token, "alice@example.com")
    assert entry(before.json(), "alice@example.com")["purposes"] != []

    publish_notice(olivia, catalogue, material=True)

    after = policy(client, token, "alice@example.com", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert entry(after.json(), "alice@example.com")["purposes"] == []
    assert post(client, token, batch([event()])).json()["dropped"] == {"no_consent": 1}
