"""The works council's summary as JSON: a CouncilSummary from selectors.council.

Every count of people, erasures or requests is null below `min_group_size`;
a rate is null when its group is suppressed.
"""

from rest_framework import serializers

SUPPRESSED = "null when fewer than min_group_size."


class CouncilOptInRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="The application's or data kind's slug, or the department."
    )
    label = serializers.CharField()
    people = serializers.IntegerField(allow_null=True, help_text="People offered; " + SUPPRESSED)
    granted = serializers.IntegerField(
        allow_null=True, help_text="People who hold at least one grant; null when suppressed."
    )
    rate = serializers.IntegerField(allow_null=True, help_text="Percent; null when suppressed.")
    suppressed = serializers.BooleanField()


class CouncilVolumeMonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The month's first day.")
    events = serializers.IntegerField(
        allow_null=True, help_text="Events stored (estimated); null when suppressed."
    )
    by_application = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Per application slug; null when fewer than min_group_size people granted it.",
    )
    by_data_kind = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Per data kind slug; null when fewer than min_group_size people granted it.",
    )


class CouncilErasureMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    verified = serializers.IntegerField(
        allow_null=True, help_text="Erasure jobs verified; " + SUPPRESSED
    )


class CouncilRequestMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    completed = serializers.IntegerField(allow_null=True, help_text="Completed; " + SUPPRESSED)
    on_time = serializers.IntegerField(
        allow_null=True, help_text="Completed on or before the deadline; " + SUPPRESSED
    )
    on_time_rate = serializers.IntegerField(allow_null=True, help_text="Percent.")


class CouncilPolicySerializer(serializers.Serializer):
    name = serializers.CharField()
    store = serializers.CharField()
    keep_days = serializers.IntegerField()
    applications = serializers.ListField(
        child=serializers.CharField(), help_text="Empty: every application."
    )
    data_kinds = serializers.ListField(
        child=serializers.CharField(), help_text="Empty: every data kind."
    )


class CouncilSafeguardSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    name = serializers.CharField()
    application = serializers.CharField(allow_null=True)
    detector = serializers.CharField(allow_null=True)


class CouncilSummarySerializer(serializers.Serializer):
    min_group_size = serializers.IntegerField()
    counted_at = serializers.DateTimeField(
        help_text="When the opt-in counts were taken (at most CONSENT_AGGREGATES_MAX_AGE "
        "seconds ago)."
    )
    people = serializers.IntegerField(allow_null=True, help_text="Employees; " + SUPPRESSED)
    holders = serializers.IntegerField(
        allow_null=True, help_text="Employees holding any grant; " + SUPPRESSED
    )
    by_application = CouncilOptInRowSerializer(many=True)
    by_data_kind = CouncilOptInRowSerializer(many=True)
    by_department = CouncilOptInRowSerializer(many=True)
    volumes = CouncilVolumeMonthSerializer(many=True)
    erasures = CouncilErasureMonthSerializer(many=True)
    requests = CouncilRequestMonthSerializer(many=True)
    retention_policies = CouncilPolicySerializer(many=True)
    safeguards = CouncilSafeguardSerializer(many=True)
