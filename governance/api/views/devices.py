"""Capture devices (officers only). A token is shown once, in the creation response."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.filters import DeviceFilter
from governance.api.permissions import IsPrivacyOfficer
from governance.api.schema import errors
from governance.api.serializers.devices import (
    DeviceCreatedSerializer,
    DeviceCreateSerializer,
    DeviceSerializer,
)
from governance.api.views.base import JSONBodyMixin
from governance.models import CaptureDevice
from governance.selectors.catalogue import devices_list
from governance.services.devices import device_create, device_revoke


@extend_schema_view(
    list=extend_schema(summary="List capture devices (token prefixes only)"),
    retrieve=extend_schema(summary="One capture device"),
    create=extend_schema(
        summary="Register a capture device and get its token",
        description="The token is in this response and nowhere else, ever: only its hash "
        "is stored.",
        request=DeviceCreateSerializer,
        responses={201: DeviceCreatedSerializer, **errors(400, 403)},
    ),
    revoke=extend_schema(
        summary="Revoke a device's token; revoking twice changes nothing",
        request=None,
        responses={200: DeviceSerializer, **errors(403, 404)},
    ),
)
@extend_schema(tags=["devices"])
class DeviceViewSet(
    JSONBodyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsPrivacyOfficer]
    serializer_class = DeviceSerializer
    queryset = CaptureDevice.objects.none()
    filterset_class = DeviceFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return devices_list()

    def create(self, request):
        serializer = DeviceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device, token = device_create(name=serializer.validated_data["name"], actor=request.user)
        body = {**DeviceSerializer(device).data, "token": token}
        # The secret must not linger in any cache between here and the officer.
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        device = device_revoke(device=self.get_object(), actor=request.user)
        return Response(DeviceSerializer(device).data)
