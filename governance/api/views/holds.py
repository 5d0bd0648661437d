"""Legal holds (legal only): place, change and release; a hold beats retention and erasure.

Nothing is deleted or replaced (DELETE and PUT are 405): a hold ends by being
released, with a reason, and the deferred deletions it held back resume.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from governance.api.filters import LegalHoldFilter
from governance.api.permissions import IsLegal
from governance.api.schema import errors
from governance.api.serializers.holds import (
    LegalHoldReleaseSerializer,
    LegalHoldSerializer,
    LegalHoldSummarySerializer,
    LegalHoldWriteSerializer,
)
from governance.api.views.base import JSONBodyMixin
from governance.models import LegalHold
from governance.selectors.holds import legal_hold_get, legal_holds_list
from governance.services.disclosure import custodians_viewed
from governance.services.holds import legal_hold_create, legal_hold_release, legal_hold_update


@extend_schema_view(
    list=extend_schema(
        summary="Legal holds, active first",
        description="Custodians by pseudonym; one hold names them.",
        responses={200: LegalHoldSummarySerializer(many=True), **errors(400, 403)},
    ),
    retrieve=extend_schema(
        summary="One legal hold, naming its custodians",
        description="Recorded as a read of each custodian's data (`personal_data.viewed`, "
        "what `legal hold custodian`), which they see.",
        responses={200: LegalHoldSerializer, **errors(403, 404)},
    ),
    create=extend_schema(
        summary="Place a legal hold",
        description="`custodians` are work emails. Absent `starts`/`ends` leave the range open "
        "on that side; absent or empty `stores` covers every store. The answer names the "
        "custodians: recorded as a read of each one's data, as GET of one hold is.",
        request=LegalHoldWriteSerializer,
        responses={201: LegalHoldSerializer, **errors(400, 403)},
    ),
    partial_update=extend_schema(
        summary="Change an active hold",
        description="Narrowing a hold lets deletions it deferred resume. The answer names "
        "the custodians: recorded as a read of each one's data, as GET of one hold is.",
        request=LegalHoldWriteSerializer,
        responses={200: LegalHoldSerializer, **errors(400, 403, 404)},
    ),
    release=extend_schema(
        summary="Release a hold; deletions it deferred resume",
        description="A reason is required (400 naming `reason` without one). Releasing a "
        "hold that is already released changes nothing. The answer "
        "names the custodians: recorded as a read of each one's data, as GET of one hold is.",
        request=LegalHoldReleaseSerializer,
        responses={200: LegalHoldSerializer, **errors(400, 403, 404)},
    ),
)
@extend_schema(tags=["legal holds"])
class LegalHoldViewSet(
    JSONBodyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsLegal]
    serializer_class = LegalHoldSerializer
    queryset = LegalHold.objects.none()
    lookup_value_regex = r"\d+"

    filterset_class = LegalHoldFilter

    def get_queryset(self):
        return legal_holds_list()

    def get_serializer_class(self):
        return LegalHoldSummarySerializer if self.action == "list" else LegalHoldSerializer

    def retrieve(self, request, pk=None):
        hold = self.get_object()
        custodians_viewed(viewer=request.user, hold=hold)
        return Response(LegalHoldSerializer(hold).data)

    def get_object(self):
        hold = legal_hold_get(hold_id=int(self.kwargs["pk"]))
        if hold is None:
            raise NotFound(_("No such legal hold."))
        return hold

    def create(self, request):
        serializer = LegalHoldWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hold = legal_hold_create(actor=request.user, **serializer.validated_data)
        return Response(self._shown(hold), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        hold = self.get_object()
        serializer = LegalHoldWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        hold = legal_hold_update(hold=hold, actor=request.user, **serializer.validated_data)
        return Response(self._shown(hold))

    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        hold = self.get_object()
        serializer = LegalHoldReleaseSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        hold = legal_hold_release(
            hold=hold, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(self._shown(hold))

    def _shown(self, hold: LegalHold) -> dict:
        """The hold as a write answers it: naming its custodians, so a read as GET is."""
        hold = legal_hold_get(hold_id=hold.pk)
        custodians_viewed(viewer=self.request.user, hold=hold)
        return LegalHoldSerializer(hold).data
