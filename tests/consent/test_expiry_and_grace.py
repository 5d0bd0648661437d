"""Consent ends by age, and data kept under ended consent is owed erasure after a grace.

Grants older than CONSENT_MAX_AGE_DAYS expire through the lapse batch path; the
gate already refuses them before a batch reaches them. Data recorded under a
lapsed or expired grant is kept CONSENT_LAPSE_GRACE_DAYS, then owed erasure as
after a withdrawal, unless the person consented again. Time passes here by
moving a state's `updated_at` (when it was granted, or when it ended) back.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from governance.models import (
    AuditEvent,
    ConsentHolding,
    ConsentState,
    ErasureJob,
    InteractionEvent,
    OwedErasure,
)
from governance.services.audit import audit_verify
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.erasure import owed_erasures_schedule
from governance.services.notices import notice_create, notice_publish
from governance.services.scopes import Scope
from governance.tasks.consent import consents_expire_due, consents_grace_enforce
from tests.consent.test_consent_fold import assert_state_is_fold
from tests.factories import make_user, retention_covered
from tests.ingestion.helpers import batch, event, post
from tests.servers import wait_until

CTX = RequestContext()


def grant(user, scope):
    return consent_grant(employee=user.employee, scope=scope, actor=user, context=CTX)


def age(user, scope=None, *, days: float) -> None:
    """Move the person's states (of one scope) `days` into the past."""
    states = ConsentState.objects.filter(employee=user.employee)
    if scope is not None:
        states = states.filter(
            purpose=scope.purpose, application=scope.application, data_kind=scope.data_kind
        )
    assert states.exists()
    states.update(updated_at=timezone.now() - timedelta(days=days))


def max_age() -> int:
    return settings.CONSENT_MAX_AGE_DAYS


def grace() -> int:
    return settings.CONSENT_LAPSE_GRACE_DAYS


def test_the_defaults_are_a_year_and_thirty_days():
    assert (max_age(), grace()) == (365, 30)


def test_grants_older_than_the_max_age_expire_in_batches(alice, bob, scope, other_scope):
    old = [make_user(f"old{i}@example.com") for i in range(3)]
    for user in [*old, alice]:
        grant(user, scope)
        age(user, days=max_age() + 1)
    grant(alice, other_scope)  # given yesterday: stays
    grant(bob, scope)
    age(bob, days=max_age() - 1)

    assert consents_expire_due(batch_size=1) == 4

    for user in [*old, alice]:
        events = assert_state_is_fold(user.employee, scope)
        assert [(e.action, e.notice_version, e.method) for e in events] == [
            ("granted", 1, "web"),
            ("expired", 1, "system"),
        ]
        assert ConsentHolding.objects.get(employee=user.employee, purpose=None).granted == (
            1 if user == alice else 0
        )
    assert ConsentState.objects.get(employee=alice.employee, application=other_scope.application)
    assert set(ConsentState.objects.filter(state="granted").values_list("employee", flat=True)) == {
        alice.employee.pk,
        bob.employee.pk,
    }
    audit = AuditEvent.objects.filter(action="consent.expired")
    assert audit.count() == 4
    assert alice.employee.subject_id in set(audit.values_list("subject", flat=True))
    # Safe to run again: nothing is due, nothing is written.
    assert consents_expire_due() == 0
    assert AuditEvent.objects.filter(action="consent.expired").count() == 4
    assert audit_verify().ok


def test_the_gate_refuses_an_expired_grant_before_the_beat_reaches_it(
    client, token, catalogue, alice_consents_all
):
    alice = alice_consents_all
    key = next(k for k in catalogue["kinds"] if k.slug == "key")
    age(alice, Scope(catalogue["purpose"], catalogue["applications"][0], key), days=max_age())

    response = post(client, token, batch([event(), event(type="pointer_down")]))

    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1
    assert response.json()["dropped"] == {"no_consent": 1}
    assert list(InteractionEvent.objects.values_list("event_type", flat=True)) == ["pointer_down"]


def test_a_renewal_over_an_expired_grant_records_the_expiry_first(alice, scope):
    grant(alice, scope)
    age(alice, days=max_age() + 1)

    renewed = grant(alice, scope)

    assert renewed.action == "granted"
    events = assert_state_is_fold(alice.employee, scope)
    assert [e.action for e in events] == ["granted", "expired", "granted"]
    # Renewed today: the next run of the beat task has nothing to expire.
    assert consents_expire_due() == 0


@pytest.fixture
def lapsed(catalogue, olivia, scope):
    """Publish a material notice over the whole catalogue; returns it."""

    def publish():
        notice = notice_create(
            actor=olivia,
            title="Recording, changed",
            body="We now keep menus for longer.",
            purposes=[catalogue["purpose"]],
            applications=catalogue["applications"],
            data_kinds=catalogue["kinds"],
            material_change=True,
        )
        with retention_covered():
            return notice_publish(notice=notice, actor=olivia)

    return publish


def test_lapsed_data_is_owed_erasure_only_after_the_grace_period(alice, bob, scope, lapsed):
    carol = make_user("carol@example.com")
    for user in (alice, bob, carol):
        grant(user, scope)
    lapsed()
    age(alice, days=grace() + 1)
    age(bob, days=grace() - 1)  # still within the grace period
    age(carol, days=grace() + 1)
    grant(carol, scope)  # she consented again: nothing is owed

    assert consents_grace_enforce() == 1

    owed = OwedErasure.objects.get()
    lapse = alice.employee.consent_events.get(action="lapsed")
    assert (owed.employee, owed.cause, owed.state) == (alice.employee, lapse, "owed")
    assert (owed.purpose, owed.application, owed.data_kind) == (
        scope.purpose,
        scope.application,
        scope.data_kind,
    )
    audit = AuditEvent.objects.get(action="consent.erasure_owed")
    assert audit.subject == alice.employee.subject_id
    assert audit.details["cause"] == "lapsed"
    assert audit.details["cause_receipt_id"] == str(lapse.receipt_id)
    # Safe to run again, and the erasure engine takes it exactly as a withdrawal's.
    assert consents_grace_enforce() == 0
    assert OwedErasure.objects.count() == 1
    assert owed_erasures_schedule() == 1
    job = ErasureJob.objects.get()
    # Run as a withdrawal's is, but named for what happened: the person withdrew nothing.
    assert job.cause == "consent_ended" and job.cause_ref == str(lapse.receipt_id)
    assert audit_verify().ok


def test_expired_consent_gets_the_same_grace(alice, bob, scope):
    for user in (alice, bob):
        grant(user, scope)
        age(user, days=max_age() + 1)
    assert consents_expire_due() == 2
    age(alice, days=grace() + 1)

    assert consents_grace_enforce() == 1

    owed = OwedErasure.objects.get()
    assert owed.employee == alice.employee and owed.cause.action == "expired"


def test_a_withdrawal_after_a_lapse_owes_erasure_at_once_and_only_once(alice, scope, lapsed):
    grant(alice, scope)
    lapsed()
    consent_withdraw(employee=alice.employee, scope=scope, actor=alice, context=CTX)
    age(alice, days=grace() + 1)

    assert consents_grace_enforce() == 0
    assert OwedErasure.objects.get().cause.action == "withdrawn"


# What the person sees.


def test_my_consents_api_gives_the_deadline_per_lapsed_scope(
    client_as, alice, scope, other_scope, lapsed
):
    grant(alice, scope)
    lapsed()
    grant(alice, other_scope)
    ended_at = ConsentState.objects.get(employee=alice.employee, application=scope.application)

    body = client_as(alice).get("/api/v1/me/consents").json()

    rows = {(r["application"], r["data_kind"]): r for r in body["scopes"]}
    lapsed_row = rows[(scope.application.slug, scope.data_kind.slug)]
    assert lapsed_row["state"] == "lapsed"
    due = ended_at.updated_at + timedelta(days=grace())
    assert lapsed_row["erasure_due_at"] == due.isoformat().replace("+00:00", "Z")
    assert (
        rows[(other_scope.application.slug, other_scope.data_kind.slug)]["erasure_due_at"] is None
    )
    assert body["needs_review"] is True


def test_my_consents_api_of_another_person_shows_nothing_of_theirs(client_as, alice, bob, scope):
    grant(bob, scope)
    age(bob, days=max_age() + 1)
    consents_expire_due()

    body = client_as(alice).get("/api/v1/me/consents").json()

    assert body["needs_review"] is False
    assert all(r["state"] == "not_given" and r["erasure_due_at"] is None for r in body["scopes"])


def test_my_consent_page_asks_to_renew_and_shows_until_when_data_is_kept(as_user, alice, scope):
    grant(alice, scope)
    age(alice, days=max_age() + 1)
    consents_expire_due()
    state = ConsentState.objects.get(employee=alice.employee)
    due = (state.updated_at + timedelta(days=grace())).date().isoformat()
    client = as_user(alice)

    page = client.get("/consent/").content.decode()

    assert 'data-testid="needs-renewal"' in page
    assert f"more than {max_age()} days ago" in page
    assert 'data-testid="erasure-deadline"' in page
    assert "kept until <time datetime=" in page and f">{due}</time>" in page
    assert ">Renew<" in page

    response = client.post("/consent/grant/", scope.as_slugs())
    assert response.status_code == 302
    page = client.get("/consent/").content.decode()
    assert 'data-testid="needs-renewal"' not in page and "data-erasure-due" not in page
    assert ConsentState.objects.get(employee=alice.employee).state == "granted"


def test_past_the_deadline_the_page_says_erasure_is_due(as_user, alice, scope, lapsed):
    grant(alice, scope)
    lapsed()
    age(alice, days=grace() + 1)

    page = as_user(alice).get("/consent/").content.decode()

    assert "erasure due</span>" in page and "kept until <time" not in page


# On a real worker: the beat task owes the erasure, the engine erases that scope only.


@pytest.mark.django_db(transaction=True)
def test_after_the_grace_period_a_worker_erases_the_lapsed_scope_only(
    client, token, catalogue, olivia, alice_consents_all, celery_worker
):
    alice = alice_consents_all
    key = next(k for k in catalogue["kinds"] if k.slug == "key")
    events = [event(), event(), event(type="pointer_down")]
    assert post(client, token, batch(events)).json()["accepted"] == 3
    notice = notice_create(
        actor=olivia,
        title="Recording, changed",
        body="Keystrokes are now kept for longer.",
        purposes=[catalogue["purpose"]],
        applications=catalogue["applications"],
        data_kinds=catalogue["kinds"],
        material_change=True,
        lapse_data_kinds=[key],
    )
    with retention_covered():
        notice_publish(notice=notice, actor=olivia)
    assert ConsentState.objects.filter(employee=alice.employee, state="lapsed").count() == 1
    age(alice, Scope(catalogue["purpose"], catalogue["applications"][0], key), days=grace() + 1)

    consents_grace_enforce.delay()

    def erased():
        return ErasureJob.objects.filter(state="verified").exists() and not (
            InteractionEvent.objects.filter(event_type="key_down").exists()
        )

    wait_until(erased, "the lapsed scope's events are erased", log=celery_worker.log)
    assert list(InteractionEvent.objects.values_list("event_type", flat=True)) == ["pointer_down"]
    owed = OwedErasure.objects.get()
    assert owed.state == "scheduled" and owed.cause.action == "lapsed"


def test_my_erasures_says_the_consent_ended_rather_than_was_withdrawn(
    as_user, alice, scope, lapsed
):
    grant(alice, scope)
    lapsed()
    age(alice, days=grace() + 1)
    consents_grace_enforce()
    client = as_user(alice)

    owed_page = client.get("/consent/erasures/").content.decode()
    owed_erasures_schedule()
    job_page = client.get("/consent/erasures/").content.decode()

    for page in (owed_page, job_page):
        assert "Your consent lapsed or expired and was not given again" in page
        assert "You withdrew consent" not in page
