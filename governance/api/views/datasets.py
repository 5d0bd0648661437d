"""Training pipelines (officers register and revoke them) and dataset snapshots (asked for
by an officer or a pipeline, which sees only its own)."""

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from governance.api.permissions import IsPrivacyOfficer
from governance.api.schema import errors
from governance.api.serializers.datasets import (
    DatasetCreateSerializer,
    DatasetSerializer,
    FlaggedModelSerializer,
    ModelCreateSerializer,
    PipelineCreatedSerializer,
    PipelineCreateSerializer,
    PipelineSerializer,
    TrainedModelSerializer,
)
from governance.api.tokens import BearerTokenAuthentication
from governance.api.views.base import JSONBodyMixin
from governance.models import DatasetSnapshot, TrainedModel, TrainingPipeline
from governance.selectors.datasets import (
    datasets_readable,
    datasets_visible,
    models_flagged,
    models_list,
    pipelines_list,
)
from governance.services.datasets import dataset_request
from governance.services.lineage import dataset_read, model_register
from governance.services.pipelines import pipeline_authenticate, pipeline_create, pipeline_revoke
from governance.stores.datasets import shard_open

PARQUET = "application/vnd.apache.parquet"


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
    message = gettext_lazy("Only privacy officers and training pipelines may do this.")

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, TrainingPipeline):
            return True
        return IsPrivacyOfficer().has_permission(request, view)


class IsPipeline(BasePermission):
    message = gettext_lazy("Only training pipelines read datasets and register models.")

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, TrainingPipeline)


class IsOfficerNotPipeline(IsPrivacyOfficer):
    """An officer's route on a viewset that also takes pipeline tokens (a pipeline is no
    person: it has no roles to ask about)."""

    def has_permission(self, request, view) -> bool:
        return not isinstance(request.auth, TrainingPipeline) and super().has_permission(
            request, view
        )


def request_pipeline(request) -> TrainingPipeline | None:
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
    readable=extend_schema(
        summary="Ready datasets this pipeline may read (of its purposes)",
        description="Asked for by an officer or by this pipeline; not another pipeline's.",
        responses={200: DatasetSerializer(many=True), **errors(401, 403)},
    ),
    manifest=extend_schema(
        summary="Read a ready dataset's manifest (audited)",
        description="Recorded as `dataset.read` naming the pipeline and the purpose, and as "
        "a read of each person in the dataset, which they see under Who accessed my data.",
        responses={200: OpenApiTypes.OBJECT, **errors(401, 403, 404)},
    ),
    shard=extend_schema(
        summary="Download one shard of a ready dataset, streamed (audited)",
        description="Parquet, streamed from the storage. `X-Content-SHA256` is the "
        "manifest's hash of the file. Recorded as `dataset.read` and as a read of each "
        "person the shard holds.",
        responses={(200, PARQUET): OpenApiTypes.BINARY, **errors(401, 403, 404)},
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
        return datasets_visible(pipeline=request_pipeline(self.request))

    def create(self, request):
        serializer = DatasetCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pipeline = request_pipeline(request)
        dataset = dataset_request(
            actor=pipeline or request.user, pipeline=pipeline, **serializer.validated_data
        )
        dataset = self.get_queryset().get(pk=dataset.pk)
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)

    def _readable(self, pk) -> DatasetSnapshot:
        dataset = datasets_readable(pipeline=request_pipeline(self.request)).filter(pk=pk).first()
        if dataset is None:
            raise NotFound(_("No such ready dataset for this pipeline."))
        return dataset

    # A plain list, unpaged: the ready snapshots of one pipeline's purposes are few.
    @action(detail=False, methods=["get"], permission_classes=[IsPipeline], pagination_class=None)
    def readable(self, request):
        datasets = datasets_readable(pipeline=request_pipeline(request))
        return Response(DatasetSerializer(datasets, many=True).data)

    @action(detail=True, methods=["get"], permission_classes=[IsPipeline])
    def manifest(self, request, pk=None):
        dataset = self._readable(pk)
        dataset_read(pipeline=request_pipeline(request), dataset=dataset)
        return Response(dataset.manifest)

    @action(
        detail=True,
        methods=["get"],
        url_path=r"shards/(?P<index>\d+)",
        permission_classes=[IsPipeline],
    )
    def shard(self, request, pk=None, index=None):
        dataset = self._readable(pk)
        shards = dataset.manifest.get("shards", [])
        number = int(index)
        if number >= len(shards):
            raise NotFound(_("No such shard in this dataset."))
        entry = shards[number]
        dataset_read(pipeline=request_pipeline(request), dataset=dataset, shard=number)
        # Streamed from the storage in blocks: a shard is never read whole into memory.
        response = FileResponse(
            shard_open(dataset.location, entry["name"]),
            as_attachment=True,
            filename=f"dataset-{dataset.pk}-{entry['name']}",
            content_type=PARQUET,
        )
        response["Content-Length"] = str(entry["bytes"])
        response["X-Content-SHA256"] = entry["sha256"]
        return response


@extend_schema_view(
    list=extend_schema(
        summary="Registered models and the datasets they were trained on (officers)",
        responses={200: TrainedModelSerializer(many=True), **errors(401, 403)},
    ),
    retrieve=extend_schema(
        summary="One registered model (officers)",
        responses={200: TrainedModelSerializer, **errors(401, 403, 404)},
    ),
    create=extend_schema(
        summary="Register a model a pipeline trained on some datasets",
        description="Only a pipeline registers, and only with datasets it can read "
        "(ready, of its purposes, not another pipeline's): 400 naming `datasets` otherwise.",
        request=ModelCreateSerializer,
        responses={201: TrainedModelSerializer, **errors(400, 401, 403)},
    ),
    flagged=extend_schema(
        summary="Models trained on data since withdrawn, with counts per model (officers)",
        description="A withdrawal, an objection or an erasure reached a dataset the model "
        "was trained on after it was trained: the input to a decision to retrain.",
        responses={200: FlaggedModelSerializer(many=True), **errors(401, 403)},
    ),
)
@extend_schema(tags=["datasets"])
class TrainedModelViewSet(
    JSONBodyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    authentication_classes = DatasetViewSet.authentication_classes
    permission_classes = [IsOfficerNotPipeline, IsPipeline]  # which one: get_permissions
    serializer_class = TrainedModelSerializer
    queryset = TrainedModel.objects.none()
    lookup_value_regex = r"\d+"

    def get_permissions(self):
        return [IsPipeline()] if self.action == "create" else [IsOfficerNotPipeline()]

    def get_queryset(self):
        return models_list()

    def create(self, request):
        serializer = ModelCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pipeline = request_pipeline(request)
        model = model_register(
            pipeline=pipeline,
            readable=datasets_readable(pipeline=pipeline),
            **serializer.validated_data,
        )
        model = models_list().get(pk=model.pk)
        return Response(TrainedModelSerializer(model).data, status=status.HTTP_201_CREATED)

    # A plain list, unpaged: one row per flagged model.
    @action(detail=False, methods=["get"], pagination_class=None)
    def flagged(self, request):
        return Response(FlaggedModelSerializer(models_flagged(), many=True).data)
