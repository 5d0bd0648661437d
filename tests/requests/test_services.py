"""Requests through the service: filing, the clock, every transition, and fulfilment."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.models import (
    AuditEvent,
    ConsentState,
    DataRequest,
    ErasureJob,
    OwedErasure,
    SentEmail,
)
from governance.services.holds import legal_hold_create, legal_hold_release
from governance.services.requests import (
    request_assign,
    request_complete,
    request_extend,
    request_file,
    request_identity_ask,
    request_reject,
    request_verify,
    request_withdraw,
    requests_remind,
)
from governance.services.restriction import employee_processing_restrict
from tests.erasure.helpers import drive, events_of, record_events
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(alice):
    def filing(kind="access", actor=None, **fields):
        return request_file(employee=alice.employee, kind=kind, actor=actor or alice, **fields)

    return filing


def unchanged(request: DataRequest) -> dict:
    request.refresh_from_db()
    return {f.attname: getattr(request, f.attname) for f in DataRequest._meta.fields}


def test_an_employee_files_a_request_that_waits_for_an_officer_and_is_due_in_a_month(
    file, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request, created = file(details="Everything you keep about me, please.")
    assert created and request.state == "received"
    assert request.clock == "gdpr" and request.jurisdiction == "DE"
    received = request.received_at.date()
    assert request.due_on > received and (request.due_on - received).days in range(28, 32)
    assert [h.action for h in request.history.all()] == ["filed"]
    assert AuditEvent.objects.filter(
        action="request.filed", subject=alice.employee.subject_id
    ).exists()
    [email] = mail.outbox
    assert email.to == ["alice@example.com"] and f"#{request.pk}" in email.subject
    assert SentEmail.objects.get(request=request).kind == "request_received"


def test_the_same_open_request_again_is_the_open_one_not_a_duplicate(file, catalogue):
    first, created = file("erasure", purpose=catalogue["purpose"])
    again, created_again = file("erasure", purpose=catalogue["purpose"])
    assert created and not created_again and again.pk == first.pk
    other_scope, created_other = file("erasure")  # everything: another scope
    assert created_other and other_scope.pk != first.pk
    request_withdraw(request=first, actor=first.employee.user)
    fresh, created_fresh = file("erasure", purpose=catalogue["purpose"])
    assert created_fresh and fresh.pk != first.pk
    assert DataRequest.objects.count() == 3


def test_only_erasure_restriction_and_objection_name_a_scope(file, catalogue):
    with pytest.raises(ValidationError) as error:
        file("access", purpose=catalogue["purpose"])
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError):
        file("teleport")
    assert not DataRequest.objects.exists()


def test_an_officer_filing_on_someones_behalf_records_how_identity_was_checked(alice, olivia, file):
    with pytest.raises(ValidationError) as error:
        file("rectification", actor=olivia)
    assert "identity_check" in error.value.message_dict
    request, _ = file("rectification", actor=olivia, identity_check="Badge shown in person")
    assert request.state == "in_progress" and request.identity_check == "Badge shown in person"
    assert request.filed_by == olivia
    assert [h.action for h in request.history.all()] == ["filed_on_behalf", "verified"]


def test_nobody_but_an_officer_files_for_someone_else(alice, bob):
    with pytest.raises(PermissionDenied):
        request_file(employee=alice.employee, kind="access", actor=bob)
    assert not DataRequest.objects.exists()


def test_waiting_for_identity_pauses_the_clock(file, olivia):
    request, _ = file()
    due = request.due_on
    request_identity_ask(request=request, actor=olivia, reason="Reply from your work account.")
    request.refresh_from_db()
    assert request.state == "awaiting_identity" and request.is_paused
    DataRequest.objects.filter(pk=request.pk).update(
        paused_at=request.paused_at - timedelta(days=4)
    )
    request_verify(request=request, actor=olivia, identity_check="Replied from work account")
    request.refresh_from_db()
    assert request.state == "in_progress" and not request.is_paused
    assert request.paused_days == 4 and request.due_on == due + timedelta(days=4)


def test_one_extension_within_the_limit_and_only_before_the_deadline(
    file, olivia, django_capture_on_commit_callbacks
):
    request, _ = file()
    before = unchanged(request)
    with pytest.raises(ValidationError) as error:
        request_extend(request=request, actor=olivia, days=200, reason="Large volume")
    assert "days" in error.value.message_dict
    with pytest.raises(ValidationError):
        request_extend(request=request, actor=olivia, days=10, reason="  ")
    assert unchanged(request) == before
    with django_capture_on_commit_callbacks(execute=True):
        request_extend(request=request, actor=olivia, days=30, reason="Many stores to search")
    request.refresh_from_db()
    assert request.due_on == before["due_on"] + timedelta(days=30)
    assert request.extension_reason == "Many stores to search"
    assert mail.outbox[-1].subject.startswith(f"Your request #{request.pk} needs more time")
    with pytest.raises(ValidationError) as error:
        request_extend(request=request, actor=olivia, days=1, reason="Again")
    assert "already" in str(error.value)


def test_no_extension_once_the_deadline_has_passed(file, olivia):
    request, _ = file()
    DataRequest.objects.filter(pk=request.pk).update(due_on=timezone.now().date() - timedelta(1))
    with pytest.raises(ValidationError) as error:
        request_extend(request=request, actor=olivia, days=5, reason="Late")
    assert "passed" in str(error.value)
    assert DataRequest.objects.get(pk=request.pk).extended_days == 0


def test_cpra_requests_get_45_days_and_one_extension_of_45(olivia):
    carol = make_user("carol@example.com", country="US", region="CA")
    request, _ = request_file(employee=carol.employee, kind="access", actor=carol)
    assert request.clock == "cpra"
    assert request.due_on == request.received_at.date() + timedelta(days=45)
    with pytest.raises(ValidationError):
        request_extend(request=request, actor=olivia, days=46, reason="Volume")
    request_extend(request=request, actor=olivia, days=45, reason="Volume")


def test_a_rejection_needs_a_reason_and_names_the_authority_to_complain_to(
    file, olivia, settings, django_capture_on_commit_callbacks
):
    request, _ = file()
    with pytest.raises(ValidationError):
        request_reject(request=request, actor=olivia, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        request_reject(request=request, actor=olivia, reason="Manifestly unfounded: filed hourly")
    request.refresh_from_db()
    assert request.state == "rejected" and request.closed_at is not None
    assert settings.SUPERVISORY_AUTHORITY["name"] in mail.outbox[-1].body
    assert "Manifestly unfounded" in mail.outbox[-1].body


@pytest.mark.parametrize(
    "transition",
    [
        lambda r, o: request_verify(request=r, actor=o, identity_check="Badge"),
        lambda r, o: request_reject(request=r, actor=o, reason="x"),
        lambda r, o: request_extend(request=r, actor=o, days=1, reason="x"),
        lambda r, o: request_identity_ask(request=r, actor=o, reason="x"),
        lambda r, o: request_complete(request=r, actor=o, outcome="x"),
        lambda r, o: request_withdraw(request=r, actor=r.employee.user),
    ],
)
def test_a_closed_request_allows_no_transition(file, olivia, transition):
    request, _ = file()
    request_reject(request=request, actor=olivia, reason="Duplicate of a request by letter")
    before = unchanged(request)
    history = request.history.count()
    with pytest.raises(ValidationError) as error:
        transition(request, olivia)
    assert "state" in error.value.message_dict
    assert unchanged(request) == before and request.history.count() == history


def test_access_requests_complete_only_with_their_package(file, olivia):
    request, _ = file()
    request_verify(request=request, actor=olivia, identity_check="Signed in with SSO")
    assert request.packages.get().state == "building"
    with pytest.raises(ValidationError):
        request_complete(request=request, actor=olivia, outcome="Sent by post")


def test_assignment_goes_to_privacy_officers_only(file, olivia, leo):
    request, _ = file()
    with pytest.raises(ValidationError):
        request_assign(request=request, assignee=leo, actor=olivia)
    request_assign(request=request, assignee=olivia, actor=olivia)
    assert DataRequest.objects.get(pk=request.pk).assignee == olivia


def test_an_erasure_request_withdraws_its_scope_and_completes_when_the_erasure_verifies(
    alice_consents_all, token, olivia, catalogue, django_capture_on_commit_callbacks
):
    alice = alice_consents_all
    assert record_events(token) > 0
    request, _ = request_file(employee=alice.employee, kind="erasure", actor=alice)
    request_verify(request=request, actor=olivia, identity_check="Signed in")
    request.refresh_from_db()
    job = request.erasure_job
    assert job.cause == "request" and job.cause_ref == f"request:{request.pk}"
    assert not ConsentState.objects.filter(employee=alice.employee, state="granted").exists()
    # The withdrawals' owed erasures are this job's: no second job for the same data.
    assert set(OwedErasure.objects.values_list("job", flat=True)) == {job.pk}
    with django_capture_on_commit_callbacks(execute=True):
        assert drive(job).state == "verified"
    request.refresh_from_db()
    assert request.state == "completed" and events_of(alice) == 0
    assert "erased" in request.outcome
    assert mail.outbox[-1].subject == f"Your request #{request.pk} is complete"
    assert ErasureJob.objects.count() == 1
    with pytest.raises(ValidationError):
        request_withdraw(request=request, actor=alice)


def test_an_erasure_request_under_a_legal_hold_is_deferred_until_the_hold_ends(
    alice_consents_all, token, olivia, leo, django_capture_on_commit_callbacks
):
    alice = alice_consents_all
    record_events(token)
    hold = legal_hold_create(
        actor=leo, matter="Case 7", reason="Litigation", custodians=[alice.employee]
    )
    request, _ = request_file(employee=alice.employee, kind="erasure", actor=alice)
    request_verify(request=request, actor=olivia, identity_check="Signed in with SSO")
    request.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        drive(request.erasure_job)
    request.refresh_from_db()
    assert request.state == "blocked_by_hold"
    assert "legal obligation" in request.history.last().message and events_of(alice) > 0
    # The person has their answer within the deadline: what was done, what waits, and why.
    deferred = SentEmail.objects.get(kind="request_deferred")
    assert deferred.to == "alice@example.com" and "Art. 17(3)" in deferred.body
    legal_hold_release(hold=hold, actor=leo, reason="Settled")
    from governance.services.erasure import erasure_deferred_resume

    erasure_deferred_resume()
    request.refresh_from_db()
    assert request.state == "in_progress"
    drive(request.erasure_job)
    request.refresh_from_db()
    assert request.state == "completed" and events_of(alice) == 0


def test_an_objection_withdraws_the_whole_purpose_and_is_recorded(
    alice_consents_all, olivia, catalogue
):
    alice = alice_consents_all
    request, _ = request_file(
        employee=alice.employee, kind="objection", actor=alice, purpose=catalogue["purpose"]
    )
    request_verify(request=request, actor=olivia, identity_check="Signed in with SSO")
    request.refresh_from_db()
    assert request.state == "completed" and "objection" in request.outcome
    assert not ConsentState.objects.filter(employee=alice.employee, state="granted").exists()
    assert OwedErasure.objects.filter(employee=alice.employee).count() == len(catalogue["kinds"])


def test_restriction_is_an_officers_decision_and_lifting_it_tells_the_person(
    file, alice, olivia, django_capture_on_commit_callbacks
):
    request, _ = file("restriction", details="While my objection is assessed")
    request_verify(request=request, actor=olivia, identity_check="Signed in with SSO")
    with pytest.raises(ValidationError) as error:
        request_complete(request=request, actor=olivia)
    assert "restrict" in error.value.message_dict
    request_complete(request=request, actor=olivia, restrict=True)
    request.refresh_from_db()
    assert request.state == "completed" and "lifted" in request.outcome
    alice.employee.refresh_from_db()
    assert alice.employee.processing_restricted_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        employee_processing_restrict(
            employee=alice.employee, restricted=False, reason="Objection assessed", actor=olivia
        )
    assert SentEmail.objects.filter(kind="processing_resumed", to="alice@example.com").exists()


def test_rectification_corrects_profile_fields_and_says_why_events_are_not_corrected(
    file, alice, olivia
):
    request, _ = file("rectification", details="My department is Research")
    request_verify(request=request, actor=olivia, identity_check="Signed in with SSO")
    before = unchanged(request)
    with pytest.raises(ValidationError):
        request_complete(request=request, actor=olivia, corrections={"subject_id": "x"})
    with pytest.raises(ValidationError):
        request_complete(request=request, actor=olivia)  # neither a correction nor a reason
    assert unchanged(request) == before
    request_complete(
        request=request,
        actor=olivia,
        corrections={"department": "Research"},
        outcome="Recorded keystrokes are observations of what happened; they are not corrected.",
    )
    alice.employee.refresh_from_db()
    assert alice.employee.department == "Research"
    request.refresh_from_db()
    assert "Engineering → Research" in request.outcome
    assert AuditEvent.objects.filter(action="employee.rectified").exists()


def test_assignees_are_reminded_once_a_day_of_requests_due_soon_and_overdue(
    file, alice, olivia, bob
):
    today = timezone.now().date()
    soon, _ = file()
    late, _ = file("rectification")
    far, _ = file("portability")
    DataRequest.objects.filter(pk=soon.pk).update(due_on=today + timedelta(days=3))
    DataRequest.objects.filter(pk=late.pk).update(due_on=today - timedelta(days=1))
    assert requests_remind(today=today) == 1  # unassigned: every officer (olivia)
    email = SentEmail.objects.get(kind="requests_due")
    assert email.to == "olivia@example.com"
    assert f"#{late.pk}" in email.body and f"#{soon.pk}" in email.body
    assert f"#{far.pk}" not in email.body
    assert "Overdue" in email.body
    assert requests_remind(today=today) == 0  # already told today


def test_verifying_says_how_identity_was_checked(file, olivia):
    request, _ = file()
    with pytest.raises(ValidationError) as error:
        request_verify(request=request, actor=olivia, identity_check="  ")
    assert "identity_check" in error.value.message_dict
    assert DataRequest.objects.get(pk=request.pk).state == "received"


def test_refusing_a_restriction_is_a_rejection_that_names_the_authority(
    file, alice, olivia, django_capture_on_commit_callbacks
):
    request, _ = file("restriction")
    request_verify(request=request, actor=olivia, identity_check="SSO")
    with pytest.raises(ValidationError):
        request_complete(request=request, actor=olivia, restrict=False)  # no reason
    with django_capture_on_commit_callbacks(execute=True):
        request_complete(
            request=request, actor=olivia, restrict=False, outcome="Accuracy is not contested."
        )
    request.refresh_from_db()
    assert request.state == "rejected" and request.outcome == "Accuracy is not contested."
    alice.employee.refresh_from_db()
    assert alice.employee.processing_restricted_at is None
    assert mail.outbox[-1].subject == f"Your request #{request.pk} was not granted"


def test_a_restriction_asked_for_one_purpose_says_it_covers_everything(file, olivia, catalogue):
    request, _ = file("restriction", purpose=catalogue["purpose"])
    request_verify(request=request, actor=olivia, identity_check="SSO")
    request_complete(request=request, actor=olivia, restrict=True)
    request.refresh_from_db()
    assert catalogue["purpose"].name in request.outcome
    assert "covers all of your interaction data" in request.outcome


def test_rejections_name_the_authority_of_the_persons_law(
    olivia, django_capture_on_commit_callbacks
):
    carol = make_user("carol@example.com", country="US", region="CA")
    request, _ = request_file(employee=carol.employee, kind="access", actor=carol)
    with django_capture_on_commit_callbacks(execute=True):
        request_reject(request=request, actor=olivia, reason="Not an employee record of ours")
    assert "California Privacy Protection Agency" in mail.outbox[-1].body
    assert "Berlin" not in mail.outbox[-1].body


def test_an_officer_files_a_letter_with_the_day_it_arrived(alice, olivia):
    arrived = timezone.now() - timedelta(days=10)
    request, _ = request_file(
        employee=alice.employee,
        kind="access",
        actor=olivia,
        identity_check="Signed letter matched to HR file",
        received_at=arrived,
    )
    assert request.received_at == arrived
    assert request.due_on < (timezone.now() + timedelta(days=25)).date()
    for bad in (timezone.now() + timedelta(days=1), timezone.now() - timedelta(days=400)):
        with pytest.raises(ValidationError) as error:
            request_file(
                employee=alice.employee,
                kind="rectification",
                actor=olivia,
                identity_check="Letter",
                received_at=bad,
            )
        assert "received_at" in error.value.message_dict
    with pytest.raises(ValidationError):
        request_file(employee=alice.employee, kind="objection", actor=alice, received_at=arrived)
    assert DataRequest.objects.count() == 1


def test_requests_waiting_for_identity_or_deferred_by_a_hold_are_not_chased(file, olivia):
    today = timezone.now().date()
    waiting, _ = file()
    request_identity_ask(request=waiting, actor=olivia, reason="Reply from your work account")
    DataRequest.objects.filter(pk=waiting.pk).update(due_on=today - timedelta(days=2))
    assert requests_remind(today=today) == 0


def test_every_beat_task_is_a_registered_task():
    from portal.celery import app

    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_only_a_failed_copy_is_built_again(file, olivia):
    from governance.services.requests import request_package_rebuild

    request, _ = file()
    request_verify(request=request, actor=olivia, identity_check="SSO")
    with pytest.raises(ValidationError) as error:
        request_package_rebuild(request=request, actor=olivia)  # still building
    assert "state" in error.value.message_dict
    request.packages.update(state="failed", last_error="disk full")
    package = request_package_rebuild(request=request, actor=olivia)
    assert package.state == "building" and request.packages.count() == 2
    assert AuditEvent.objects.filter(action="request.package_rebuilt").exists()
    rectification, _ = file("rectification")
    request_verify(request=rectification, actor=olivia, identity_check="SSO")
    with pytest.raises(ValidationError):
        request_package_rebuild(request=rectification, actor=olivia)
