"""Restricting processing stops ingestion for that person at once, and is audited."""

from governance.models import AuditEvent, InteractionEvent
from tests.ingestion.helpers import batch, event, post


def test_officer_restricts_and_resumes_processing(client, token, olivia, alice_consents_all):
    number = alice_consents_all.employee.employee_number
    client.force_login(olivia)
    response = client.post(
        f"/api/v1/employees/{number}/restriction",
        {"restricted": True, "reason": "Art. 18 request #12"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["restricted"] is True
    client.logout()
    assert post(client, token, batch([event()])).json()["dropped"] == {"restricted": 1}
    assert not InteractionEvent.objects.exists()
    audit = AuditEvent.objects.get(action="processing.restricted")
    assert audit.subject == alice_consents_all.employee.subject_id

    client.force_login(olivia)
    client.post(
        f"/api/v1/employees/{number}/restriction",
        {"restricted": False, "reason": "request resolved"},
        content_type="application/json",
    )
    client.logout()
    assert post(client, token, batch([event()])).json()["accepted"] == 1


def test_restriction_needs_an_officer_and_a_reason(client, alice, bob, olivia):
    number = bob.employee.employee_number
    client.force_login(alice)
    url = f"/api/v1/employees/{number}/restriction"
    body = {"restricted": True, "reason": "x"}
    assert client.post(url, body, content_type="application/json").status_code == 403
    client.force_login(olivia)
    response = client.post(url, {"restricted": True}, content_type="application/json")
    assert response.status_code == 400 and "reason" in response.json()
    assert (
        client.post(
            "/api/v1/employees/NOPE/restriction", body, content_type="application/json"
        ).status_code
        == 404
    )
    bob.employee.refresh_from_db()
    assert bob.employee.processing_restricted_at is None
