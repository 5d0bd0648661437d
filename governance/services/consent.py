"""Consent changes: every write locks, appends a ConsentEvent, folds ConsentState, audits.

All writes for one employee take the same advisory lock first, then the scope's
ConsentState row FOR UPDATE. The ingestion gate reads that row FOR SHARE in its
own write transaction, so a withdrawal and ingestion are linearisable. Their
audit rows are written last (`audits_last`), so no change holds the audit chain
while it waits for a person's lock or a row.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.models import (
    ConsentAction,
    ConsentEvent,
    ConsentMethod,
    ConsentState,
    Employee,
    Notice,
    OwedErasure,
)
from governance.models.consent import ACTION_TO_STATE
from governance.selectors.notices import notice_covers, notice_current
from governance.services.audit import audit_record, audits_last
from governance.services.locks import lock_employee_consent, lock_notices
from governance.services.scopes import Scope


@dataclass(frozen=True)
class RequestContext:
    """Where a change came from, recorded on the consent event."""

    method: str = ConsentMethod.WEB
    ip_address: str | None = None
    user_agent: str = ""


SYSTEM_CONTEXT = RequestContext(method=ConsentMethod.SYSTEM)


def _employee_lock(employee: Employee) -> None:
    lock_employee_consent(employee.pk)


def _locked_state(employee: Employee, scope: Scope) -> ConsentState | None:
    return (
        ConsentState.objects.select_for_update()
        .filter(
            employee=employee,
            purpose=scope.purpose,
            application=scope.application,
            data_kind=scope.data_kind,
        )
        .first()
    )


def _append(
    *,
    employee: Employee,
    scope: Scope,
    state: ConsentState | None,
    action: ConsentAction,
    notice: Notice,
    actor,
    context: RequestContext,
) -> ConsentEvent:
    now = timezone.now()
    version = (state.version if state else 0) + 1
    event = ConsentEvent.objects.create(
        employee=employee,
        purpose=scope.purpose,
        application=scope.application,
        data_kind=scope.data_kind,
        action=action,
        state_version=version,
        notice=notice,
        notice_version=notice.version,
        notice_hash=notice.content_hash,
        occurred_at=now,
        method=context.method,
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "system",
        ip_address=context.ip_address,
        user_agent=(context.user_agent or "")[:500],
    )
    if state is None:
        state = ConsentState(employee=employee, **_scope_fields(scope))
    state.state = ACTION_TO_STATE[action]
    state.version = version
    state.notice = notice
    state.last_event = event
    state.updated_at = now
    state.save()
    audit_record(
        actor=actor,
        action=f"consent.{action}",
        target=event,
        subject=employee.subject_id,
        purpose=scope.purpose.slug,
        details={
            "scope": scope.as_slugs(),
            "receipt_id": str(event.receipt_id),
            "state_version": version,
            "notice_version": notice.version,
            "method": context.method,
        },
    )
    return event


def _scope_fields(scope: Scope) -> dict:
    return {
        "purpose": scope.purpose,
        "application": scope.application,
        "data_kind": scope.data_kind,
    }


def consent_grant(
    *, employee: Employee, scope: Scope, actor, context: RequestContext
) -> ConsentEvent | None:
    """Grant consent for one scope under the current notice; None if already granted."""
    with transaction.atomic(), audits_last():
        # Shared with other grants, exclusive with publication: a grant either
        # commits before a material notice's lapse runs, or sees the new notice.
        lock_notices(shared=True)
        notice = notice_current()
        if notice is None or not notice_covers(notice, scope):
            raise ValidationError(
                {"non_field_errors": ["No published notice covers this scope yet."]}
            )
        _employee_lock(employee)
        state = _locked_state(employee, scope)
        if state is not None and state.is_granted:
            return None
        return _append(
            employee=employee,
            scope=scope,
            state=state,
            action=ConsentAction.GRANTED,
            notice=notice,
            actor=actor,
            context=context,
        )


def _withdraw_locked(
    *, employee: Employee, state: ConsentState, scope: Scope, actor, context: RequestContext
) -> ConsentEvent:
    event = _append(
        employee=employee,
        scope=scope,
        state=state,
        action=ConsentAction.WITHDRAWN,
        notice=state.notice,
        actor=actor,
        context=context,
    )
    # Committed with the withdrawal: the data held under this scope is owed erasure.
    OwedErasure.objects.create(
        employee=employee, cause=event, created_at=event.occurred_at, **_scope_fields(scope)
    )
    # The owed row is the durable record; this only saves waiting for the beat reconciler.
    transaction.on_commit(_schedule_owed_erasures)
    return event


def _schedule_owed_erasures() -> None:
    from governance.tasks.erasure import owed_erasures_schedule

    owed_erasures_schedule.delay()


def consent_withdraw(
    *, employee: Employee, scope: Scope, actor, context: RequestContext
) -> ConsentEvent | None:
    """Withdraw one scope; None (and nothing written) if there is nothing to withdraw."""
    with transaction.atomic(), audits_last():
        _employee_lock(employee)
        state = _locked_state(employee, scope)
        if state is None or state.state == ConsentState.State.WITHDRAWN:
            return None
        return _withdraw_locked(
            employee=employee, state=state, scope=scope, actor=actor, context=context
        )


def consent_withdraw_all(
    *, employee: Employee, actor, context: RequestContext
) -> list[ConsentEvent]:
    """Withdraw every scope not already withdrawn, in one transaction."""
    with transaction.atomic(), audits_last():
        _employee_lock(employee)
        states = list(
            ConsentState.objects.select_for_update(of=("self",))
            .filter(employee=employee)
            .exclude(state=ConsentState.State.WITHDRAWN)
            .select_related("purpose", "application", "data_kind", "notice")
            .order_by("pk")
        )
        return [
            _withdraw_locked(
                employee=employee,
                state=state,
                scope=Scope(state.purpose, state.application, state.data_kind),
                actor=actor,
                context=context,
            )
            for state in states
        ]


def consents_lapse_for_notice(*, notice: Notice, actor) -> int:
    """Lapse every grant given under a version older than this material notice."""
    lapsed = 0
    with transaction.atomic(), audits_last():
        stale = (
            ConsentState.objects.filter(
                state=ConsentState.State.GRANTED, notice__version__lt=notice.version
            )
            .select_related("employee", "purpose", "application", "data_kind")
            .order_by("employee_id", "pk")
        )
        current_employee = None
        for state in stale.iterator(chunk_size=2000):
            if state.employee_id != current_employee:
                _employee_lock(state.employee)
                current_employee = state.employee_id
            state = (
                ConsentState.objects.select_for_update(of=("self",))
                .select_related("employee", "purpose", "application", "data_kind")
                .get(pk=state.pk)
            )
            if state.state != ConsentState.State.GRANTED:
                continue
            _append(
                employee=state.employee,
                scope=Scope(state.purpose, state.application, state.data_kind),
                state=state,
                action=ConsentAction.LAPSED,
                notice=notice,
                actor=actor,
                context=SYSTEM_CONTEXT,
            )
            lapsed += 1
    return lapsed
