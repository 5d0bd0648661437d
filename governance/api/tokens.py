"""Bearer tokens of service principals (capture devices, training pipelines)."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header


class TokenCaller:
    """What request.user is for a service principal: authenticated, but no person and
    no roles; request.auth is the principal itself."""

    is_authenticated = True
    is_anonymous = False
    is_superuser = False
    is_staff = False

    def __init__(self, principal, kind: str):
        self.principal = principal
        self.kind = kind
        self.pk = None

    def get_username(self) -> str:
        return f"{self.kind}:{self.principal.pk}"


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`, looked up by `find` (a token of another kind of
    principal, or a revoked one, is refused: 401)."""

    keyword = b"bearer"
    kind = ""
    realm = ""

    @staticmethod
    def find(token: str):
        raise NotImplementedError

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword or len(parts) != 2:
            return None
        principal = self.find(parts[1].decode("latin-1"))
        if principal is None:
            raise exceptions.AuthenticationFailed(self.unknown_message())
        return (TokenCaller(principal, self.kind), principal)

    def unknown_message(self) -> str:
        if self.kind == "device":
            return _("Unknown or revoked device token.")
        if self.kind == "pipeline":
            return _("Unknown or revoked pipeline token.")
        return _("Unknown or revoked %(kind)s token.") % {"kind": self.kind}

    def authenticate_header(self, request):
        return f'Bearer realm="{self.realm}"'
