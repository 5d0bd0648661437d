"""Training pipelines: bearer-token principals limited to the purposes they serve.

Registered like capture devices (token shown once, its hash kept), but with a
token prefix of their own, so a device's token can never pass for a pipeline's."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.models import Purpose, TrainingPipeline
from governance.services.audit import audit_record
from governance.services.principals import (
    principal_authenticate,
    principal_name_check,
    principal_revoke,
    token_issue,
)

TOKEN_PREFIX = "idp_"


def training_purposes():
    """The purposes a pipeline may be registered for: permitted and enabled ones."""
    return Purpose.objects.filter(use=Purpose.Use.PERMITTED, enabled=True)


def _purposes_resolve(slugs: list[str]) -> list[Purpose]:
    slugs = sorted({(s or "").strip() for s in slugs or []})
    if not slugs or slugs == [""]:
        raise ValidationError({"purposes": [_("Name at least one purpose.")]})
    found = {p.slug: p for p in Purpose.objects.filter(slug__in=slugs)}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        raise ValidationError(
            {"purposes": [_("Unknown purpose: %(slugs)s.") % {"slugs": ", ".join(unknown)}]}
        )
    barred = [s for s in slugs if not found[s].consentable]
    if barred:
        raise ValidationError(
            {
                "purposes": [
                    _("Not a purpose data may be used for: %(slugs)s.")
                    % {"slugs": ", ".join(barred)}
                ]
            }
        )
    return [found[s] for s in slugs]


def pipeline_create(*, name: str, purposes: list[str], actor) -> tuple[TrainingPipeline, str]:
    """Register a pipeline for these purpose slugs; returns it with its token, which is
    never retrievable again."""
    name = principal_name_check(name, what="pipeline")
    chosen = _purposes_resolve(purposes)
    token, recognised = token_issue(TOKEN_PREFIX)
    with transaction.atomic():
        pipeline = TrainingPipeline.objects.create(name=name, created_by=actor, **recognised)
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
    return principal_revoke(pipeline, actor=actor, action="pipeline.revoked")


def pipeline_authenticate(token: str) -> TrainingPipeline | None:
    """The active pipeline owning this token, or None."""
    return principal_authenticate(TrainingPipeline, TOKEN_PREFIX, token)
