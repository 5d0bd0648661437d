"""Retention policies, the dry run and the evidence of enforcement runs (officers)."""

from rest_framework import serializers

from governance.api.serializers.base import (
    PlainTextField,
    StoreNameField,
    StrictBooleanField,
    StrictIntegerField,
    StrictSerializer,
    StrictSlugRelatedField,
)
from governance.models import Application, DataKind, Purpose


class RetentionPolicySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    store = serializers.CharField()
    keep_days = serializers.IntegerField()
    legal_minimum = serializers.BooleanField(
        help_text="A floor: the longest legal minimum covering data overrides shorter keeps."
    )
    purposes = serializers.SerializerMethodField(help_text="Empty: every purpose.")
    applications = serializers.SerializerMethodField(help_text="Empty: every application.")
    data_kinds = serializers.SerializerMethodField(help_text="Empty: every data kind.")
    enabled = serializers.BooleanField()
    created_by = serializers.CharField(
        source="created_by.get_username", allow_null=True, default=None
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_purposes(self, policy) -> list[str]:
        return sorted(purpose.slug for purpose in policy.purposes.all())

    def get_applications(self, policy) -> list[str]:
        return sorted(app.slug for app in policy.applications.all())

    def get_data_kinds(self, policy) -> list[str]:
        return sorted(kind.slug for kind in policy.data_kinds.all())


class RetentionPolicyWriteSerializer(StrictSerializer):
    """Create (name, store and keep_days required) or change (any of them) a policy."""

    name = PlainTextField(max_length=120)
    store = StoreNameField()
    keep_days = StrictIntegerField(min_value=1, help_text="Keep data this many days.")
    legal_minimum = StrictBooleanField(
        required=False,
        help_text="A law requires keeping the data this long (default false): a floor, "
        "where otherwise the shortest keep covering data wins.",
    )
    purposes = StrictSlugRelatedField(
        slug_field="slug",
        many=True,
        required=False,
        queryset=Purpose.objects.filter(use=Purpose.Use.PERMITTED),
        help_text="Purpose slugs; empty or absent: every purpose.",
    )
    applications = StrictSlugRelatedField(
        slug_field="slug",
        many=True,
        required=False,
        queryset=Application.objects.all(),
        help_text="Application slugs; empty or absent: every application.",
    )
    data_kinds = StrictSlugRelatedField(
        slug_field="slug",
        many=True,
        required=False,
        queryset=DataKind.objects.all(),
        help_text="Data kind slugs; empty or absent: every data kind.",
    )
    enabled = StrictBooleanField(required=False)


class PolicyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    keep_days = serializers.IntegerField()


class RetentionPreviewSerializer(serializers.Serializer):
    """What one enabled policy would delete from one store if enforced now: the rows it
    decides (the shortest keep covering them, or the longest legal minimum if longer)."""

    policy = RetentionPolicySerializer(help_text="The policy deciding these rows, with its scope.")
    store = serializers.CharField()
    cutoff = serializers.DateTimeField(help_text="Rows older than this are past the keep.")
    rows = serializers.IntegerField(help_text="Rows it would delete now.")
    rows_held = serializers.IntegerField(
        help_text="Rows it would delete but a legal hold (or a restriction preserving data for "
        "a legal claim) keeps."
    )


class RetentionRunSerializer(serializers.Serializer):
    """Evidence of one enforcement of one policy on one store."""

    id = serializers.IntegerField()
    policy = PolicyRefSerializer(allow_null=True)
    store = serializers.CharField()
    cutoff = serializers.DateTimeField()
    dry_run = serializers.BooleanField()
    rows_removed = serializers.IntegerField()
    rows_held = serializers.IntegerField(help_text="Rows past the cut-off kept under a hold.")
    partitions_dropped = serializers.ListField(child=serializers.CharField())
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
