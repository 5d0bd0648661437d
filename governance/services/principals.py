"""Bearer-token principals (capture devices, training pipelines): a token is shown once,
only its hash is kept, and revoking ends it at once."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models.principals import TokenPrincipal
from governance.services.audit import audit_record


def token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: no dictionary to attack.
    return hashlib.sha256(token.encode()).hexdigest()


def principal_name_check(name: str, *, what: str) -> str:
    name = (name or "").strip()
    if not name:
        message = (
            _("A device name is required.")
            if what == "device"
            else _("A pipeline name is required.")
        )
        raise ValidationError({"name": [message]})
    if len(name) > 120:
        raise ValidationError({"name": [_("At most %(limit)s characters.") % {"limit": 120}]})
    return name


def token_issue(prefix: str) -> tuple[str, dict]:
    """A new token and the fields that recognise it (its start, its hash)."""
    token = prefix + secrets.token_urlsafe(32)
    return token, {"token_prefix": token[: len(prefix) + 6], "token_hash": token_hash(token)}


def principal_revoke(principal: TokenPrincipal, *, actor, action: str):
    """Revoke a principal's token, audited as `action`; revoking twice changes nothing."""
    model = type(principal)
    with transaction.atomic():
        principal = model.objects.select_for_update(no_key=True).get(pk=principal.pk)
        if principal.revoked_at is not None:
            return principal
        principal.revoked_at = timezone.now()
        principal.revoked_by = actor
        principal.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action=action,
            target=principal,
            details={"name": principal.name, "token_prefix": principal.token_prefix},
        )
    return principal


def principal_authenticate(model, prefix: str, token: str):
    """The active principal of `model` owning this token, or None."""
    if not token or not token.startswith(prefix):
        return None
    return model.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True).first()
