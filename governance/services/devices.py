"""Capture devices authenticate with a bearer token shown once; only its hash is kept."""

from django.db import transaction

from governance.models import CaptureDevice
from governance.services.audit import audit_record
from governance.services.principals import (
    principal_authenticate,
    principal_name_check,
    principal_revoke,
    token_issue,
)

TOKEN_PREFIX = "idg_"


def device_create(*, name: str, actor) -> tuple[CaptureDevice, str]:
    """Register a device; returns it with its token, which is never retrievable again."""
    name = principal_name_check(name, what="device")
    token, recognised = token_issue(TOKEN_PREFIX)
    with transaction.atomic():
        device = CaptureDevice.objects.create(name=name, created_by=actor, **recognised)
        audit_record(
            actor=actor,
            action="device.created",
            target=device,
            details={"name": name, "token_prefix": device.token_prefix},
        )
    return device, token


def device_revoke(*, device: CaptureDevice, actor) -> CaptureDevice:
    return principal_revoke(device, actor=actor, action="device.revoked")


def device_authenticate(token: str) -> CaptureDevice | None:
    """The active device owning this token, or None."""
    return principal_authenticate(CaptureDevice, TOKEN_PREFIX, token)
