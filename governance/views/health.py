"""Liveness and metrics for load balancers and Prometheus: unauthenticated, read-only.

Every number in /metrics is computed from PostgreSQL and Redis when it is
scraped, so every gunicorn worker answers the same; per-process counters
would each see only the requests that worker served.
"""

from django.db.models import Count, Max
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from governance.models import (
    AuditEvent,
    CaptureDevice,
    ConsentState,
    ErasureJob,
    LegalHold,
    OwedErasure,
)
from governance.services.health import health_check
from governance.services.metrics import ingest_counters


def _is_healthy(checks: dict[str, dict]) -> bool:
    return all(check["status"] == "ok" for check in checks.values())


@never_cache
@require_safe
def healthz(request):
    checks = health_check()
    healthy = _is_healthy(checks)
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": checks},
        status=200 if healthy else 503,
    )


class PortalCollector(Collector):
    """Health and governance totals, read fresh on every scrape."""

    def collect(self):
        checks = health_check()
        health = GaugeMetricFamily(
            "portal_health_ok", "1 when the check passes, 0 when it fails.", labels=["check"]
        )
        for name, check in checks.items():
            health.add_metric([name], 1.0 if check["status"] == "ok" else 0.0)
        yield health
        if checks["database"]["status"] == "ok":
            yield from self._database_metrics()
        if checks["redis"]["status"] == "ok":
            yield from self._ingest_metrics()

    def _ingest_metrics(self):
        """Counted in Redis by every web process after each batch commits."""
        counters = ingest_counters()
        yield CounterMetricFamily(
            "portal_ingest_batches", "Event batches stored.", value=counters.get("batches", 0)
        )
        events = CounterMetricFamily(
            "portal_ingest_events", "Events by outcome and reason.", labels=["outcome", "reason"]
        )
        events.add_metric(["accepted", ""], counters.get("accepted", 0))
        for key, value in sorted(counters.items()):
            if key.startswith("dropped:"):
                events.add_metric(["dropped", key.split(":", 1)[1]], value)
        yield events
        yield CounterMetricFamily(
            "portal_ingest_redacted_keystrokes",
            "Keystrokes whose character was replaced by a class marker.",
            value=counters.get("redacted", 0),
        )

    def _database_metrics(self):
        consent = GaugeMetricFamily(
            "portal_consent_states", "Consent scopes by current state.", labels=["state"]
        )
        counts = dict(ConsentState.objects.values_list("state").annotate(n=Count("pk")))
        for state in ConsentState.State:
            consent.add_metric([state.value], counts.get(state.value, 0))
        yield consent

        owed = OwedErasure.objects.filter(state=OwedErasure.State.OWED).count()
        yield GaugeMetricFamily(
            "portal_owed_erasures_pending", "Erasures owed after a withdrawal.", value=owed
        )

        # The chain's seq runs 1, 2, 3... without gaps (audit_verify checks it),
        # so the head is the count without scanning an ever-growing table.
        head = AuditEvent.objects.aggregate(head=Max("seq"))["head"] or 0
        yield CounterMetricFamily("portal_audit_events", "Audit events recorded.", value=head)

        jobs = GaugeMetricFamily("portal_erasure_jobs", "Erasure jobs by state.", labels=["state"])
        by_state = dict(ErasureJob.objects.values_list("state").annotate(n=Count("pk")))
        for state in ErasureJob.State:
            jobs.add_metric([state.value], by_state.get(state.value, 0))
        yield jobs
        holds = LegalHold.objects.filter(released_at__isnull=True).count()
        yield GaugeMetricFamily("portal_legal_holds_active", "Legal holds in force.", value=holds)

        devices = CaptureDevice.objects.filter(revoked_at__isnull=True).count()
        yield GaugeMetricFamily(
            "portal_capture_devices_active", "Capture devices not revoked.", value=devices
        )


registry = CollectorRegistry(auto_describe=False)
registry.register(PortalCollector())


@never_cache
@require_safe
def metrics(request):
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
