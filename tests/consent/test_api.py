"""An employee's own consent through the API: read, grant, withdraw, receipts."""

import json

import pytest

from governance.models import (
    Application,
    AuditEvent,
    ConsentAction,
    ConsentEvent,
    ConsentMethod,
    ConsentState,
    OwedErasure,
)
from governance.services.catalogue import catalogue_disable
from governance.services.consent import RequestContext, consent_grant
from governance.services.scopes import Scope
from governance.services.signing import verify_document
from tests.conftest import written

GRANT = "/api/v1/me/consents/grant"
WITHDRAW = "/api/v1/me/consents/withdraw"
MINE = "/api/v1/me/consents"


def receipt_url(receipt_id) -> str:
    return f"/api/v1/me/consents/receipts/{receipt_id}"


def state_of(user, scope: Scope) -> ConsentState | None:
    return ConsentState.objects.filter(
        employee=user.employee,
        purpose=scope.purpose,
        application=scope.application,
        data_kind=scope.data_kind,
    ).first()


def test_my_consents_offers_every_scope_of_the_notice_as_not_given(client_as, alice, catalogue):
    body = client_as(alice).get(MINE).json()

    notice = catalogue["notice"]
    assert body["notice"]["version"] == notice.version
    assert body["notice"]["content_hash"] == notice.content_hash
    assert body["needs_review"] is False
    assert len(body["scopes"]) == len(catalogue["applications"]) * len(catalogue["kinds"])
    assert {row["state"] for row in body["scopes"]} == {"not_given"}
    assert all(row["offered"] for row in body["scopes"])
    assert body["history"] == []
    assert body["pending_erasures"] == []


def test_my_consents_without_a_published_notice_has_no_notice_and_no_scopes(client_as, alice):
    body = client_as(alice).get(MINE).json()

    assert body["notice"] is None
    assert body["scopes"] == []


def test_grant_records_the_event_with_the_api_request_context(client_as, alice, scope):
    client = client_as(alice)
    response = client.post(GRANT, scope.as_slugs(), format="json", HTTP_USER_AGENT="idg-cli/1.0")

    assert response.status_code == 201
    body = response.json()
    assert body["changed"] is True
    [event] = body["events"]
    stored = ConsentEvent.objects.get(receipt_id=event["receipt_id"])
    assert stored.employee == alice.employee
    assert stored.action == ConsentAction.GRANTED
    assert stored.method == ConsentMethod.API
    assert stored.ip_address == "127.0.0.1"
    assert stored.user_agent == "idg-cli/1.0"
    assert stored.actor == alice
    assert state_of(alice, scope).state == ConsentState.State.GRANTED
    assert response.headers["Location"].endswith(receipt_url(event["receipt_id"]))
    assert AuditEvent.objects.filter(
        action="consent.granted", subject=alice.employee.subject_id
    ).exists()


def test_granted_scope_shows_in_my_consents_with_its_history(client_as, alice, scope):
    client = client_as(alice)
    receipt_id = client.post(GRANT, scope.as_slugs(), format="json").json()["events"][0][
        "receipt_id"
    ]

    body = client.get(MINE).json()
    [row] = [r for r in body["scopes"] if r["state"] != "not_given"]
    assert row == {
        **scope.as_slugs(),
        "state": "granted",
        "version": 1,
        "notice_version": 1,
        "updated_at": row["updated_at"],
        "offered": True,
        "erasure_due_at": None,
    }
    [entry] = body["history"]
    assert entry["receipt_id"] == receipt_id
    assert entry["action"] == "granted"
    assert entry["method"] == "api"


def test_repeated_grant_changes_nothing_and_adds_no_event(client_as, alice, scope):
    client = client_as(alice)
    assert client.post(GRANT, scope.as_slugs(), format="json").status_code == 201
    before = written()

    response = client.post(GRANT, scope.as_slugs(), format="json")

    assert response.status_code == 200
    assert response.json() == {"changed": False, "events": []}
    assert written() == before
    assert state_of(alice, scope).version == 1


def test_withdraw_records_the_event_and_an_owed_erasure(client_as, alice, scope):
    client = client_as(alice)
    client.post(GRANT, scope.as_slugs(), format="json")

    response = client.post(WITHDRAW, scope.as_slugs(), format="json")

    assert response.status_code == 201
    [event] = response.json()["events"]
    assert event["action"] == "withdrawn"
    assert state_of(alice, scope).state == ConsentState.State.WITHDRAWN
    owed = OwedErasure.objects.get(employee=alice.employee)
    assert str(owed.cause.receipt_id) == event["receipt_id"]
    pending = client.get(MINE).json()["pending_erasures"]
    assert [p["cause_receipt_id"] for p in pending] == [event["receipt_id"]]


def test_repeated_withdraw_changes_nothing_and_adds_no_event(client_as, alice, scope):
    client = client_as(alice)
    client.post(GRANT, scope.as_slugs(), format="json")
    client.post(WITHDRAW, scope.as_slugs(), format="json")
    before = written()

    response = client.post(WITHDRAW, scope.as_slugs(), format="json")

    assert response.status_code == 200
    assert response.json()["changed"] is False
    assert written() == before


def test_withdraw_of_a_scope_never_given_changes_nothing(client_as, alice, scope):
    before = written()

    response = client_as(alice).post(WITHDRAW, scope.as_slugs(), format="json")

    assert response.status_code == 200
    assert response.json() == {"changed": False, "events": []}
    assert written() == before


def test_withdraw_all_withdraws_every_scope_in_one_request(client_as, alice, scope, other_scope):
    client = client_as(alice)
    client.post(GRANT, scope.as_slugs(), format="json")
    client.post(GRANT, other_scope.as_slugs(), format="json")

    response = client.post(WITHDRAW, {"all": True}, format="json")

    assert response.status_code == 201
    assert len(response.json()["events"]) == 2
    assert "Location" not in response.headers
    assert set(
        ConsentState.objects.filter(employee=alice.employee).values_list("state", flat=True)
    ) == {ConsentState.State.WITHDRAWN}
    assert OwedErasure.objects.filter(employee=alice.employee).count() == 2

    before = written()
    again = client.post(WITHDRAW, {"all": True}, format="json")
    assert again.status_code == 200
    assert again.json()["changed"] is False
    assert written() == before


def test_withdraw_all_leaves_other_peoples_consent_alone(client_as, alice, bob, scope):
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())
    client_as(alice).post(GRANT, scope.as_slugs(), format="json")

    client_as(alice).post(WITHDRAW, {"all": True}, format="json")

    assert state_of(bob, scope).state == ConsentState.State.GRANTED


def test_withdraw_of_a_held_scope_works_after_its_application_was_disabled(
    client_as, alice, olivia, scope
):
    client = client_as(alice)
    client.post(GRANT, scope.as_slugs(), format="json")
    catalogue_disable(scope.application, actor=olivia)

    response = client.post(WITHDRAW, scope.as_slugs(), format="json")

    assert response.status_code == 201
    assert state_of(alice, scope).state == ConsentState.State.WITHDRAWN


def test_grant_of_a_disabled_application_is_400(client_as, alice, olivia, scope):
    catalogue_disable(scope.application, actor=olivia)
    before = written()

    response = client_as(alice).post(GRANT, scope.as_slugs(), format="json")

    assert response.status_code == 400
    assert "application" in response.json()
    assert written() == before


def test_grant_of_a_scope_the_notice_does_not_cover_is_400(client_as, alice, catalogue):
    Application.objects.create(slug="gimp", name="GIMP")
    before = written()

    response = client_as(alice).post(
        GRANT,
        {"purpose": catalogue["purpose"].slug, "application": "gimp", "data_kind": "key"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["No published notice covers this scope yet."]}
    assert written() == before


@pytest.mark.parametrize("endpoint", [GRANT, WITHDRAW])
@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"purpose": "spying"}, "purpose", id="unknown-purpose"),
        pytest.param({"application": "notepad"}, "application", id="unknown-application"),
        pytest.param({"data_kind": "brainwaves"}, "data_kind", id="unknown-data-kind"),
        pytest.param({"purpose": "performance-evaluation"}, "purpose", id="prohibited-purpose"),
        pytest.param({"application": 7}, "application", id="number-for-slug"),
        pytest.param({"data_kind": ["key"]}, "data_kind", id="list-for-slug"),
        pytest.param({"purpose": None}, "purpose", id="null-slug"),
        pytest.param({"application": True}, "application", id="bool-for-slug"),
        pytest.param({"data_kind": "Key Strokes"}, "data_kind", id="not-a-slug"),
        pytest.param({"aplication": "vscode"}, "aplication", id="misspelt-extra-field"),
        pytest.param({"note": "hi"}, "note", id="extra-field"),
    ],
)
def test_bad_scope_is_400_naming_the_field_and_writes_nothing(
    client_as, alice, scope, endpoint, change, field
):
    client = client_as(alice)
    client.post(GRANT, scope.as_slugs(), format="json")  # so a withdrawal would change something
    before = written()

    response = client.post(endpoint, {**scope.as_slugs(), **change}, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before


@pytest.mark.parametrize("endpoint", [GRANT, WITHDRAW])
@pytest.mark.parametrize("missing", ["purpose", "application", "data_kind"])
def test_scope_with_a_field_missing_is_400_naming_it(client_as, alice, scope, endpoint, missing):
    before = written()
    body = {k: v for k, v in scope.as_slugs().items() if k != missing}

    response = client_as(alice).post(endpoint, body, format="json")

    assert response.status_code == 400
    assert response.json()[missing] == ["This field is required."]
    assert written() == before


@pytest.mark.parametrize("endpoint", [GRANT, WITHDRAW])
@pytest.mark.parametrize(
    "raw", ['{"purpose": "train-computer-use-models",', "not json", "", "[1, 2]", '"vscode"']
)
def test_body_that_is_not_a_json_object_is_400_and_writes_nothing(
    client_as, alice, scope, endpoint, raw
):
    client = client_as(alice)
    client.post(GRANT, scope.as_slugs(), format="json")
    before = written()

    response = client.post(endpoint, raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()  # says what is wrong: `detail` or `non_field_errors`
    assert written() == before


def test_form_encoded_body_is_refused_as_unsupported(client_as, alice, scope):
    before = written()

    response = client_as(alice).post(GRANT, scope.as_slugs(), format="multipart")

    assert response.status_code == 415
    assert written() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"all": False}, "all", id="all-false"),
        pytest.param({"all": "true"}, "all", id="all-as-string"),
        pytest.param({"all": 1}, "all", id="all-as-number"),
        pytest.param({"all": True, "application": "vscode"}, "application", id="all-with-scope"),
        pytest.param({"all": True, "reason": "done"}, "reason", id="all-with-extra-field"),
    ],
)
def test_withdraw_all_takes_only_all_true(client_as, alice, scope, body, field):
    client = client_as(alice)
    client.post(GRANT, scope.as_slugs(), format="json")
    before = written()

    response = client.post(WITHDRAW, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert written() == before
    assert state_of(alice, scope).state == ConsentState.State.GRANTED


def test_my_consents_never_include_someone_elses(client_as, alice, bob, scope, other_scope):
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())
    bob_client = client_as(bob)
    bob_client.post(GRANT, other_scope.as_slugs(), format="json")
    bob_client.post(WITHDRAW, other_scope.as_slugs(), format="json")

    body = client_as(alice).get(MINE).json()

    assert {row["state"] for row in body["scopes"]} == {"not_given"}
    assert body["history"] == []
    assert body["pending_erasures"] == []
    assert bob.email not in json.dumps(body)


def test_receipt_is_a_signed_kantara_document_downloaded_as_an_attachment(client_as, alice, scope):
    client = client_as(alice)
    receipt_id = client.post(GRANT, scope.as_slugs(), format="json").json()["events"][0][
        "receipt_id"
    ]
    audit_before = AuditEvent.objects.count()

    response = client.get(receipt_url(receipt_id))

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="consent-receipt-{receipt_id}.json"'
    )
    receipt = response.json()
    assert receipt["consentReceiptID"] == receipt_id
    assert receipt["piiPrincipalId"] == alice.email
    assert receipt["collectionMethod"].endswith("(api)")
    for field in ("version", "jurisdiction", "consentTimestamp", "publicKey", "language"):
        assert field in receipt
    assert receipt["services"][0]["purposes"][0]["consentType"] == "EXPLICIT"
    assert verify_document(receipt)
    assert AuditEvent.objects.count() == audit_before  # your own receipt: no audit needed


def test_someone_elses_receipt_is_404(client_as, alice, bob, scope):
    event = consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())

    response = client_as(alice).get(receipt_url(event.receipt_id))

    assert response.status_code == 404
    assert bob.email not in response.content.decode()


def test_officer_cannot_fetch_an_employees_receipt_either(client_as, olivia, bob, scope):
    event = consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())

    assert client_as(olivia).get(receipt_url(event.receipt_id)).status_code == 404


def test_unknown_or_malformed_receipt_id_is_404(client_as, alice, catalogue):
    client = client_as(alice)

    assert client.get(receipt_url("00000000-0000-0000-0000-000000000000")).status_code == 404
    assert client.get(receipt_url("not-a-uuid")).status_code == 404


def test_material_notice_published_through_the_api_lapses_my_grant_and_asks_for_review(
    client_as, alice, olivia, scope, catalogue, retention_in_force
):
    client_as(alice).post(GRANT, scope.as_slugs(), format="json")
    officer = client_as(olivia)
    draft = officer.post(
        "/api/v1/notices",
        {
            "title": "Recording, now with window titles",
            "body": "We now also keep hashed window titles.",
            "purposes": [catalogue["purpose"].slug],
            "applications": [a.slug for a in catalogue["applications"]],
            "data_kinds": [k.slug for k in catalogue["kinds"]],
            "material_change": True,
        },
        format="json",
    ).json()

    published = officer.post(f"/api/v1/notices/{draft['id']}/publish")

    assert published.status_code == 200
    body = client_as(alice).get(MINE).json()
    assert body["needs_review"] is True
    assert body["notice"]["version"] == draft["version"]
    [row] = [r for r in body["scopes"] if r["state"] != "not_given"]
    assert row["state"] == "lapsed"
    assert row["version"] == 2
    assert [e["action"] for e in body["history"]] == ["lapsed", "granted"]
    assert state_of(alice, scope).state == ConsentState.State.LAPSED

    regrant = client_as(alice).post(GRANT, scope.as_slugs(), format="json")
    assert regrant.status_code == 201
    assert regrant.json()["events"][0]["notice_version"] == draft["version"]
    assert client_as(alice).get(MINE).json()["needs_review"] is False


def test_minor_notice_published_through_the_api_keeps_my_grant(
    client_as, alice, olivia, scope, catalogue, retention_in_force
):
    client_as(alice).post(GRANT, scope.as_slugs(), format="json")
    officer = client_as(olivia)
    draft = officer.post(
        "/api/v1/notices",
        {
            "title": "Recording how you use your computer",
            "body": "Typo fixed.",
            "purposes": [catalogue["purpose"].slug],
            "applications": [a.slug for a in catalogue["applications"]],
            "data_kinds": [k.slug for k in catalogue["kinds"]],
        },
        format="json",
    ).json()

    assert officer.post(f"/api/v1/notices/{draft['id']}/publish").status_code == 200

    body = client_as(alice).get(MINE).json()
    assert body["needs_review"] is False
    assert state_of(alice, scope).state == ConsentState.State.GRANTED
