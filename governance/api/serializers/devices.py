from rest_framework import serializers

from governance.api.serializers.base import PlainTextField, StrictSerializer
from governance.models import CaptureDevice


class DeviceSerializer(serializers.ModelSerializer):
    # null when nobody signed in did it (a device made by a command) or it is not revoked.
    created_by = serializers.CharField(
        source="created_by.get_username", default=None, allow_null=True
    )
    revoked_by = serializers.CharField(
        source="revoked_by.get_username", default=None, allow_null=True
    )
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = CaptureDevice
        fields = [
            "id",
            "name",
            "token_prefix",
            "active",
            "created_at",
            "created_by",
            "revoked_at",
            "revoked_by",
            "last_seen_at",
        ]
        read_only_fields = fields


class DeviceCreateSerializer(StrictSerializer):
    name = PlainTextField(max_length=120)


class DeviceCreatedSerializer(DeviceSerializer):
    token = serializers.CharField(
        help_text="The bearer token. Shown in this response only; store it now."
    )

    class Meta(DeviceSerializer.Meta):
        fields = [*DeviceSerializer.Meta.fields, "token"]
        read_only_fields = fields
