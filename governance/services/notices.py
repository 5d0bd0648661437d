"""Notices are drafted, edited while drafts, then published once and never changed."""

import hashlib
from datetime import UTC, datetime

import orjson
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from governance.models import Notice
from governance.models.catalogue import multi_line_text, single_line_text
from governance.services.audit import audit_record, audits_last
from governance.services.consent import consents_lapse_for_notice
from governance.services.locks import lock_notices


def notice_content_hash(notice: Notice) -> str:
    content = {
        "version": notice.version,
        "language": notice.language,
        "title": notice.title,
        "body": notice.body,
        "effective_at": notice.effective_at.astimezone(UTC).isoformat(),
        "material_change": notice.material_change,
        "purposes": sorted(notice.purposes.values_list("slug", flat=True)),
        "applications": sorted(notice.applications.values_list("slug", flat=True)),
        "data_kinds": sorted(notice.data_kinds.values_list("slug", flat=True)),
    }
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _validate(*, title: str, body: str, language: str, purposes, applications, data_kinds) -> None:
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = ["A title is required."]
    elif not single_line_text.regex.search(title):
        errors["title"] = [single_line_text.message]
    if not (body or "").strip():
        errors["body"] = ["The notice text is required."]
    elif not multi_line_text.regex.search(body):
        errors["body"] = [multi_line_text.message]
    if not (language or "").strip():
        errors["language"] = ["A language is required."]
    elif not single_line_text.regex.search(language):
        errors["language"] = [single_line_text.message]
    for field, items in (
        ("purposes", purposes),
        ("applications", applications),
        ("data_kinds", data_kinds),
    ):
        if not items:
            errors[field] = ["Choose at least one."]
    prohibited = [p.name for p in purposes or [] if p.use == p.Use.PROHIBITED]
    if prohibited:
        errors["purposes"] = [f"Prohibited uses cannot be consented to: {', '.join(prohibited)}."]
    if errors:
        raise ValidationError(errors)


def notice_create(
    *,
    actor,
    title: str,
    body: str,
    language: str = "en",
    purposes,
    applications,
    data_kinds,
    material_change: bool = False,
    effective_at: datetime | None = None,
) -> Notice:
    _validate(
        title=title,
        body=body,
        language=language,
        purposes=purposes,
        applications=applications,
        data_kinds=data_kinds,
    )
    with transaction.atomic():
        lock_notices()
        version = (Notice.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        notice = Notice.objects.create(
            version=version,
            language=language,
            title=title,
            body=body,
            material_change=material_change,
            effective_at=effective_at or timezone.now(),
            created_by=actor,
        )
        notice.purposes.set(purposes)
        notice.applications.set(applications)
        notice.data_kinds.set(data_kinds)
        audit_record(
            actor=actor,
            action="notice.created",
            target=notice,
            details={"version": version, "material_change": material_change},
        )
    return notice


def notice_update(*, notice: Notice, actor, **fields) -> Notice:
    """Edit a draft. Published versions are evidence and never change."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update(no_key=True).get(pk=notice.pk)
        if notice.is_published:
            raise ValidationError(
                {"non_field_errors": ["A published notice cannot change; draft a new version."]}
            )
        m2m = {k: fields.pop(k) for k in ("purposes", "applications", "data_kinds") if k in fields}
        merged = {
            "title": fields.get("title", notice.title),
            "body": fields.get("body", notice.body),
            "language": fields.get("language", notice.language),
            "purposes": m2m.get("purposes", list(notice.purposes.all())),
            "applications": m2m.get("applications", list(notice.applications.all())),
            "data_kinds": m2m.get("data_kinds", list(notice.data_kinds.all())),
        }
        _validate(**merged)
        for name, value in fields.items():
            if name not in {"title", "body", "language", "material_change", "effective_at"}:
                raise ValidationError({name: ["This field cannot be changed."]})
            setattr(notice, name, value)
        notice.save()
        for name, items in m2m.items():
            getattr(notice, name).set(items)
        audit_record(
            actor=actor,
            action="notice.updated",
            target=notice,
            details={"version": notice.version, "fields": sorted([*fields, *m2m])},
        )
    return notice


def notice_publish(*, notice: Notice, actor) -> Notice:
    """Publish a draft: fix its hash; a material change lapses older consents once in effect."""
    with transaction.atomic(), audits_last():
        lock_notices()
        notice = Notice.objects.select_for_update(no_key=True).get(pk=notice.pk)
        if notice.is_published:
            return notice
        newer = Notice.objects.filter(
            status=Notice.Status.PUBLISHED, version__gt=notice.version
        ).exists()
        if newer:
            raise ValidationError(
                {"non_field_errors": ["A newer version is already published; draft a new one."]}
            )
        now = timezone.now()
        if notice.effective_at < now:
            notice.effective_at = now
        notice.content_hash = notice_content_hash(notice)
        notice.status = Notice.Status.PUBLISHED
        notice.published_at = now
        notice.published_by = actor
        notice.save()
        audit_record(
            actor=actor,
            action="notice.published",
            target=notice,
            details={
                "version": notice.version,
                "content_hash": notice.content_hash,
                "material_change": notice.material_change,
                "effective_at": notice.effective_at.isoformat(),
            },
        )
        notice_apply_material_change(notice=notice, actor=actor)
    return notice


def notice_apply_material_change(*, notice: Notice, actor=None) -> int:
    """Lapse older consents once a material notice is in effect; safe to call again."""
    with transaction.atomic(), audits_last():
        lock_notices()
        notice = Notice.objects.select_for_update(no_key=True).get(pk=notice.pk)
        if (
            not notice.material_change
            or not notice.is_published
            or notice.lapse_applied_at is not None
            or notice.effective_at > timezone.now()
        ):
            return 0
        lapsed = consents_lapse_for_notice(notice=notice, actor=actor)
        notice.lapse_applied_at = timezone.now()
        notice.save(update_fields=["lapse_applied_at"])
        audit_record(
            actor=actor,
            action="notice.consents_lapsed",
            target=notice,
            details={"version": notice.version, "lapsed": lapsed},
        )
        return lapsed
