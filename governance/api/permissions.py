"""Who may call what. Roles are Django groups (services.people); employees are Employee rows.

Being an employee is having an Employee record, not being in the `employee`
group: the record is what consent, receipts and the audit subject hang on.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from governance.models import Role
from governance.services.people import user_has_role


def is_employee(user) -> bool:
    return bool(user and user.is_authenticated and hasattr(user, "employee"))


def has_any_role(user, *roles: Role) -> bool:
    return any(user_has_role(user, role) for role in roles)


class IsEmployee(BasePermission):
    """The caller has an Employee record: the /me endpoints act on it and nothing else."""

    message = _("Only employees have consent records.")

    def has_permission(self, request, view) -> bool:
        return is_employee(request.user)


class IsPrivacyOfficer(BasePermission):
    message = _("Only privacy officers may do this.")

    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, Role.PRIVACY_OFFICER)


class IsLegal(BasePermission):
    """Legal holds are legal's alone: a matter and its custodians are not for anyone else,
    and officers learn of a hold only as an erasure partly deferred."""

    message = _("Only legal may do this.")

    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, Role.LEGAL)


class IsOfficerOrLegal(BasePermission):
    message = _("Only privacy officers and legal may do this.")

    def has_permission(self, request, view) -> bool:
        return has_any_role(request.user, Role.PRIVACY_OFFICER, Role.LEGAL)


class CatalogueAccess(BasePermission):
    """Officers write; officers and legal read everything; employees read what is recorded.

    Employees may read a catalogue resource when its view sets
    `employee_readable = True`: applications, data kinds and purposes tell a
    person what could be recorded about them. Safeguard rules (window-title
    patterns, detector settings) describe how the filters work and would help
    anyone trying to slip data past them, so they stay with officers and legal.
    """

    message = _("You may not do this with the catalogue.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user_has_role(user, Role.PRIVACY_OFFICER):
            return True
        if request.method not in SAFE_METHODS:
            return False
        if user_has_role(user, Role.LEGAL):
            return True
        return getattr(view, "employee_readable", False) and is_employee(user)


class NoticeAccess(BasePermission):
    """Officers draft and publish. Published notices are public to every employee and legal.

    Which notices a reader sees (drafts or not) is decided by the view's queryset.
    """

    message = _("You may not do this with notices.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user_has_role(user, Role.PRIVACY_OFFICER):
            return True
        if request.method not in SAFE_METHODS:
            return False
        return is_employee(user) or user_has_role(user, Role.LEGAL)
