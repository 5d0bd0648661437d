"""Input parsing shared by every endpoint: strict JSON types and no unknown keys.

DRF quietly coerces `1` to `"1"` or `"yes"` to True and ignores keys it does
not know. For a consent API that is the wrong default: a typo such as
`"aplication"` must be a 400, never a silent no-op or a different scope.
"""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from governance.api.schema import NamedEnumField
from governance.models.catalogue import multi_line_text, single_line_text
from governance.stores import REGISTRY

NUL_MESSAGE = _("Null characters are not allowed.")


class StrictFieldsMixin:
    """Reject keys the endpoint does not take, reported with the other field errors."""

    unknown_field_message = _("Unknown field.")

    def to_internal_value(self, data):
        refused = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            refused = {name: [str(self.unknown_field_message)] for name in set(data) - writable}
            # Python's fromisoformat reads "2026-11-30T00:00:00\x00Z" as a valid time:
            # a NUL is refused here as it is in every text field.
            refused.update(
                (name, [str(NUL_MESSAGE)])
                for name, field in self.fields.items()
                if isinstance(field, serializers.DateTimeField | serializers.DateField)
                and isinstance(data.get(name), str)
                and "\x00" in data[name]
            )
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if refused and isinstance(exc.detail, Mapping):
                raise serializers.ValidationError({**exc.detail, **refused}) from exc
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value


class StrictCharField(serializers.CharField):
    """A JSON string, nothing else: numbers and booleans are a type error, not text.

    Free text (a reason, a notice body) may have tabs and line breaks but no other
    control characters; the schema states it as a `pattern`.
    """

    default_error_messages = {"invalid": _("Must be a string.")}
    text_validator = multi_line_text

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(self.text_validator)  # also states the `pattern` in the schema

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        # Before trimming, which would quietly drop a leading tab or a trailing U+0085.
        if data and not self.text_validator.regex.search(data):
            raise serializers.ValidationError(self.text_validator.message, code="invalid")
        return super().to_internal_value(data)


class PlainTextField(StrictCharField):
    """A name, title or label: one line, no control characters at all."""

    text_validator = single_line_text


class StrictSlugField(serializers.SlugField):
    default_error_messages = {"invalid_type": _("Must be a string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_type")
        return super().to_internal_value(data)


SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")


class StrictSlugRelatedField(serializers.SlugRelatedField):
    """A row named by its slug. Anything that cannot be a slug is refused before the query
    (a NUL in it would otherwise reach PostgreSQL, which cannot compare it)."""

    default_error_messages = {
        "invalid_type": _("Must be a string."),
        "not_a_slug": _("Not a slug: letters, digits, hyphens and underscores only."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_type")
        if not SLUG.match(data):
            self.fail("not_a_slug")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only; "yes", 1 and "0" are type errors."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: "30", 30.0 and true are type errors."""

    default_error_messages = {"invalid": _("Must be a whole number.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StoreNameField(NamedEnumField):
    """The name of a registered store (governance.stores.REGISTRY)."""

    enum_name = "StoreEnum"

    def __init__(self, **kwargs):
        super().__init__(choices=sorted(REGISTRY), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """ModelSerializer whose booleans and strings take only their own JSON type."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: StrictBooleanField,
        models.CharField: PlainTextField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
    }


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    pass


_DATETIME = serializers.DateTimeField()
_ZERO = timedelta(0)


def drf_datetime(value: datetime | None) -> str | None:
    """A datetime as DRF's DateTimeField writes it (for serializers that build their
    JSON directly, for speed). A UTC time with the portal on UTC is written directly:
    DRF's own path (a zone conversion per value) was a fifth of a page of erasure
    jobs; any other goes through one shared field."""
    if value is None:
        return None
    if settings.TIME_ZONE == "UTC" and value.utcoffset() == _ZERO:
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return _DATETIME.to_representation(value)
