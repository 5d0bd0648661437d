"""The caller's own consent, receipts and access log (their erasures: views.erasure).

Every query here is scoped to `request.user.employee`; nothing takes an
employee id, so nobody can reach another person's records through /me.
"""

import ipaddress

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.pagination import SeqCursorPagination
from governance.api.permissions import IsEmployee
from governance.api.schema import errors
from governance.api.serializers.audit import AccessLogEntrySerializer
from governance.api.serializers.consent import (
    ConsentChangeSerializer,
    GrantSerializer,
    MyConsentsSerializer,
    WithdrawSerializer,
)
from governance.api.views.base import JSONBodyMixin
from governance.models import AuditEvent, ConsentMethod
from governance.selectors.audit import audit_events_about
from governance.selectors.consent import (
    consent_event_for,
    consent_history_for,
    consent_needs_review,
    consent_scopes_for,
    owed_erasures_for,
)
from governance.selectors.notices import notice_current, notice_reading, reader_language
from governance.services.consent import (
    RequestContext,
    consent_grant,
    consent_withdraw,
    consent_withdraw_all,
)
from governance.services.receipts import consent_receipt

TAG = "my consent"


def api_request_context(request) -> RequestContext:
    """Where a consent change came from: this API, the peer address, the client's agent."""
    address = request.META.get("REMOTE_ADDR") or None
    try:
        ipaddress.ip_address(address or "")
    except ValueError:
        address = None  # a unix-socket peer has no address to record
    return RequestContext(
        method=ConsentMethod.API,
        ip_address=address,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def consent_change_response(request, events: list) -> Response:
    """201 with the new events, or 200 and `changed: false` when nothing changed."""
    body = ConsentChangeSerializer(
        {"changed": bool(events), "events": events}, context={"request": request}
    ).data
    if not events:
        return Response(body, status=status.HTTP_200_OK)
    headers = {"Location": body["events"][0]["receipt_url"]} if len(events) == 1 else {}
    return Response(body, status=status.HTTP_201_CREATED, headers=headers)


class MyConsentsView(APIView):
    permission_classes = [IsEmployee]

    @extend_schema(
        tags=[TAG],
        summary="My consent: notice, every scope's state, history, pending erasures",
        responses={200: MyConsentsSerializer, **errors(403)},
    )
    def get(self, request):
        employee = request.user.employee
        notice = notice_current()
        reading = notice and notice_reading(notice, language=reader_language(employee))
        data = {
            "notice": notice,
            "notice_text": reading,
            "needs_review": consent_needs_review(employee=employee),
            "scopes": consent_scopes_for(employee=employee, notice=notice),
            "history": consent_history_for(employee=employee),
            "pending_erasures": owed_erasures_for(employee=employee)
            .select_related("employee")
            .order_by("-created_at"),
        }
        return Response(MyConsentsSerializer(data, context={"request": request}).data)


CHANGE_RESPONSES = {
    201: OpenApiResponse(ConsentChangeSerializer, description="Changed; the new events."),
    200: OpenApiResponse(
        ConsentChangeSerializer, description="Already in that state: `changed: false`."
    ),
    **errors(400, 403),
}


class MyConsentGrantView(JSONBodyMixin, APIView):
    permission_classes = [IsEmployee]

    @extend_schema(
        tags=[TAG],
        summary="Grant consent for one scope under the current notice",
        request=GrantSerializer,
        responses=CHANGE_RESPONSES,
    )
    def post(self, request):
        serializer = GrantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = consent_grant(
            employee=request.user.employee,
            actor=request.user,
            context=api_request_context(request),
            **serializer.validated_data,
        )
        return consent_change_response(request, [event] if event else [])


class MyConsentWithdrawView(JSONBodyMixin, APIView):
    permission_classes = [IsEmployee]

    @extend_schema(
        tags=[TAG],
        summary='Withdraw one scope, or everything with {"all": true}',
        description="Each withdrawal also records that the data held under the scope is "
        "owed erasure. A scope you hold can be withdrawn even after it was disabled.",
        request=WithdrawSerializer,
        responses=CHANGE_RESPONSES,
    )
    def post(self, request):
        employee = request.user.employee
        serializer = WithdrawSerializer(data=request.data, context={"employee": employee})
        serializer.is_valid(raise_exception=True)
        context = api_request_context(request)
        if serializer.validated_data.get("all"):
            events = consent_withdraw_all(employee=employee, actor=request.user, context=context)
        else:
            event = consent_withdraw(
                employee=employee,
                scope=serializer.validated_data["scope"],
                actor=request.user,
                context=context,
            )
            events = [event] if event else []
        return consent_change_response(request, events)


class MyConsentReceiptView(APIView):
    """Download the signed receipt of one of your own consent changes."""

    permission_classes = [IsEmployee]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        tags=[TAG],
        summary="Signed Kantara v1.1 consent receipt (Ed25519), as an attachment",
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The signed receipt."),
            **errors(403, 404),
        },
    )
    def get(self, request, receipt_id):
        event = consent_event_for(employee=request.user.employee, receipt_id=receipt_id)
        if event is None:
            raise NotFound("No such receipt.")
        response = Response(consent_receipt(event))
        response["Content-Disposition"] = (
            f'attachment; filename="consent-receipt-{event.receipt_id}.json"'
        )
        return response


@extend_schema(tags=[TAG], summary="Who did what with my data (the audit log about me)")
class MyAccessLogView(generics.ListAPIView):
    permission_classes = [IsEmployee]
    serializer_class = AccessLogEntrySerializer
    pagination_class = SeqCursorPagination
    queryset = AuditEvent.objects.none()

    def get_queryset(self):
        return audit_events_about(employee=self.request.user.employee)
