"""Roles are Django groups; an Employee row links a login to its data subject.

Accounts and roles change in several places (these services, Django admin, a
shell), so their audit is written by signal receivers (`governance.auth`), one
event per user created and per role granted or revoked. A receiver cannot see
who made the change: the code that knows says so with `changes_by`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import Group
from django.db import transaction

from governance.models import AuditEvent, Role
from governance.services.audit import audit_record
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
