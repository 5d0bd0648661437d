"""Legal reports: what is asked for (kind, period, format, filters) and how one stands."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance import reports as registry
from governance.api.schema import NamedEnumField
from governance.api.serializers.base import PlainTextField, StrictSerializer
from governance.models import Report
from governance.services.reports import report_download_url, report_percent


class ReportStateField(NamedEnumField):
    enum_name = "ReportStateEnum"

    def __init__(self, **kwargs):
        super().__init__(choices=Report.State.choices, **kwargs)


class ReportRequestSerializer(StrictSerializer):
    kind = PlainTextField(
        max_length=32,
        help_text="access, requests, consent, erasures, retention, holds, audit_bundle or "
        "processing_record (and any kind registered later); privacy officers may ask for "
        "requests, consent, erasures, retention and processing_record only",
    )
    vars()["from"] = serializers.DateField(
        required=False,
        help_text="First day of the period (UTC); required except for processing_record, "
        "which is as of its making and takes no period",
    )
    to = serializers.DateField(
        required=False,
        help_text="Last day of the period (UTC), inclusive; required except for processing_record",
    )
    format = PlainTextField(
        max_length=8,
        help_text="csv, jsonl or pdf for the tabular kinds; zip for audit_bundle; pdf or json "
        "for processing_record",
    )
    subject = PlainTextField(
        max_length=254, required=False, help_text="access: whose data (employee number or email)"
    )
    accessor = PlainTextField(
        max_length=254, required=False, help_text="access: who accessed it (a user's email)"
    )


class ReportProgressSerializer(serializers.Serializer):
    rows_expected = serializers.IntegerField(allow_null=True)
    rows_written = serializers.IntegerField()
    percent = serializers.IntegerField(min_value=0, max_value=100)


class ReportSerializer(serializers.ModelSerializer):
    state = ReportStateField()
    period = serializers.SerializerMethodField()
    filters = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "title",
            "format",
            "period",
            "filters",
            "state",
            "progress",
            "last_error",
            "size_bytes",
            "sha256",
            "created_at",
            "ready_at",
            "expires_at",
            "download_url",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "from": {"type": "string", "format": "date"},
                "to": {"type": "string", "format": "date"},
            },
            "required": ["from", "to"],
        }
    )
    def get_period(self, report: Report) -> dict:
        return {"from": report.params["from"], "to": report.params["to"]}

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_filters(self, report: Report) -> dict:
        return {k: str(v) for k, v in report.params.items() if k not in ("from", "to")}

    @extend_schema_field(ReportProgressSerializer)
    def get_progress(self, report: Report) -> dict:
        return {
            "rows_expected": report.rows_expected,
            "rows_written": report.rows_written,
            "percent": report_percent(report),
        }

    def get_title(self, report: Report) -> str:
        kind = registry.kind(report.kind)
        return kind.title if kind else report.kind

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, report: Report) -> str | None:
        """A signed link for the caller, valid for an hour, once the report is ready."""
        request = self.context.get("request")
        if report.state != Report.State.READY or request is None:
            return None
        return request.build_absolute_uri(report_download_url(report, user=request.user))
