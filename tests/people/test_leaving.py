"""Leavers: a people officer records `left_at`; all their interaction data is erased at
once (a job of cause "left" with its signed receipt) and their capture stops; their
consent evidence is pseudonymised EVIDENCE_RETENTION_DAYS later, the audit chain intact."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from governance.models import AuditEvent, ConsentEvent, ErasureJob, OwedErasure
from governance.services.consent import RequestContext, consent_grant
from governance.services.people import employee_leave
from governance.services.privacy import leavers_evidence_pseudonymise
from governance.services.receipts import consent_receipt
from governance.services.scopes import Scope
from governance.services.signing import verify_document
from tests.erasure.helpers import drive, events_of, record_events
from tests.ingestion.helpers import batch, event, post


def leaving(number: str) -> str:
    return f"/api/v1/employees/{number}/leaving"


@pytest.fixture
def alice_data(alice_consents_all, token):
    assert record_events(token) == 90
    return alice_consents_all


@pytest.fixture
def yesterday():
    return (timezone.now() - timedelta(days=1)).replace(microsecond=0)


def test_an_officer_records_a_leaver_and_everything_is_erased_and_capture_stops(
    client, client_as, olivia, alice_data, token, yesterday
):
    employee = alice_data.employee
    response = client_as(olivia).post(
        leaving(employee.employee_number), {"left_at": yesterday.isoformat()}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    job = ErasureJob.objects.get()
    assert body["left_at"] and body["restricted"] is True and body["erasure_job"] == job.pk
    employee.refresh_from_db()
    assert employee.left_at == yesterday and employee.processing_restricted_at is not None
    assert (job.cause, job.restricts_capture, job.requested_by) == ("left", True, olivia)
    assert not (job.purpose_ids or job.application_ids or job.data_kind_ids)  # everything
    left = AuditEvent.objects.get(action="employee.left")
    assert left.subject == employee.subject_id and left.actor_label == olivia.username
    assert left.details == {"left_at": yesterday.isoformat()}

    job = drive(job)

    assert job.state == "verified" and verify_document(job.receipt)
    assert job.receipt["cause"] == "left"
    assert events_of(alice_data) == 0
    result = post(client, token, batch([event()])).json()
    assert result["accepted"] == 0 and result["dropped"] == {"restricted": 1}
    # Consent evidence is kept.
    assert ConsentEvent.objects.filter(employee=employee).count() == 6
    assert not OwedErasure.objects.exists()


def test_the_same_leaving_again_changes_nothing_and_another_date_is_refused(
    client_as, olivia, alice, catalogue, yesterday
):
    client = client_as(olivia)
    url = leaving(alice.employee.employee_number)
    assert client.post(url, {"left_at": yesterday.isoformat()}, format="json").status_code == 200
    audited = AuditEvent.objects.count()

    again = client.post(url, {"left_at": yesterday.isoformat()}, format="json")
    other = client.post(
        url, {"left_at": (yesterday - timedelta(days=3)).isoformat()}, format="json"
    )

    assert again.status_code == 200
    assert other.status_code == 400 and "left_at" in other.json()
    assert ErasureJob.objects.count() == 1 and AuditEvent.objects.count() == audited
    alice.employee.refresh_from_db()
    assert alice.employee.left_at == yesterday


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"left_at": "last week"},
        {"left_at": 20261130},
        {"left_at": None},
        {"left_at": "2999-01-01T00:00:00Z"},
        {"left_at": "0001-01-01T00:00:00Z"},
        {"left_at": "2016-11-30T00:00:00Z"},
        {"left_at": "2026-11-30T00:00:00\u0000Z"},
        {"left_at": "0001-01-01T00:00:00+14:00"},
        {"left_at": "9999-12-31T23:59:59-14:00"},
        {"left_at": "2026-11-30T00:00:00Z", "erase": False},
    ],
)
def test_a_bad_leaving_is_refused_naming_the_field_and_changes_nothing(
    client_as, olivia, alice, catalogue, body
):
    response = client_as(olivia).post(leaving(alice.employee.employee_number), body, format="json")

    assert response.status_code == 400
    problems = response.json()
    assert "left_at" in problems or "erase" in problems or "non_field_errors" in problems
    alice.employee.refresh_from_db()
    assert alice.employee.left_at is None and alice.employee.processing_restricted_at is None
    assert not ErasureJob.objects.exists()


@pytest.mark.parametrize("persona", ["alice", "bob", "leo", None])
def test_only_privacy_officers_record_leavers(client_as, alice, bob, leo, persona, yesterday):
    users = {"alice": alice, "bob": bob, "leo": leo, None: None}
    # bob posting about alice: another person's record.
    response = client_as(users[persona]).post(
        leaving(alice.employee.employee_number), {"left_at": yesterday.isoformat()}, format="json"
    )

    assert response.status_code in (401, 403)
    alice.employee.refresh_from_db()
    assert alice.employee.left_at is None
    assert not ErasureJob.objects.exists()


def test_an_unknown_employee_number_is_404(client_as, olivia, yesterday):
    response = client_as(olivia).post(
        leaving("E-NOBODY"), {"left_at": yesterday.isoformat()}, format="json"
    )
    assert response.status_code == 404


def test_the_people_page_records_a_leaver(as_user, olivia, alice_data):
    client = as_user(olivia)
    employee = alice_data.employee
    page = f"/officer/people/{employee.pk}/leaving/"
    assert f'href="{page}"' in client.get("/officer/people/").content.decode()
    assert 'name="left_on"' in client.get(page).content.decode()

    future = (timezone.now() + timedelta(days=2)).date().isoformat()
    refused = client.post(page, {"left_on": future, "confirm": "on"})
    assert refused.status_code == 400
    assert "cannot be in the future" in refused.content.decode()
    unconfirmed = client.post(page, {"left_on": "2026-11-30"})
    assert unconfirmed.status_code == 400 and not ErasureJob.objects.exists()
    typo = client.post(page, {"left_on": "0001-01-01", "confirm": "on"})
    assert typo.status_code == 400 and "pseudonymised and their account closed" in (
        typo.content.decode()
    )
    assert not ErasureJob.objects.exists()

    today = timezone.now().date()
    response = client.post(page, {"left_on": today.isoformat(), "confirm": "on"}, follow=True)

    assert response.redirect_chain == [(page, 302)]
    body = response.content.decode()
    job = ErasureJob.objects.get(cause="left")
    assert 'data-testid="left"' in body and f"erasure #{job.pk}" in body
    employee.refresh_from_db()
    assert employee.left_at.date() == today and employee.processing_restricted_at is not None
    assert 'data-testid="left-badge"' in client.get("/officer/people/").content.decode()


def test_a_leavers_consent_evidence_is_pseudonymised_after_six_years(
    alice, olivia, catalogue, settings, tmp_path, capsys
):
    assert settings.EVIDENCE_RETENTION_DAYS == 2190
    employee = alice.employee
    mine = consent_grant(
        employee=employee,
        scope=Scope(catalogue["purpose"], catalogue["applications"][0], catalogue["kinds"][0]),
        actor=alice,
        context=RequestContext(ip_address="203.0.113.7", user_agent="Firefox"),
    )
    by_officer = consent_grant(
        employee=employee,
        scope=Scope(catalogue["purpose"], catalogue["applications"][0], catalogue["kinds"][1]),
        actor=olivia,
        context=RequestContext(method="admin", ip_address="198.51.100.9", user_agent="Edge"),
    )
    left_at = timezone.now() - timedelta(minutes=1)
    employee_leave(employee=employee, left_at=left_at, actor=olivia)
    number = employee.employee_number

    assert leavers_evidence_pseudonymise(now=left_at + timedelta(days=2189)) == 0
    mine.refresh_from_db()
    assert mine.actor_label == "alice@example.com" and mine.ip_address == "203.0.113.7"

    assert leavers_evidence_pseudonymise(now=left_at + timedelta(days=2191)) == 1

    employee.refresh_from_db()
    employee.user.refresh_from_db()
    mine.refresh_from_db()
    by_officer.refresh_from_db()
    pseudonym = employee.subject_id
    assert (mine.actor_label, mine.ip_address, mine.user_agent) == (pseudonym, None, "")
    assert (by_officer.actor_label, by_officer.ip_address) == (olivia.username, None)
    user = employee.user
    assert (user.username, user.email, user.get_full_name()) == (pseudonym, "", "")
    assert not user.is_active and not user.has_usable_password()
    assert employee.employee_number == number  # kept: see services/privacy.py
    assert employee.display_name == pseudonym
    receipt = consent_receipt(mine)
    assert receipt["piiPrincipalId"] == pseudonym and verify_document(receipt)
    audit = AuditEvent.objects.get(action="employee.evidence_pseudonymised")
    assert audit.subject == pseudonym
    assert "alice" not in str(audit.details) and number not in str(audit.details)
    call_command("audit_verify")
    assert "ok:" in capsys.readouterr().out
    # Twice is once.
    assert leavers_evidence_pseudonymise(now=left_at + timedelta(days=3000)) == 0


def test_a_leavers_capture_cannot_be_resumed(client_as, olivia, alice, catalogue, yesterday):
    employee_leave(employee=alice.employee, left_at=yesterday, actor=olivia)

    response = client_as(olivia).post(
        f"/api/v1/employees/{alice.employee.employee_number}/restriction",
        {"restricted": False, "reason": "back"},
        format="json",
    )

    assert response.status_code == 400 and "restricted" in response.json()
    alice.employee.refresh_from_db()
    assert alice.employee.processing_restricted_at is not None
    assert not AuditEvent.objects.filter(action="processing.resumed").exists()
