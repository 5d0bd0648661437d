from rest_framework import serializers

from governance.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    """A full audit log entry, for officers and legal."""

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "occurred_at",
            "actor_type",
            "actor_id",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "subject",
            "purpose",
            "details",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


# What a person sees of the details of an entry about them. Anything else --
# notably the free-text reason an officer gave for looking -- stays with
# officers and legal: it can name other people or a confidential matter.
ACCESS_LOG_DETAILS = ("what", "scope", "receipt_id", "state_version", "notice_version", "method")


class AccessLogEntrySerializer(serializers.ModelSerializer):
    """One entry of "who accessed my data", as the person it is about sees it."""

    details = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["seq", "occurred_at", "actor_type", "actor_label", "action", "purpose", "details"]
        read_only_fields = fields

    def get_details(self, event) -> dict:
        return {key: event.details[key] for key in ACCESS_LOG_DETAILS if key in event.details}


class ChainVerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    count = serializers.IntegerField(help_text="Links verified before stopping.")
    first_bad_seq = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    head_seq = serializers.IntegerField(allow_null=True)
    head_hash = serializers.CharField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
