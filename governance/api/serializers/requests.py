"""Data subject requests as the person and the privacy officers see them, and the bodies
of every request endpoint.

The person sees their request, its deadline and history in plain words: officers are
"privacy team", never named, and an assignment does not say to whom. Officers see the
same request with the employee number, how identity was checked, who works it, who did
what, and every email sent about it.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api.schema import NamedEnumField
from governance.api.serializers.base import (
    PlainTextField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
    StrictSlugRelatedField,
)
from governance.models import (
    Application,
    DataKind,
    DataRequest,
    ErasureJob,
    ExportPackage,
    Purpose,
    RequestClock,
    RequestKind,
)
from governance.selectors.requests import (
    package_percent,
    package_state,
    received_at_for_day,
    request_days_left_when_paused,
    request_history,
    request_is_due_soon,
    request_is_overdue,
    request_package,
    request_state_label,
)
from governance.services.requests import MAX_DETAILS, MAX_REASON, RECTIFIABLE

# PostgreSQL's bigint: an id past it names nothing, and must not reach a query.
MAX_ID = 2**63 - 1
# Only a guard against numbers that are not days at all: the service answers anything
# past the request's own limit with that limit ("At most 61 days under GDPR."), which a
# tighter cap here would hide behind a generic number.
MAX_EXTENSION_DAYS = 2**31 - 1


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request else path


class StrictChoiceField(NamedEnumField):
    """A named enum that takes a JSON string only (a number is not a choice)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class RequestKindField(StrictChoiceField):
    enum_name = "RequestKindEnum"

    def __init__(self, **kwargs):
        super().__init__(choices=RequestKind.choices, **kwargs)


class RequestStateField(NamedEnumField):
    enum_name = "RequestStateEnum"

    def __init__(self, **kwargs):
        super().__init__(choices=DataRequest.State.choices, **kwargs)


class RequestClockField(NamedEnumField):
    enum_name = "RequestClockEnum"

    def __init__(self, **kwargs):
        super().__init__(choices=RequestClock.choices, **kwargs)


class PackageStateField(NamedEnumField):
    enum_name = "ExportPackageStateEnum"

    def __init__(self, **kwargs):
        super().__init__(choices=ExportPackage.State.choices, **kwargs)


class ErasureJobStateField(NamedEnumField):
    enum_name = "ErasureJobStateEnum"

    def __init__(self, **kwargs):
        super().__init__(choices=ErasureJob.State.choices, **kwargs)


# Output


class RequestScopeSerializer(serializers.Serializer):
    """The part of the person's data a request names; null means every one."""

    purpose = serializers.CharField(source="purpose.slug", allow_null=True)
    application = serializers.CharField(source="application.slug", allow_null=True)
    data_kind = serializers.CharField(source="data_kind.slug", allow_null=True)


class RequestEventSerializer(serializers.Serializer):
    """One line of the history as the selectors word it for the reader (the pages show the
    same lines). `by` is "you", "privacy team" or "portal" for the person."""

    occurred_at = serializers.DateTimeField()
    action = serializers.CharField(help_text="filed, verified, extended, completed, …")
    from_state = serializers.CharField(help_text="Empty for the filing.")
    to_state = serializers.CharField()
    message = serializers.CharField()
    by = serializers.CharField()


class ExportPackageSerializer(serializers.Serializer):
    """The package of an access or portability request; progress while it builds."""

    id = serializers.IntegerField()
    state = PackageStateField()
    state_display = serializers.CharField(source="get_state_display")
    rows_written = serializers.IntegerField()
    rows_expected = serializers.IntegerField(
        allow_null=True, help_text="Counted when the build starts; null before."
    )
    percent = serializers.SerializerMethodField()
    size_bytes = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    ready_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    downloads = serializers.IntegerField()

    @extend_schema_field({"type": "integer", "minimum": 0, "maximum": 100, "nullable": True})
    def get_percent(self, package) -> int | None:
        return package_percent(package)

    def to_representation(self, package):
        body = super().to_representation(package)
        # As the pages read it: a ready package past its expiry is expired, before the
        # retention run marks it so.
        shown = package_state(package)
        body["state"] = shown
        body["state_display"] = str(ExportPackage.State(shown).label)
        return body


class MyExportPackageSerializer(ExportPackageSerializer):
    download_url = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_download_url(self, package) -> str | None:
        """A signed link that works only in the caller's own session, while it is ready."""
        if package_state(package) != ExportPackage.State.READY:
            return None
        # Imported here: the exports service is the packages' own module.
        from governance.services.exports import package_download_url

        request = self.context.get("request")
        return _absolute(request, package_download_url(package, user=request.user))


class MyRequestErasureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = ErasureJobStateField()
    url = serializers.SerializerMethodField()
    receipt_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job) -> str:
        return _absolute(self.context.get("request"), reverse("api-my-erasure", args=[job.pk]))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_receipt_url(self, job) -> str | None:
        """The signed receipt, once every store verified (as under /me/erasures)."""
        if not job.receipt:
            return None
        path = reverse("api-my-erasure-receipt", args=[job.pk])
        return _absolute(self.context.get("request"), path)


class RequestErasureSerializer(MyRequestErasureSerializer):
    """For officers: the job itself, whose detail carries the receipt inline."""

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job) -> str:
        return _absolute(self.context.get("request"), reverse("api-erasure-job", args=[job.pk]))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_receipt_url(self, job) -> str | None:
        return self.get_url(job) if job.receipt else None


class MyRequestSerializer(serializers.Serializer):
    """One of the caller's requests, as a row of their list."""

    url_name = "api-my-request"
    for_person = True

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    kind = RequestKindField()
    kind_display = serializers.CharField(source="get_kind_display")
    state = RequestStateField()
    state_display = serializers.SerializerMethodField()
    scope = RequestScopeSerializer(source="*")
    received_at = serializers.DateTimeField()
    due_on = serializers.DateField(
        help_text="The deadline now: the clock's, plus days waiting for proof of identity, "
        "plus an extension."
    )
    overdue = serializers.SerializerMethodField(
        help_text="The clock runs (received or in progress) and the due date has passed."
    )
    paused = serializers.SerializerMethodField(
        help_text="The clock stands while proof of identity is awaited."
    )
    days_left_when_paused = serializers.SerializerMethodField(
        help_text="While paused: the days the clock had left when it stopped; null otherwise."
    )
    closed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, request) -> str:
        return _absolute(self.context.get("request"), reverse(self.url_name, args=[request.pk]))

    def get_state_display(self, request) -> str:
        return request_state_label(request, for_person=self.for_person)

    def get_overdue(self, request) -> bool:
        return request_is_overdue(request)

    def get_paused(self, request) -> bool:
        return request_days_left_when_paused(request) is not None

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_days_left_when_paused(self, request) -> int | None:
        return request_days_left_when_paused(request)


class MyRequestDetailSerializer(MyRequestSerializer):
    """One of the caller's requests: its clock, history, and what fulfils it."""

    details = serializers.CharField()
    clock = RequestClockField()
    clock_display = serializers.CharField(source="get_clock_display")
    paused_days = serializers.IntegerField()
    extended_days = serializers.IntegerField()
    extension_reason = serializers.CharField()
    extended_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField(help_text="What was done (completed) or why not (rejected).")
    history = serializers.SerializerMethodField()
    erasure = serializers.SerializerMethodField()
    package = serializers.SerializerMethodField()

    erasure_serializer = MyRequestErasureSerializer
    package_serializer = MyExportPackageSerializer

    @extend_schema_field(RequestEventSerializer(many=True))
    def get_history(self, request) -> list:
        lines = request_history(request, for_person=self.for_person)
        return RequestEventSerializer(lines, many=True).data

    @extend_schema_field(MyRequestErasureSerializer(allow_null=True))
    def get_erasure(self, request) -> dict | None:
        """The erasure job of an erasure request, once verified; null otherwise."""
        if request.erasure_job is None:
            return None
        return self.erasure_serializer(request.erasure_job, context=self.context).data

    @extend_schema_field(MyExportPackageSerializer(allow_null=True))
    def get_package(self, request) -> dict | None:
        """The package of an access or portability request, once verified; null otherwise."""
        package = request_package(request)
        if package is None:
            return None
        return self.package_serializer(package, context=self.context).data


class RequestAssigneeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="get_username")


class RequestSerializer(MyRequestSerializer):
    """A request in the officers' queue."""

    url_name = "api-request"
    for_person = False

    employee_number = serializers.CharField(source="employee.employee_number")
    assignee = RequestAssigneeSerializer(allow_null=True)
    due_soon = serializers.SerializerMethodField(
        help_text="The clock runs and the request is due within 7 days."
    )

    def get_due_soon(self, request) -> bool:
        return request_is_due_soon(request)


class SentEmailSerializer(serializers.Serializer):
    to = serializers.EmailField()
    subject = serializers.CharField()
    kind = serializers.CharField()
    sent_at = serializers.DateTimeField()
    error = serializers.CharField(help_text="Empty when it was sent.")


class RequestDetailSerializer(RequestSerializer, MyRequestDetailSerializer):
    """A request for officers: everything the person sees, and how it is worked.

    The pseudonym is here, in the audited read, not in the queue: next to the
    employee number there it would name the person behind audit entries unrecorded.
    """

    subject = serializers.CharField(source="employee.subject_id")
    identity_check = serializers.CharField()
    jurisdiction = serializers.CharField()
    filed_by = serializers.CharField(source="filed_by.get_username")
    emails = SentEmailSerializer(many=True)
    erasure = serializers.SerializerMethodField()
    package = serializers.SerializerMethodField()

    erasure_serializer = RequestErasureSerializer
    package_serializer = ExportPackageSerializer
    for_person = False

    @extend_schema_field(RequestErasureSerializer(allow_null=True))
    def get_erasure(self, request) -> dict | None:
        return super().get_erasure(request)

    @extend_schema_field(ExportPackageSerializer(allow_null=True))
    def get_package(self, request) -> dict | None:
        return super().get_package(request)


# Input


UNKNOWN_SLUG = {
    "purpose": gettext_lazy("Unknown purpose {value!r}."),
    "application": gettext_lazy("Unknown application {value!r}."),
    "data kind": gettext_lazy("Unknown data kind {value!r}."),
}


def _slug(model, name: str, **kwargs) -> StrictSlugRelatedField:
    return StrictSlugRelatedField(
        slug_field="slug",
        queryset=model.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": UNKNOWN_SLUG[name]},
        help_text=f"A {name} slug; erasure, restriction and objection only. Absent: every one.",
        **kwargs,
    )


class MyRequestCreateSerializer(StrictSerializer):
    """A request the caller files about their own data."""

    kind = RequestKindField()
    purpose = _slug(Purpose, "purpose")
    application = _slug(Application, "application")
    data_kind = _slug(DataKind, "data kind")
    details = StrictCharField(
        required=False, allow_blank=True, max_length=MAX_DETAILS, help_text="In your words."
    )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"},
        ]
    }
)
class ReceivedAtField(serializers.Field):
    """When the request reached the company: an ISO date or date-time. A date means now if
    it is today, otherwise 12:00 UTC that day (as the officers' form)."""

    default_error_messages = {
        "invalid": gettext_lazy("An ISO date (YYYY-MM-DD) or date-time with its offset."),
        "naive": gettext_lazy("Give the date-time's offset, e.g. 2026-11-20T09:30:00Z."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            day = parse_date(data) if len(data) == 10 else None
            moment = None if day else parse_datetime(data)
        except ValueError:  # well formed, but no such day or time
            self.fail("invalid")
        if day is not None:
            return received_at_for_day(day)
        if moment is None:
            self.fail("invalid")
        if timezone.is_naive(moment):
            self.fail("naive")
        return moment

    def to_representation(self, value):
        return value.isoformat()


class RequestCreateSerializer(MyRequestCreateSerializer):
    """A request an officer files on an employee's behalf, saying how identity was checked."""

    employee = PlainTextField(
        max_length=254, help_text="The employee's number or work email, in any case."
    )
    identity_check = StrictCharField(
        max_length=MAX_REASON,
        help_text="How the person's identity was checked. The person can read it.",
    )
    received_at = ReceivedAtField(
        required=False,
        help_text="When the request reached us (a letter, an email, a call); the deadline runs "
        "from its UTC date. An ISO date means now if it is today, else 12:00 UTC that day; or "
        "an ISO date-time with offset. Not in the future, at most 365 days back. Absent: now.",
    )


class RequestWithdrawSerializer(StrictSerializer):
    """Why the person withdraws (optional)."""

    reason = StrictCharField(required=False, allow_blank=True, max_length=MAX_REASON)


class RequestAssignSerializer(StrictSerializer):
    """Who works the request."""

    assignee = StrictIntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        help_text="A privacy officer's user id; null leaves the request unassigned.",
    )

    def validate_assignee(self, value):
        if value is None:
            return None
        user = get_user_model().objects.filter(pk=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(_("No such user."))
        return user


class RequestReasonSerializer(StrictSerializer):
    """Why, recorded in the history and the audit log."""

    reason = StrictCharField(max_length=MAX_REASON)


class RequestRejectSerializer(StrictSerializer):
    """Why the request is rejected."""

    reason = StrictCharField(
        max_length=MAX_DETAILS,
        help_text="Told to the person, with their right to complain to the supervisory authority.",
    )


class RequestVerifySerializer(StrictSerializer):
    """Identity is confirmed, and how (required: the service checks the state first)."""

    identity_check = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=MAX_REASON,
        help_text="How identity was confirmed; required to verify.",
    )


class RequestExtendSerializer(StrictSerializer):
    """One extension of the deadline, with a reason the person is told."""

    days = StrictIntegerField(
        min_value=1,
        max_value=MAX_EXTENSION_DAYS,
        help_text="Days added to the deadline: at most two months under GDPR, 45 under CPRA.",
    )
    reason = StrictCharField(max_length=MAX_REASON, help_text="Told to the person.")


class RequestCompleteSerializer(StrictSerializer):
    """How an officer decides a restriction, rectification or objection request."""

    outcome = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=MAX_DETAILS,
        help_text="What was done, told to the person. Rectification: why recorded events are "
        "not corrected; restriction refused: why.",
    )
    restrict = StrictBooleanField(
        required=False, help_text="Restriction requests: restrict processing (true) or not."
    )
    corrections = serializers.DictField(
        child=StrictCharField(allow_blank=True, max_length=max(RECTIFIABLE.values())),
        required=False,
        help_text=f"Rectification: profile fields to correct ({', '.join(RECTIFIABLE)}).",
    )
