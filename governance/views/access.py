"""Who may open a page: employees see only their own data; officers and legal their work.

Anonymous visitors are sent to the login page; signed-in users without the
role get 403, so a page never hints at data the caller may not see.
"""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.utils.functional import cached_property

from governance.api.errors import permission_denied
from governance.models import ConsentMethod, Employee, Role
from governance.services.consent import RequestContext
from governance.services.people import user_has_role


def employee_of(user) -> Employee | None:
    if not user.is_authenticated:
        return None
    try:
        return user.employee
    except Employee.DoesNotExist:
        return None


class RefusedMixin(LoginRequiredMixin, UserPassesTestMixin):
    """A signed-in user without the right gets the 403 page as a response, not a raised
    PermissionDenied: Django logs a raised one with its full traceback, as if it were a
    fault, when it is only someone opening a page that is not theirs."""

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return super().handle_no_permission()  # to the login page
        return permission_denied(self.request)


class EmployeeRequiredMixin(RefusedMixin):
    """Pages about the signed-in person's own data; `self.employee` is that person."""

    def test_func(self) -> bool:
        return self.employee is not None

    @cached_property
    def employee(self) -> Employee | None:
        return employee_of(self.request.user)


class RoleRequiredMixin(RefusedMixin):
    roles: tuple[Role, ...] = ()

    def test_func(self) -> bool:
        return any(user_has_role(self.request.user, role) for role in self.roles)


class OfficerRequiredMixin(RoleRequiredMixin):
    roles = (Role.PRIVACY_OFFICER,)


class LegalRequiredMixin(RoleRequiredMixin):
    roles = (Role.LEGAL,)


class AuditorRequiredMixin(RoleRequiredMixin):
    roles = (Role.PRIVACY_OFFICER, Role.LEGAL)


def web_context(request) -> RequestContext:
    """Where a consent change came from, as recorded on its event."""
    return RequestContext(
        method=ConsentMethod.WEB,
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
