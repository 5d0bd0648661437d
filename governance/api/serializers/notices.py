from rest_framework import serializers

from governance.api.serializers.base import (
    PlainTextField,
    StrictBooleanField,
    StrictCharField,
    StrictSerializer,
    StrictSlugRelatedField,
)
from governance.models import Application, DataKind, Notice, Purpose


class NoticeSerializer(serializers.ModelSerializer):
    purposes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    applications = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    data_kinds = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    lapse_purposes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    lapse_applications = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    lapse_data_kinds = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "version",
            "status",
            "title",
            "body",
            "language",
            "purposes",
            "applications",
            "data_kinds",
            "material_change",
            "lapse_purposes",
            "lapse_applications",
            "lapse_data_kinds",
            "effective_at",
            "content_hash",
            "created_at",
            "published_at",
            "lapse_applied_at",
        ]
        read_only_fields = fields


def _slugs(model, help_text: str, *, required: bool = True):
    return StrictSlugRelatedField(
        slug_field="slug",
        many=True,
        queryset=model.objects.all(),
        help_text=help_text,
        required=required,
    )


LAPSE_HELP = (
    "With material_change: a material change lapses only the grants whose purpose, "
    "application and data kind are each in its lapse lists; an empty list (the default) "
    "means every one. Each must be among the notice's own {}."
)


class NoticeWriteSerializer(StrictSerializer):
    """A draft notice. Purposes, applications and data kinds are lists of slugs."""

    title = PlainTextField(max_length=200)
    body = StrictCharField()
    language = PlainTextField(max_length=16, required=False)
    purposes = _slugs(Purpose, "Purpose slugs; prohibited purposes are refused.")
    applications = _slugs(Application, "Application slugs.")
    data_kinds = _slugs(DataKind, "Data kind slugs.")
    material_change = StrictBooleanField(
        required=False,
        help_text="Publishing lapses consents given under older versions, in the lapse "
        "scope. Required when the notice adds purposes, applications or data kinds to "
        "the latest published version.",
    )
    lapse_purposes = _slugs(Purpose, LAPSE_HELP.format("purposes"), required=False)
    lapse_applications = _slugs(Application, LAPSE_HELP.format("applications"), required=False)
    lapse_data_kinds = _slugs(DataKind, LAPSE_HELP.format("data kinds"), required=False)
    effective_at = serializers.DateTimeField(
        required=False, help_text="Defaults to now; a past time becomes the publication time."
    )
