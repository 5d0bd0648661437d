"""/api/v1/: paths are contracts (DESIGN.md §6). No trailing slashes."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from governance.api.errors import guarded
from governance.api.views import (
    audit,
    catalogue,
    council,
    datasets,
    devices,
    erasure,
    holds,
    ingest,
    me,
    my_data,
    notices,
    officer,
    reports,
    requests,
    retention,
)

router = SimpleRouter(trailing_slash=False)
router.register("applications", catalogue.ApplicationViewSet, basename="api-application")
router.register("data-kinds", catalogue.DataKindViewSet, basename="api-data-kind")
router.register("purposes", catalogue.PurposeViewSet, basename="api-purpose")
router.register("safeguards", catalogue.SafeguardViewSet, basename="api-safeguard")
router.register("notices", notices.NoticeViewSet, basename="api-notice")
router.register("devices", devices.DeviceViewSet, basename="api-device")
router.register("pipelines", datasets.PipelineViewSet, basename="api-pipeline")
router.register("datasets", datasets.DatasetViewSet, basename="api-dataset")
router.register("models", datasets.TrainedModelViewSet, basename="api-model")
router.register("legal-holds", holds.LegalHoldViewSet, basename="api-legal-hold")
router.register(
    "retention-policies", retention.RetentionPolicyViewSet, basename="api-retention-policy"
)

endpoints = [
    path("ingest/batches", ingest.IngestBatchView.as_view(), name="api-ingest-batches"),
    path("ingest/policy", ingest.CapturePolicyView.as_view(), name="api-ingest-policy"),
    path("me/consents", me.MyConsentsView.as_view(), name="api-my-consents"),
    path("me/consents/grant", me.MyConsentGrantView.as_view(), name="api-my-consent-grant"),
    path(
        "me/consents/withdraw", me.MyConsentWithdrawView.as_view(), name="api-my-consent-withdraw"
    ),
    path(
        "me/consents/receipts/<uuid:receipt_id>",
        me.MyConsentReceiptView.as_view(),
        name="api-my-consent-receipt",
    ),
    path("me/erasures", erasure.MyErasuresView.as_view(), name="api-my-erasures"),
    path("me/erasures/<int:job_id>", erasure.MyErasureView.as_view(), name="api-my-erasure"),
    path(
        "me/erasures/<int:job_id>/receipt",
        erasure.MyErasureReceiptView.as_view(),
        name="api-my-erasure-receipt",
    ),
    path("me/requests", requests.MyRequestsView.as_view(), name="api-my-requests"),
    path("me/requests/<int:request_id>", requests.MyRequestView.as_view(), name="api-my-request"),
    path(
        "me/requests/<int:request_id>/withdraw",
        requests.MyRequestWithdrawView.as_view(),
        name="api-my-request-withdraw",
    ),
    path("me/access-log", me.MyAccessLogView.as_view(), name="api-my-access-log"),
    path("me/data", my_data.MyDataView.as_view(), name="api-my-data"),
    path("erasures/owed", officer.OwedErasuresView.as_view(), name="api-erasures-owed"),
    path("erasure-jobs", erasure.ErasureJobsView.as_view(), name="api-erasure-jobs"),
    path("erasure-jobs/<int:job_id>", erasure.ErasureJobView.as_view(), name="api-erasure-job"),
    path(
        "employees/<str:employee_number>/consent-disclosure",
        officer.ConsentDisclosureView.as_view(),
        name="api-consent-disclosure",
    ),
    path(
        "employees/<str:employee_number>/restriction",
        officer.ProcessingRestrictionView.as_view(),
        name="api-processing-restriction",
    ),
    path(
        "employees/<str:employee_number>/leaving",
        officer.LeavingView.as_view(),
        name="api-employee-leaving",
    ),
    path(
        "reports/consent-aggregates",
        officer.ConsentAggregatesView.as_view(),
        name="api-consent-aggregates",
    ),
    path("reports", reports.ReportsView.as_view(), name="api-reports"),
    path("reports/<int:report_id>", reports.ReportView.as_view(), name="api-report"),
    path("requests", requests.RequestsView.as_view(), name="api-requests"),
    path("requests/<int:request_id>", requests.RequestView.as_view(), name="api-request"),
    *(
        path(
            f"requests/<int:request_id>/{action}",
            view.as_view(),
            name=f"api-request-{action.replace('/', '-')}",
        )
        for action, view in (
            ("assign", requests.RequestAssignView),
            ("identity", requests.RequestIdentityView),
            ("verify", requests.RequestVerifyView),
            ("extend", requests.RequestExtendView),
            ("reject", requests.RequestRejectView),
            ("complete", requests.RequestCompleteView),
            ("package/revoke", requests.RequestPackageRevokeView),
        )
    ),
    path("retention-runs", retention.RetentionRunsView.as_view(), name="api-retention-runs"),
    path("council/summary", council.CouncilSummaryView.as_view(), name="api-council-summary"),
    path("audit/events", audit.AuditEventsView.as_view(), name="api-audit-events"),
    path("audit/verify", audit.AuditVerifyView.as_view(), name="api-audit-verify"),
    path("audit/reveal", audit.AuditRevealView.as_view(), name="api-audit-reveal"),
    *router.urls,
]

# A NUL in the path or query string is refused before any view runs (errors.py says why).
urlpatterns = [guarded(pattern) for pattern in endpoints]
