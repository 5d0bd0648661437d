"""Reads the server-rendered pages need beyond the domain selectors."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from governance.models import (
    ConsentAction,
    ConsentEvent,
    ConsentState,
    Employee,
    Notice,
    OwedErasure,
)


@dataclass(frozen=True)
class ConsentSummary:
    granted: int
    needs_review: int
    erasures_pending: int
    expired: int = 0  # given longer ago than consent lasts: the person is asked to renew


def consent_summary_for(*, employee: Employee) -> ConsentSummary:
    states = ConsentState.objects.filter(employee=employee)
    return ConsentSummary(
        granted=states.filter(state=ConsentState.State.GRANTED).count(),
        needs_review=states.filter(state=ConsentState.State.LAPSED).count(),
        erasures_pending=OwedErasure.objects.filter(employee=employee).count(),
        expired=states.filter(state=ConsentState.State.EXPIRED).count(),
    )


def erasure_pending_scopes_for(*, employee: Employee) -> set[tuple[int, int, int]]:
    """(purpose, application, data kind) ids of this person's scopes with an erasure owed."""
    return set(
        OwedErasure.objects.filter(employee=employee).values_list(
            "purpose_id", "application_id", "data_kind_id"
        )
    )


def notice_published(*, version: int) -> Notice | None:
    return (
        Notice.objects.filter(version=version, status=Notice.Status.PUBLISHED)
        .prefetch_related("purposes", "applications", "data_kinds")
        .first()
    )


def notice_by_version(*, version: int) -> Notice | None:
    return (
        Notice.objects.filter(version=version)
        .select_related("created_by", "published_by")
        .prefetch_related("purposes", "applications", "data_kinds")
        .first()
    )


def notice_lapsed_count(*, notice: Notice) -> int:
    """How many consents this (material) notice lapsed."""
    return ConsentEvent.objects.filter(notice=notice, action=ConsentAction.LAPSED).count()


def notice_grants_to_lapse(*, notice: Notice) -> int:
    """Grants given under older versions in the scopes this notice lapses: what
    publishing it as material would lapse."""
    from governance.services.notice_scopes import notice_lapse_filter

    return ConsentState.objects.filter(
        notice_lapse_filter(notice),
        state=ConsentState.State.GRANTED,
        notice__version__lt=notice.version,
    ).count()


# From this many matches a search walks the employee-number index instead (see below).
DIRECTORY_DENSE_MATCHES = 1000


def employees_directory(*, query: str = ""):
    """People for officers: who they are and where they work, never their consent.

    A search matches case-insensitively anywhere in the number, name, email or
    department, or the country exactly. Pages are read in employee-number order,
    and which plan is fast depends on how many people match:

    - few (a rare name, a number): the matches on the person and on the user are
      two indexed (trigram) reads joined by their ids; as one OR across the join,
      PostgreSQL could only test every person in turn;
    - many (a common name matches 8% of a company): reading and sorting every
      match costs more than walking the employee-number index and testing each
      person until a page is full, which the one-OR shape lets PostgreSQL do.

    Two reads capped at DIRECTORY_DENSE_MATCHES tell the cases apart cheaply.
    """
    qs = Employee.objects.select_related("user").order_by("employee_number")
    query = query.strip()
    if not query:
        return qs
    on_person = (
        Q(employee_number__icontains=query)
        | Q(department__icontains=query)
        | Q(country__iexact=query)
    )
    on_user = (
        Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(email__icontains=query)
    )
    by_person = Employee.objects.filter(on_person).order_by().values("pk")
    users = get_user_model().objects.filter(on_user).order_by().values("pk")
    if _at_least(by_person, users, DIRECTORY_DENSE_MATCHES):
        on_employee_user = (
            Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(user__email__icontains=query)
        )
        return qs.filter(on_person | on_employee_user)
    by_user = Employee.objects.filter(user__in=users).order_by().values("pk")
    return qs.filter(pk__in=by_person.union(by_user))


def _at_least(first, second, count: int) -> bool:
    """Whether the two `values("pk")` querysets hold `count` rows between them, reading at
    most that many ids (not a COUNT: these pages never count their rows)."""
    found = len(first[:count])
    return found >= count or found + len(second[: count - found]) >= count
