"""Officer edits of what may be recorded: applications, data kinds, purposes, safeguards.

Each write validates the whole row, saves it and audits the changed fields in
one transaction. Nothing is deleted: disabling keeps the history meaningful.
"""

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from governance.models import Application, DataKind, Purpose, SafeguardRule
from governance.models.catalogue import KEY_TIMING_FLOOR_MS, multi_line_text, single_line_text
from governance.services.audit import audit_record

EDITABLE = {
    Application: {"slug", "name", "identifiers", "description", "enabled"},
    DataKind: {"slug", "name", "description", "pii_category", "enabled"},
    Purpose: {
        "slug",
        "name",
        "description",
        "use",
        "category",
        "third_party_disclosure",
        "termination",
        "enabled",
    },
    SafeguardRule: {
        "kind",
        "name",
        "application",
        "pattern",
        "detector",
        "resolution_ms",
        "enabled",
    },
}


def _action(instance: models.Model, verb: str) -> str:
    return f"catalogue.{instance._meta.model_name}.{verb}"


def _check_fields(model: type[models.Model], fields: dict) -> None:
    unknown = sorted(set(fields) - EDITABLE[model])
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def _validate_safeguard(rule: SafeguardRule) -> None:
    Kind = SafeguardRule.Kind
    errors = {}
    if rule.kind == Kind.EXCLUDED_APPLICATION and rule.application_id is None:
        errors["application"] = [_("Choose the application to exclude.")]
    if rule.kind == Kind.WINDOW_TITLE_PATTERN:
        import re

        try:
            re.compile(rule.pattern or "")
        except re.error as exc:
            errors["pattern"] = [_("Not a valid regular expression: %(error)s.") % {"error": exc}]
        if not rule.pattern:
            errors["pattern"] = [_("A pattern is required.")]
    if rule.kind == Kind.REDACTION_DETECTOR and not rule.detector:
        errors["detector"] = [_("Choose a detector.")]
    if rule.kind == Kind.KEYSTROKE_TIMING and not rule.resolution_ms:
        errors["resolution_ms"] = [_("Give the resolution in milliseconds.")]
    elif rule.resolution_ms is not None and rule.resolution_ms < KEY_TIMING_FLOOR_MS:
        errors["resolution_ms"] = [
            _("Key timings are never stored finer than %(floor)s ms; give %(floor)s or more.")
            % {"floor": KEY_TIMING_FLOOR_MS}
        ]
    if errors:
        raise ValidationError(errors)


def _refuse_control_characters(instance: models.Model) -> None:
    """Names and labels are one line of visible text; descriptions may break lines."""
    errors = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(field, models.TextField):
            checks = [(multi_line_text, value)]
        elif isinstance(field, models.CharField):
            checks = [(single_line_text, value)]
        elif isinstance(field, ArrayField) and isinstance(field.base_field, models.CharField):
            checks = [(single_line_text, item) for item in value or []]
        else:
            continue
        for validator, text in checks:
            try:
                if text:
                    validator(text)
            except ValidationError as exc:
                errors[field.name] = exc.messages
    if errors:
        raise ValidationError(errors)


def _save(instance: models.Model, *, actor, verb: str, changed: list[str]) -> models.Model:
    instance.full_clean()
    _refuse_control_characters(instance)
    if isinstance(instance, SafeguardRule):
        _validate_safeguard(instance)
    with transaction.atomic():
        instance.save()
        audit_record(
            actor=actor,
            action=_action(instance, verb),
            target=instance,
            details={"fields": {name: _plain(getattr(instance, name)) for name in sorted(changed)}},
        )
    return instance


def _plain(value):
    return value.pk if isinstance(value, models.Model) else value


def _refuse_meaning_change(instance: models.Model, changed: dict) -> None:
    """Slugs name scopes in receipts, audit details and notice hashes, so they never change;
    a safeguard rule's kind is what it is (an exclusion does not become a timing rule);
    a purpose people consented to cannot become a prohibited use under their consent."""
    from governance.models import ConsentEvent

    if "slug" in changed:
        raise ValidationError({"slug": [_("A slug cannot change once created.")]})
    if isinstance(instance, SafeguardRule) and "kind" in changed:
        raise ValidationError(
            {"kind": [_("A rule's kind cannot change once created; create a new rule.")]}
        )
    if (
        isinstance(instance, Purpose)
        and "use" in changed
        and changed["use"] == Purpose.Use.PROHIBITED
        and ConsentEvent.objects.filter(purpose=instance).exists()
    ):
        raise ValidationError(
            {"use": [_("People have consented to this purpose; create a new one instead.")]}
        )


def catalogue_create(model: type[models.Model], *, actor, **fields) -> models.Model:
    _check_fields(model, fields)
    return _save(model(**fields), actor=actor, verb="created", changed=list(fields))


def catalogue_update(instance: models.Model, *, actor, **fields) -> models.Model:
    _check_fields(type(instance), fields)
    with transaction.atomic():
        instance = type(instance).objects.select_for_update(no_key=True).get(pk=instance.pk)
        changed = [name for name, value in fields.items() if getattr(instance, name) != value]
        if not changed:
            return instance
        _refuse_meaning_change(instance, {name: fields[name] for name in changed})
        for name, value in fields.items():
            setattr(instance, name, value)
        verb = "updated"
        if changed == ["enabled"]:
            verb = "enabled" if fields["enabled"] else "disabled"
        return _save(instance, actor=actor, verb=verb, changed=changed)


def catalogue_disable(instance: models.Model, *, actor) -> models.Model:
    return catalogue_update(instance, actor=actor, enabled=False)
