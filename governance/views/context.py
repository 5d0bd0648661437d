from governance.models import Role
from governance.services.people import user_has_role


def portal_context(request):
    user = getattr(request, "user", None)
    return {
        "is_employee": bool(user and user.is_authenticated and hasattr(user, "employee")),
        "is_officer": user_has_role(user, Role.PRIVACY_OFFICER),
        "is_legal": user_has_role(user, Role.LEGAL),
        "is_admin": user_has_role(user, Role.ADMIN),
        "is_council": user_has_role(user, Role.WORKS_COUNCIL),
    }
