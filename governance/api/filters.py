"""Query-string filters for the list endpoints (django-filter, so they appear in the schema)."""

import django_filters

from governance.models import AuditEvent, CaptureDevice, Notice, OwedErasure


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
