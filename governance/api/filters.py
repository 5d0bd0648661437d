"""Query-string filters for the list endpoints (django-filter, so they appear in the schema).

A filter value that is not of the filter's type is a 400, never ignored: django-filter
reads `?enabled=yes` as "no filter" and would answer with every row.
"""

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from governance.models import (
    CaptureDevice,
    ErasureJob,
    LegalHold,
    Notice,
    OwedErasure,
    RetentionRun,
)


class StrictBooleanFormField(forms.Field):
    """`true` or `false`, or absent; anything else (even empty) is an error."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_python(self, value):
        if value is None:
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanFormField


class StrictFilterSet(django_filters.rest_framework.FilterSet):
    """The base of every API filter set, including those views declare by `filterset_fields`."""

    FILTER_DEFAULTS = {
        **django_filters.rest_framework.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


class StrictFilterBackend(DjangoFilterBackend):
    filterset_base = StrictFilterSet


class NoticeFilter(StrictFilterSet):
    class Meta:
        model = Notice
        fields = ["status", "language"]


class DeviceFilter(StrictFilterSet):
    active = StrictBooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", help_text="true: not revoked."
    )

    class Meta:
        model = CaptureDevice
        fields = ["active"]


class OwedErasureFilter(StrictFilterSet):
    class Meta:
        model = OwedErasure
        fields = ["state"]


@extend_schema_field({"type": "string", "enum": ErasureJob.State.values})
class ErasureJobStateFilter(django_filters.ChoiceFilter):
    """An inline enum: OwedErasure's `state` already names the StateEnum component."""


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    pass


class ErasureJobFilter(StrictFilterSet):
    id = NumberInFilter(field_name="pk", help_text="Comma-separated job ids, e.g. `3,7,12`.")
    state = ErasureJobStateFilter(choices=ErasureJob.State.choices)
    subject = django_filters.CharFilter(help_text="Subject pseudonym (an employee's subject_id).")

    class Meta:
        model = ErasureJob
        fields = ["id", "state", "cause", "subject"]


class LegalHoldFilter(StrictFilterSet):
    active = StrictBooleanFilter(
        field_name="released_at", lookup_expr="isnull", help_text="true: not released."
    )

    class Meta:
        model = LegalHold
        fields = ["active"]


class RetentionRunFilter(StrictFilterSet):
    class Meta:
        model = RetentionRun
        fields = ["store", "policy", "dry_run"]
