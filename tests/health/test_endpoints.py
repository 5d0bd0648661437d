"""/healthz and /metrics against real PostgreSQL, Redis and a real Celery worker."""

import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from governance.models import AuditEvent
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.devices import device_create, device_revoke
from governance.services.health import redis_client

pytestmark = [pytest.mark.urls("tests.health.urls"), pytest.mark.django_db]


@pytest.fixture
def heartbeat_key(settings, request):
    """A heartbeat key of this test's own, which no running worker writes."""
    settings.WORKER_HEARTBEAT_KEY = f"portal:test:heartbeat:{request.node.name}"
    yield settings.WORKER_HEARTBEAT_KEY
    redis_client().delete(settings.WORKER_HEARTBEAT_KEY)


def statuses(response) -> dict[str, str]:
    return {name: check["status"] for name, check in response.json()["checks"].items()}


def samples(response) -> dict[tuple, float]:
    families = text_string_to_metric_families(response.content.decode())
    return {
        (sample.name, *sorted(sample.labels.items())): sample.value
        for family in families
        for sample in family.samples
    }


@pytest.mark.worker
def test_healthz_is_ok_while_a_real_worker_runs(client, celery_worker):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert statuses(response) == {"database": "ok", "redis": "ok", "worker": "ok"}


@pytest.mark.worker
def test_healthz_recovers_when_a_killed_worker_is_restarted(client, celery_worker, settings):
    deadline = time.monotonic() + 30
    while not celery_worker.pool_pids() and time.monotonic() < deadline:
        time.sleep(0.05)  # the pool starts after the first heartbeat
    assert celery_worker.pool_pids(), "the worker's pool never started"

    celery_worker.kill()
    assert celery_worker.processes() == [], "pool processes outlived the killed worker"
    redis_client().delete(settings.WORKER_HEARTBEAT_KEY)
    assert client.get("/healthz").status_code == 503

    celery_worker.restart()

    assert client.get("/healthz").status_code == 200


def test_healthz_fails_with_503_when_no_worker_has_a_heartbeat(client, heartbeat_key):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert statuses(response) == {"database": "ok", "redis": "ok", "worker": "failing"}
    assert body["checks"]["worker"]["error"] == "no heartbeat"


def test_healthz_fails_when_the_heartbeat_is_stale(client, heartbeat_key, settings):
    stale = time.time() - settings.WORKER_HEARTBEAT_MAX_AGE - 60
    redis_client().set(heartbeat_key, f"{stale:.3f} gone@nowhere")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert statuses(response)["worker"] == "failing"


def test_healthz_needs_no_login_and_accepts_only_reads(client, heartbeat_key):
    assert client.get("/healthz").status_code == 503  # answered, not redirected to login
    assert client.post("/healthz").status_code == 405


def test_metrics_expose_health_and_governance_totals(
    client, heartbeat_key, alice, olivia, scope, other_scope
):
    redis_client().set(heartbeat_key, f"{time.time():.3f} test@here")
    context = RequestContext()
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=context)
    consent_grant(employee=alice.employee, scope=other_scope, actor=alice, context=context)
    consent_withdraw(employee=alice.employee, scope=other_scope, actor=alice, context=context)
    device_create(name="Laptop 1", actor=olivia)
    revoked, _token = device_create(name="Laptop 2", actor=olivia)
    device_revoke(device=revoked, actor=olivia)

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    metrics = samples(response)
    for check in ("database", "redis", "worker"):
        assert metrics[("portal_health_ok", ("check", check))] == 1.0
    assert metrics[("portal_consent_states", ("state", "granted"))] == 1.0
    assert metrics[("portal_consent_states", ("state", "withdrawn"))] == 1.0
    assert metrics[("portal_consent_states", ("state", "lapsed"))] == 0.0
    assert metrics[("portal_owed_erasures_pending",)] == 1.0
    assert metrics[("portal_capture_devices_active",)] == 1.0
    assert metrics[("portal_audit_events_total",)] == AuditEvent.objects.count() > 0


def test_metrics_report_a_failing_worker_as_zero(client, heartbeat_key):
    metrics = samples(client.get("/metrics"))

    assert metrics[("portal_health_ok", ("check", "worker"))] == 0.0
    assert metrics[("portal_health_ok", ("check", "database"))] == 1.0
