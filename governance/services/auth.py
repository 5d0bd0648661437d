"""Audit of login throttling: a lockout is a security event on the audit chain."""

import ipaddress

from django.contrib.auth import get_user_model
from django.db import transaction

from governance.models import AuditEvent
from governance.services.audit import audit_record

LOGIN_THROTTLE = "login-throttle"


def auth_lockout_record(*, username: str | None, ip_address: str | None) -> AuditEvent:
    """Record that logins for `username` and from `ip_address` are now refused.

    The audit chain is kept for good, so only what the lockout is about goes in.
    A username is kept only when it names an account (then the event also points
    at that user and the employee's pseudonym, so the employee's own view of the
    log shows it); anything else typed there (a mistyped address, a password in
    the wrong box) is not. The address is kept as its network (/24, /48), enough
    to see where attempts came from without keeping one machine's address forever.
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
            details={
                "username": user.get_username() if user else "",
                "account_exists": user is not None,
                "network": _network(ip_address),
            },
        )


def _network(ip_address: str | None) -> str:
    try:
        address = ipaddress.ip_address(ip_address or "")
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
