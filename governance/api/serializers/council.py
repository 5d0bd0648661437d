"""The works council's summary as JSON: a CouncilSummary from selectors.council.

Every count of people, erasures or requests is null below `min_group_size`;
a rate is null when its group is suppressed.
"""

from rest_framework import serializers

SUPPRESSED = "null when fewer than min_group_size."


class OptInRowSerializer(serializers.Serializer):
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


class VolumeMonthSerializer(serializers.Serializer):
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


class ErasureMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    verified = serializers.IntegerField(
        allow_null=True, help_text="Erasure jobs verified; " + SUPPRESSED
    )


class RequestMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    completed = serializers.IntegerField(allow_null=True, help_text="Completed; " + SUPPRESSED)
    on_time = serializers.IntegerField(
        allow_null=True, help_text="Completed on or before the deadline; " + SUPPRESSED
    )
    on_time_rate = serializers.IntegerField(allow_null=True, help_text="Percent.")


class PolicySerializer(serializers.Serializer):
    name = serializers.CharField()
    store = serializers.CharField()
    keep_days = serializers.IntegerField()
    applications = serializers.ListField(
        child=serializers.CharField(), help_text="Empty: every application."
    )
    data_kinds = serializers.ListField(
        child=serializers.CharField(), help_text="Empty: every data kind."
    )


class SafeguardSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    name = serializers.CharField()
    application = serializers.CharField(allow_null=True)
    detector = serializers.CharField(allow_null=True)


class CouncilSummarySerializer(serializers.Serializer):
    min_group_size = serializers.IntegerField()
    people = serializers.IntegerField(allow_null=True, help_text="Employees; " + SUPPRESSED)
    holders = serializers.IntegerField(
        allow_null=True, help_text="Employees holding any grant; " + SUPPRESSED
    )
    by_application = OptInRowSerializer(many=True)
    by_data_kind = OptInRowSerializer(many=True)
    by_department = OptInRowSerializer(many=True)
    volumes = VolumeMonthSerializer(many=True)
    erasures = ErasureMonthSerializer(many=True)
    requests = RequestMonthSerializer(many=True)
    retention_policies = PolicySerializer(many=True)
    safeguards = SafeguardSerializer(many=True)
