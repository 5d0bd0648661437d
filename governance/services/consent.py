"""Consent changes: every write locks, appends a ConsentEvent, folds ConsentState, audits.

All writes for one employee take the same advisory lock first, then the scope's
ConsentState row FOR UPDATE. The ingestion gate reads that row FOR SHARE in its
own write transaction, so a withdrawal and ingestion are linearisable. Their
audit rows are written last (`audits_last`), so no change holds the audit chain
while it waits for a person's lock or a row.

A material notice lapses older grants of the scopes it changes in batches
(`consents_lapse_batch`, driven by `services.notices.notice_apply_material_change`
from a task); grants older than CONSENT_MAX_AGE_DAYS expire the same way
(`consents_expire_batch`, from beat). Until a batch reaches a person, their old
grant is stale: the gate ignores it, and a new grant over it records the lapse or
expiry first (`_grant_ended`).

Data recorded under a lapsed or expired grant is kept CONSENT_LAPSE_GRACE_DAYS for
the person to consent again; then it is owed erasure exactly as after a withdrawal
(`consents_owe_erasure_after_grace`, from beat). A grant within the grace period
leaves nothing owed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import (
    Application,
    ConsentAction,
    ConsentEvent,
    ConsentHolding,
    ConsentMethod,
    ConsentState,
    DataKind,
    Employee,
    Notice,
    NoticeText,
    OwedErasure,
    Purpose,
)
from governance.models.consent import ACTION_TO_STATE
from governance.selectors.notices import (
    notice_covers,
    notice_current,
    notice_reading,
    reader_language,
)
from governance.services.audit import audit_record, audits_last
from governance.services.language import language_supported
from governance.services.locks import lock_employee_consent, lock_notices
from governance.services.notice_scopes import notice_lapse_filter, notice_lapses_scope
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
    text: NoticeText | None = None,
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
        text_language=text.language if text else None,
        text_hash=text.content_hash if text else None,
        occurred_at=now,
        method=context.method,
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "system",
        ip_address=context.ip_address,
        user_agent=(context.user_agent or "")[:500],
    )
    was_granted = state is not None and state.is_granted
    if state is None:
        state = ConsentState(employee=employee, **_scope_fields(scope))
    state.state = ACTION_TO_STATE[action]
    state.version = version
    state.notice = notice
    state.last_event = event
    state.updated_at = now
    state.save()
    if state.is_granted != was_granted:
        _holdings_recount([employee.pk])
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
    *,
    employee: Employee,
    scope: Scope,
    actor,
    context: RequestContext,
    language: str | None = None,
    text_hash: str | None = None,
) -> ConsentEvent | None:
    """Grant consent for one scope under the current notice; None if already granted.

    The event names the text of the notice the person read: the one whose hash they
    send (a page posts the text it showed), else the one for `language` (else theirs).
    """
    with transaction.atomic(), audits_last():
        # Shared with other grants, exclusive with publication: a grant either
        # commits before a material notice's lapse runs, or sees the new notice.
        lock_notices(shared=True)
        notice = notice_current()
        if notice is None or not notice_covers(notice, scope):
            raise ValidationError(
                {"non_field_errors": [_("No published notice covers this scope yet.")]}
            )
        text = _text_read(notice, employee=employee, language=language, text_hash=text_hash)
        _employee_lock(employee)
        state = _locked_state(employee, scope)
        if state is not None and state.is_granted:
            ended = _grant_ended(state, scope)
            if ended is None:
                return None
            # Given under a text a material notice replaced, or too long ago, and the
            # batches have not reached this person yet: record the lapse or expiry owed,
            # then the new grant, which those batches never take.
            action, under = ended
            _append(
                employee=employee,
                scope=scope,
                state=state,
                action=action,
                notice=under,
                actor=None,
                context=SYSTEM_CONTEXT,
            )
        return _append(
            employee=employee,
            scope=scope,
            state=state,
            action=ConsentAction.GRANTED,
            notice=notice,
            actor=actor,
            context=context,
            text=text,
        )


def _text_read(
    notice: Notice, *, employee: Employee, language: str | None, text_hash: str | None
) -> NoticeText:
    """The text of `notice` the person consents to; a hash or language it does not have
    is refused, so no event names a text the person was not shown."""
    if language is not None and not language_supported(language):
        raise ValidationError(
            {
                "language": [
                    _("“%(language)s” is not one of this portal's languages.")
                    % {"language": language}
                ]
            }
        )
    reading = notice_reading(notice, language=reader_language(employee, language))
    if text_hash is None:
        return reading.text
    for text in reading.texts:
        # The text in the language asked for, or the company's text shown in its place
        # when the notice lacks that language.
        shown = language in (None, text.language) or text.pk == reading.text.pk
        if text.content_hash == text_hash and shown:
            return text
    raise ValidationError(
        {
            "text_hash": [
                _(
                    "This is not a text of the notice in effect (version %(version)s): "
                    "read that notice, then consent again."
                )
                % {"version": notice.version}
            ]
        }
    )


def _grant_ended(state: ConsentState, scope: Scope) -> tuple[ConsentAction, Notice] | None:
    """How a grant still recorded as granted has in fact ended, and under which notice:
    lapsed by a material notice, or expired by age; None while it holds."""
    replacing = material_notice_replacing(state.notice_id, scope)
    if replacing is not None:
        return ConsentAction.LAPSED, replacing
    if state.updated_at <= consent_expiry_cutoff():
        return ConsentAction.EXPIRED, state.notice
    return None


def consent_expiry_cutoff(now: datetime | None = None) -> datetime:
    """Grants given at or before this have expired (a granted state's updated_at is
    when it was granted: nothing else changes a granted row)."""
    return (now or timezone.now()) - timedelta(days=settings.CONSENT_MAX_AGE_DAYS)


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
    *,
    employee: Employee,
    actor,
    context: RequestContext,
    purpose: Purpose | None = None,
    application: Application | None = None,
    data_kind: DataKind | None = None,
) -> list[ConsentEvent]:
    """Withdraw every scope not already withdrawn (within the purpose, application and
    kind given, when given), in one transaction."""
    narrowed = {
        name: value
        for name, value in (
            ("purpose", purpose),
            ("application", application),
            ("data_kind", data_kind),
        )
        if value is not None
    }
    with transaction.atomic(), audits_last():
        _employee_lock(employee)
        states = list(
            ConsentState.objects.select_for_update(of=("self",))
            .filter(employee=employee, **narrowed)
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


LAPSE_BATCH_SIZE = 1000  # grants per lapse transaction: one chain lock for each batch


def consents_lapse_batch(*, notice: Notice, actor=None, batch_size: int = LAPSE_BATCH_SIZE) -> int:
    """Lapse the next batch of grants, in the scopes this material notice lapses, given
    under older versions; how many (0 when none is left)."""
    stale = ConsentState.objects.filter(
        notice_lapse_filter(notice),
        state=ConsentState.State.GRANTED,
        notice__version__lt=notice.version,
    )
    return _grants_end_batch(
        stale, action=ConsentAction.LAPSED, notice=notice, actor=actor, batch_size=batch_size
    )


def consents_expire_batch(*, batch_size: int = LAPSE_BATCH_SIZE, now=None) -> int:
    """Expire the next batch of grants older than CONSENT_MAX_AGE_DAYS; how many (0 when
    none is left). Each `expired` event names the notice the grant was given under."""
    stale = ConsentState.objects.filter(
        state=ConsentState.State.GRANTED, updated_at__lte=consent_expiry_cutoff(now)
    )
    return _grants_end_batch(stale, action=ConsentAction.EXPIRED, batch_size=batch_size)


def _grants_end_batch(
    stale, *, action: ConsentAction, notice: Notice | None = None, actor=None, batch_size: int
) -> int:
    """End the next batch of the `stale` grants with `action`, under `notice` (or each
    grant's own notice).

    One transaction: the people's consent locks in employee-id order (the one order
    every multi-person lock follows, so batches never deadlock with each other), then
    all their stale state rows FOR UPDATE, re-checked now that nobody else can change
    them; events, states and audit rows are written in bulk, the audit rows last, so
    the chain lock is taken once per batch. The caller commits batch by batch, so
    progress survives a crash.
    """
    with transaction.atomic(), audits_last():
        states = _locked_batch(stale, batch_size)
        if states:
            notices = (
                {state.notice_id: notice for state in states}
                if notice is not None
                else Notice.objects.in_bulk({state.notice_id for state in states})
            )
            _grants_end_locked(states, action=action, notices=notices, actor=actor)
    return len(states)


def _locked_batch(rows, batch_size: int) -> list[ConsentState]:
    """Up to `batch_size` people's `rows`, locked: their consent locks in employee-id
    order, then the rows FOR UPDATE, read again under those locks."""
    # Any batch_size rows will do; the order that matters is the locking one.
    people = sorted(set(rows.values_list("employee_id", flat=True)[:batch_size]))
    for employee_id in people:
        lock_employee_consent(employee_id)
    return list(
        rows.filter(employee_id__in=people)
        .select_for_update(of=("self",))
        .order_by("employee_id", "pk")
    )


def _grants_end_locked(
    states: list[ConsentState], *, action: ConsentAction, notices: dict[int, Notice], actor
) -> None:
    now = timezone.now()
    label = actor.get_username() if actor is not None else "system"
    events = ConsentEvent.objects.bulk_create(
        ConsentEvent(
            employee_id=state.employee_id,
            purpose_id=state.purpose_id,
            application_id=state.application_id,
            data_kind_id=state.data_kind_id,
            action=action,
            state_version=state.version + 1,
            notice=notices[state.notice_id],
            notice_version=notices[state.notice_id].version,
            notice_hash=notices[state.notice_id].content_hash,
            occurred_at=now,
            method=SYSTEM_CONTEXT.method,
            actor=actor,
            actor_label=label,
            ip_address=None,
            user_agent="",
        )
        for state in states
    )
    # One statement for the whole fold; only the version, notice and event differ by row.
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE governance_consentstate s
               SET state = %s, version = v.version, notice_id = v.notice_id,
                   last_event_id = v.event_id, updated_at = %s
               FROM unnest(%s::bigint[], %s::int[], %s::bigint[], %s::bigint[])
                    AS v(id, version, event_id, notice_id)
               WHERE s.id = v.id""",
            [
                ACTION_TO_STATE[action],
                now,
                [state.pk for state in states],
                [event.state_version for event in events],
                [event.pk for event in events],
                [event.notice_id for event in events],
            ],
        )
    _holdings_recount(sorted({state.employee_id for state in states}))
    subjects = _subjects({state.employee_id for state in states})
    slugs = _scope_slugs()
    for event in events:
        scope = _event_scope_slugs(event, slugs)
        audit_record(
            actor=actor,
            action=f"consent.{action}",
            target=event,
            subject=subjects[event.employee_id],
            purpose=scope["purpose"],
            details={
                "scope": scope,
                "receipt_id": str(event.receipt_id),
                "state_version": event.state_version,
                "notice_version": event.notice_version,
                "method": SYSTEM_CONTEXT.method,
            },
        )


def _subjects(employee_ids) -> dict[int, str]:
    return dict(Employee.objects.filter(pk__in=employee_ids).values_list("pk", "subject_id"))


def _event_scope_slugs(row, slugs: dict[str, dict[int, str]]) -> dict[str, str]:
    return {
        "purpose": slugs["purpose"][row.purpose_id],
        "application": slugs["application"][row.application_id],
        "data_kind": slugs["data_kind"][row.data_kind_id],
    }


def consents_owe_erasure_after_grace(*, batch_size: int = LAPSE_BATCH_SIZE, now=None) -> int:
    """Record, for the next batch of grants that lapsed or expired more than
    CONSENT_LAPSE_GRACE_DAYS ago and were not given again, that the data held under
    them is owed erasure; how many (0 when none is left).

    The same OwedErasure a withdrawal commits, caused by the lapse or expiry event,
    so the erasure engine turns it into a job exactly as for a withdrawal. Safe to
    run twice, even at once: the owed row is unique per cause, and rows are
    re-checked under the people's consent locks (taken in employee-id order).
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.CONSENT_LAPSE_GRACE_DAYS)
    due = ConsentState.objects.filter(
        state__in=[ConsentState.State.LAPSED, ConsentState.State.EXPIRED],
        updated_at__lte=cutoff,
        last_event__owed_erasure__isnull=True,
    ).select_related("last_event")
    with transaction.atomic(), audits_last():
        states = _locked_batch(due, batch_size)
        if not states:
            return 0
        created_at = timezone.now()
        owed = OwedErasure.objects.bulk_create(
            OwedErasure(
                employee_id=state.employee_id,
                purpose_id=state.purpose_id,
                application_id=state.application_id,
                data_kind_id=state.data_kind_id,
                cause_id=state.last_event_id,
                created_at=created_at,
            )
            for state in states
        )
        subjects = _subjects({state.employee_id for state in states})
        slugs = _scope_slugs()
        for state, item in zip(states, owed, strict=True):
            scope = _event_scope_slugs(state, slugs)
            audit_record(
                actor=None,
                action="consent.erasure_owed",
                target=item,
                subject=subjects[state.employee_id],
                purpose=scope["purpose"],
                details={
                    "scope": scope,
                    "cause": state.state,
                    "cause_receipt_id": str(state.last_event.receipt_id),
                    "grace_days": settings.CONSENT_LAPSE_GRACE_DAYS,
                },
            )
        transaction.on_commit(_schedule_owed_erasures)
    return len(states)


def _holdings_recount(employee_ids: list[int]) -> None:
    """Set these people's ConsentHolding rows to what their ConsentState rows say now:
    granted scopes per purpose, and in total (the row with no purpose).

    Called under the consent locks of every person named, after their states changed,
    in the same transaction. Recounting (a few rows per person) rather than adding and
    subtracting means a holding that ever fell out of step, say from a change made by
    code that predates the table, is put right by the person's next change instead of
    failing it.
    """
    table = ConsentHolding._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} AS h (employee_id, purpose_id, granted)
                SELECT employee_id, purpose_id, count(*) FILTER (WHERE state = %s)
                FROM {ConsentState._meta.db_table}
                WHERE employee_id = ANY(%s)
                GROUP BY GROUPING SETS ((employee_id, purpose_id), (employee_id))
                ON CONFLICT ON CONSTRAINT one_holding_per_purpose
                DO UPDATE SET granted = excluded.granted""",
            [ConsentState.State.GRANTED, employee_ids],
        )


def _scope_slugs() -> dict[str, dict[int, str]]:
    """id → slug of the catalogue rows a scope names (small tables, read once a batch)."""
    return {
        "purpose": dict(Purpose.objects.values_list("pk", "slug")),
        "application": dict(Application.objects.values_list("pk", "slug")),
        "data_kind": dict(DataKind.objects.values_list("pk", "slug")),
    }


def material_notice_replacing(notice_id: int, scope: Scope) -> Notice | None:
    """The newest material notice in effect, newer than this one, that lapses this
    scope, if any.

    A grant under an older notice is lapsed by then, or owed a lapse the batches
    have not reached yet; either way it no longer counts as consent.
    """
    newer = Notice.objects.filter(
        status=Notice.Status.PUBLISHED,
        material_change=True,
        effective_at__lte=timezone.now(),
        version__gt=Notice.objects.filter(pk=notice_id).values("version")[:1],
    ).order_by("-version")
    return next((notice for notice in newer if notice_lapses_scope(notice, scope)), None)
