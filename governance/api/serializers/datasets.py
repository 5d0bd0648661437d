from rest_framework import serializers

from governance.api.serializers.base import PlainTextField, StrictSerializer, StrictSlugField
from governance.api.serializers.devices import DeviceSerializer
from governance.models import DatasetSnapshot, TrainedModel, TrainingPipeline


class PipelineSerializer(DeviceSerializer):
    purposes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta(DeviceSerializer.Meta):
        model = TrainingPipeline
        fields = [*DeviceSerializer.Meta.fields, "purposes"]
        read_only_fields = fields


class PipelineCreateSerializer(StrictSerializer):
    name = PlainTextField(max_length=120)
    purposes = serializers.ListField(
        child=StrictSlugField(max_length=64),
        min_length=1,
        max_length=50,
        help_text="Slugs of permitted purposes the pipeline may read snapshots of.",
    )


class PipelineCreatedSerializer(PipelineSerializer):
    token = serializers.CharField(
        help_text="The bearer token. Shown in this response only; store it now."
    )

    class Meta(PipelineSerializer.Meta):
        fields = [*PipelineSerializer.Meta.fields, "token"]
        read_only_fields = fields


class DatasetCreateSerializer(StrictSerializer):
    purpose = StrictSlugField(max_length=64)
    applications = serializers.ListField(
        child=StrictSlugField(max_length=64), min_length=1, max_length=200
    )
    data_kinds = serializers.ListField(
        child=StrictSlugField(max_length=32), min_length=1, max_length=20
    )
    starts_at = serializers.DateTimeField(help_text="Included.")
    ends_at = serializers.DateTimeField(help_text="Excluded; after starts_at.")


class ShardSerializer(serializers.Serializer):
    name = serializers.CharField()
    rows = serializers.IntegerField()
    bytes = serializers.IntegerField()
    sha256 = serializers.CharField()


class DatasetSerializer(serializers.ModelSerializer):
    purpose = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    applications = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    data_kinds = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    percent = serializers.IntegerField(help_text="Build progress (100 once built).")
    rows = serializers.IntegerField(source="rows_written")
    shards = ShardSerializer(many=True, source="manifest.shards", default=list)
    excluded = serializers.DictField(
        child=serializers.IntegerField(),
        source="manifest.excluded",
        default=dict,
        help_text="Rows of the scope left out, by reason: not_consented, restricted, "
        "objected, unknown_person.",
    )
    schema_version = serializers.IntegerField(
        source="manifest.schema_version", default=None, allow_null=True
    )

    class Meta:
        model = DatasetSnapshot
        fields = [
            "id",
            "purpose",
            "applications",
            "data_kinds",
            "starts_at",
            "ends_at",
            "pipeline",
            "state",
            "percent",
            "rows",
            "rows_expected",
            "shards",
            "excluded",
            "schema_version",
            "error",
            "created_at",
            "ready_at",
            "expires_at",
            "superseded_by",
        ]
        read_only_fields = fields


class ModelCreateSerializer(StrictSerializer):
    name = PlainTextField(max_length=200)
    version = PlainTextField(max_length=100)
    datasets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=500,
        help_text="Ids of the dataset snapshots it was trained on; ones this pipeline can read.",
    )
    trained_at = serializers.DateTimeField(help_text="When training ended; not in the future.")


class ModelDatasetSerializer(serializers.ModelSerializer):
    purpose = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = DatasetSnapshot
        fields = ["id", "purpose", "state", "created_at", "ready_at"]
        read_only_fields = fields


class TrainedModelSerializer(serializers.ModelSerializer):
    pipeline = serializers.CharField(source="pipeline.name", read_only=True)
    datasets = ModelDatasetSerializer(many=True, read_only=True)

    class Meta:
        model = TrainedModel
        fields = ["id", "name", "version", "pipeline", "datasets", "trained_at", "registered_at"]
        read_only_fields = fields


class FlaggedModelSerializer(serializers.Serializer):
    model = TrainedModelSerializer()
    people = serializers.IntegerField(
        help_text="People whose data it was trained on that a withdrawal, objection or "
        "erasure has since reached."
    )
    rows = serializers.IntegerField(help_text="Their rows in the snapshots it was trained on.")
    latest = serializers.DateTimeField(help_text="The latest such withdrawal.")
