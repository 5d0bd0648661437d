"""The audit log and its verification, for privacy officers and legal.

Subjects are pseudonyms. Filtering by a person and revealing who a pseudonym is
are reads of that person's data, audited like every other.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.pagination import SeqCursorPagination
from governance.api.permissions import IsOfficerOrLegal
from governance.api.schema import errors
from governance.api.serializers.audit import (
    AuditEventSerializer,
    AuditQuerySerializer,
    ChainVerificationSerializer,
    RevealedSubjectSerializer,
    RevealSerializer,
)
from governance.api.views.base import JSONBodyMixin
from governance.models import AuditEvent
from governance.selectors.audit import audit_entries_masked, audit_events_for, audit_people_resolve
from governance.services.audit import audit_verify
from governance.services.disclosure import UnknownSubject, personal_data_viewed, subject_reveal


@extend_schema(
    tags=["audit"],
    summary="The audit log, newest first (cursor-paginated)",
    description="Subjects are pseudonyms; fields that would tie an entry to a person are "
    "masked and named in `masked`. Filtering by a person (`subject` as an employee number or "
    "email, or `actor` an employee) is recorded as a read of their data. Pages follow "
    "`next`: a deep page costs what the first does, and nothing counts the log.",
    parameters=[AuditQuerySerializer],
    responses={200: AuditEventSerializer(many=True), **errors(400, 403)},
)
class AuditEventsView(generics.ListAPIView):
    permission_classes = [IsOfficerOrLegal]
    serializer_class = AuditEventSerializer
    pagination_class = SeqCursorPagination
    filter_backends = []
    queryset = AuditEvent.objects.none()

    def list(self, request, *args, **kwargs):
        query = AuditQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        who = audit_people_resolve(
            subject=filters.get("subject", ""),
            actor=filters.get("actor") or filters.get("actor_id", ""),
        )
        events = audit_events_for(
            who=who,
            action=filters.get("action", "").strip(),
            since=filters.get("from"),
            until=filters.get("to"),
        )
        page = audit_entries_masked(self.paginate_queryset(events))
        # After the read, so the page shows the log as it was when asked.
        personal_data_viewed(
            viewer=request.user,
            people=who.people,
            what="audit events",
            details={"named_by": who.named_by} if who.named_by else None,
        )
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)


class AuditRevealView(JSONBodyMixin, APIView):
    permission_classes = [IsOfficerOrLegal]

    @extend_schema(
        tags=["audit"],
        summary="Who a pseudonym is: name and employee number, for a stated reason",
        description="Recorded as a read of the person's identity (`personal_data.viewed`, "
        'what `identity`) with the reason; the person sees it in "Who accessed my data". '
        "404 when nobody has the pseudonym.",
        request=RevealSerializer,
        responses={200: RevealedSubjectSerializer, **errors(400, 403, 404)},
    )
    def post(self, request):
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            person = subject_reveal(viewer=request.user, **body.validated_data)
        except UnknownSubject as exc:
            raise NotFound(_("Nobody has this pseudonym.")) from exc
        return Response(RevealedSubjectSerializer(person).data)


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
