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
from tests.factories import make_user

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
