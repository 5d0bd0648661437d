"""Query-string filters for the list endpoints (django-filter, so they appear in the schema)."""

import django_filters
from drf_spectacular.utils import extend_schema_field

from governance.models import (
    AuditEvent,
    CaptureDevice,
    ErasureJob,
    LegalHold,
    Notice,
    OwedErasure,
    RetentionRun,
)


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(
        lookup_expr="startswith", help_text="Action prefix, e.g. `consent.` or `notice.published`."
    )
    subject = django_filters.CharFilter(help_text="Subject pseudonym (an employee's subject_id).")
    actor_id = django_filters.CharFilter(help_text="User id, or `device:<id>` for a device.")

    class Meta:
        model = AuditEvent
        fields = ["action", "subject", "actor_id"]


class NoticeFilter(django_filters.FilterSet):
    class Meta:
        model = Notice
        fields = ["status", "language"]


class DeviceFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", help_text="true: not revoked."
    )

    class Meta:
        model = CaptureDevice
        fields = ["active"]


class OwedErasureFilter(django_filters.FilterSet):
    class Meta:
        model = OwedErasure
        fields = ["state"]


@extend_schema_field({"type": "string", "enum": ErasureJob.State.values})
class ErasureJobStateFilter(django_filters.ChoiceFilter):
    """An inline enum: OwedErasure's `state` already names the StateEnum component."""


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    pass


class ErasureJobFilter(django_filters.FilterSet):
    id = NumberInFilter(field_name="pk", help_text="Comma-separated job ids, e.g. `3,7,12`.")
    state = ErasureJobStateFilter(choices=ErasureJob.State.choices)
    subject = django_filters.CharFilter(help_text="Subject pseudonym (an employee's subject_id).")

    class Meta:
        model = ErasureJob
        fields = ["id", "state", "cause", "subject"]


class LegalHoldFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(
        field_name="released_at", lookup_expr="isnull", help_text="true: not released."
    )

    class Meta:
        model = LegalHold
        fields = ["active"]


class RetentionRunFilter(django_filters.FilterSet):
    class Meta:
        model = RetentionRun
        fields = ["store", "policy", "dry_run"]
