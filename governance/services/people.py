"""Roles are Django groups; an Employee row links a login to its data subject."""

from django.contrib.auth.models import Group

from governance.models import Role


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


def user_role_grant(*, user, role: Role) -> None:
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)
    if hasattr(user, "_portal_roles"):
        del user._portal_roles
