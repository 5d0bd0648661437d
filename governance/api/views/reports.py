"""Legal reports (legal; privacy officers for some kinds): ask for one, follow it, fetch
its signed download link. A report is its requester's: anyone else's is a 404."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from governance.api.permissions import IsOfficerOrLegal
from governance.api.schema import errors
from governance.api.serializers.reports import ReportRequestSerializer, ReportSerializer
from governance.api.views.base import JSONBodyMixin
from governance.models import Report
from governance.selectors.reports import report_of, reports_of
from governance.services.reports import report_request


@extend_schema_view(
    get=extend_schema(
        summary="My reports, newest first",
        responses={200: ReportSerializer(many=True), **errors(400, 403)},
    ),
    post=extend_schema(
        summary="Ask for a report; it is built in the background",
        description="`from` and `to` are whole UTC days, `to` inclusive, at most "
        "REPORT_MAX_DAYS apart; a kind without a period (`processing_record`, as of its "
        "making) takes neither, and its `period` reads the day it was asked for. Follow the report at `GET /api/v1/reports/{id}`: its "
        "`download_url` appears when it is ready.",
        request=ReportRequestSerializer,
        responses={202: ReportSerializer, **errors(400, 403)},
    ),
)
@extend_schema(tags=["reports"])
class ReportsView(JSONBodyMixin, generics.GenericAPIView):
    permission_classes = [IsOfficerOrLegal]
    serializer_class = ReportSerializer
    queryset = Report.objects.none()

    def get_queryset(self):
        return reports_of(user=self.request.user)

    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        body = ReportSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(body.data)

    def post(self, request):
        serializer = ReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        report = report_request(
            actor=request.user,
            kind=data.pop("kind"),
            date_from=data.pop("from", None),
            date_to=data.pop("to", None),
            format=data.pop("format"),
            filters=data,
        )
        body = ReportSerializer(report, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    summary="One of my reports: its state, progress and, when ready, a download link",
    responses={200: ReportSerializer, **errors(403, 404)},
    tags=["reports"],
)
class ReportView(generics.GenericAPIView):
    permission_classes = [IsOfficerOrLegal]
    serializer_class = ReportSerializer
    queryset = Report.objects.none()

    def get(self, request, report_id: int):
        report = report_of(user=request.user, report_id=report_id)
        if report is None:
            raise NotFound(_("No such report of yours."))
        return Response(ReportSerializer(report, context={"request": request}).data)
