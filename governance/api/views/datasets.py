"""Training pipelines (officers register and revoke them) and dataset snapshots (asked for
by an officer or a pipeline, which sees only its own)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from governance.api.permissions import IsPrivacyOfficer
from governance.api.schema import errors
from governance.api.serializers.datasets import (
    DatasetCreateSerializer,
    DatasetSerializer,
    PipelineCreatedSerializer,
    PipelineCreateSerializer,
    PipelineSerializer,
)
from governance.api.tokens import BearerTokenAuthentication
from governance.api.views.base import JSONBodyMixin
from governance.models import DatasetSnapshot, TrainingPipeline
from governance.selectors.datasets import datasets_visible, pipelines_list
from governance.services.datasets import dataset_request
from governance.services.pipelines import pipeline_authenticate, pipeline_create, pipeline_revoke


class PipelineTokenAuthentication(BearerTokenAuthentication):
    """`Authorization: Bearer <pipeline token>`; only the token's hash is stored."""

    kind = "pipeline"
    realm = "datasets"
    find = staticmethod(pipeline_authenticate)


class PipelineTokenScheme(OpenApiAuthenticationExtension):
    target_class = PipelineTokenAuthentication
    name = "pipelineToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A training pipeline token, shown once when it is registered.",
        }


class IsOfficerOrPipeline(BasePermission):
    message = "Only privacy officers and training pipelines may do this."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, TrainingPipeline):
            return True
        return IsPrivacyOfficer().has_permission(request, view)


def _pipeline(request) -> TrainingPipeline | None:
    return request.auth if isinstance(request.auth, TrainingPipeline) else None


@extend_schema_view(
    list=extend_schema(summary="List training pipelines (token prefixes only)"),
    retrieve=extend_schema(summary="One training pipeline"),
    create=extend_schema(
        summary="Register a training pipeline for some purposes and get its token",
        description="The token is in this response and nowhere else, ever: only its hash "
        "is stored. Only permitted, enabled purposes can be named.",
        request=PipelineCreateSerializer,
        responses={201: PipelineCreatedSerializer, **errors(400, 403)},
    ),
    revoke=extend_schema(
        summary="Revoke a pipeline's token; revoking twice changes nothing",
        request=None,
        responses={200: PipelineSerializer, **errors(403, 404)},
    ),
)
@extend_schema(tags=["datasets"])
class PipelineViewSet(
    JSONBodyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsPrivacyOfficer]
    serializer_class = PipelineSerializer
    queryset = TrainingPipeline.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return pipelines_list()

    def create(self, request):
        serializer = PipelineCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pipeline, token = pipeline_create(actor=request.user, **serializer.validated_data)
        body = {**PipelineSerializer(pipeline).data, "token": token}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        pipeline = pipeline_revoke(pipeline=self.get_object(), actor=request.user)
        return Response(PipelineSerializer(pipeline).data)


@extend_schema_view(
    list=extend_schema(
        summary="List dataset snapshots (a pipeline sees its own)",
        responses={200: DatasetSerializer(many=True), **errors(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="One dataset snapshot: state, progress and manifest",
        responses={200: DatasetSerializer, **errors(401, 403, 404)},
    ),
    create=extend_schema(
        summary="Define a dataset snapshot and queue its build",
        description="Built on a worker from the events of the scope whose person has a "
        "live consent for it at build time, is not restricted and has not objected; "
        "every other row is counted by reason in `excluded`. A pipeline may ask only "
        "for the purposes it is registered for (403 otherwise).",
        request=DatasetCreateSerializer,
        responses={201: DatasetSerializer, **errors(400, 401, 403)},
    ),
)
@extend_schema(tags=["datasets"])
class DatasetViewSet(
    JSONBodyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    authentication_classes = [
        PipelineTokenAuthentication,
        *viewsets.GenericViewSet.authentication_classes,
    ]
    permission_classes = [IsOfficerOrPipeline]
    serializer_class = DatasetSerializer
    queryset = DatasetSnapshot.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return datasets_visible(pipeline=_pipeline(self.request))

    def create(self, request):
        serializer = DatasetCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pipeline = _pipeline(request)
        dataset = dataset_request(
            actor=pipeline or request.user, pipeline=pipeline, **serializer.validated_data
        )
        dataset = self.get_queryset().get(pk=dataset.pk)
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)
