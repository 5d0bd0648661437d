"""Restriction of processing (GDPR Art. 18): while set, nothing of the person is ingested.

The employee row is locked FOR NO KEY UPDATE here and read FOR SHARE by the
ingestion gate in its write transaction, so once this returns no later batch
stores anything of that person. (NO KEY: rows that merely reference the
employee, like a new consent event, need not wait for it.)
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.models import Employee
from governance.services.audit import audit_record


def employee_processing_restrict(
    *, employee: Employee, restricted: bool, reason: str, actor
) -> Employee:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why processing is restricted or resumed."]})
    with transaction.atomic():
        employee = Employee.objects.select_for_update(no_key=True).get(pk=employee.pk)
        if (employee.processing_restricted_at is not None) == restricted:
            return employee
        if not restricted and employee.left_at is not None:
            # Their data was erased when they left; resuming would record a non-employee.
            raise ValidationError(
                {
                    "restricted": [
                        f"They left on {employee.left_at:%Y-%m-%d}: capture stays stopped."
                    ]
                }
            )
        employee.processing_restricted_at = timezone.now() if restricted else None
        employee.save(update_fields=["processing_restricted_at"])
        audit_record(
            actor=actor,
            action="processing.restricted" if restricted else "processing.resumed",
            target=employee,
            subject=employee.subject_id,
            details={"reason": reason[:500]},
        )
        if not restricted:
            # Art. 18(3): the person who obtained the restriction is told it is lifted.
            transaction.on_commit(lambda: _tell_resumed(employee.pk, reason[:500]))
    return employee


def _tell_resumed(employee_id: int, reason: str) -> None:
    from governance.services.mail import email_send

    employee = Employee.objects.select_related("user").get(pk=employee_id)
    email_send(
        to=employee.user.email,
        kind="processing_resumed",
        context={"employee": employee, "reason": reason},
    )
