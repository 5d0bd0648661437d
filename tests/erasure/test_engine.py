"""The erasure saga, driven step by step in-process (the worker tests drive it for real)."""

from datetime import UTC, datetime, timedelta

import pytest

from governance.models import (
    ActivityDay,
    ErasureJob,
    ErasureStep,
    InteractionEvent,
    OwedErasure,
    SessionSummary,
)
from governance.services.consent import RequestContext, consent_withdraw
from governance.services.erasure import (
    erasure_deferred_resume,
    erasure_job_create,
    erasure_step_run,
    owed_erasures_schedule,
)
from governance.services.holds import legal_hold_create, legal_hold_release
from governance.services.scopes import scope_resolve
from governance.services.signing import verify_document
from governance.stores import REGISTRY
from tests.erasure.helpers import preserve


def drive(job: ErasureJob) -> ErasureJob:
    """Run every step, stage by stage, as the tasks would."""
    for _ in range(5):
        for step in job.steps.filter(state="pending").order_by("pk"):
            erasure_step_run(step.pk)
    return ErasureJob.objects.get(pk=job.pk)


def test_officer_erasure_leaves_zero_residue_and_a_verifiable_receipt(alice_data, olivia):
    employee = alice_data.employee
    job = erasure_job_create(employee=employee, cause="officer", actor=olivia, reason="test")
    assert set(job.steps.values_list("store", flat=True)) == set(REGISTRY)
    job = drive(job)
    assert job.state == "verified"
    assert not InteractionEvent.objects.filter(subject=employee.subject_id).exists()
    assert not SessionSummary.objects.filter(subject=employee.subject_id).exists()
    assert not ActivityDay.objects.filter(subject=employee.subject_id).exists()
    receipt = job.receipt
    assert verify_document(receipt, receipt["publicKey"])
    assert receipt["stores"]["events"]["rows_before"] == 90
    assert receipt["stores"]["events"]["rows_after"] == 0
    assert receipt["audit"]["seq"] > 0
    forged = {**receipt, "subject": "sub_someone_else"}
    assert not verify_document(forged, receipt["publicKey"])


def test_withdrawal_erases_only_that_scope(alice_data, catalogue):
    employee = alice_data.employee
    scope = scope_resolve(purpose=catalogue["purpose"].slug, application="vscode", data_kind="key")
    consent_withdraw(employee=employee, scope=scope, actor=alice_data, context=RequestContext())
    assert owed_erasures_schedule() == 1
    owed = OwedErasure.objects.get()
    assert owed.state == "scheduled"
    job = drive(owed.job)
    assert job.state == "verified" and job.cause == "consent_withdrawal"
    remaining = InteractionEvent.objects.filter(subject=employee.subject_id)
    assert set(remaining.values_list("event_type", flat=True)) == {"scroll"}
    assert remaining.count() == 30
    for summary in SessionSummary.objects.filter(subject=employee.subject_id):
        assert set(summary.counts) == {"scroll"}
    assert not ActivityDay.objects.filter(
        subject=employee.subject_id, data_kind__slug="key"
    ).exists()


def test_running_a_step_twice_deletes_nothing_twice(alice_data, olivia):
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)
    job = drive(job)
    receipt = job.receipt
    for step in job.steps.all():
        assert erasure_step_run(step.pk) is None  # already verified: nothing to claim
    job.refresh_from_db()
    assert job.receipt == receipt
    events = job.steps.get(store="events")
    assert events.rows_deleted == 90


def test_a_hold_defers_what_it_covers_and_release_resumes(alice_data, olivia, leo):
    employee = alice_data.employee
    now = datetime.now(UTC)
    hold = legal_hold_create(
        actor=leo,
        matter="Case 7",
        reason="litigation",
        custodians=[employee],
        starts=now - timedelta(days=3, hours=1),
        ends=now - timedelta(days=2, hours=1),
        stores=["events"],
    )
    job = drive(erasure_job_create(employee=employee, cause="officer", actor=olivia))
    assert job.state == "blocked_by_hold" and job.receipt is None
    step = job.steps.get(store="events")
    assert step.state == "blocked_by_hold" and step.rows_held == 30
    assert InteractionEvent.objects.filter(subject=employee.subject_id).count() == 30
    assert job.steps.get(store="sessions").state == "verified"
    legal_hold_release(hold=hold, actor=leo, reason="settled")
    assert erasure_deferred_resume() == 1
    job = drive(job)
    assert job.state == "verified" and job.receipt is not None
    assert not InteractionEvent.objects.filter(subject=employee.subject_id).exists()


def test_data_restricted_to_preserve_it_for_a_legal_claim_outlives_an_officers_erasure(
    alice_data, olivia
):
    """Art. 18(1)(c): the person needs their data for a legal claim. An erasure they did not
    ask for defers until the restriction is lifted, as retention does; then it resumes."""
    employee = alice_data.employee
    preserve(employee, olivia, on=True)

    job = drive(erasure_job_create(employee=employee, cause="officer", actor=olivia, reason="x"))

    assert job.state == "blocked_by_hold" and job.receipt is None
    assert job.steps.get(store="events").rows_held == 90
    assert InteractionEvent.objects.filter(subject=employee.subject_id).count() == 90
    preserve(employee, olivia, on=False)
    assert erasure_deferred_resume() == 3  # events, sessions and activity were kept
    job = drive(job)
    assert job.state == "verified" and job.receipt is not None
    assert not InteractionEvent.objects.filter(subject=employee.subject_id).exists()


def test_the_persons_own_erasure_request_goes_on_under_their_preserving_restriction(
    alice_data, olivia
):
    employee = alice_data.employee
    preserve(employee, olivia, on=True)

    job = drive(erasure_job_create(employee=employee, cause="request", actor=olivia, reason="x"))

    assert job.state == "verified"
    assert not InteractionEvent.objects.filter(subject=employee.subject_id).exists()


@pytest.mark.parametrize("store_name", sorted(REGISTRY))
def test_every_store_counts_zero_after_a_full_erasure(alice_data, olivia, store_name):
    employee = alice_data.employee
    drive(erasure_job_create(employee=employee, cause="officer", actor=olivia))
    assert REGISTRY[store_name].count(employee.subject_id) == 0
    assert ErasureStep.objects.get(store=store_name).rows_after == 0


def test_scoped_erasure_under_a_hold_on_events_only_is_deferred_not_failed(
    alice_data, catalogue, leo
):
    """Summaries rebuilt from held events are kept because of that hold, not a failure."""
    employee = alice_data.employee
    hold = legal_hold_create(
        actor=leo, matter="M", reason="r", custodians=[employee], stores=["events"]
    )
    key = next(k for k in catalogue["kinds"] if k.slug == "key")
    job = drive(
        erasure_job_create(
            employee=employee,
            cause="officer",
            purposes=[catalogue["purpose"]],
            applications=[catalogue["applications"][0]],
            data_kinds=[key],
        )
    )
    assert job.state == "blocked_by_hold"
    assert job.steps.get(store="events").state == "blocked_by_hold"
    assert job.steps.get(store="sessions").state == "blocked_by_hold"
    legal_hold_release(hold=hold, actor=leo, reason="Matter closed")
    erasure_deferred_resume()
    job = drive(job)
    assert job.state == "verified"
    assert not InteractionEvent.objects.filter(subject=employee.subject_id, data_kind=key).exists()
    assert all(
        "key" not in s.counts for s in SessionSummary.objects.filter(subject=employee.subject_id)
    )
