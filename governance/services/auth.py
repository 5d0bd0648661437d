"""Audit of login throttling: a lockout is a security event on the audit chain."""

from django.contrib.auth import get_user_model
from django.db import transaction

from governance.models import AuditEvent
from governance.services.audit import audit_record

LOGIN_THROTTLE = "login-throttle"


def auth_lockout_record(*, username: str | None, ip_address: str | None) -> AuditEvent:
    """Record that logins for `username` and from `ip_address` are now refused.

    Only what the lockout is about goes in: the username that was tried (which
    may belong to nobody) and the address. When it names an account, the event
    also points at that user and the employee's pseudonym, so the employee's
    own view of the log shows that someone was locked out of their account.
    """
    user = (
        get_user_model().objects.select_related("employee").filter(username=username).first()
        if username
        else None
    )
    employee = getattr(user, "employee", None) if user else None
    with transaction.atomic():
        return audit_record(
            actor=LOGIN_THROTTLE,
            action="auth.locked_out",
            target=user,
            subject=employee.subject_id if employee else "",
            details={"username": username or "", "ip_address": ip_address or ""},
        )
