"""Many people changing consent at once, while a real worker turns withdrawals into erasures.

Each employee's thread alternates grant and withdraw through the API on its own
database connection; every withdrawal enqueues the owed-erasure scheduler, which
the worker runs beside them. Nothing may fail (no deadlock, no 500), and each
person's ConsentState must equal the fold of their ConsentEvents.
"""

import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from governance.models import ConsentAction, ConsentEvent, ConsentState, OwedErasure
from governance.models.consent import ACTION_TO_STATE
from governance.services.audit import audit_verify
from tests.factories import make_user, publish_notice

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EMPLOYEES = 8
PAIRS = 50
DEADLINE = 120.0


def _churn(user, scopes: list[dict], barrier: threading.Barrier, failures: list) -> None:
    client = APIClient(raise_request_exception=False)
    client.force_login(user)
    try:
        barrier.wait(timeout=30)
        for pair in range(PAIRS):
            scope = scopes[pair % len(scopes)]
            for action in ("grant", "withdraw"):
                response = client.post(f"/api/v1/me/consents/{action}", scope, format="json")
                if response.status_code not in (200, 201):
                    failures.append((user.email, action, response.status_code, response.content))
    finally:
        connection.close()


def _assert_state_is_the_fold(employee) -> None:
    for state in ConsentState.objects.filter(employee=employee):
        events = list(
            ConsentEvent.objects.filter(
                employee=employee,
                purpose=state.purpose,
                application=state.application,
                data_kind=state.data_kind,
            ).order_by("state_version")
        )
        assert [e.state_version for e in events] == list(range(1, len(events) + 1))
        assert state.version == events[-1].state_version
        assert state.state == ConsentState.State.WITHDRAWN
        assert [e.action for e in events] == [ConsentAction.GRANTED, ConsentAction.WITHDRAWN] * (
            len(events) // 2
        )


def test_concurrent_grants_and_withdrawals_never_deadlock(catalogue, celery_worker):
    users = [make_user(f"churn{i}@example.com") for i in range(EMPLOYEES)]
    purpose = catalogue["purpose"].slug
    # Everyone shares the same application and data-kind rows, the contended ones.
    scopes = [
        {"purpose": purpose, "application": app.slug, "data_kind": kind.slug}
        for app in catalogue["applications"]
        for kind in catalogue["kinds"][:2]
    ]
    barrier = threading.Barrier(EMPLOYEES)
    failures: list = []
    threads = [
        threading.Thread(target=_churn, args=(user, scopes, barrier, failures)) for user in users
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE)
    assert not any(thread.is_alive() for thread in threads)

    assert failures == []
    for user in users:
        assert ConsentEvent.objects.filter(employee=user.employee).count() == 2 * PAIRS
        _assert_state_is_the_fold(user.employee)
    # The worker scheduled every owed erasure exactly once, beside the churn.
    deadline = time.monotonic() + DEADLINE
    while OwedErasure.objects.filter(state=OwedErasure.State.OWED).exists():
        assert time.monotonic() < deadline, "owed erasures were not scheduled in time"
        time.sleep(0.2)
    assert OwedErasure.objects.count() == EMPLOYEES * PAIRS
    assert OwedErasure.objects.filter(job__isnull=True).count() == 0
    assert audit_verify().ok


def test_material_notice_lapses_while_people_withdraw_without_deadlock(catalogue, olivia):
    from governance.services.consent import RequestContext, consent_grant
    from governance.services.scopes import Scope
    from tests.factories import publish_notice

    users = [make_user(f"lapse{i}@example.com") for i in range(EMPLOYEES)]
    scopes = [
        Scope(catalogue["purpose"], app, kind)
        for app in catalogue["applications"]
        for kind in catalogue["kinds"]
    ]
    for user in users:
        for scope in scopes:
            consent_grant(employee=user.employee, scope=scope, actor=user, context=RequestContext())
    barrier = threading.Barrier(EMPLOYEES + 1)
    failures: list = []

    def withdraw_one_by_one(user) -> None:
        client = APIClient(raise_request_exception=False)
        client.force_login(user)
        try:
            barrier.wait(timeout=30)
            for scope in reversed(scopes):
                response = client.post(
                    "/api/v1/me/consents/withdraw", scope.as_slugs(), format="json"
                )
                if response.status_code not in (200, 201):
                    failures.append((user.email, response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=withdraw_one_by_one, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=30)
    # Publishing lapses, person by person, the grants not yet withdrawn.
    publish_notice(olivia, catalogue, material=True, body="Changed: we now keep menus longer.")
    for thread in threads:
        thread.join(timeout=DEADLINE)

    assert failures == []
    assert not ConsentState.objects.filter(state=ConsentState.State.GRANTED).exists()
    for state in ConsentState.objects.filter(employee__user__in=users):
        last = ConsentEvent.objects.filter(
            employee=state.employee,
            purpose=state.purpose,
            application=state.application,
            data_kind=state.data_kind,
        ).latest("state_version")
        assert (state.version, state.last_event_id) == (last.state_version, last.pk)
        assert state.state == ACTION_TO_STATE[last.action]
    # Every grant ended in a withdrawal, a lapse, or a lapse then a withdrawal.
    lapsed = ConsentEvent.objects.filter(action=ConsentAction.LAPSED).count()
    assert lapsed > 0
    assert audit_verify().ok


CHANGED = "We now keep menus for longer."
LAPSE_PEOPLE = 40  # passive: granted under the old notice, lapsed by the worker's batches


def test_lapse_task_on_a_worker_beside_withdrawals_and_grants(catalogue, olivia, celery_worker):
    """The worker lapses in batches of 5 while people withdraw and grant, twice over.

    Once the notice is in effect, every grant is under it and must never be lapsed,
    even one given while the person's old grant was still waiting for its batch:
    one person grants before the task is sent, half of the active people grant
    once as it starts, the other half withdraw and grant until the lapse is applied.
    """
    from datetime import timedelta

    from django.utils import timezone

    from governance.models import AuditEvent, Notice
    from governance.selectors.consent import consent_needs_review
    from governance.services.consent import RequestContext, consent_grant
    from governance.services.scopes import Scope
    from governance.tasks.notices import notice_lapse_consents

    scopes = [
        Scope(catalogue["purpose"], app, kind)
        for app in catalogue["applications"]
        for kind in catalogue["kinds"][:3]
    ]
    early = make_user("early@example.com")
    active = [make_user(f"active{i}@example.com") for i in range(EMPLOYEES)]
    passive = [make_user(f"passive{i}@example.com") for i in range(LAPSE_PEOPLE)]
    for user in [early, *active, *passive]:
        for scope in scopes:
            consent_grant(employee=user.employee, scope=scope, actor=user, context=RequestContext())
    notice = publish_notice(
        olivia,
        catalogue,
        material=True,
        body=CHANGED,
        effective_at=timezone.now() + timedelta(days=1),
    )
    Notice.objects.filter(pk=notice.pk).update(effective_at=timezone.now())
    for scope in scopes:
        consent_grant(employee=early.employee, scope=scope, actor=early, context=RequestContext())
    barrier = threading.Barrier(EMPLOYEES + 1)
    failures: list = []
    churn_started: list[float] = []
    deadline = time.monotonic() + DEADLINE

    def lapse_applied() -> bool:
        return Notice.objects.filter(pk=notice.pk, lapse_applied_at__isnull=False).exists()

    def act(user, churn: bool) -> None:
        client = APIClient(raise_request_exception=False)
        client.force_login(user)

        def call(action, scope) -> None:
            response = client.post(f"/api/v1/me/consents/{action}", scope.as_slugs(), format="json")
            if response.status_code not in (200, 201):
                failures.append((user.email, action, response.status_code, response.content))

        try:
            client.get("/api/v1/me/consents")  # warm: the first request of a thread is slow
            barrier.wait(timeout=30)
            for scope in scopes:
                call("grant", scope)
            while churn and not lapse_applied() and time.monotonic() < deadline:
                churn_started.append(time.time())
                for scope in scopes:
                    call("withdraw", scope)
                    call("grant", scope)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(user, i % 2 == 0)) for i, user in enumerate(active)
    ]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=30)
    # Twice: the second run takes turns with the first, batch by batch.
    notice_lapse_consents.delay(notice.pk, batch_size=5)
    notice_lapse_consents.delay(notice.pk, batch_size=5)
    for thread in threads:
        thread.join(timeout=DEADLINE)
    while not lapse_applied():
        assert time.monotonic() < deadline, f"lapse not applied in time:\n{celery_worker.log()}"
        time.sleep(0.2)

    assert failures == []
    for user in [early, *active, *passive]:
        for state in ConsentState.objects.filter(employee=user.employee):
            events = list(
                ConsentEvent.objects.filter(
                    employee=user.employee,
                    purpose=state.purpose,
                    application=state.application,
                    data_kind=state.data_kind,
                ).order_by("state_version")
            )
            assert [e.state_version for e in events] == list(range(1, len(events) + 1))
            last = events[-1]
            assert (state.version, state.last_event_id) == (last.state_version, last.pk)
            assert state.state == ACTION_TO_STATE[last.action]
            # A grant under the new notice is never followed by a lapse.
            for before, after in zip(events, events[1:], strict=False):
                if before.action == ConsentAction.GRANTED:
                    assert before.notice_version < notice.version or after.action != "lapsed"
    for user in [early, *active]:
        # Everyone who granted again ends granted under the new notice, nothing to review.
        assert not consent_needs_review(employee=user.employee)
        assert set(
            ConsentState.objects.filter(employee=user.employee).values_list("state", "notice")
        ) == {(ConsentState.State.GRANTED, notice.pk)}
    batch_lapses = []
    for user in passive:
        assert consent_needs_review(employee=user.employee)
        assert not user.employee.consent_states.exclude(state="lapsed").exists()
        batch_lapses += ConsentEvent.objects.filter(
            employee=user.employee, action=ConsentAction.LAPSED
        ).values_list("occurred_at", flat=True)
    # The churn ran while the batches did (not all before or after them).
    assert churn_started and min(churn_started) < max(batch_lapses).timestamp()
    lapsed = ConsentEvent.objects.filter(action=ConsentAction.LAPSED).count()
    assert lapsed >= (LAPSE_PEOPLE + 1) * len(scopes)
    [summary] = AuditEvent.objects.filter(action="notice.consents_lapsed")
    assert summary.details["lapsed"] == lapsed
    assert audit_verify().ok
