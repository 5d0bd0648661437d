"""Reads of other people's personal data: allowed to officers and legal, always on the record.

Every page or API response that shows someone else's data (their consent, an erasure of
them, their part in a legal hold, the audit entries about them, who a pseudonym is)
records one `personal_data.viewed` event per person shown, with what was seen and why.
The person sees it under "Who accessed my data". A person's reads of their own data are
not recorded: nobody else looked.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.models import AuditEvent, Employee
from governance.selectors.consent import consent_history_for, consent_scopes_for
from governance.services.audit import audit_record, audits_last

VIEWED = "personal_data.viewed"
REASON_MAX = 500


def personal_data_viewed(
    *,
    viewer,
    people: Iterable[Employee],
    what: str,
    target=None,
    reason: str = "",
    details: dict | None = None,
) -> list[AuditEvent]:
    """Record that `viewer` saw `what` of each of `people`.

    One event per person other than the viewer (known by `user_id`, without a
    query), all appended to the chain at once: a page naming five custodians takes
    the chain lock once.
    """
    shown = list({p.subject_id: p for p in people if p.user_id != viewer.pk})  # in order, once
    if not shown:
        return []
    extra = {"what": what, **({"reason": reason[:REASON_MAX]} if reason else {}), **(details or {})}
    with transaction.atomic(), audits_last():
        return [
            audit_record(actor=viewer, action=VIEWED, target=target, subject=s, details=extra)
            for s in shown
        ]


def _required_reason(reason: str | None, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [message]})
    return reason


def employee_consent_disclose(*, viewer, employee: Employee, reason: str) -> dict:
    """Return one employee's consent for an officer, auditing who looked and why."""
    reason = _required_reason(reason, _("Say why you need to see this person's consent."))
    personal_data_viewed(
        viewer=viewer,
        people=[employee],
        what="consent",
        target=employee,
        reason=reason,
    )
    return {
        "scopes": consent_scopes_for(employee=employee),
        "history": list(consent_history_for(employee=employee)[:500]),
    }


def custodians_viewed(*, viewer, hold) -> list[AuditEvent]:
    """Record that `viewer` saw who the custodians of `hold` are (`custodians` prefetched)."""
    return personal_data_viewed(
        viewer=viewer,
        people=hold.custodians.all(),
        what="legal hold custodian",
        target=hold,
    )


class UnknownSubject(LookupError):
    """No employee has this pseudonym."""


def subject_reveal(*, viewer, subject: str, reason: str) -> Employee:
    """Who the pseudonym `subject` is (their name and number), for an officer who says why.

    Raises ValidationError naming `reason` when none is given, UnknownSubject when
    nobody has the pseudonym. The look is audited as a read of the person's identity.
    """
    reason = _required_reason(reason, _("Say why you need to know who this is."))
    employee = (
        Employee.objects.select_related("user").filter(subject_id=(subject or "").strip()).first()
    )
    if employee is None:
        raise UnknownSubject(subject)
    personal_data_viewed(
        viewer=viewer,
        people=[employee],
        what="identity",
        target=employee,
        reason=reason,
    )
    return employee
