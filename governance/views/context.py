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


def token_shown(principal, token: str) -> dict:
    """The context of includes/token_created.html for a device or a pipeline just
    registered: rendered, never redirected to, as the token exists only in that response."""
    from django.urls import reverse
    from django.utils.html import format_html
    from django.utils.translation import gettext as _

    from governance.models import CaptureDevice

    if isinstance(principal, CaptureDevice):
        key, what, usage = "device", _("Device"), _("The capture client")
    else:
        key, what, usage = "pipeline", _("Pipeline"), _("The training pipeline")
    return {
        "what": what,
        "principal": principal,
        "token": token,
        "token_id": f"{key}-token",
        "back": reverse(f"officer-{key}s"),
        "usage": format_html(
            _("{} sends it as <code>Authorization: Bearer &lt;token&gt;</code>."), usage
        ),
    }
