"""Restriction of processing (GDPR Art. 18): while set, nothing of the person is ingested.

The employee row is locked FOR NO KEY UPDATE here and read FOR SHARE by the
ingestion gate in its write transaction, so once this returns no later batch
stores anything of that person. (NO KEY: rows that merely reference the
employee, like a new consent event, need not wait for it.)
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import Employee
from governance.services.audit import audit_record
from governance.services.locks import lock_holds


def employee_processing_restrict(
    *,
    employee: Employee,
    restricted: bool,
    reason: str,
    actor,
    preserve_for_legal_claim: bool | None = None,
) -> Employee:
    """`preserve_for_legal_claim`: the ground of Art. 18(1)(c), the person needs the data
    for a legal claim; retention then keeps all of it until the restriction is lifted.
    None keeps the ground a restriction already has (a new one has not this ground)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why processing is restricted or resumed.")]})
    with transaction.atomic():
        # Like a hold: no retention batch in flight deletes past the change of ground.
        lock_holds()
        employee = Employee.objects.select_for_update(no_key=True).get(pk=employee.pk)
        if preserve_for_legal_claim is None:
            preserve_for_legal_claim = employee.restriction_preserves
        preserves = restricted and preserve_for_legal_claim
        if (employee.processing_restricted_at is not None) == restricted and (
            employee.restriction_preserves == preserves
        ):
            return employee
        if not restricted and employee.left_at is not None:
            # Their data was erased when they left; resuming would record a non-employee.
            raise ValidationError(
                {
                    "restricted": [
                        _("They left on %(date)s: capture stays stopped.")
                        % {"date": f"{employee.left_at:%Y-%m-%d}"}
                    ]
                }
            )
        was_restricted = employee.processing_restricted_at is not None
        was_preserving = was_restricted and employee.restriction_preserves
        if restricted != was_restricted:
            employee.processing_restricted_at = timezone.now() if restricted else None
        employee.restriction_preserves = preserves
        employee.save(update_fields=["processing_restricted_at", "restriction_preserves"])
        audit_record(
            actor=actor,
            action="processing.restricted" if restricted else "processing.resumed",
            target=employee,
            subject=employee.subject_id,
            details={"reason": reason[:500], "preserve_for_legal_claim": preserves},
        )
        if was_restricted and not restricted:
            # Art. 18(3): the person who obtained the restriction is told it is lifted.
            transaction.on_commit(lambda: _tell_resumed(employee.pk, reason[:500]))
        if was_preserving and not preserves:
            # Erasures it deferred (services/erasure.py) resume, as after a hold's release.
            transaction.on_commit(_resume_deferred_erasures)
    return employee


def _resume_deferred_erasures() -> None:
    from governance.tasks.erasure import erasure_deferred_resume

    erasure_deferred_resume.delay()


def _tell_resumed(employee_id: int, reason: str) -> None:
    from governance.services.mail import email_send

    employee = Employee.objects.select_related("user").get(pk=employee_id)
    email_send(
        to=employee.user.email,
        kind="processing_resumed",
        context={"employee": employee, "reason": reason},
    )
