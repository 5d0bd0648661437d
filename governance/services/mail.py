"""Emails the portal sends, each recorded as a SentEmail whether it went out or not.

Sent after the change they tell of has committed (callers use `transaction.on_commit`),
so nobody is told of a change that was rolled back. The text comes from templates in
`templates/emails/<kind>.txt`, whose first line is the subject, rendered in the
recipient's language: their profile's, else the company default (an email, unlike a
page, has no browser to ask).
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from governance.models import DataRequest, Employee, SentEmail
from governance.services.language import employee_language

logger = logging.getLogger(__name__)


def email_send(
    *, to: str, kind: str, context: dict, request: DataRequest | None = None
) -> SentEmail:
    """Render `templates/emails/<kind>.txt` in the recipient's language, send it and
    record it; never raises on a delivery failure (the failure is recorded and logged
    instead)."""
    context = {
        "controller": settings.CONTROLLER,
        "authority": settings.SUPERVISORY_AUTHORITY,
        "base_url": settings.PUBLIC_BASE_URL.rstrip("/"),
        **context,
    }
    with translation.override(_recipient_language(to)):
        text = render_to_string(f"emails/{kind}.txt", context)
    subject, _, body = text.strip().partition("\n")
    subject, body = subject.strip()[:200], body.strip() + "\n"
    error = ""
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception as exc:  # any backend's failure is recorded, not raised
        logger.warning("email %s to %s failed: %s", kind, to, exc)
        error = f"{type(exc).__name__}: {exc}"[:1000]
    return SentEmail.objects.create(
        to=to,
        subject=subject,
        body=body,
        kind=kind,
        request=request,
        sent_at=timezone.now(),
        error=error,
    )


def _recipient_language(to: str) -> str:
    """The language of the employee with that address; the company default for
    anyone else (an address outside the company, an account that is not an employee)."""
    employee = Employee.objects.filter(user__email__iexact=to).order_by("pk").first()
    return employee_language(employee)
