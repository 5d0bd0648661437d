"""Erasure jobs as officers and employees see them (selectors.erasure.ErasureView rows).

Officers see a job's subject by pseudonym, its steps with attempts and errors,
and the receipt inline. Employees see their own jobs in plain words: a job
blocked by a legal hold is "partly deferred for a legal obligation", and
nothing about the hold itself is ever shown to them.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api.schema import NamedEnumField
from governance.api.serializers.base import (
    PlainTextField,
    StrictBooleanField,
    StrictCharField,
    StrictSerializer,
    drf_datetime,
)
from governance.models import ErasureCause, ErasureJob, ErasureStep


class JobStateField(NamedEnumField):
    enum_name = "ErasureJobStateEnum"

    def __init__(self, **kwargs):
        super().__init__(choices=ErasureJob.State.choices, **kwargs)


class StepStateField(NamedEnumField):
    enum_name = "ErasureStepStateEnum"

    def __init__(self, **kwargs):
        super().__init__(choices=ErasureStep.State.choices, **kwargs)


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request else path


class ErasureScopeSerializer(serializers.Serializer):
    """Slugs per dimension; an empty list means every one."""

    everything = serializers.BooleanField()
    purposes = serializers.SerializerMethodField()
    applications = serializers.SerializerMethodField()
    data_kinds = serializers.SerializerMethodField()

    def get_purposes(self, scope) -> list[str]:
        return sorted(row.slug for row in scope.purposes)

    def get_applications(self, scope) -> list[str]:
        return sorted(row.slug for row in scope.applications)

    def get_data_kinds(self, scope) -> list[str]:
        return sorted(row.slug for row in scope.data_kinds)


class ErasureProgressSerializer(serializers.Serializer):
    percent = serializers.IntegerField(help_text="0-100; 100 only once every store verified.")
    stores_done = serializers.IntegerField(help_text="Stores verified or deferred by a hold.")
    stores_total = serializers.IntegerField()
    rows_before = serializers.IntegerField(help_text="Rows found, over the stores verified so far.")
    rows_deleted = serializers.IntegerField()
    rows_held = serializers.IntegerField(help_text="Rows kept because a legal hold covers them.")


class ErasureStepSerializer(serializers.Serializer):
    """A step as its subject sees it: a hold is never named, only a deferral."""

    store = serializers.CharField()
    description = serializers.CharField()
    state = StepStateField(source="step.state")
    state_display = serializers.CharField(source="personal_state_label")
    percent = serializers.IntegerField()
    rows_before = serializers.IntegerField(
        source="step.rows_before",
        allow_null=True,
        help_text="Rows erased plus rows left by the fresh count; null until the step verifies.",
    )
    rows_expected = serializers.IntegerField(
        source="step.rows_expected",
        allow_null=True,
        help_text="The store's estimate when the step started, which `percent` measures "
        "against until the step verifies; never evidence.",
    )
    rows_deleted = serializers.IntegerField(source="step.rows_deleted")
    rows_after = serializers.IntegerField(
        source="step.rows_after", allow_null=True, help_text="The fresh count that ended the step."
    )
    rows_held = serializers.IntegerField(source="step.rows_held")
    started_at = serializers.DateTimeField(source="step.started_at", allow_null=True)
    finished_at = serializers.DateTimeField(source="step.finished_at", allow_null=True)


class OfficerErasureStepSerializer(ErasureStepSerializer):
    state_display = serializers.CharField(source="step.get_state_display")
    attempts = serializers.IntegerField(source="step.attempts")
    last_error = serializers.CharField(source="step.last_error")


class ErasureJobSerializer(serializers.Serializer):
    """A job for officers: the subject by pseudonym, every step, the receipt when done."""

    id = serializers.IntegerField()
    subject = serializers.CharField(source="job.subject")
    cause = serializers.ChoiceField(choices=ErasureCause.choices)
    cause_ref = serializers.CharField(
        source="listed_cause_ref",
        help_text="The withdrawal's receipt id, or the request id (in a list, empty for a "
        "request: the job itself, an audited read, shows it).",
    )
    state = JobStateField()
    state_display = serializers.CharField(source="state_label")
    scope = ErasureScopeSerializer()
    reason = serializers.CharField(source="job.reason")
    restricts_capture = serializers.BooleanField(
        source="job.restricts_capture",
        allow_null=True,
        help_text="Whether erasing everything also restricted the person's capture (Art. 18); "
        "false when the officer chose to let it go on, null where nobody chose.",
    )
    requested_by = serializers.CharField(
        source="listed_requester",
        allow_null=True,
        help_text="The officer's login; `the person` when they asked themselves (in a list).",
    )
    requested_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(source="job.started_at", allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    progress = ErasureProgressSerializer()
    steps = OfficerErasureStepSerializer(many=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, view) -> str:
        return _absolute(self.context.get("request"), reverse("api-erasure-job", args=[view.id]))

    def to_representation(self, view) -> dict:
        # The same JSON the fields above declare (and the schema states), built directly:
        # DRF's per-field walk, with `inspect.signature` on every method source, cost
        # hundreds of milliseconds for a page of jobs. tests/erasure/test_api.py holds
        # this to the declared fields' output.
        job = view.job
        return {
            "id": view.id,
            "subject": job.subject,
            "cause": view.cause,
            "cause_ref": view.listed_cause_ref,
            "state": view.state,
            "state_display": str(view.state_label),
            "scope": _scope(view.scope),
            "reason": job.reason,
            "restricts_capture": job.restricts_capture,
            "requested_by": view.listed_requester,
            "requested_at": drf_datetime(view.requested_at),
            "started_at": drf_datetime(job.started_at),
            "completed_at": drf_datetime(view.completed_at),
            "progress": _progress(view.progress),
            "steps": [_officer_step(step) for step in view.steps],
            "url": self.get_url(view),
        }


class ErasureJobDetailSerializer(ErasureJobSerializer):
    cause_ref = serializers.CharField(help_text="The withdrawal's receipt id, or the request id.")
    requested_by = serializers.CharField(
        source="job.requested_by.get_username", allow_null=True, default=None
    )
    receipt = serializers.JSONField(
        allow_null=True, help_text="The signed receipt once every store verified, else null."
    )

    def to_representation(self, view) -> dict:
        job = view.job
        # One job's own read is audited (it names the person): it says what lists leave out.
        named = {
            "cause_ref": view.cause_ref,
            "requested_by": job.requested_by.get_username() if job.requested_by else None,
        }
        return {**super().to_representation(view), **named, "receipt": view.receipt}


def _scope(scope) -> dict:
    return {
        "everything": scope.everything,
        "purposes": sorted(row.slug for row in scope.purposes),
        "applications": sorted(row.slug for row in scope.applications),
        "data_kinds": sorted(row.slug for row in scope.data_kinds),
    }


def _progress(progress) -> dict:
    return {
        "percent": progress.percent,
        "stores_done": progress.stores_done,
        "stores_total": progress.stores_total,
        "rows_before": progress.rows_before,
        "rows_deleted": progress.rows_deleted,
        "rows_held": progress.rows_held,
    }


def _officer_step(progress) -> dict:
    step = progress.step
    return {
        "store": progress.store,
        "description": progress.description,
        "state": step.state,
        "state_display": str(ErasureStep.State(step.state).label),
        "percent": progress.percent,
        "rows_before": step.rows_before,
        "rows_expected": step.rows_expected,
        "rows_deleted": step.rows_deleted,
        "rows_after": step.rows_after,
        "rows_held": step.rows_held,
        "started_at": drf_datetime(step.started_at),
        "finished_at": drf_datetime(step.finished_at),
        "attempts": step.attempts,
        "last_error": step.last_error,
    }


class ErasureJobCreateSerializer(StrictSerializer):
    employee = PlainTextField(max_length=254, help_text="The employee's number or work email.")
    reason = StrictCharField(
        max_length=500, help_text="Why; recorded on the job and in the audit log."
    )
    restrict_capture = StrictBooleanField(
        required=False,
        default=True,
        help_text="Also restrict the person's capture (Art. 18), so the erased stores do "
        "not fill up again; true unless false is sent. Recorded on the job and audited.",
    )


class MyErasureSerializer(serializers.Serializer):
    """One of the caller's own erasures. `id` is null while it waits to be scheduled."""

    id = serializers.IntegerField(allow_null=True)
    state = JobStateField()
    state_display = serializers.CharField(source="personal_state_label")
    note = serializers.CharField(
        source="personal_note", help_text="Why it is deferred or stopped; empty otherwise."
    )
    cause = serializers.ChoiceField(choices=ErasureCause.choices)
    cause_ref = serializers.CharField(
        help_text="For a withdrawal: the receipt id of the withdrawal that caused it."
    )
    scope = ErasureScopeSerializer()
    requested_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    progress = ErasureProgressSerializer()
    steps = ErasureStepSerializer(many=True)
    url = serializers.SerializerMethodField()
    receipt_url = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, view) -> str | None:
        if view.id is None:
            return None
        return _absolute(self.context.get("request"), reverse("api-my-erasure", args=[view.id]))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_receipt_url(self, view) -> str | None:
        """Where to download the signed receipt; null until the erasure is done."""
        if not view.receipt:
            return None
        path = reverse("api-my-erasure-receipt", args=[view.id])
        return _absolute(self.context.get("request"), path)
