"""The employee's own consent page, its buttons, receipts and the access log."""

import json
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import (
    AuditEvent,
    ConsentEvent,
    ConsentMethod,
    ConsentState,
    Employee,
    OwedErasure,
)
from governance.services.catalogue import catalogue_disable
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.disclosure import employee_consent_disclose
from tests.consent.html import control_states
from tests.factories import publish_notice

WEB = RequestContext(method=ConsentMethod.WEB)


def grant(user, scope):
    return consent_grant(employee=user.employee, scope=scope, actor=user, context=WEB)


def test_my_consent_shows_the_notice_and_one_control_per_application_and_kind(
    as_user, alice, catalogue
):
    notice = catalogue["notice"]
    body = as_user(alice).get("/consent/").content.decode()
    assert notice.title in body
    assert notice.content_hash in body
    assert f'data-notice-version="{notice.version}"' in body
    expected = {
        f"train-computer-use-models/{app.slug}/{kind.slug}": "not_given"
        for app in catalogue["applications"]
        for kind in catalogue["kinds"]
    }
    assert control_states(body) == expected
    # Prohibited purposes are never offered.
    assert "performance-evaluation/" not in body


def test_grant_button_records_a_web_event_with_ip_and_user_agent(as_user, alice, scope):
    client = as_user(alice)
    response = client.post("/consent/grant/", scope.as_slugs(), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert response["Location"] == "/consent/"
    event = ConsentEvent.objects.get(employee=alice.employee)
    assert (event.action, event.method) == ("granted", "web")
    assert (event.ip_address, event.user_agent) == ("10.1.2.3", "pytest-browser/1.0")
    assert event.actor == alice
    page = client.get("/consent/").content.decode()
    assert control_states(page)[str(scope)] == "granted"
    assert "Granted: " in page  # the confirmation message


def test_repeating_a_grant_adds_nothing(as_user, alice, scope):
    client = as_user(alice)
    client.post("/consent/grant/", scope.as_slugs())
    response = client.post("/consent/grant/", scope.as_slugs(), follow=True)
    assert ConsentEvent.objects.filter(employee=alice.employee).count() == 1
    assert "already granted; nothing changed" in response.content.decode()


def test_withdraw_button_records_an_owed_erasure_shown_as_pending(as_user, alice, scope):
    grant(alice, scope)
    client = as_user(alice)
    response = client.post("/consent/withdraw/", scope.as_slugs(), follow=True)
    state = ConsentState.objects.get(employee=alice.employee)
    assert state.state == "withdrawn"
    erasure = OwedErasure.objects.get(employee=alice.employee)
    body = response.content.decode()
    assert "erasure pending" in body
    assert f'<tr data-scope="{scope}">' in body  # the pending-erasures table
    assert str(erasure.cause.receipt_id) in body


def test_unknown_or_prohibited_scope_shows_errors_and_writes_nothing(as_user, alice, catalogue):
    client = as_user(alice)
    app, kind = catalogue["applications"][0], catalogue["kinds"][0]
    bad = [
        {"purpose": "train-computer-use-models", "application": "nope", "data_kind": kind.slug},
        {"purpose": "performance-evaluation", "application": app.slug, "data_kind": kind.slug},
        {"purpose": "train-computer-use-models", "application": app.slug},
    ]
    bodies = [client.post("/consent/grant/", data, follow=True).content.decode() for data in bad]
    assert "Unknown application" in bodies[0]
    assert "prohibited use" in bodies[1]
    assert "Data kind: This field is required." in bodies[2]
    assert not ConsentEvent.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="consent.").exists()


def test_withdraw_everything_asks_first_then_withdraws_in_one_post(
    as_user, alice, scope, other_scope
):
    grant(alice, scope)
    grant(alice, other_scope)
    client = as_user(alice)
    confirm = client.get("/consent/withdraw-all/").content.decode()
    assert "Yes, withdraw everything" in confirm
    assert confirm.count("badge-granted") == 2
    assert ConsentState.objects.filter(state="granted").count() == 2  # GET changed nothing

    response = client.post("/consent/withdraw-all/", follow=True)
    states = set(
        ConsentState.objects.filter(employee=alice.employee).values_list("state", flat=True)
    )
    assert states == {"withdrawn"}
    assert OwedErasure.objects.filter(employee=alice.employee).count() == 2
    assert "Withdrew everything: 2 scopes" in response.content.decode()


def test_withdraw_everything_with_nothing_granted_changes_nothing(as_user, alice, catalogue):
    response = as_user(alice).post("/consent/withdraw-all/", follow=True)
    assert "nothing to withdraw" in response.content.decode()
    assert not ConsentEvent.objects.exists()


def test_history_lists_every_change_with_a_receipt_link(as_user, alice, scope, other_scope):
    events = [grant(alice, scope), grant(alice, other_scope)]
    client = as_user(alice)
    client.post("/consent/withdraw/", scope.as_slugs())
    events.append(ConsentEvent.objects.get(employee=alice.employee, action="withdrawn"))
    body = client.get("/consent/").content.decode()
    for event in events:
        assert f"/consent/receipts/{event.receipt_id}.json" in body
    assert body.count("<tr data-receipt-id=") == 3


def test_receipt_downloads_as_a_kantara_json_attachment(as_user, alice, scope):
    event = grant(alice, scope)
    response = as_user(alice).get(f"/consent/receipts/{event.receipt_id}.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="consent-receipt-{event.receipt_id}.json"'
    )
    receipt = json.loads(response.content)
    assert receipt["consentReceiptID"] == str(event.receipt_id)
    assert receipt["piiPrincipalId"] == "alice@example.com"
    assert receipt["policyUrl"].endswith(f"/notices/{event.notice_version}/")
    for field in ("version", "jurisdiction", "consentTimestamp", "collectionMethod", "services"):
        assert field in receipt


def test_another_persons_receipt_is_404(as_user, alice, bob, scope):
    bobs = grant(bob, scope)
    client = as_user(alice)
    assert client.get(f"/consent/receipts/{bobs.receipt_id}.json").status_code == 404
    assert client.get(f"/consent/receipts/{uuid.uuid4()}.json").status_code == 404


def test_my_consent_never_shows_another_persons_history(as_user, alice, bob, scope):
    bobs = grant(bob, scope)
    body = as_user(alice).get("/consent/").content.decode()
    assert str(bobs.receipt_id) not in body
    assert 'data-state="granted"' not in body


def test_material_notice_shows_needs_your_review(
    as_user, alice, olivia, catalogue, scope, retention_in_force
):
    grant(alice, scope)
    publish_notice(olivia, catalogue, material=True, body="We now also record menus.")
    client = as_user(alice)
    body = client.get("/consent/").content.decode()
    assert "Needs your review" in body
    assert control_states(body)[str(scope)] == "lapsed"
    assert "We now also record menus." in body
    assert "Needs your review" in client.get("/").content.decode()


def test_home_summarises_my_consent(as_user, alice, scope, other_scope):
    grant(alice, scope)
    grant(alice, other_scope)
    consent_withdraw(employee=alice.employee, scope=other_scope, actor=alice, context=WEB)
    body = as_user(alice).get("/").content.decode()
    assert '<span class="stat-value" data-testid="granted-count">1</span>' in body
    assert "erasure pending" in body
    assert "Needs your review" not in body


def test_access_log_shows_who_looked_at_my_data_and_why(as_user, alice, bob, olivia, scope):
    grant(bob, scope)
    employee_consent_disclose(viewer=olivia, employee=alice.employee, reason="Ticket 4711")
    body = as_user(alice).get("/consent/access-log/").content.decode()
    assert "olivia@example.com" in body
    assert "Ticket 4711" in body
    assert 'data-action="personal_data.viewed"' in body
    assert 'data-action="consent.granted"' not in body  # bob's grant is not about alice
    assert Employee.objects.get(user=bob).subject_id not in body


def test_published_notice_page_is_the_receipts_policy_url(as_user, bob, catalogue):
    notice = catalogue["notice"]
    body = as_user(bob).get(f"/notices/{notice.version}/").content.decode()
    assert notice.body in body
    assert notice.content_hash in body
    assert "Visual Studio Code" in body


def test_my_consent_queries_do_not_grow_with_history(as_user, alice, scope, other_scope):
    client = as_user(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/consent/").status_code == 200
        return len(captured)

    grant(alice, scope)
    few = queries()
    for _ in range(10):
        consent_withdraw(employee=alice.employee, scope=scope, actor=alice, context=WEB)
        grant(alice, scope)
        grant(alice, other_scope)
        consent_withdraw(employee=alice.employee, scope=other_scope, actor=alice, context=WEB)
    assert queries() == few


def test_scope_of_a_disabled_application_can_still_be_withdrawn(as_user, alice, olivia, scope):
    grant(alice, scope)
    catalogue_disable(scope.application, actor=olivia)
    client = as_user(alice)
    page = client.get("/consent/").content.decode()
    assert "No longer offered" in page
    assert control_states(page)[str(scope)] == "granted"
    client.post("/consent/withdraw/", scope.as_slugs())
    assert ConsentState.objects.get(employee=alice.employee).state == "withdrawn"
    assert client.post("/consent/grant/", scope.as_slugs()).status_code == 302
    assert ConsentState.objects.get(employee=alice.employee).state == "withdrawn"


def test_a_restricted_person_is_told_that_granting_records_nothing_until_it_is_lifted(
    as_user, alice, olivia, scope
):
    from governance.services.restriction import employee_processing_restrict

    grant(alice, scope)
    assert 'data-testid="restricted"' not in as_user(alice).get("/consent/").content.decode()
    employee_processing_restrict(
        employee=alice.employee, restricted=True, reason="Erased on request", actor=olivia
    )

    body = as_user(alice).get("/consent/").content.decode()

    assert 'data-testid="restricted"' in body
    assert "Nothing is recorded about you while the restriction lasts" in body
