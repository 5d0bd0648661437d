"""The audit log and its verification, for privacy officers and legal."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.filters import AuditEventFilter
from governance.api.pagination import SeqCursorPagination
from governance.api.permissions import IsOfficerOrLegal
from governance.api.schema import errors
from governance.api.serializers.audit import AuditEventSerializer, ChainVerificationSerializer
from governance.models import AuditEvent
from governance.selectors.audit import audit_events_list
from governance.services.audit import audit_verify


@extend_schema(tags=["audit"], summary="The audit log, newest first (cursor-paginated)")
class AuditEventsView(generics.ListAPIView):
    permission_classes = [IsOfficerOrLegal]
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    pagination_class = SeqCursorPagination
    queryset = AuditEvent.objects.none()

    def get_queryset(self):
        return audit_events_list()


class AuditVerifyView(APIView):
    permission_classes = [IsOfficerOrLegal]

    @extend_schema(
        tags=["audit"],
        summary="Recompute the hash chain from the genesis",
        description="ok with the count and head, or the first sequence number that does "
        "not hold and why.",
        responses={200: ChainVerificationSerializer, **errors(403)},
    )
    def get(self, request):
        return Response(ChainVerificationSerializer(audit_verify()).data)
