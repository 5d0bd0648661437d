"""Data subject requests: employees file and follow their own; privacy officers work them.

Thin edges over services.requests: each view parses its body, calls one service
function and answers with the request as the selectors read it. Services raise
Django ValidationErrors for a transition the state does not allow, which the API
answers as 400 with nothing changed. Under /me a request is looked up among the
caller's own only, so another person's is a 404.
"""

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.filters import StrictBooleanFilter, StrictFilterSet
from governance.api.pagination import DIGITS
from governance.api.permissions import IsEmployee, IsPrivacyOfficer
from governance.api.schema import errors
from governance.api.serializers.requests import (
    MAX_ID,
    MyRequestCreateSerializer,
    MyRequestDetailSerializer,
    MyRequestSerializer,
    RequestAssignSerializer,
    RequestCompleteSerializer,
    RequestCreateSerializer,
    RequestDetailSerializer,
    RequestExtendSerializer,
    RequestReasonSerializer,
    RequestRejectSerializer,
    RequestSerializer,
    RequestVerifySerializer,
    RequestWithdrawSerializer,
)
from governance.api.views.base import JSONBodyMixin
from governance.models import DataRequest, RequestKind
from governance.selectors.erasure import employee_find
from governance.selectors.requests import (
    request_for_employee,
    request_for_officer,
    request_package,
    requests_for_employee,
    requests_queue,
)
from governance.services import requests as services

MINE = "my requests"
QUEUE = "requests"
SCOPE_FIELDS = ("purpose", "application", "data_kind")


def _filed(validated: dict) -> dict:
    """The service's keyword arguments from a filing body."""
    return {
        "kind": validated["kind"],
        "details": validated.get("details", ""),
        **{name: validated.get(name) for name in SCOPE_FIELDS},
    }


# The employee's own


@extend_schema_view(
    get=extend_schema(
        summary="My requests, newest first",
        description="Every request I filed or an officer filed for me, open or closed.",
        responses={200: MyRequestSerializer(many=True), **errors(403)},
    ),
    post=extend_schema(
        summary="Ask for access, a portable copy, erasure, correction, restriction or objection",
        description="Erasure, restriction and objection may name a scope by slugs (`purpose`, "
        "`application`, `data_kind`; absent means every one). The same kind and scope already "
        "open is answered with that request and 200, never a second one.",
        request=MyRequestCreateSerializer,
        responses={
            201: MyRequestDetailSerializer,
            200: MyRequestDetailSerializer,
            **errors(400, 403),
        },
    ),
)
@extend_schema(tags=[MINE])
class MyRequestsView(JSONBodyMixin, generics.GenericAPIView):
    permission_classes = [IsEmployee]
    serializer_class = MyRequestSerializer
    queryset = DataRequest.objects.none()  # for the schema; rows come from the selector

    def get(self, request):
        page = self.paginate_queryset(requests_for_employee(request.user))
        body = MyRequestSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(body.data)

    def post(self, request):
        body = MyRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        filed, created = services.request_file(
            employee=request.user.employee, actor=request.user, **_filed(body.validated_data)
        )
        shown = MyRequestDetailSerializer(
            request_for_employee(request.user, filed.pk), context={"request": request}
        ).data
        return Response(
            shown,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": shown["url"]},
        )


def _mine(request, request_id) -> DataRequest:
    found = request_for_employee(request.user, request_id)
    if found is None:
        raise NotFound(_("No such request."))
    return found


@extend_schema(
    tags=[MINE],
    summary="One of my requests: its deadline, history, and the package or erasure fulfilling it",
    description="A ready package has a `download_url` that works only while signed in as you.",
    responses={200: MyRequestDetailSerializer, **errors(403, 404)},
)
class MyRequestView(APIView):
    permission_classes = [IsEmployee]

    def get(self, request, request_id):
        found = _mine(request, request_id)
        return Response(MyRequestDetailSerializer(found, context={"request": request}).data)


@extend_schema(
    tags=[MINE],
    summary="Withdraw one of my open requests",
    description="An erasure that has started cannot be withdrawn any more (400).",
    request=RequestWithdrawSerializer,
    responses={200: MyRequestDetailSerializer, **errors(400, 403, 404)},
)
class MyRequestWithdrawView(JSONBodyMixin, APIView):
    permission_classes = [IsEmployee]

    def post(self, request, request_id):
        found = _mine(request, request_id)
        body = RequestWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.request_withdraw(
            request=found, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        shown = request_for_employee(request.user, found.pk)
        return Response(MyRequestDetailSerializer(shown, context={"request": request}).data)


# The officers' queue


class AssigneeFormField(forms.CharField):
    default_error_messages = {"invalid": gettext_lazy("A user id, `me` or `none`.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in ("", "me", "none"):
            return value or None
        if DIGITS.fullmatch(value) and 0 < int(value) <= MAX_ID:
            return int(value)
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field({"type": "string", "pattern": "^(me|none|[0-9]{1,19})$"})
class AssigneeFilter(django_filters.Filter):
    field_class = AssigneeFormField


@extend_schema_field({"type": "string", "enum": DataRequest.State.values})
class RequestStateFilter(django_filters.ChoiceFilter):
    """An inline enum: `state` names other enums elsewhere in the schema."""


@extend_schema_field({"type": "string", "enum": RequestKind.values})
class RequestKindFilter(django_filters.ChoiceFilter):
    pass


class RequestQueueFilter(StrictFilterSet):
    """Validated here, applied by the selector the officers' pages use too."""

    state = RequestStateFilter(choices=DataRequest.State.choices)
    open = StrictBooleanFilter(
        help_text="true: received, awaiting identity, in progress or deferred; false: closed."
    )
    kind = RequestKindFilter(choices=RequestKind.choices)
    assignee = AssigneeFilter(help_text="A user id, `me`, or `none` for unassigned.")
    overdue = StrictBooleanFilter(
        help_text="true: the clock runs (received or in progress) and the due date has passed."
    )
    due_before = django_filters.DateFilter(help_text="Due before this date (YYYY-MM-DD).")

    class Meta:
        model = DataRequest
        fields = ["state", "open", "kind", "assignee", "overdue", "due_before"]

    def filter_queryset(self, queryset):
        return requests_queue(self.form.cleaned_data, viewer=self.request.user)


@extend_schema_view(
    get=extend_schema(
        summary="Every request, soonest deadline first (officers)",
        description="`overdue` and `due_soon` mark requests whose clock runs (received or in "
        "progress) past their due date or due within 7 days. A request waiting for proof of "
        "identity is `paused`, with `days_left_when_paused`; a deferred erasure has been "
        "answered and is never overdue.",
        responses={200: RequestSerializer(many=True), **errors(400, 403)},
    ),
    post=extend_schema(
        summary="File a request on an employee's behalf (officers)",
        description="`employee` is an employee number or work email (any case); "
        "`identity_check` says how the person's identity was checked, and the request starts "
        "in progress. `received_at` is when it reached us, for a request that came by letter "
        "or email days ago: the deadline runs from then. The same kind "
        "and scope already open is answered with that request and 200.",
        request=RequestCreateSerializer,
        responses={
            201: RequestDetailSerializer,
            200: RequestDetailSerializer,
            **errors(400, 403),
        },
    ),
)
@extend_schema(tags=[QUEUE])
class RequestsView(JSONBodyMixin, generics.GenericAPIView):
    permission_classes = [IsPrivacyOfficer]
    serializer_class = RequestSerializer
    filterset_class = RequestQueueFilter
    queryset = DataRequest.objects.none()

    def get_queryset(self):
        return requests_queue()

    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        body = RequestSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(body.data)

    def post(self, request):
        body = RequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        identifier = body.validated_data["employee"]
        employee = employee_find(identifier=identifier)
        if employee is None:
            raise ValidationError(
                {
                    "employee": [
                        _("No employee has the number or work email %(identifier)s.")
                        % {"identifier": repr(identifier)}
                    ]
                }
            )
        filed, created = services.request_file(
            employee=employee,
            actor=request.user,
            identity_check=body.validated_data["identity_check"],
            received_at=body.validated_data.get("received_at"),
            **_filed(body.validated_data),
        )
        shown = RequestDetailSerializer(
            request_for_officer(filed.pk), context={"request": request}
        ).data
        return Response(
            shown,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": shown["url"]},
        )


def _any(request_id) -> DataRequest:
    found = request_for_officer(request_id)
    if found is None:
        raise NotFound(_("No such request."))
    return found


@extend_schema(
    tags=[QUEUE],
    summary="One request: the person, its clock, history, emails, and what fulfils it (officers)",
    description="Each read is audited as `personal_data.viewed`, which the person sees in "
    "their access log.",
    responses={200: RequestDetailSerializer, **errors(403, 404)},
)
class RequestView(APIView):
    permission_classes = [IsPrivacyOfficer]

    def get(self, request, request_id):
        found = _any(request_id)
        services.request_viewed(request=found, actor=request.user)
        return Response(RequestDetailSerializer(found, context={"request": request}).data)


class RequestActionView(JSONBodyMixin, APIView):
    """POST a body to move one request on; answers with the request as it now is."""

    permission_classes = [IsPrivacyOfficer]
    body_class: type = RequestReasonSerializer

    def act(self, request, found: DataRequest, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, request_id):
        found = _any(request_id)
        body = self.body_class(data=request.data)
        body.is_valid(raise_exception=True)
        self.act(request, found, body.validated_data)
        shown = request_for_officer(found.pk)
        return Response(RequestDetailSerializer(shown, context={"request": request}).data)


def _action(summary: str, body, description: str = ""):
    """An action view's body serializer and its schema, named once."""
    schema = extend_schema(
        tags=[QUEUE],
        summary=summary,
        description=description,
        request=body,
        responses={200: RequestDetailSerializer, **errors(400, 403, 404)},
    )

    def decorate(view_class):
        view_class.body_class = body
        return schema(view_class)

    return decorate


@_action(
    "Assign a request to a privacy officer, or to nobody (officers)",
    RequestAssignSerializer,
    "Open requests only.",
)
class RequestAssignView(RequestActionView):
    def act(self, request, found, data):
        services.request_assign(request=found, assignee=data["assignee"], actor=request.user)


@_action(
    "Ask the person for proof of identity; the clock stops until it is verified (officers)",
    RequestReasonSerializer,
    "Only a request just received. `reason` says what proof is needed and is emailed.",
)
class RequestIdentityView(RequestActionView):
    def act(self, request, found, data):
        services.request_identity_ask(request=found, actor=request.user, reason=data["reason"])


@_action(
    "Identity is confirmed: the clock runs again and fulfilment starts (officers)",
    RequestVerifySerializer,
    "Access and portability: a package is built. Erasure: consent in scope is withdrawn and "
    "an erasure job starts. Objection: the purpose is withdrawn and the request completes.",
)
class RequestVerifyView(RequestActionView):
    def act(self, request, found, data):
        services.request_verify(
            request=found, actor=request.user, identity_check=data.get("identity_check", "")
        )


@_action(
    "Extend the deadline once, with a reason, before it passes (officers)",
    RequestExtendSerializer,
    "GDPR: up to two further months; CPRA: up to 45 days. The person is told.",
)
class RequestExtendView(RequestActionView):
    def act(self, request, found, data):
        services.request_extend(
            request=found, actor=request.user, days=data["days"], reason=data["reason"]
        )


@_action(
    "Reject a request, saying why (officers)",
    RequestRejectSerializer,
    "The person is told, with their right to complain to the supervisory authority.",
)
class RequestRejectView(RequestActionView):
    def act(self, request, found, data):
        services.request_reject(request=found, actor=request.user, reason=data["reason"])


@_action(
    "Complete a restriction, rectification or objection request (officers)",
    RequestCompleteSerializer,
    "Restriction: `restrict` true or false (false needs an `outcome`). Rectification: "
    "`corrections` of profile fields and/or an `outcome` saying why recorded events are not "
    "corrected. Access, portability and erasure complete by themselves.",
)
class RequestCompleteView(RequestActionView):
    def act(self, request, found, data):
        services.request_complete(
            request=found,
            actor=request.user,
            outcome=data.get("outcome", ""),
            restrict=data.get("restrict"),
            corrections=data.get("corrections"),
        )


@_action(
    "Revoke the download link of a request's package (officers)",
    RequestReasonSerializer,
    "The file can no longer be downloaded; the person sees the package as revoked. 404 when "
    "the request has no package.",
)
class RequestPackageRevokeView(RequestActionView):
    def act(self, request, found, data):
        package = request_package(found)
        if package is None:
            raise NotFound(_("This request has no package."))
        # Imported here: the exports service is the packages' own module.
        from governance.services.exports import package_revoke

        package_revoke(package=package, actor=request.user, reason=data["reason"])
