"""Retention (officers): policies, what they would delete now, and the evidence of runs.

Policies are never deleted (DELETE and PUT are 405): runs point at them as
evidence. A policy stops applying when it is disabled.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.filters import RetentionRunFilter
from governance.api.permissions import IsPrivacyOfficer
from governance.api.schema import errors
from governance.api.serializers.retention import (
    RetentionPolicySerializer,
    RetentionPolicyWriteSerializer,
    RetentionPreviewSerializer,
    RetentionRunSerializer,
)
from governance.api.views.base import JSONBodyMixin
from governance.models import RetentionPolicy, RetentionRun
from governance.selectors.retention import retention_policies_list, retention_runs_list
from governance.services.retention import (
    retention_dry_run,
    retention_policy_create,
    retention_policy_disable,
    retention_policy_update,
)

TAGS = ["retention"]


@extend_schema_view(
    list=extend_schema(summary="Retention policies"),
    retrieve=extend_schema(
        summary="One retention policy",
        responses={200: RetentionPolicySerializer, **errors(403, 404)},
    ),
    create=extend_schema(
        summary="Create a retention policy: keep a store's data N days",
        description="Empty or absent `purposes`/`applications`/`data_kinds` cover every one. "
        "Where several enabled policies cover the same data, the shortest keep wins, unless a "
        "policy with `legal_minimum` keeps it longer (the longest legal minimum is a floor).",
        request=RetentionPolicyWriteSerializer,
        responses={201: RetentionPolicySerializer, **errors(400, 403)},
    ),
    partial_update=extend_schema(
        summary="Change a retention policy",
        description="Also how a disabled policy is enabled again (`enabled: true`).",
        request=RetentionPolicyWriteSerializer,
        responses={200: RetentionPolicySerializer, **errors(400, 403, 404)},
    ),
    disable=extend_schema(
        summary="Disable a retention policy; its runs stay as evidence",
        request=None,
        responses={200: RetentionPolicySerializer, **errors(403, 404)},
    ),
    dry_run=extend_schema(
        summary="What every enabled policy would delete now, per store",
        description="Counts rows past their cut-off under the policy that decides them (the "
        "shortest keep covering a row, or the longest legal minimum if longer), with that "
        "policy's scope, and the rows a legal hold or a restriction preserving data for a legal "
        "claim would keep. Nothing is deleted or recorded.",
        responses={200: RetentionPreviewSerializer(many=True), **errors(403)},
    ),
)
@extend_schema(tags=TAGS)
class RetentionPolicyViewSet(
    JSONBodyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsPrivacyOfficer]
    serializer_class = RetentionPolicySerializer
    queryset = RetentionPolicy.objects.none()
    filterset_fields = ["store", "enabled"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return retention_policies_list()

    def create(self, request):
        serializer = RetentionPolicyWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy = retention_policy_create(actor=request.user, **serializer.validated_data)
        return Response(self._shown(policy), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        policy = self.get_object()
        serializer = RetentionPolicyWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = retention_policy_update(
            policy=policy, actor=request.user, **serializer.validated_data
        )
        return Response(self._shown(policy))

    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        policy = retention_policy_disable(policy=self.get_object(), actor=request.user)
        return Response(self._shown(policy))

    @action(
        detail=False, methods=["get"], url_path="dry-run", pagination_class=None, filter_backends=[]
    )
    def dry_run(self, request):
        previews = retention_dry_run()
        return Response(RetentionPreviewSerializer(previews, many=True).data)

    def _shown(self, policy: RetentionPolicy) -> dict:
        return RetentionPolicySerializer(retention_policies_list().get(pk=policy.pk)).data


@extend_schema(
    tags=TAGS,
    summary="Evidence of retention enforcement: one run per policy and store, newest first",
)
class RetentionRunsView(generics.ListAPIView):
    permission_classes = [IsPrivacyOfficer]
    serializer_class = RetentionRunSerializer
    filterset_class = RetentionRunFilter
    queryset = RetentionRun.objects.none()

    def get_queryset(self):
        return retention_runs_list()
