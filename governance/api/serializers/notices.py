from django.conf import settings
from rest_framework import serializers

from governance.api.schema import NamedEnumField
from governance.api.serializers.base import (
    PlainTextField,
    StrictBooleanField,
    StrictCharField,
    StrictSerializer,
    StrictSlugRelatedField,
)
from governance.models import Application, DataKind, Notice, NoticeText, Purpose
from governance.models.catalogue import KEY_TIMING_FLOOR_MS
from governance.models.notices import LawfulBasis


class LanguageField(NamedEnumField):
    """One of the portal's languages (settings.LANGUAGES); any other is a 400."""

    enum_name = "LanguageEnum"

    def __init__(self, **kwargs):
        super().__init__(choices=list(dict(settings.LANGUAGES)), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class NoticeTextSerializer(serializers.ModelSerializer):
    """One text of a version: what a person reading it in `language` is shown."""

    class Meta:
        model = NoticeText
        fields = ["language", "title", "body", *NoticeText.PROSE_FIELDS, "content_hash"]
        read_only_fields = fields


TEXT_PROSE_HELP = (
    "This language's wording of the statement's {}: required to publish for every text "
    "but the version's own, whose wording is the version's statement (set it there)."
)


class NoticeTextWriteSerializer(StrictSerializer):
    """A draft's text in the language the path names."""

    title = PlainTextField(max_length=200)
    body = StrictCharField()
    withdrawal_right = StrictCharField(
        required=False, allow_blank=True, help_text=TEXT_PROSE_HELP.format("right to withdraw")
    )
    access_right = StrictCharField(
        required=False, allow_blank=True, help_text=TEXT_PROSE_HELP.format("right of access")
    )
    safeguards = StrictCharField(
        required=False, allow_blank=True, help_text=TEXT_PROSE_HELP.format("safeguards")
    )


class NoticeSerializer(serializers.ModelSerializer):
    purposes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    applications = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    data_kinds = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    lapse_purposes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    lapse_applications = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    lapse_data_kinds = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    texts = NoticeTextSerializer(
        many=True,
        read_only=True,
        help_text="One text per language; `title`, `body` and `language` above are the "
        "version's own text, one of these.",
    )

    class Meta:
        model = Notice
        fields = [
            "id",
            "version",
            "status",
            "title",
            "body",
            "language",
            "texts",
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
            *Notice.STATEMENT_FIELDS,
            "key_timing_floor_ms",
        ]
        read_only_fields = fields

    key_timing_floor_ms = serializers.SerializerMethodField(
        help_text="Key event times are stored no finer than this, whatever the catalogue says."
    )

    def get_key_timing_floor_ms(self, notice) -> int:
        return KEY_TIMING_FLOOR_MS


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


class NoticePublishSerializer(StrictSerializer):
    """Optional body of publish: the material-change choice, as on the publish page. The
    lapse scope is the draft's (set it with PATCH); anything else is a 400, so no
    instruction is silently dropped on the way to a publication that cannot be undone."""

    material_change = StrictBooleanField(
        required=False,
        help_text="Publish as a material change (true) or not (false); absent: as drafted.",
    )


class NoticeWriteSerializer(StrictSerializer):
    """A draft notice. Purposes, applications and data kinds are lists of slugs."""

    title = PlainTextField(max_length=200)
    body = StrictCharField()
    language = LanguageField(
        required=False,
        help_text="The language of the version's own text (title, body); other languages "
        "are added under texts/{language}.",
    )
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
    lawful_bases = serializers.DictField(
        child=serializers.ChoiceField(choices=LawfulBasis.choices),
        required=False,
        help_text="Purpose slug → lawful basis, for the notice's purposes; interaction "
        "capture accepts consent only. Defaults to consent for every purpose.",
    )
    controller_name = PlainTextField(max_length=200, required=False, allow_blank=True)
    controller_contact = PlainTextField(max_length=300, required=False, allow_blank=True)
    dpo_contact = PlainTextField(
        max_length=300, required=False, allow_blank=True, help_text="Data protection officer."
    )
    recipients = serializers.ListField(
        child=PlainTextField(max_length=300),
        required=False,
        help_text="Categories of recipients of the data, one per item.",
    )
    withdrawal_right = StrictCharField(required=False, allow_blank=True)
    access_right = StrictCharField(required=False, allow_blank=True)
    authority_name = PlainTextField(
        max_length=200, required=False, allow_blank=True, help_text="Supervisory authority."
    )
    authority_contact = PlainTextField(max_length=300, required=False, allow_blank=True)
    safeguards = StrictCharField(required=False, allow_blank=True)
