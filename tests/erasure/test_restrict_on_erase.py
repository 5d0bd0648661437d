"""An officer's erasure of everything also restricts the person's capture, unless the
officer explicitly chooses otherwise; the choice is recorded on the job and audited."""

import re

import pytest
from django.core.exceptions import ValidationError

from governance.models import AuditEvent, ErasureJob, InteractionEvent
from governance.services.erasure import erasure_job_create
from tests.erasure.helpers import drive, events_of, record_events
from tests.ingestion.helpers import batch, event, post

JOBS = "/api/v1/erasure-jobs"
PAGE = "/officer/erasure-jobs/"


@pytest.fixture
def alice_data(alice_consents_all, token):
    assert record_events(token) == 90
    return alice_consents_all


def requested() -> AuditEvent:
    return AuditEvent.objects.get(action="erasure.requested")


def test_erasing_everything_through_the_api_restricts_capture_by_default(
    client, client_as, olivia, alice_data, token
):
    response = client_as(olivia).post(
        JOBS, {"employee": "alice@example.com", "reason": "DSR 12"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["restricts_capture"] is True
    job = ErasureJob.objects.get()
    assert job.restricts_capture is True
    employee = alice_data.employee
    employee.refresh_from_db()
    assert employee.processing_restricted_at is not None
    assert requested().details["restrict_capture"] is True
    restricted = AuditEvent.objects.get(action="processing.restricted")
    assert (
        restricted.subject == employee.subject_id and f"#{job.pk}" in restricted.details["reason"]
    )
    # The verified erasure does not fill up again: the next batch stores nothing.
    assert drive(job).state == "verified" and events_of(alice_data) == 0
    result = post(client, token, batch([event()])).json()
    assert result["accepted"] == 0 and result["dropped"] == {"restricted": 1}
    assert events_of(alice_data) == 0


def test_an_officer_may_choose_to_let_capture_go_on_and_that_is_recorded(
    client, client_as, olivia, alice_data, token
):
    response = client_as(olivia).post(
        JOBS,
        {"employee": "alice@example.com", "reason": "DSR 12", "restrict_capture": False},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["restricts_capture"] is False
    job = ErasureJob.objects.get()
    assert job.restricts_capture is False
    alice_data.employee.refresh_from_db()
    assert alice_data.employee.processing_restricted_at is None
    assert requested().details["restrict_capture"] is False
    assert not AuditEvent.objects.filter(action="processing.restricted").exists()
    drive(job)
    assert post(client, token, batch([event()])).json()["accepted"] == 1


@pytest.mark.parametrize("value", ["yes", 1, None, "false"])
def test_a_restrict_capture_that_is_not_a_boolean_is_refused_and_starts_nothing(
    client_as, olivia, alice_data, value
):
    response = client_as(olivia).post(
        JOBS,
        {"employee": "alice@example.com", "reason": "x", "restrict_capture": value},
        format="json",
    )

    assert response.status_code == 400
    assert "restrict_capture" in response.content.decode()
    assert not ErasureJob.objects.exists()
    alice_data.employee.refresh_from_db()
    assert alice_data.employee.processing_restricted_at is None


def test_the_page_form_ticks_restriction_by_default(as_user, olivia):
    body = as_user(olivia).get(PAGE).content.decode()

    [tag] = re.findall(r'<input[^>]*name="restrict_capture"[^>]*>', body)
    assert 'type="checkbox"' in tag and "checked" in tag


@pytest.mark.parametrize("ticked", [True, False])
def test_the_page_form_records_the_officers_choice(as_user, olivia, alice_data, ticked):
    data = {"employee": "alice@example.com", "reason": "Leaver", "confirm": "on"}
    if ticked:
        data["restrict_capture"] = "on"

    response = as_user(olivia).post(PAGE, data, follow=True)

    job = ErasureJob.objects.get()
    assert job.restricts_capture is ticked
    alice_data.employee.refresh_from_db()
    assert (alice_data.employee.processing_restricted_at is not None) is ticked
    assert requested().details["restrict_capture"] is ticked
    shown = 'data-testid="restricts-capture"'
    assert shown in response.content.decode()
    assert ("restricted with this erasure" in response.content.decode()) is ticked


def test_a_scoped_erasure_cannot_restrict_capture(olivia, alice_data, catalogue):
    with pytest.raises(ValidationError) as caught:
        erasure_job_create(
            employee=alice_data.employee,
            cause="officer",
            actor=olivia,
            data_kinds=[catalogue["kinds"][0]],
            restrict_capture=True,
        )
    assert "restrict_capture" in caught.value.message_dict
    assert not ErasureJob.objects.exists()


def test_a_withdrawals_erasure_records_no_choice(olivia, alice_data, catalogue):
    job = erasure_job_create(
        employee=alice_data.employee, cause="consent_withdrawal", data_kinds=[catalogue["kinds"][0]]
    )

    assert job.restricts_capture is None
    assert "restrict_capture" not in requested().details
    assert InteractionEvent.objects.exists()
