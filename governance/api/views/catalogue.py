"""Catalogue: applications, data kinds, purposes and safeguard rules.

Officers create, edit (PATCH) and disable; nothing is deleted, because past
consent events and receipts point at these rows (DELETE and PUT are 405).
Objects are addressed by numeric id; each carries its slug too. Read access is
decided by permissions.CatalogueAccess.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.permissions import CatalogueAccess
from governance.api.schema import errors
from governance.api.serializers.catalogue import (
    ApplicationSerializer,
    DataKindSerializer,
    PurposeSerializer,
    SafeguardSerializer,
)
from governance.api.views.base import JSONBodyMixin
from governance.models import Application, DataKind, Purpose, SafeguardRule
from governance.selectors.catalogue import (
    applications_list,
    data_kinds_list,
    purposes_list,
    safeguards_list,
)
from governance.services.catalogue import catalogue_create, catalogue_disable, catalogue_update


def _documented(noun: str, serializer, readers: str):
    return extend_schema_view(
        list=extend_schema(summary=f"List {noun}", description=readers),
        retrieve=extend_schema(
            summary=f"One of the {noun}",
            description=readers,
            responses={200: serializer, **errors(403, 404)},
        ),
        create=extend_schema(
            summary=f"Create one of the {noun} (officers)",
            responses={201: serializer, **errors(400, 403)},
        ),
        partial_update=extend_schema(
            summary=f"Change some fields of one of the {noun} (officers)",
            responses={200: serializer, **errors(400, 403, 404)},
        ),
        disable=extend_schema(
            summary=f"Disable one of the {noun} (officers); it stays in the history",
            request=None,
            responses={200: serializer, **errors(403, 404)},
        ),
    )


class CatalogueViewSet(
    JSONBodyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [CatalogueAccess]
    employee_readable = True
    lookup_value_regex = r"\d+"
    model: type
    selector = None

    def get_queryset(self):
        return self.selector()

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = catalogue_create(self.model, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        row = self.get_object()
        serializer = self.get_serializer(row, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        row = catalogue_update(row, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(row).data)

    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        row = catalogue_disable(self.get_object(), actor=request.user)
        return Response(self.get_serializer(row).data)


EVERYONE = "Officers, legal and employees: people may see what could be recorded about them."


@_documented("applications", ApplicationSerializer, EVERYONE)
@extend_schema(tags=["catalogue"])
class ApplicationViewSet(CatalogueViewSet):
    model = Application
    selector = staticmethod(applications_list)
    queryset = Application.objects.none()
    serializer_class = ApplicationSerializer
    filterset_fields = ["enabled"]


@_documented("data kinds", DataKindSerializer, EVERYONE)
@extend_schema(tags=["catalogue"])
class DataKindViewSet(CatalogueViewSet):
    model = DataKind
    selector = staticmethod(data_kinds_list)
    queryset = DataKind.objects.none()
    serializer_class = DataKindSerializer
    filterset_fields = ["enabled"]


@_documented("purposes", PurposeSerializer, EVERYONE)
@extend_schema(tags=["catalogue"])
class PurposeViewSet(CatalogueViewSet):
    model = Purpose
    selector = staticmethod(purposes_list)
    queryset = Purpose.objects.none()
    serializer_class = PurposeSerializer
    filterset_fields = ["enabled", "use"]


@_documented(
    "safeguard rules",
    SafeguardSerializer,
    "Officers and legal only: the rules describe how the filters work, which would help "
    "anyone trying to get data past them.",
)
@extend_schema(tags=["catalogue"])
class SafeguardViewSet(CatalogueViewSet):
    employee_readable = False
    model = SafeguardRule
    selector = staticmethod(safeguards_list)
    queryset = SafeguardRule.objects.none()
    serializer_class = SafeguardSerializer
    filterset_fields = ["enabled", "kind"]
