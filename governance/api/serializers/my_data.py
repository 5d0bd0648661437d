"""What is stored about the caller: a MyDataSummary from selectors.my_data, as JSON."""

from rest_framework import serializers

from governance.selectors.my_data import DEFAULT_DAYS, MAX_DAYS


class MyDataQuerySerializer(serializers.Serializer):
    """Query string; other parameters (such as DRF's `format`) are not an error here."""

    days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DAYS,
        default=DEFAULT_DAYS,
        help_text=f"How many days, up to today (UTC), to list per day. 1 to {MAX_DAYS}.",
    )


class MyDataApplicationSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class MyDataKindSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class MyDataCountSerializer(serializers.Serializer):
    application = MyDataApplicationSerializer()
    data_kind = MyDataKindSerializer()
    events = serializers.IntegerField(help_text="Events stored.")
    redacted = serializers.IntegerField(
        help_text="Keystrokes among them whose character was replaced by a class marker."
    )


class MyDataDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="UTC day.")
    events = serializers.IntegerField(help_text="Events stored that day, all applications.")
    redacted = serializers.IntegerField()
    by_application = MyDataCountSerializer(
        many=True, help_text="Per application and data kind; empty on a day with nothing stored."
    )


class MyDataSessionSerializer(serializers.Serializer):
    application = MyDataApplicationSerializer()
    device = serializers.CharField(source="device_name", help_text="The capture device's name.")
    session_id = serializers.CharField(help_text="The capture client's session id.")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    events = serializers.IntegerField()
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Events by data kind slug."
    )
    active_seconds = serializers.IntegerField(
        help_text="Time with events less than a minute apart."
    )


class MyDataPeriodSerializer(serializers.Serializer):
    days = serializers.IntegerField(source="period_days")
    start = serializers.DateField()
    end = serializers.DateField(help_text="Today (UTC).")


class MyDatasetSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    purpose = serializers.CharField(source="purpose.slug", help_text="The purpose's slug.")
    state = serializers.CharField()
    ready_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class MyModelSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    version = serializers.CharField()
    trained_at = serializers.DateTimeField()


class MyDataSerializer(serializers.Serializer):
    subject_id = serializers.CharField(
        help_text="The pseudonym your data is stored under; stores never hold your email."
    )
    total_events = serializers.IntegerField(help_text="Events stored about you, all days.")
    last_recorded = serializers.DateTimeField(
        allow_null=True, help_text="Time of the newest stored event; null if none."
    )
    redacted = serializers.IntegerField(help_text="Keystrokes redacted before storage, all days.")
    not_recorded = serializers.CharField(
        help_text="What is kept about your events that were not recorded: nothing. Refusals "
        "are counted per capture device, never per person, so no count of them is shown here."
    )
    restricted_since = serializers.DateTimeField(
        allow_null=True,
        help_text="Processing of your data is restricted (Art. 18) since then: nothing new is "
        "recorded, and what was recorded before is kept as shown here. Null if not restricted.",
    )
    period = MyDataPeriodSerializer(source="*")
    days = MyDataDaySerializer(many=True, help_text="Every day of the period, oldest first.")
    sessions = MyDataSessionSerializer(many=True, help_text="The newest 50 capture sessions.")
    datasets = MyDatasetSerializer(
        many=True,
        source="training.datasets",
        help_text="Training datasets holding data of yours (from the lineage index).",
    )
    models = MyModelSerializer(
        many=True,
        source="training.models",
        help_text="Registered models trained on a dataset that held data of yours.",
    )
