"""Reads of consent, always scoped to the person they belong to."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection

from governance.models import (
    Application,
    ConsentEvent,
    ConsentHolding,
    ConsentState,
    DataKind,
    Employee,
    Notice,
    OwedErasure,
    Purpose,
)
from governance.selectors.notices import notice_current


@dataclass(frozen=True)
class ScopeRow:
    purpose: Purpose
    application: Application
    data_kind: DataKind
    state: str  # granted | withdrawn | lapsed | expired | not_given
    version: int
    notice_version: int | None
    updated_at: object
    offered: bool  # covered by the current notice, so it can be granted now
    # Lapsed or expired: when what was recorded under it is owed erasure unless the
    # person consents again before (None in every other state).
    erasure_due_at: object = None


def consent_scopes_for(*, employee: Employee, notice: Notice | None = None) -> list[ScopeRow]:
    """Every scope the current notice offers, plus any scope this person has a state for."""
    notice = notice or notice_current()
    states = {
        (s.purpose_id, s.application_id, s.data_kind_id): s
        for s in ConsentState.objects.filter(employee=employee).select_related(
            "purpose", "application", "data_kind", "notice"
        )
    }
    offered: set[tuple[int, int, int]] = set()
    rows: list[ScopeRow] = []
    if notice is not None:
        purposes = [p for p in notice.purposes.all() if p.consentable]
        applications = [a for a in notice.applications.all() if a.enabled]
        kinds = [k for k in notice.data_kinds.all() if k.enabled]
        for purpose in purposes:
            for application in applications:
                for kind in kinds:
                    key = (purpose.pk, application.pk, kind.pk)
                    offered.add(key)
                    rows.append(_row(purpose, application, kind, states.get(key), offered=True))
    for key, state in states.items():
        if key not in offered:
            rows.append(
                _row(state.purpose, state.application, state.data_kind, state, offered=False)
            )
    rows.sort(key=lambda r: (r.purpose.name, r.application.name, r.data_kind.name))
    return rows


def _row(purpose, application, kind, state: ConsentState | None, *, offered: bool) -> ScopeRow:
    return ScopeRow(
        purpose=purpose,
        application=application,
        data_kind=kind,
        state=state.state if state else "not_given",
        version=state.version if state else 0,
        notice_version=state.notice.version if state else None,
        updated_at=state.updated_at if state else None,
        offered=offered,
        erasure_due_at=_erasure_due_at(state),
    )


ENDED = (ConsentState.State.LAPSED, ConsentState.State.EXPIRED)


def _erasure_due_at(state: ConsentState | None):
    if state is None or state.state not in ENDED:
        return None
    # A lapsed or expired row changes only by a grant or a withdrawal: updated_at is
    # when it ended.
    return state.updated_at + timedelta(days=settings.CONSENT_LAPSE_GRACE_DAYS)


def consent_history_for(*, employee: Employee):
    return (
        ConsentEvent.objects.filter(employee=employee)
        .select_related("purpose", "application", "data_kind")
        .order_by("-occurred_at", "-id")
    )


def consent_event_for(*, employee: Employee, receipt_id) -> ConsentEvent | None:
    """One of this person's consent events by receipt id; None for anyone else's."""
    return (
        ConsentEvent.objects.filter(employee=employee, receipt_id=receipt_id)
        .select_related("employee__user", "purpose", "application", "data_kind", "notice")
        .first()
    )


def consent_needs_review(*, employee: Employee) -> bool:
    """Some consent lapsed under a changed notice or expired, and awaits a decision."""
    return ConsentState.objects.filter(employee=employee, state__in=ENDED).exists()


def owed_erasures_for(*, employee: Employee):
    return OwedErasure.objects.filter(employee=employee).select_related(
        "purpose", "application", "data_kind", "cause"
    )


def owed_erasures_all():
    return OwedErasure.objects.select_related(
        "employee", "purpose", "application", "data_kind", "cause"
    ).order_by("-created_at")


@dataclass(frozen=True)
class AggregateRow:
    group: str
    people: int
    granted: int | None  # None when suppressed
    suppressed: bool


def consent_aggregates(*, group_by: str = "department", purpose: Purpose | None = None):
    """People per group who granted at least one scope (of `purpose` if given).

    A group is suppressed when it has fewer than MIN_GROUP_SIZE people, or when
    either those who granted or those who did not are fewer than that: either
    would let a reader infer one person's choice.
    """
    if group_by not in {"department", "country"}:
        raise ValueError("group_by must be department or country")
    k = settings.MIN_GROUP_SIZE
    # One holdings row per person (their total, or their count for the purpose), kept
    # by the consent services in the same transaction as the states: a hash join of
    # everyone to at most one row each, with no DISTINCT over every grant.
    purpose_match = "h.purpose_id = %s" if purpose is not None else "h.purpose_id IS NULL"
    sql = f"""
        SELECT e.{group_by}, count(*) AS people, count(h.employee_id) AS granted
        FROM {Employee._meta.db_table} e
        LEFT JOIN {ConsentHolding._meta.db_table} h
          ON h.employee_id = e.id AND {purpose_match} AND h.granted > 0
        GROUP BY 1 ORDER BY 1
    """
    params = [purpose.pk] if purpose is not None else []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        groups = [{group_by: g, "people": p, "granted": n} for g, p, n in cursor.fetchall()]
    return [
        aggregate_row(group=g[group_by], people=g["people"], granted=g["granted"], k=k)
        for g in groups
    ]


def aggregate_row(*, group: str, people: int, granted: int, k: int | None = None) -> AggregateRow:
    """One group's count of people who hold a grant, suppressed by the k rule.

    Suppressed when the group has fewer than MIN_GROUP_SIZE people, or when
    either those who granted or those who did not are fewer than that: either
    would let a reader infer one person's choice.
    """
    k = settings.MIN_GROUP_SIZE if k is None else k
    hidden = people < k or granted < k or (people - granted) < k
    return AggregateRow(
        group=group, people=people, granted=None if hidden else granted, suppressed=hidden
    )
