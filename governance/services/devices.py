"""Capture devices authenticate with a bearer token shown once; only its hash is kept."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.models import CaptureDevice
from governance.services.audit import audit_record

TOKEN_PREFIX = "idg_"


def token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: no dictionary to attack.
    return hashlib.sha256(token.encode()).hexdigest()


def device_create(*, name: str, actor) -> tuple[CaptureDevice, str]:
    """Register a device; returns it with its token, which is never retrievable again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["A device name is required."]})
    if len(name) > 120:
        raise ValidationError({"name": ["At most 120 characters."]})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        device = CaptureDevice.objects.create(
            name=name,
            token_prefix=token[: len(TOKEN_PREFIX) + 6],
            token_hash=token_hash(token),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="device.created",
            target=device,
            details={"name": name, "token_prefix": device.token_prefix},
        )
    return device, token


def device_revoke(*, device: CaptureDevice, actor) -> CaptureDevice:
    with transaction.atomic():
        device = CaptureDevice.objects.select_for_update(no_key=True).get(pk=device.pk)
        if device.revoked_at is not None:
            return device
        device.revoked_at = timezone.now()
        device.revoked_by = actor
        device.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="device.revoked",
            target=device,
            details={"name": device.name, "token_prefix": device.token_prefix},
        )
    return device


def device_authenticate(token: str) -> CaptureDevice | None:
    """The active device owning this token, or None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    return CaptureDevice.objects.filter(
        token_hash=token_hash(token), revoked_at__isnull=True
    ).first()
