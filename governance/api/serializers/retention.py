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
from governance.models import Application, DataKind


class RetentionPolicySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    store = serializers.CharField()
    keep_days = serializers.IntegerField()
    applications = serializers.SerializerMethodField(help_text="Empty: every application.")
    data_kinds = serializers.SerializerMethodField(help_text="Empty: every data kind.")
    enabled = serializers.BooleanField()
    created_by = serializers.CharField(
        source="created_by.get_username", allow_null=True, default=None
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_applications(self, policy) -> list[str]:
        return sorted(app.slug for app in policy.applications.all())

    def get_data_kinds(self, policy) -> list[str]:
        return sorted(kind.slug for kind in policy.data_kinds.all())


class RetentionPolicyWriteSerializer(StrictSerializer):
    """Create (name, store and keep_days required) or change (any of them) a policy."""

    name = PlainTextField(max_length=120)
    store = StoreNameField()
    keep_days = StrictIntegerField(min_value=1, help_text="Keep data this many days.")
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
    """What one enabled policy would delete from one store if enforced now."""

    policy = PolicyRefSerializer()
    store = serializers.CharField()
    cutoff = serializers.DateTimeField(help_text="Rows older than this are past the keep.")
    rows = serializers.IntegerField(help_text="Rows it would delete now.")
    rows_held = serializers.IntegerField(help_text="Rows it would delete but a legal hold keeps.")


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
