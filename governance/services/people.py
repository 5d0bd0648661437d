"""Roles are Django groups; an Employee row links a login to its data subject.

Accounts and roles change in several places (these services, Django admin, a
shell), so their audit is written by signal receivers (`governance.auth`), one
event per user created and per role granted or revoked. A receiver cannot see
who made the change: the code that knows says so with `changes_by`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import AuditEvent, Employee, Role
from governance.services.audit import audit_record, audits_last
from governance.services.auth import subject_of

_acting: ContextVar[object | None] = ContextVar("accounts_changed_by", default=None)


@contextmanager
def changes_by(actor) -> Iterator[None]:
    """Audit the account and role changes made inside this block as `actor`'s.

    Without one they are the system's. An inner block without an actor keeps
    the outer one.
    """
    if actor is None:
        yield
        return
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


def user_has_role(user, role: Role) -> bool:
    if not user or not user.is_authenticated:
        return False
    if role == Role.ADMIN and user.is_superuser:
        return True
    cache = getattr(user, "_portal_roles", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._portal_roles = cache
    return role.value in cache


def user_roles(user) -> list[str]:
    return [role.value for role in Role if user_has_role(user, role)]


def roles_ensure() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def user_role_grant(*, user, role: Role, actor=None) -> None:
    """Give `user` the role; audited (as `role.granted`) only when they did not have it."""
    group, _ = Group.objects.get_or_create(name=role.value)
    with transaction.atomic(), changes_by(actor):
        user.groups.add(group)
    if hasattr(user, "_portal_roles"):
        del user._portal_roles


def user_role_revoke(*, user, role: Role, actor=None) -> None:
    """Take the role from `user`; audited (as `role.revoked`) only when they had it."""
    with transaction.atomic(), changes_by(actor):
        user.groups.remove(*Group.objects.filter(name=role.value))
    if hasattr(user, "_portal_roles"):
        del user._portal_roles


def user_created_record(*, user) -> AuditEvent:
    with transaction.atomic():
        return audit_record(
            actor=_acting.get(),
            action="user.created",
            target=user,
            details={"username": user.get_username()},
        )


def user_password_changed_record(*, user) -> AuditEvent:
    """A new password was set for an existing account (not a hash upgraded at login).

    Without an acting user named (admin names one) the account holder set it: on the
    password change page, or through a reset link sent to them.
    """
    with transaction.atomic():
        return audit_record(
            actor=_acting.get() or user,
            action="user.password_changed",
            target=user,
            subject=subject_of(user),
            details={"username": user.get_username()},
        )


def user_deleted_record(*, user) -> AuditEvent:
    with transaction.atomic():
        return audit_record(
            actor=_acting.get(),
            action="user.deleted",
            target=user,
            details={"username": user.get_username()},
        )


def role_changes_record(*, pairs, granted: bool) -> list[AuditEvent]:
    """One `role.granted` or `role.revoked` per (user, group) pair that changed."""
    with transaction.atomic():
        return [
            audit_record(
                actor=_acting.get(),
                action="role.granted" if granted else "role.revoked",
                target=user,
                subject=subject_of(user),
                details={"role": group.name, "username": user.get_username()},
            )
            for user, group in pairs
        ]


def employee_leave(*, employee, left_at: datetime, actor) -> Employee:
    """Record that the person left: at once, all their interaction data is erased (a
    job of cause "left", through the normal engine, with its signed receipt) and their
    capture is restricted in the same transaction, so nothing of theirs is stored again.

    Their consent evidence is kept, pseudonymised EVIDENCE_RETENTION_DAYS later
    (`services/privacy.py`). The same date again changes nothing; another date is
    refused: the erasure it started cannot be taken back.
    """
    from governance.models import ErasureCause
    from governance.services.erasure import erasure_job_create

    if timezone.is_naive(left_at):
        raise ValidationError({"left_at": [_("Give a time zone (e.g. 2026-11-30T17:00:00Z).")]})
    now = timezone.now()
    if left_at > now:
        raise ValidationError({"left_at": [_("A leaving date cannot be in the future.")]})
    if left_at <= now - timedelta(days=settings.EVIDENCE_RETENTION_DAYS):
        # Such a date (a typo like 0001 or 2016) would have the next daily run pseudonymise
        # their consent evidence and close their account, which nothing can undo.
        raise ValidationError(
            {
                "left_at": [
                    _(
                        "That is %(days)s days ago or more: their consent evidence would be "
                        "pseudonymised and their account closed at once. Check the date; to "
                        "erase the data of someone who left that long ago, use Erase everything."
                    )
                    % {"days": settings.EVIDENCE_RETENTION_DAYS}
                ]
            }
        )
    with transaction.atomic(), audits_last():
        # FOR NO KEY UPDATE: waits for their ingest batches in flight (read FOR SHARE).
        employee = Employee.objects.select_for_update(no_key=True).get(pk=employee.pk)
        if employee.left_at is not None:
            if employee.left_at == left_at:
                return employee
            raise ValidationError(
                {
                    "left_at": [
                        _("They left on %(date)s; that is recorded.")
                        % {"date": f"{employee.left_at:%Y-%m-%d}"}
                    ]
                }
            )
        employee.left_at = left_at
        employee.save(update_fields=["left_at"])
        audit_record(
            actor=actor,
            action="employee.left",
            target=employee,
            subject=employee.subject_id,
            details={"left_at": left_at.isoformat()},
        )
        erasure_job_create(
            employee=employee,
            cause=ErasureCause.LEFT,
            actor=actor,
            reason="Left the company",
            restrict_capture=True,
        )
        employee.refresh_from_db(fields=["processing_restricted_at"])
    return employee
