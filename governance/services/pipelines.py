"""Training pipelines: bearer-token principals limited to the purposes they serve.

Registered like capture devices (token shown once, its hash kept), but with a
token prefix of their own, so a device's token can never pass for a pipeline's."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.models import Purpose, TrainingPipeline
from governance.services.audit import audit_record
from governance.services.devices import token_hash

TOKEN_PREFIX = "idp_"


def training_purposes():
    """The purposes a pipeline may be registered for: permitted and enabled ones."""
    return Purpose.objects.filter(use=Purpose.Use.PERMITTED, enabled=True)


def _purposes_resolve(slugs: list[str]) -> list[Purpose]:
    slugs = sorted({(s or "").strip() for s in slugs or []})
    if not slugs or slugs == [""]:
        raise ValidationError({"purposes": ["Name at least one purpose."]})
    found = {p.slug: p for p in Purpose.objects.filter(slug__in=slugs)}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        raise ValidationError({"purposes": [f"Unknown purpose: {', '.join(unknown)}."]})
    barred = [s for s in slugs if not found[s].consentable]
    if barred:
        raise ValidationError(
            {"purposes": [f"Not a purpose data may be used for: {', '.join(barred)}."]}
        )
    return [found[s] for s in slugs]


def pipeline_create(*, name: str, purposes: list[str], actor) -> tuple[TrainingPipeline, str]:
    """Register a pipeline for these purpose slugs; returns it with its token, which is
    never retrievable again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["A pipeline name is required."]})
    if len(name) > 120:
        raise ValidationError({"name": ["At most 120 characters."]})
    chosen = _purposes_resolve(purposes)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        pipeline = TrainingPipeline.objects.create(
            name=name,
            token_prefix=token[: len(TOKEN_PREFIX) + 6],
            token_hash=token_hash(token),
            created_by=actor,
        )
        pipeline.purposes.set(chosen)
        audit_record(
            actor=actor,
            action="pipeline.created",
            target=pipeline,
            details={
                "name": name,
                "token_prefix": pipeline.token_prefix,
                "purposes": [p.slug for p in chosen],
            },
        )
    return pipeline, token


def pipeline_revoke(*, pipeline: TrainingPipeline, actor) -> TrainingPipeline:
    with transaction.atomic():
        pipeline = TrainingPipeline.objects.select_for_update(no_key=True).get(pk=pipeline.pk)
        if pipeline.revoked_at is not None:
            return pipeline
        pipeline.revoked_at = timezone.now()
        pipeline.revoked_by = actor
        pipeline.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="pipeline.revoked",
            target=pipeline,
            details={"name": pipeline.name, "token_prefix": pipeline.token_prefix},
        )
    return pipeline


def pipeline_authenticate(token: str) -> TrainingPipeline | None:
    """The active pipeline owning this token, or None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    return TrainingPipeline.objects.filter(
        token_hash=token_hash(token), revoked_at__isnull=True
    ).first()
