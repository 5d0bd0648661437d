"""Notices are drafted, edited while drafts, then published once and never changed."""

import hashlib
from datetime import UTC, datetime

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import ConsentAction, ConsentEvent, ConsentState, Notice, NoticeText
from governance.models.catalogue import KEY_TIMING_FLOOR_MS, multi_line_text, single_line_text
from governance.models.notices import LawfulBasis
from governance.services.audit import audit_record, audits_last
from governance.services.consent import LAPSE_BATCH_SIZE, consents_lapse_batch
from governance.services.language import language_supported
from governance.services.locks import lock_notices
from governance.services.notice_scopes import (
    notice_additions_check,
    notice_lapse_filter,
    notice_lapse_scope_apply,
    notice_lapse_scope_content,
    notice_lapse_scope_pop,
)


def notice_content_hash(notice: Notice) -> str:
    """SHA-256 of what the notice says. The structured statement joins the hashed content
    only when set, so notices published before it existed keep their hashes."""
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
        **notice_lapse_scope_content(notice),
    }
    texts = dict(notice.texts.values_list("language", "content_hash"))
    if len(texts) > 1:
        # A version in one language hashes as versions always did; more texts sign them all.
        content["texts"] = texts
    statement = notice_statement(notice)
    if statement:
        content["statement"] = {**statement, "key_timing_floor_ms": KEY_TIMING_FLOOR_MS}
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def notice_text_hash(*, version: int, language: str, title: str, body: str, **prose) -> str:
    """SHA-256 of one text of a version: what a person who read it was shown. Its prose
    statement fields join the hashed content only when set (the version's own text has
    none: the version's statement is its prose)."""
    content = {"version": version, "language": language, "title": title, "body": body}
    content.update((name, value) for name, value in prose.items() if value)
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def language_error(language) -> str | None:
    """Why `language` cannot be a notice text's language, or None."""
    if language_supported(language):
        return None
    return _("“%(language)s” is not one of this portal's languages (%(languages)s).") % {
        "language": language,
        "languages": ", ".join(dict(settings.LANGUAGES)),
    }


WITHDRAWAL_RIGHT = (
    "You may withdraw your consent at any time, for any application, kind of data or "
    "purpose, on My consent: recording stops at once and what was recorded under it is "
    "erased. Withdrawing is as easy as consenting and has no consequence for your job."
)
ACCESS_RIGHT = (
    "You may see what is kept about you on My data, and ask for a copy, a correction, "
    "a restriction or erasure on My requests; we answer within one month."
)
SAFEGUARDS = (
    "Nothing is recorded in excluded applications or windows; keys typed into password "
    "fields are not kept; card numbers, national identifiers, email addresses, phone "
    "numbers, IBANs and secrets are replaced by a marker before storage; window titles "
    "are kept only as a keyed hash; data is deleted when its retention period ends."
)


def notice_statement(notice: Notice) -> dict:
    """The notice's structured statement (controller, rights, …): the fields that are set."""
    return {name: value for name in Notice.STATEMENT_FIELDS if (value := getattr(notice, name))}


def notice_statement_defaults(purposes) -> dict:
    """A new draft's statement from this portal's configuration: consent for every purpose,
    the configured controller, DPO and authority, and the rights and safeguards it keeps."""
    controller = settings.CONTROLLER
    return {
        "lawful_bases": {p.slug: LawfulBasis.CONSENT.value for p in purposes or []},
        "controller_name": controller["piiController"],
        "controller_contact": f"{controller['address']}; {controller['email']}",
        "dpo_contact": settings.DPO_CONTACT,
        "recipients": list(settings.PROCESSING_RECIPIENTS),
        "withdrawal_right": WITHDRAWAL_RIGHT,
        "access_right": ACCESS_RIGHT,
        "authority_name": settings.SUPERVISORY_AUTHORITY["name"],
        "authority_contact": settings.SUPERVISORY_AUTHORITY["url"],
        "safeguards": SAFEGUARDS,
    }


def _statement_errors(statement: dict, purposes) -> dict[str, list[str]]:
    """What is wrong with the statement fields given; empty fields are a draft's right."""
    errors: dict[str, list[str]] = {}
    for name, value in statement.items():
        if name not in Notice.STATEMENT_FIELDS:
            errors[name] = [_("This field cannot be set.")]
        elif name == "lawful_bases":
            problems = _lawful_basis_problems(value, {p.slug for p in purposes or []})
            if problems:
                errors[name] = problems
        elif name == "recipients":
            item = Notice._meta.get_field(name).base_field
            if not isinstance(value, list) or any(
                not (isinstance(r, str) and r.strip()) or _text_error(item, r) for r in value
            ):
                errors[name] = [
                    _(
                        "Give one recipient category per line, each at most %(max)s "
                        "characters, without control characters."
                    )
                    % {"max": item.max_length}
                ]
        elif problem := _text_error(Notice._meta.get_field(name), value):
            errors[name] = [problem]
    return errors


def _text_error(field, value) -> str | None:
    """Why `value` cannot be stored in `field` (a text column of the notice), or None."""
    if not isinstance(value, str):
        return _("Give text.")
    if field.max_length and len(value) > field.max_length:
        return _("At most %(max)s characters.") % {"max": field.max_length}
    validator = single_line_text if field.max_length else multi_line_text
    if value and not validator.regex.search(value):
        return validator.message
    return None


def _lawful_basis_problems(bases, purpose_slugs: set[str]) -> list[str]:
    if not isinstance(bases, dict):
        return [_("Give a map of purpose slug to lawful basis.")]
    problems = []
    for slug, basis in sorted(bases.items(), key=lambda item: str(item[0])):
        if slug not in purpose_slugs:
            problems.append(_("“%(slug)s” is not one of this notice's purposes.") % {"slug": slug})
        elif basis not in LawfulBasis.values:
            problems.append(
                _("“%(basis)s” is not a lawful basis (%(bases)s).")
                % {"basis": basis, "bases": ", ".join(LawfulBasis.values)}
            )
        elif basis != LawfulBasis.CONSENT:
            problems.append(
                _(
                    "%(slug)s: interaction capture rests on consent only (Art. 6(1)(a)); "
                    "%(basis)s cannot be its basis."
                )
                % {"slug": slug, "basis": LawfulBasis(basis).label}
            )
    return problems


def notice_statement_missing(notice: Notice) -> dict[str, list[str]]:
    """The statement fields a notice still lacks to be published, by field."""
    missing = {
        name: [_("Required to publish.")]
        for name in Notice.STATEMENT_FIELDS
        if name != "lawful_bases" and not _stated(getattr(notice, name))
    }
    slugs = sorted(notice.purposes.values_list("slug", flat=True))
    without = [slug for slug in slugs if slug not in (notice.lawful_bases or {})]
    if without:
        missing["lawful_bases"] = [
            _("Required to publish: a lawful basis for %(purposes)s.")
            % {"purposes": ", ".join(without)}
        ]
    return missing


def notice_texts_missing(notice: Notice) -> list[str]:
    """What the version's texts still lack to be published: a text in the company's
    language, and every other text's wording of the statement's prose."""
    problems = []
    texts = list(notice.texts.all())
    if settings.LANGUAGE_CODE not in {text.language for text in texts}:
        problems.append(
            _("Required to publish: a text in %(language)s, the company's language.")
            % {"language": dict(settings.LANGUAGES)[settings.LANGUAGE_CODE]}
        )
    for text in texts:
        if text.language != notice.language and not text.states_prose:
            problems.append(
                _(
                    "Required to publish: the %(language)s text's right to withdraw, "
                    "right of access and safeguards."
                )
                % {"language": text.language_name}
            )
    return problems


def _stated(value) -> bool:
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def _text_errors(*, title: str, body: str, language: str) -> dict[str, list[str]]:
    """What is wrong with one text of a notice (title, body, language), by field."""
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("A title is required.")]
    elif not single_line_text.regex.search(title):
        errors["title"] = [single_line_text.message]
    if not (body or "").strip():
        errors["body"] = [_("The notice text is required.")]
    elif not multi_line_text.regex.search(body):
        errors["body"] = [multi_line_text.message]
    if not (language or "").strip():
        errors["language"] = [_("A language is required.")]
    elif problem := language_error(language):
        errors["language"] = [problem]
    return errors


def _validate(*, title: str, body: str, language: str, purposes, applications, data_kinds) -> None:
    errors = _text_errors(title=title, body=body, language=language)
    for field, items in (
        ("purposes", purposes),
        ("applications", applications),
        ("data_kinds", data_kinds),
    ):
        if not items:
            errors[field] = [_("Choose at least one.")]
    prohibited = [p.name for p in purposes or [] if p.use == p.Use.PROHIBITED]
    if prohibited:
        errors["purposes"] = [
            _("Prohibited uses cannot be consented to: %(purposes)s.")
            % {"purposes": ", ".join(prohibited)}
        ]
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
    **fields,
) -> Notice:
    """A draft; statement fields not given start from `notice_statement_defaults`; the lapse
    scope fields (`LAPSE_FIELD_NAMES`) choose what a material change lapses."""
    _validate(
        title=title,
        body=body,
        language=language,
        purposes=purposes,
        applications=applications,
        data_kinds=data_kinds,
    )
    lapse_scope = notice_lapse_scope_pop(fields)
    statement = {**notice_statement_defaults(purposes), **fields}
    errors = _statement_errors(statement, purposes)
    if errors:
        raise ValidationError(errors)
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
            **statement,
        )
        notice.purposes.set(purposes)
        notice.applications.set(applications)
        notice.data_kinds.set(data_kinds)
        notice_lapse_scope_apply(notice, lapse_scope)
        _text_write(notice, language=language, title=title, body=body)
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
        notice = _draft_locked(notice)
        m2m = {k: fields.pop(k) for k in ("purposes", "applications", "data_kinds") if k in fields}
        lapse_scope = notice_lapse_scope_pop(fields)
        merged = {
            "title": fields.get("title", notice.title),
            "body": fields.get("body", notice.body),
            "language": fields.get("language", notice.language),
            "purposes": m2m.get("purposes", list(notice.purposes.all())),
            "applications": m2m.get("applications", list(notice.applications.all())),
            "data_kinds": m2m.get("data_kinds", list(notice.data_kinds.all())),
        }
        _validate(**merged)
        fields.update(_statement_update(notice, fields, merged["purposes"]))
        own_text = _own_text_update(notice, merged)
        for name, value in fields.items():
            if name not in {
                "title",
                "body",
                "language",
                "material_change",
                "effective_at",
                *Notice.STATEMENT_FIELDS,
            }:
                raise ValidationError({name: [_("This field cannot be changed.")]})
            setattr(notice, name, value)
        notice.save()
        if own_text is not None:
            own_text.save()
        for name, items in m2m.items():
            getattr(notice, name).set(items)
        notice_lapse_scope_apply(notice, lapse_scope)
        audit_record(
            actor=actor,
            action="notice.updated",
            target=notice,
            details={"version": notice.version, "fields": sorted([*fields, *m2m, *lapse_scope])},
        )
    return notice


def _text_write(notice: Notice, *, language: str, title: str, body: str, **prose) -> NoticeText:
    """Create or replace the version's text in `language` (the caller checked it)."""
    prose = {name: prose.get(name, "") for name in NoticeText.PROSE_FIELDS}
    text, _created = NoticeText.objects.update_or_create(
        notice=notice,
        language=language,
        defaults={
            "title": title,
            "body": body,
            **prose,
            "content_hash": notice_text_hash(
                version=notice.version, language=language, title=title, body=body, **prose
            ),
        },
    )
    return text


def _prose_errors(prose: dict) -> dict[str, list[str]]:
    errors = {}
    for name, value in prose.items():
        if name not in NoticeText.PROSE_FIELDS:
            errors[name] = [_("This field cannot be set.")]
        elif problem := _text_error(NoticeText._meta.get_field(name), value):
            errors[name] = [problem]
    return errors


def _own_text_update(notice: Notice, merged: dict) -> NoticeText | None:
    """The version's own text, changed as `merged` says (None if unchanged): a new
    language moves it, unless the version already has a text in that language."""
    title, body, language = merged["title"], merged["body"], merged["language"]
    if (title, body, language) == (notice.title, notice.body, notice.language):
        return None
    if language != notice.language and notice.texts.filter(language=language).exists():
        raise ValidationError(
            {
                "language": [
                    _(
                        "This version already has a text in %(language)s: edit or remove "
                        "that text first."
                    )
                    % {"language": language}
                ]
            }
        )
    text = notice.texts.get(language=notice.language)
    text.language, text.title, text.body = language, title, body
    text.content_hash = notice_text_hash(
        version=notice.version, language=language, title=title, body=body
    )
    return text


def _draft_locked(notice: Notice) -> Notice:
    """The notice row locked for a change; a published version is a 400."""
    notice = Notice.objects.select_for_update(no_key=True).get(pk=notice.pk)
    if notice.is_published:
        raise ValidationError(
            {"non_field_errors": [_("A published notice cannot change; draft a new version.")]}
        )
    return notice


def notice_text_set(
    *, notice: Notice, actor, language: str, title: str, body: str, **prose
) -> NoticeText:
    """Add or replace a draft's text in one language, with its wording of the statement's
    prose (`NoticeText.PROSE_FIELDS`). The version's own language changes the version's
    title and text too; its prose is the version's statement, edited on the version."""
    errors = {**_text_errors(title=title, body=body, language=language), **_prose_errors(prose)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        notice = _draft_locked(notice)
        if language == notice.language and any(prose.values()):
            raise ValidationError(
                {
                    name: [
                        _(
                            "The version's own text states this in the version's statement: "
                            "edit it there."
                        )
                    ]
                    for name, value in prose.items()
                    if value
                }
            )
        text = _text_write(notice, language=language, title=title, body=body, **prose)
        if language == notice.language:
            notice.title, notice.body = title, body
            notice.save(update_fields=["title", "body"])
        audit_record(
            actor=actor,
            action="notice.text_set",
            target=notice,
            details={"version": notice.version, "language": language},
        )
    return text


def notice_text_remove(*, notice: Notice, actor, language: str) -> bool:
    """Remove a draft's text in one language; False if it had none. The version's own
    text stays: it is what its title and hash are made of."""
    with transaction.atomic():
        notice = _draft_locked(notice)
        if language == notice.language:
            raise ValidationError(
                {
                    "language": [
                        _(
                            "The text in the version's own language cannot be removed; "
                            "change the version's language first."
                        )
                    ]
                }
            )
        removed, _counts = notice.texts.filter(language=language).delete()
        if removed:
            audit_record(
                actor=actor,
                action="notice.text_removed",
                target=notice,
                details={"version": notice.version, "language": language},
            )
    return bool(removed)


def _statement_update(notice: Notice, fields: dict, purposes) -> dict:
    """The statement fields to write; a purpose taken off the notice takes its basis along."""
    statement = {name: fields[name] for name in Notice.STATEMENT_FIELDS if name in fields}
    if "lawful_bases" not in statement:
        slugs = {p.slug for p in purposes}
        kept = {slug: b for slug, b in (notice.lawful_bases or {}).items() if slug in slugs}
        if kept != notice.lawful_bases:
            statement["lawful_bases"] = kept
    errors = _statement_errors(statement, purposes)
    if errors:
        raise ValidationError(errors)
    return statement


def notice_publish(*, notice: Notice, actor, material_change: bool | None = None) -> Notice:
    """Publish a draft: fix its hash; a material change lapses older consents once in effect.

    `material_change`, when given (the publish form and API offer the choice), is recorded
    on the draft in the same transaction: it decides what lapses, so it is never dropped
    on the way to a publication that cannot be taken back.

    The lapse is not done in this transaction: it may reach every employee. From
    commit on, the ingestion gate ignores grants under older versions
    (`lapse_started_at`); this call lapses a first batch itself, so a small
    organisation sees the result at once, and a task lapses the rest in batches.
    """
    with transaction.atomic(), audits_last():
        lock_notices()
        notice = Notice.objects.select_for_update(no_key=True).get(pk=notice.pk)
        if notice.is_published:
            return notice
        if material_change is not None and material_change != notice.material_change:
            notice = notice_update(notice=notice, actor=actor, material_change=material_change)
        newer = Notice.objects.filter(
            status=Notice.Status.PUBLISHED, version__gt=notice.version
        ).exists()
        if newer:
            raise ValidationError(
                {"non_field_errors": [_("A newer version is already published; draft a new one.")]}
            )
        missing = notice_statement_missing(notice)
        if texts_missing := notice_texts_missing(notice):
            missing["texts"] = texts_missing
        if missing:
            raise ValidationError(missing)
        notice_additions_check(notice)
        # Storage limitation: nothing may be consented to that no retention policy bounds.
        from governance.selectors.retention import retention_gaps
        from governance.services.locks import lock_retention_policies

        lock_retention_policies(shared=True)  # no policy is disabled while we look
        gaps = retention_gaps(
            notice.purposes.all(), notice.applications.all(), notice.data_kinds.all()
        )
        if gaps:
            raise ValidationError({"retention": gaps})
        now = timezone.now()
        if notice.effective_at < now:
            notice.effective_at = now
        notice.content_hash = notice_content_hash(notice)
        notice.status = Notice.Status.PUBLISHED
        notice.published_at = now
        notice.published_by = actor
        lapse_now = notice.material_change and notice.effective_at <= now
        if lapse_now:
            notice.lapse_started_at = now
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
        if lapse_now:
            # The row above is the durable record; beat re-drives it if this is lost.
            transaction.on_commit(lambda: _schedule_lapse(notice.pk))
    if lapse_now:
        notice_apply_material_change(notice=notice, actor=actor, max_batches=1)
    return notice


def _schedule_lapse(notice_id: int) -> None:
    from governance.tasks.notices import notice_lapse_consents

    notice_lapse_consents.delay(notice_id)


def notices_lapse_due() -> list[int]:
    """Material notices in effect whose older consents are not all lapsed yet."""
    return list(
        Notice.objects.filter(
            status=Notice.Status.PUBLISHED,
            material_change=True,
            lapse_applied_at__isnull=True,
            effective_at__lte=timezone.now(),
        )
        .order_by("version")
        .values_list("pk", flat=True)
    )


def notice_apply_material_change(
    *,
    notice: Notice,
    actor=None,
    batch_size: int | None = None,
    max_batches: int | None = None,
) -> int:
    """Lapse older consents in batches once a material notice is in effect; how many.

    Safe to run twice, even at once: each batch locks the notice row first, so two
    runs take turns, and each batch only takes grants that are still stale. After
    `max_batches` it returns with the rest owed (a task or beat carries on); when a
    batch finds fewer than it could take, it tries to finish.
    """
    batch_size = batch_size or LAPSE_BATCH_SIZE
    lapsed = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            notice = _lapse_claim(notice)
            if notice is None:
                return lapsed
            done = consents_lapse_batch(notice=notice, actor=actor, batch_size=batch_size)
        lapsed += done
        batches += 1
        if done < batch_size and _lapse_finish(notice=notice, actor=actor):
            return lapsed
    return lapsed


def _lapse_claim(notice: Notice) -> Notice | None:
    """The notice row locked for one batch, or None if there is no lapse to apply."""
    notice = Notice.objects.select_for_update(no_key=True).get(pk=notice.pk)
    if (
        not notice.material_change
        or not notice.is_published
        or notice.lapse_applied_at is not None
        or notice.effective_at > timezone.now()
    ):
        return None
    if notice.lapse_started_at is None:
        notice.lapse_started_at = timezone.now()
        notice.save(update_fields=["lapse_started_at"])
    return notice


def _lapse_finish(*, notice: Notice, actor) -> bool:
    """Record the lapse as applied if no stale grant is left; False if one is.

    Exclusive with grants (as publishing is), so a grant that read the old notice
    just before it took effect has committed, and is seen here, or is lapsed later.
    """
    with transaction.atomic(), audits_last():
        lock_notices()
        notice = Notice.objects.select_for_update(no_key=True).get(pk=notice.pk)
        if notice.lapse_applied_at is not None:
            return True
        if ConsentState.objects.filter(
            notice_lapse_filter(notice),
            state=ConsentState.State.GRANTED,
            notice__version__lt=notice.version,
        ).exists():
            return False
        notice.lapse_applied_at = timezone.now()
        notice.save(update_fields=["lapse_applied_at"])
        lapsed = ConsentEvent.objects.filter(notice=notice, action=ConsentAction.LAPSED).count()
        audit_record(
            actor=actor,
            action="notice.consents_lapsed",
            target=notice,
            details={"version": notice.version, "lapsed": lapsed},
        )
        return True
