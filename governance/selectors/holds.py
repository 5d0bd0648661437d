"""Reads of legal holds, for legal only: nobody else sees a matter or its custodians."""

from django.db.models import F
from django.db.models.functions import Lower

from governance.models import Employee, LegalHold


def legal_holds_list(*, active: bool | None = None):
    """Holds with their custodians, active ones first, newest first within each."""
    qs = LegalHold.objects.select_related("created_by", "released_by").prefetch_related(
        "custodians__user"
    )
    if active is not None:
        qs = qs.filter(released_at__isnull=active)
    return qs.order_by(F("released_at").desc(nulls_first=True), "-created_at", "-pk")


def legal_hold_get(*, hold_id: int) -> LegalHold | None:
    return legal_holds_list().filter(pk=hold_id).first()


def employees_by_work_email(emails: list[str]) -> tuple[list[Employee], list[str]]:
    """The employees with these work emails (in any case), and the emails nobody has."""
    wanted = {email.strip().lower(): email.strip() for email in emails if email.strip()}
    found = {
        employee.user.email.lower(): employee
        for employee in Employee.objects.select_related("user")
        .annotate(email_lower=Lower("user__email"))
        .filter(email_lower__in=list(wanted))
    }
    unknown = [original for lower, original in wanted.items() if lower not in found]
    return [found[lower] for lower in wanted if lower in found], unknown
