"""The language a person reads the portal, its emails and notices in."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.models import Employee
from governance.services.audit import audit_record


def language_supported(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def employee_language(employee: Employee | None) -> str:
    """Their profile's language, or the company default when they chose none."""
    chosen = employee.language if employee is not None else ""
    return chosen if language_supported(chosen) else settings.LANGUAGE_CODE


def employee_language_set(*, employee: Employee, language: str, actor) -> Employee:
    """Save the language of their profile; "" means the company default (PORTAL_LANGUAGE).

    Audited like other changes to an account, only when it changes.
    """
    if language and not language_supported(language):
        raise ValidationError({"language": [_("Choose one of the languages offered.")]})
    with transaction.atomic():
        employee = Employee.objects.select_for_update(no_key=True).get(pk=employee.pk)
        if employee.language == language:
            return employee
        previous, employee.language = employee.language, language
        employee.save(update_fields=["language"])
        audit_record(
            actor=actor,
            action="employee.language_changed",
            target=employee,
            subject=employee.subject_id,
            details={"language": language, "previous": previous},
        )
    return employee
