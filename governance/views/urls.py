from django.urls import path

from governance.views import (
    audit,
    consent,
    council,
    datasets,
    devices,
    erasure,
    health,
    holds,
    home,
    language,
    my_data,
    notices,
    packages,
    people,
    reports,
    requests,
    retention,
)
from governance.views.catalogue import catalogue_urls

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("metrics", health.metrics, name="metrics"),
    path("", home.HomeView.as_view(), name="home"),
    path("language/", language.LanguageView.as_view(), name="language"),
    # The employee's own consent
    path("consent/", consent.MyConsentView.as_view(), name="consent"),
    path("consent/grant/", consent.GrantView.as_view(), name="consent-grant"),
    path("consent/withdraw/", consent.WithdrawView.as_view(), name="consent-withdraw"),
    path("consent/withdraw-all/", consent.WithdrawAllView.as_view(), name="consent-withdraw-all"),
    path(
        "consent/receipts/<uuid:receipt_id>.json",
        consent.ReceiptDownloadView.as_view(),
        name="consent-receipt",
    ),
    path("consent/access-log/", consent.AccessLogView.as_view(), name="consent-access-log"),
    path("consent/erasures/", erasure.MyErasuresView.as_view(), name="my-erasures"),
    path(
        "consent/erasures/<int:job_id>/receipt.json",
        erasure.MyErasureReceiptView.as_view(),
        name="my-erasure-receipt",
    ),
    path("my-data/", my_data.MyDataView.as_view(), name="my-data"),
    path("requests/", requests.MyRequestsView.as_view(), name="my-requests"),
    path("requests/<int:pk>/", requests.MyRequestView.as_view(), name="my-request"),
    path(
        "requests/<int:pk>/withdraw/",
        requests.MyRequestWithdrawView.as_view(),
        name="my-request-withdraw",
    ),
    path(
        "requests/<int:pk>/status.json",
        requests.MyRequestStatusView.as_view(),
        name="my-request-status",
    ),
    path(
        "requests/packages/<str:token>/",
        packages.PackageDownloadView.as_view(),
        name="package-download",
    ),
    path("notices/<int:version>/", notices.NoticePublicView.as_view(), name="notice"),
    # Privacy officers
    *catalogue_urls(),
    path("officer/notices/", notices.NoticeListView.as_view(), name="officer-notices"),
    path("officer/notices/new/", notices.NoticeCreateView.as_view(), name="officer-notices-new"),
    path(
        "officer/notices/<int:version>/",
        notices.NoticeDetailView.as_view(),
        name="officer-notice",
    ),
    path(
        "officer/notices/<int:version>/edit/",
        notices.NoticeEditView.as_view(),
        name="officer-notice-edit",
    ),
    path(
        "officer/notices/<int:version>/texts/<str:language>/",
        notices.NoticeTextView.as_view(),
        name="officer-notice-text",
    ),
    path(
        "officer/notices/<int:version>/texts/<str:language>/remove/",
        notices.NoticeTextRemoveView.as_view(),
        name="officer-notice-text-remove",
    ),
    path("officer/devices/", devices.DeviceListView.as_view(), name="officer-devices"),
    path(
        "officer/devices/<int:pk>/revoke/",
        devices.DeviceRevokeView.as_view(),
        name="officer-device-revoke",
    ),
    path("officer/pipelines/", datasets.PipelineListView.as_view(), name="officer-pipelines"),
    path(
        "officer/pipelines/<int:pk>/revoke/",
        datasets.PipelineRevokeView.as_view(),
        name="officer-pipeline-revoke",
    ),
    path("officer/datasets/", datasets.DatasetListView.as_view(), name="officer-datasets"),
    path("officer/models/", datasets.ModelListView.as_view(), name="officer-models"),
    path(
        "officer/datasets/status.json",
        datasets.DatasetStatusView.as_view(),
        name="officer-datasets-status",
    ),
    path("officer/erasures/", people.ErasuresOwedView.as_view(), name="officer-erasures"),
    path("officer/erasure-jobs/", erasure.ErasureJobsView.as_view(), name="officer-erasure-jobs"),
    path(
        "officer/erasure-jobs/<int:job_id>/",
        erasure.ErasureJobDetailView.as_view(),
        name="officer-erasure-job",
    ),
    path(
        "officer/erasure-jobs/<int:job_id>/receipt.json",
        erasure.ErasureJobReceiptView.as_view(),
        name="officer-erasure-job-receipt",
    ),
    path("officer/requests/", requests.QueueView.as_view(), name="officer-requests"),
    path(
        "officer/requests/new/",
        requests.OfficerRequestNewView.as_view(),
        name="officer-request-new",
    ),
    path(
        "officer/requests/<int:pk>/", requests.OfficerRequestView.as_view(), name="officer-request"
    ),
    path(
        "officer/requests/<int:pk>/status.json",
        requests.OfficerRequestStatusView.as_view(),
        name="officer-request-status",
    ),
    path("officer/retention/", retention.PoliciesView.as_view(), name="officer-retention"),
    path(
        "officer/retention/new/", retention.PolicyFormView.as_view(), name="officer-retention-new"
    ),
    path(
        "officer/retention/<int:pk>/edit/",
        retention.PolicyFormView.as_view(),
        name="officer-retention-edit",
    ),
    path(
        "officer/retention/<int:pk>/disable/",
        retention.PolicyDisableView.as_view(),
        name="officer-retention-disable",
    ),
    path(
        "officer/retention/dry-run/",
        retention.DryRunView.as_view(),
        name="officer-retention-dry-run",
    ),
    path("officer/retention/runs/", retention.RunsView.as_view(), name="officer-retention-runs"),
    path("officer/people/", people.PeopleView.as_view(), name="officer-people"),
    path(
        "officer/people/<int:pk>/consent/",
        people.ConsentDisclosureView.as_view(),
        name="officer-person-consent",
    ),
    path(
        "officer/people/<int:pk>/leaving/",
        people.LeavingView.as_view(),
        name="officer-person-leaving",
    ),
    path("officer/aggregates/", people.AggregatesView.as_view(), name="officer-aggregates"),
    # Legal
    path("legal/holds/", holds.HoldListView.as_view(), name="legal-holds"),
    path("legal/holds/new/", holds.HoldCreateView.as_view(), name="legal-hold-new"),
    path("legal/holds/<int:pk>/", holds.HoldDetailView.as_view(), name="legal-hold"),
    path("legal/holds/<int:pk>/edit/", holds.HoldEditView.as_view(), name="legal-hold-edit"),
    path(
        "legal/holds/<int:pk>/release/", holds.HoldReleaseView.as_view(), name="legal-hold-release"
    ),
    # Privacy officers and legal
    path("audit/", audit.AuditLogView.as_view(), name="audit"),
    path("audit/reveal/", audit.RevealView.as_view(), name="audit-reveal"),
    # The works council
    path("council/", council.CouncilDashboardView.as_view(), name="council"),
    path("legal/reports/", reports.ReportsPageView.as_view(), name="legal-reports"),
    path(
        "legal/reports/status.json",
        reports.ReportsStatusView.as_view(),
        name="legal-reports-status",
    ),
    path(
        "legal/reports/download/<str:token>/",
        reports.ReportDownloadView.as_view(),
        name="report-download",
    ),
]
