"""Catalogue rows as the API shows and takes them; writes go through services.catalogue."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from governance.api.serializers.base import (
    PlainTextField,
    StrictModelSerializer,
    StrictSlugRelatedField,
)
from governance.models import Application, DataKind, Purpose, SafeguardRule

READ_ONLY = ["id", "created_at", "updated_at"]


class SlugFixedMixin:
    """A slug is set once, at creation.

    Slugs name scopes in the consent API, in receipts, in audit details and in
    the content hash of published notices; renaming one would make that
    evidence point at nothing. Rename with `name`, which is only a label.
    """

    def validate_slug(self, value: str) -> str:
        if self.instance is not None and value != self.instance.slug:
            raise serializers.ValidationError(_("A slug cannot change once created."))
        return value


class ApplicationSerializer(SlugFixedMixin, StrictModelSerializer):
    identifiers = serializers.ListField(
        child=PlainTextField(max_length=200),
        required=False,
        help_text="Executable names or bundle ids the capture client matches.",
    )

    class Meta:
        model = Application
        fields = ["id", "slug", "name", "identifiers", "description", "enabled", *READ_ONLY[1:]]
        read_only_fields = READ_ONLY


class DataKindSerializer(SlugFixedMixin, StrictModelSerializer):
    class Meta:
        model = DataKind
        fields = ["id", "slug", "name", "description", "pii_category", "enabled", *READ_ONLY[1:]]
        read_only_fields = READ_ONLY


class PurposeSerializer(SlugFixedMixin, StrictModelSerializer):
    consentable = serializers.BooleanField(
        read_only=True, help_text="Enabled and permitted: people can consent to it."
    )

    class Meta:
        model = Purpose
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "use",
            "category",
            "third_party_disclosure",
            "termination",
            "enabled",
            "consentable",
            *READ_ONLY[1:],
        ]
        read_only_fields = READ_ONLY


KIND_FIXED = gettext_lazy(
    "A rule's kind is set when it is created and cannot change: a rule of another kind "
    "is a new rule, with its own history."
)


class SafeguardSerializer(StrictModelSerializer):
    application = StrictSlugRelatedField(
        slug_field="slug",
        queryset=Application.objects.all(),
        allow_null=True,
        required=False,
        help_text="Application slug; required for excluded_application rules.",
    )

    class Meta:
        model = SafeguardRule
        fields = [
            "id",
            "kind",
            "name",
            "application",
            "pattern",
            "detector",
            "resolution_ms",
            "enabled",
            *READ_ONLY[1:],
        ]
        read_only_fields = READ_ONLY
        extra_kwargs = {"kind": {"help_text": KIND_FIXED}}
        # DRF would word the partial unique constraint as "must make a unique set".
        validators = []

    def validate_kind(self, value: str) -> str:
        if self.instance is not None and value != self.instance.kind:
            raise serializers.ValidationError(str(KIND_FIXED))
        return value

    def validate(self, attrs):
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        detector = attrs.get("detector", getattr(self.instance, "detector", ""))
        if kind == SafeguardRule.Kind.REDACTION_DETECTOR and detector:
            others = SafeguardRule.objects.filter(kind=kind, detector=detector)
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise serializers.ValidationError(
                    {"detector": [_("There is already a rule for this detector; edit that one.")]}
                )
        return attrs
