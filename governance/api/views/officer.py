"""Officer and legal views of people: pseudonymous lists, audited disclosure, aggregates.

Nothing here shows one named person's consent choice except the disclosure
endpoint, which demands a reason and writes it to the audit log first.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.filters import OwedErasureFilter
from governance.api.permissions import IsOfficerOrLegal, IsPrivacyOfficer
from governance.api.schema import errors
from governance.api.serializers.consent import OwedErasureSerializer
from governance.api.serializers.officer import (
    AggregateQuerySerializer,
    ConsentAggregatesSerializer,
    ConsentDisclosureSerializer,
    DisclosureReasonSerializer,
    LeavingSerializer,
    LeavingStateSerializer,
    RestrictionSerializer,
    RestrictionStateSerializer,
)
from governance.api.views.base import JSONBodyMixin
from governance.models import Employee, ErasureCause, OwedErasure
from governance.selectors.consent import owed_erasures_all
from governance.selectors.counts import consent_aggregates_counted
from governance.services.disclosure import employee_consent_disclose
from governance.services.people import employee_leave
from governance.services.restriction import employee_processing_restrict


@extend_schema(
    tags=["erasures"],
    summary="Every erasure owed after a withdrawal (officers)",
    description="Named by subject pseudonym, the key the data stores use: a list of who "
    "withdrew is not something an officer needs to act on it.",
)
class OwedErasuresView(generics.ListAPIView):
    permission_classes = [IsPrivacyOfficer]
    serializer_class = OwedErasureSerializer
    filterset_class = OwedErasureFilter
    queryset = OwedErasure.objects.none()

    def get_queryset(self):
        return owed_erasures_all().order_by("-created_at", "-pk")


class ConsentDisclosureView(JSONBodyMixin, APIView):
    """POST, not GET: the read needs a reason and leaves an audit event."""

    permission_classes = [IsPrivacyOfficer]

    @extend_schema(
        tags=["disclosure"],
        summary="Disclose one employee's consent to an officer, audited with a reason",
        request=DisclosureReasonSerializer,
        responses={200: ConsentDisclosureSerializer, **errors(400, 403, 404)},
    )
    def post(self, request, employee_number):
        employee = get_object_or_404(
            Employee.objects.select_related("user"), employee_number=employee_number
        )
        serializer = DisclosureReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        disclosed = employee_consent_disclose(
            viewer=request.user, employee=employee, reason=serializer.validated_data["reason"]
        )
        return Response(ConsentDisclosureSerializer({"employee": employee, **disclosed}).data)


class ConsentAggregatesView(APIView):
    permission_classes = [IsOfficerOrLegal]

    @extend_schema(
        tags=["reports"],
        summary="People per department or country who granted consent, small groups suppressed",
        description="A group is suppressed (granted: null) when it has fewer than "
        "min_group_size people, or when those who granted or those who did not are fewer: "
        "either would reveal one person's choice. The counts are at most "
        "CONSENT_AGGREGATES_MAX_AGE seconds old (60 by default); `counted_at` says when.",
        parameters=[
            OpenApiParameter("group_by", enum=["department", "country"], default="department"),
            OpenApiParameter("purpose", str, description="Purpose slug"),
        ],
        responses={200: ConsentAggregatesSerializer, **errors(400, 403)},
    )
    def get(self, request):
        query = AggregateQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        group_by = query.validated_data["group_by"]
        purpose = query.validated_data.get("purpose")
        counted = consent_aggregates_counted(group_by=group_by, purpose=purpose)
        body = {
            "group_by": group_by,
            "purpose": purpose.slug if purpose else None,
            "min_group_size": counted.min_group_size,
            "counted_at": counted.counted_at,
            "rows": counted.rows,
        }
        return Response(ConsentAggregatesSerializer(body).data)


class ProcessingRestrictionView(JSONBodyMixin, APIView):
    """Restrict (or resume) processing of one person's interaction data."""

    permission_classes = [IsPrivacyOfficer]

    @extend_schema(
        tags=["disclosure"],
        summary="Restrict or resume ingestion of one employee's data (Art. 18), audited",
        request=RestrictionSerializer,
        responses={200: RestrictionStateSerializer, **errors(400, 403, 404)},
    )
    def post(self, request, employee_number):
        employee = get_object_or_404(Employee, employee_number=employee_number)
        serializer = RestrictionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        employee = employee_processing_restrict(
            employee=employee, actor=request.user, **serializer.validated_data
        )
        return Response(
            RestrictionStateSerializer(
                {
                    "employee_number": employee.employee_number,
                    "restricted": employee.processing_restricted_at is not None,
                    "restricted_since": employee.processing_restricted_at,
                    "preserve_for_legal_claim": employee.restriction_preserves,
                }
            ).data
        )


class LeavingView(JSONBodyMixin, APIView):
    """Record that one person left: their data is erased and their capture stops."""

    permission_classes = [IsPrivacyOfficer]

    @extend_schema(
        tags=["disclosure"],
        summary="Record that an employee left: erase all their interaction data, stop capture",
        description="Starts an erasure job (cause `left`) through the normal engine, with its "
        "signed receipt, and restricts their capture in the same transaction. Their consent "
        "evidence is kept and pseudonymised `EVIDENCE_RETENTION_DAYS` after `left_at`. "
        "Another `left_at` for someone who left is refused (400).",
        request=LeavingSerializer,
        responses={200: LeavingStateSerializer, **errors(400, 403, 404)},
    )
    def post(self, request, employee_number):
        employee = get_object_or_404(Employee, employee_number=employee_number)
        serializer = LeavingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        employee = employee_leave(
            employee=employee, actor=request.user, **serializer.validated_data
        )
        job = (
            employee.erasure_jobs.filter(cause=ErasureCause.LEFT)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        return Response(
            LeavingStateSerializer(
                {
                    "employee_number": employee.employee_number,
                    "left_at": employee.left_at,
                    "restricted": employee.processing_restricted_at is not None,
                    "erasure_job": job,
                    "evidence_pseudonymised_at": employee.evidence_pseudonymised_at,
                }
            ).data
        )
