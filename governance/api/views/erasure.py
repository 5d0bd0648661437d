"""Erasure jobs: officers list, follow and start them; employees follow their own.

Officers start an erasure of everything recorded about one person; jobs caused
by withdrawals and requests are started by the engine. The employee's side is
under /me and scoped to `request.user.employee`: another person's job is a 404.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.filters import ErasureJobFilter
from governance.api.permissions import IsEmployee, IsPrivacyOfficer
from governance.api.schema import errors
from governance.api.serializers.erasure import (
    ErasureJobCreateSerializer,
    ErasureJobDetailSerializer,
    ErasureJobSerializer,
    MyErasureSerializer,
)
from governance.api.views.base import JSONBodyMixin
from governance.models import ErasureCause, ErasureJob
from governance.selectors.erasure import (
    employee_find,
    erasure_job_get,
    erasure_jobs_all,
    erasure_views,
    my_erasure_get,
    my_erasures,
)
from governance.services.disclosure import personal_data_viewed
from governance.services.erasure import erasure_job_create

NOT_DONE = gettext_lazy(
    "This erasure is not finished: its receipt is issued once every store has verified "
    "that nothing is left."
)
DEFERRED = gettext_lazy(
    "Part of this erasure is deferred for a legal obligation: its receipt is issued once "
    "the deferred part is erased too."
)


@extend_schema_view(
    get=extend_schema(
        summary="Erasure jobs, newest first (officers)",
        description="Subjects are shown by pseudonym. Filter by `state` and `cause`.",
        responses={200: ErasureJobSerializer(many=True), **errors(400, 403)},
    ),
    post=extend_schema(
        summary="Erase everything recorded about one employee from every store (officers)",
        description="`employee` is an employee number or work email. The job starts at once; "
        "follow it at its `url`. Unless `restrict_capture` is false, the person's capture is "
        "restricted in the same transaction, so nothing new of theirs is stored.",
        request=ErasureJobCreateSerializer,
        responses={201: ErasureJobDetailSerializer, **errors(400, 403)},
    ),
)
@extend_schema(tags=["erasures"])
class ErasureJobsView(JSONBodyMixin, generics.GenericAPIView):
    permission_classes = [IsPrivacyOfficer]
    serializer_class = ErasureJobSerializer
    filterset_class = ErasureJobFilter
    queryset = ErasureJob.objects.none()

    def get_queryset(self):
        return erasure_jobs_all()

    def get(self, request):
        jobs = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        body = ErasureJobSerializer(erasure_views(jobs), many=True, context={"request": request})
        return self.get_paginated_response(body.data)

    def post(self, request):
        serializer = ErasureJobCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        identifier = serializer.validated_data["employee"]
        employee = employee_find(identifier=identifier)
        if employee is None:
            raise ValidationError(
                {
                    "employee": [
                        _("No employee has the number or work email %(identifier)s.")
                        % {"identifier": repr(identifier)}
                    ]
                }
            )
        job = erasure_job_create(
            employee=employee,
            cause=ErasureCause.OFFICER,
            actor=request.user,
            reason=serializer.validated_data["reason"],
            restrict_capture=serializer.validated_data["restrict_capture"],
        )
        view = erasure_job_get(job_id=job.pk)
        body = ErasureJobDetailSerializer(view, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})


@extend_schema(
    tags=["erasures"],
    summary="One erasure job: state, per-store steps and counts, the receipt when done",
    description="Recorded as a read of the person's data (`personal_data.viewed`, what "
    "`erasure job`), which they see; to follow progress, poll the list with `?id=`.",
    responses={200: ErasureJobDetailSerializer, **errors(403, 404)},
)
class ErasureJobView(APIView):
    permission_classes = [IsPrivacyOfficer]

    def get(self, request, job_id):
        view = erasure_job_get(job_id=job_id)
        if view is None:
            raise NotFound(_("No such erasure job."))
        personal_data_viewed(
            viewer=request.user, people=[view.job.employee], what="erasure job", target=view.job
        )
        return Response(ErasureJobDetailSerializer(view, context={"request": request}).data)


TAG = "my consent"


@extend_schema(
    tags=[TAG],
    summary="My erasures: pending, in progress, partly deferred, done",
    description="Every erasure of my data, newest first, with per-store progress. One waiting "
    "to be scheduled after a withdrawal has `id: null`. A job that meets data a legal "
    "obligation requires be kept says so in `note`; what the obligation is is not shown.",
    responses={200: MyErasureSerializer(many=True), **errors(403)},
)
class MyErasuresView(generics.GenericAPIView):
    permission_classes = [IsEmployee]
    serializer_class = MyErasureSerializer
    queryset = ErasureJob.objects.none()  # for the schema; rows come from the selector

    def get(self, request):
        page = self.paginate_queryset(my_erasures(employee=request.user.employee))
        body = MyErasureSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(body.data)


@extend_schema(
    tags=[TAG],
    summary="One of my erasures",
    responses={200: MyErasureSerializer, **errors(403, 404)},
)
class MyErasureView(APIView):
    permission_classes = [IsEmployee]

    def get(self, request, job_id):
        view = my_erasure_get(employee=request.user.employee, job_id=job_id)
        if view is None:
            raise NotFound(_("No such erasure."))
        return Response(MyErasureSerializer(view, context={"request": request}).data)


@extend_schema(
    tags=[TAG],
    summary="The signed receipt of one of my finished erasures (Ed25519), as an attachment",
    description="Check it with `python manage.py receipt_verify FILE`, or with the public key "
    "it names (`publicKey`): the signature covers the canonical JSON (sorted keys, no "
    "spaces) of everything but `signature`.",
    responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, description="The signed receipt."),
        409: OpenApiResponse(
            OpenApiTypes.OBJECT, description="Not finished yet: `{detail: message}`."
        ),
        **errors(403, 404),
    },
)
class MyErasureReceiptView(APIView):
    permission_classes = [IsEmployee]
    renderer_classes = [JSONRenderer]

    def get(self, request, job_id):
        view = my_erasure_get(employee=request.user.employee, job_id=job_id)
        if view is None:
            raise NotFound(_("No such erasure."))
        if not view.receipt:
            detail = str(DEFERRED if view.state == ErasureJob.State.BLOCKED_BY_HOLD else NOT_DONE)
            return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
        response = Response(view.receipt)
        response["Content-Disposition"] = f'attachment; filename="{receipt_filename(view.id)}"'
        return response


def receipt_filename(job_id: int) -> str:
    return f"erasure-receipt-{job_id}.json"
