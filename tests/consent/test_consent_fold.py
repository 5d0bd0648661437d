"""ConsentState always equals the fold of ConsentEvents, under concurrency too."""

import random
import threading

import pytest
from django.db import connection

from governance.models import AuditEvent, ConsentEvent, ConsentState, OwedErasure
from governance.models.consent import ACTION_TO_STATE
from governance.services.consent import (
    RequestContext,
    consent_grant,
    consent_withdraw,
    consent_withdraw_all,
)
from governance.services.scopes import Scope

WEB = RequestContext(ip_address="10.0.0.1", user_agent="pytest")


def assert_state_is_fold(employee, scope):
    events = list(
        ConsentEvent.objects.filter(
            employee=employee,
            purpose=scope.purpose,
            application=scope.application,
            data_kind=scope.data_kind,
        ).order_by("state_version")
    )
    state = ConsentState.objects.get(
        employee=employee,
        purpose=scope.purpose,
        application=scope.application,
        data_kind=scope.data_kind,
    )
    assert [e.state_version for e in events] == list(range(1, len(events) + 1))
    assert state.version == len(events)
    assert state.state == ACTION_TO_STATE[events[-1].action]
    assert state.last_event_id == events[-1].pk
    # No two consecutive events record the same action: repeats add nothing.
    assert all(a.action != b.action for a, b in zip(events, events[1:], strict=False))
    return events


def test_grant_records_event_state_and_audit(alice, scope):
    employee = alice.employee
    event = consent_grant(employee=employee, scope=scope, actor=alice, context=WEB)
    assert event.action == "granted"
    assert event.notice_hash and event.notice_version == 1
    assert event.ip_address == "10.0.0.1" and event.method == "web"
    audit = AuditEvent.objects.get(action="consent.granted")
    assert audit.subject == employee.subject_id
    assert audit.details["receipt_id"] == str(event.receipt_id)
    assert_state_is_fold(employee, scope)


def test_repeating_a_grant_or_withdrawal_changes_nothing(alice, scope):
    employee = alice.employee
    assert consent_grant(employee=employee, scope=scope, actor=alice, context=WEB)
    assert consent_grant(employee=employee, scope=scope, actor=alice, context=WEB) is None
    assert consent_withdraw(employee=employee, scope=scope, actor=alice, context=WEB)
    before = (ConsentEvent.objects.count(), AuditEvent.objects.count())
    assert consent_withdraw(employee=employee, scope=scope, actor=alice, context=WEB) is None
    assert (ConsentEvent.objects.count(), AuditEvent.objects.count()) == before
    assert len(assert_state_is_fold(employee, scope)) == 2


def test_withdrawing_what_was_never_granted_writes_nothing(alice, scope):
    assert consent_withdraw(employee=alice.employee, scope=scope, actor=alice, context=WEB) is None
    assert not ConsentEvent.objects.exists()
    assert not OwedErasure.objects.exists()


def test_withdrawal_commits_an_owed_erasure_for_that_scope(alice, scope):
    employee = alice.employee
    consent_grant(employee=employee, scope=scope, actor=alice, context=WEB)
    event = consent_withdraw(employee=employee, scope=scope, actor=alice, context=WEB)
    owed = OwedErasure.objects.get()
    assert owed.cause == event and owed.employee == employee
    assert (owed.purpose, owed.application, owed.data_kind) == (
        scope.purpose,
        scope.application,
        scope.data_kind,
    )


def test_withdraw_all_withdraws_every_scope_in_one_go(alice, bob, scope, other_scope):
    for s in (scope, other_scope):
        consent_grant(employee=alice.employee, scope=s, actor=alice, context=WEB)
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=WEB)
    events = consent_withdraw_all(employee=alice.employee, actor=alice, context=WEB)
    assert {e.action for e in events} == {"withdrawn"} and len(events) == 2
    assert not alice.employee.consent_states.filter(state="granted").exists()
    assert bob.employee.consent_states.get().state == "granted"
    assert consent_withdraw_all(employee=alice.employee, actor=alice, context=WEB) == []


def test_prohibited_purpose_cannot_be_a_scope(catalogue):
    from django.core.exceptions import ValidationError

    from governance.services.scopes import scope_resolve

    with pytest.raises(ValidationError) as err:
        scope_resolve(purpose="performance-evaluation", application="vscode", data_kind="key")
    assert "purpose" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        scope_resolve(purpose="nope", application="nope", data_kind="nope")
    assert set(err.value.message_dict) == {"purpose", "application", "data_kind"}


def _run_threads(count, target):
    errors = []

    def wrapped(index):
        try:
            target(index)
        except Exception as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_concurrent_identical_grants_record_exactly_one_event(transactional_db, alice, scope):
    employee = alice.employee
    _run_threads(
        8, lambda i: consent_grant(employee=employee, scope=scope, actor=alice, context=WEB)
    )
    assert ConsentEvent.objects.count() == 1
    assert_state_is_fold(employee, scope)


def test_state_equals_fold_of_events_under_concurrent_changes(
    transactional_db, alice, scope, other_scope
):
    employee = alice.employee
    scopes = [scope, other_scope]

    def churn(index):
        rng = random.Random(index)
        for _ in range(12):
            s: Scope = rng.choice(scopes)
            action = rng.choice([consent_grant, consent_withdraw, consent_withdraw_all])
            if action is consent_withdraw_all:
                consent_withdraw_all(employee=employee, actor=alice, context=WEB)
            else:
                action(employee=employee, scope=s, actor=alice, context=WEB)

    _run_threads(6, churn)
    for s in scopes:
        events = assert_state_is_fold(employee, s)
        withdrawals = [e for e in events if e.action == "withdrawn"]
        assert OwedErasure.objects.filter(cause__in=withdrawals).count() == len(withdrawals)
    from governance.services.audit import audit_verify

    assert audit_verify().ok
