"""Audit of signing in: logins, failed attempts, lockouts and logouts are on the audit chain."""

import ipaddress

from django.contrib.auth import get_user_model
from django.db import transaction

from governance.models import AuditEvent, Employee
from governance.services.audit import audit_record

LOGIN_THROTTLE = "login-throttle"


def auth_login_record(*, user, method: str, ip_address: str | None) -> AuditEvent:
    """Record that `user` signed in, by `method` (password, session), from `ip_address`'s network."""
    with transaction.atomic():
        return audit_record(
            actor=user,
            action="auth.login",
            target=user,
            subject=subject_of(user),
            details={"method": method, "network": _network(ip_address)},
        )


def auth_login_failed_record(*, username: str | None, ip_address: str | None) -> AuditEvent:
    """Record a refused password for `username`.

    What was typed as the username is kept only when it names an account, as for
    a lockout: anything else may be a mistyped address or a password typed into
    the wrong box, and the chain is kept for good. The password never is.
    """
    return _attempt_record(
        actor=None, action="auth.login_failed", username=username, ip_address=ip_address
    )


def auth_logout_record(*, user) -> AuditEvent:
    with transaction.atomic():
        return audit_record(actor=user, action="auth.logout", target=user, subject=subject_of(user))


def auth_lockout_record(*, username: str | None, ip_address: str | None) -> AuditEvent:
    """Record that logins for `username` and from `ip_address` are now refused.

    The audit chain is kept for good, so only what the lockout is about goes in.
    A username is kept only when it names an account (then the event also points
    at that user and the employee's pseudonym, so the employee's own view of the
    log shows it); anything else typed there (a mistyped address, a password in
    the wrong box) is not. The address is kept as its network (/24, /48), enough
    to see where attempts came from without keeping one machine's address forever.
    """
    return _attempt_record(
        actor=LOGIN_THROTTLE, action="auth.locked_out", username=username, ip_address=ip_address
    )


def _attempt_record(*, actor, action: str, username: str | None, ip_address: str | None):
    """A refused attempt: the account only when the username names one, the network."""
    user = _account(username)
    with transaction.atomic():
        return audit_record(
            actor=actor,
            action=action,
            target=user,
            subject=subject_of(user),
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


def _account(username: str | None):
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


def subject_of(user) -> str:
    """The person's pseudonym, or "" for an account that is not an employee's (yet)."""
    if user is None:
        return ""
    # A query, not `user.employee`: a miss would be cached on the caller's instance.
    return (
        Employee.objects.filter(user_id=user.pk).values_list("subject_id", flat=True).first() or ""
    )
