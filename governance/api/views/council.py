"""GET /api/v1/council/summary: the works council's dashboard as JSON, aggregates only."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.schema import errors
from governance.api.serializers.council import CouncilSummarySerializer
from governance.models import Role
from governance.selectors.council import council_summary
from governance.services.people import user_has_role


class IsWorksCouncil(BasePermission):
    message = _("Only the works council may do this.")

    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, Role.WORKS_COUNCIL)


class CouncilSummaryView(APIView):
    permission_classes = [IsWorksCouncil]

    @extend_schema(
        tags=["works council"],
        summary="Opt-in rates, data volumes, erasures, requests on time, retention, safeguards",
        description="Aggregates of the whole programme for employee representatives, the "
        "numbers of the /council/ page. No figure concerns one person: counts of people, "
        "erasure jobs or requests below min_group_size are null, and an opt-in rate is "
        "suppressed when the group, those who granted or those who did not are fewer. "
        "Months are the last twelve, UTC, oldest first.",
        responses={200: CouncilSummarySerializer, **errors(403)},
    )
    def get(self, request):
        return Response(CouncilSummarySerializer(council_summary()).data)
