"""Officer reads of one person's consent: allowed, but always leaves an audit event."""

from django.db import transaction

from governance.models import Employee
from governance.selectors.consent import consent_history_for, consent_scopes_for
from governance.services.audit import audit_record


def employee_consent_disclose(*, viewer, employee: Employee, reason: str) -> dict:
    """Return one employee's consent for an officer, auditing who looked and why."""
    reason = (reason or "").strip()
    if not reason:
        from django.core.exceptions import ValidationError

        raise ValidationError({"reason": ["Say why you need to see this person's consent."]})
    with transaction.atomic():
        audit_record(
            actor=viewer,
            action="personal_data.viewed",
            target=employee,
            subject=employee.subject_id,
            details={"what": "consent", "reason": reason[:500]},
        )
    return {
        "scopes": consent_scopes_for(employee=employee),
        "history": list(consent_history_for(employee=employee)[:500]),
    }
