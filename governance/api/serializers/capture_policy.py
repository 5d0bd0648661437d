"""A capture device's policy (selectors.capture_policy) as JSON, and its query string."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from governance.selectors.capture_policy import MAX_EMPLOYEES, MAX_REFERENCE

EMPLOYEES_HELP = (
    f"Up to {MAX_EMPLOYEES} people, comma-separated (or the parameter repeated), each as the "
    "device names them in its batches: work email or employee number. Without it, only the "
    "catalogue part is answered. Anyone who may not be recorded, whether or not they exist, "
    "gets an entry with no purposes."
)


def employees_parse(values: list[str]) -> list[str]:
    """`?employees=a,b&employees=c` → ["a", "b", "c"], each once, in the order given."""
    refs: list[str] = []
    for value in values:
        for item in value.split(","):
            ref = item.strip()
            if not ref:
                raise serializers.ValidationError({"employees": [_("An entry is empty.")]})
            if len(ref) > MAX_REFERENCE:
                raise serializers.ValidationError(
                    {
                        "employees": [
                            _("An entry is longer than %(limit)s characters.")
                            % {"limit": MAX_REFERENCE}
                        ]
                    }
                )
            if ref not in refs:
                refs.append(ref)
    if len(refs) > MAX_EMPLOYEES:
        raise serializers.ValidationError(
            {"employees": [_("At most %(limit)s people per request.") % {"limit": MAX_EMPLOYEES}]}
        )
    return refs


class PolicyApplicationSerializer(serializers.Serializer):
    application = serializers.CharField(help_text="Catalogue slug.")
    identifiers = serializers.ListField(
        child=serializers.CharField(), help_text="Executables or bundle ids that are this app."
    )


class PolicyDataKindSerializer(serializers.Serializer):
    data_kind = serializers.CharField()
    event_types = serializers.ListField(
        child=serializers.CharField(), help_text="Event types recorded as this kind."
    )


class PolicyGrantSerializer(serializers.Serializer):
    application = serializers.CharField()
    data_kinds = serializers.ListField(child=serializers.CharField())


class PolicyPurposeSerializer(serializers.Serializer):
    purpose = serializers.CharField(help_text="Send batches with this purpose slug.")
    applications = PolicyGrantSerializer(many=True)


class PolicyEmployeeSerializer(serializers.Serializer):
    employee = serializers.CharField(help_text="As the device wrote it in `employees`.")
    purposes = PolicyPurposeSerializer(
        many=True,
        help_text="What may be captured of this person, per purpose. Empty: capture nothing.",
    )


class CapturePolicySerializer(serializers.Serializer):
    version = serializers.CharField(
        help_text="A hash over the rest of this body; also the ETag. Changes with any grant, "
        "withdrawal, restriction or catalogue change that concerns the answer."
    )
    poll_seconds = serializers.IntegerField(
        help_text="Ask again after this many seconds (with If-None-Match)."
    )
    timing_resolution_ms = serializers.IntegerField(
        help_text="Key event times are stored floored to this many milliseconds (0: as sent)."
    )
    applications = PolicyApplicationSerializer(
        many=True, help_text="Applications that may be captured at all (enabled, not excluded)."
    )
    data_kinds = PolicyDataKindSerializer(many=True, help_text="Enabled data kinds.")
    excluded_applications = PolicyApplicationSerializer(
        many=True, help_text="Never capture these, for anyone."
    )
    excluded_window_patterns = serializers.ListField(
        child=serializers.CharField(),
        help_text="Regular expressions: never capture a window whose title matches one.",
    )
    employees = PolicyEmployeeSerializer(many=True)
