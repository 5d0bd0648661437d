"""What officers and legal see about people: pseudonyms, suppressed aggregates, audited reads."""

from rest_framework import serializers

from governance.api.serializers.base import (
    StrictBooleanField,
    StrictCharField,
    StrictSerializer,
    StrictSlugRelatedField,
)
from governance.api.serializers.consent import (
    ConsentEventSerializer,
    ScopeStateSerializer,
)
from governance.models import Purpose


class DisclosureReasonSerializer(StrictSerializer):
    reason = StrictCharField(
        max_length=500,
        help_text="Why you need this person's consent; recorded in the audit log, and the "
        'person sees it under "Who accessed my data": name nobody else in it.',
    )


class DisclosedEmployeeSerializer(serializers.Serializer):
    employee_number = serializers.CharField()
    subject_id = serializers.CharField()
    display_name = serializers.CharField()


class ConsentDisclosureSerializer(serializers.Serializer):
    employee = DisclosedEmployeeSerializer()
    scopes = ScopeStateSerializer(many=True)
    history = ConsentEventSerializer(many=True, help_text="The newest 500 changes.")


class AggregateQuerySerializer(serializers.Serializer):
    """Query string; other parameters (such as DRF's `format`) are not an error here."""

    group_by = serializers.ChoiceField(choices=["department", "country"], default="department")
    purpose = StrictSlugRelatedField(
        slug_field="slug",
        queryset=Purpose.objects.all(),
        required=False,
        help_text="Count only grants for this purpose (slug).",
    )


class AggregateRowSerializer(serializers.Serializer):
    group = serializers.CharField()
    people = serializers.IntegerField()
    granted = serializers.IntegerField(allow_null=True, help_text="null when suppressed.")
    suppressed = serializers.BooleanField()


class ConsentAggregatesSerializer(serializers.Serializer):
    group_by = serializers.CharField()
    purpose = serializers.CharField(allow_null=True)
    min_group_size = serializers.IntegerField()
    counted_at = serializers.DateTimeField(help_text="When these counts were taken.")
    rows = AggregateRowSerializer(many=True)


class LeavingSerializer(StrictSerializer):
    left_at = serializers.DateTimeField(
        help_text="When they left (not in the future). Their interaction data is erased at "
        "once and their capture restricted; the same time again changes nothing."
    )


class LeavingStateSerializer(serializers.Serializer):
    employee_number = serializers.CharField()
    left_at = serializers.DateTimeField()
    restricted = serializers.BooleanField()
    erasure_job = serializers.IntegerField(
        allow_null=True, help_text="The erasure job their leaving started."
    )
    evidence_pseudonymised_at = serializers.DateTimeField(allow_null=True)


class RestrictionSerializer(StrictSerializer):
    restricted = StrictBooleanField()
    reason = StrictCharField(max_length=500)
    preserve_for_legal_claim = StrictBooleanField(
        required=False,
        help_text="The ground of Art. 18(1)(c): the person needs the data for a legal claim. "
        "Retention then deletes none of it until the restriction is lifted. Absent: a "
        "restriction in place keeps its ground; a new one has not this ground.",
    )


class RestrictionStateSerializer(serializers.Serializer):
    employee_number = serializers.CharField()
    restricted = serializers.BooleanField()
    restricted_since = serializers.DateTimeField(allow_null=True)
    preserve_for_legal_claim = serializers.BooleanField()
