"""The Celery application: queues, routing and the worker heartbeat."""

import os
import time

from celery import Celery, bootsteps, signals
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("ingest", "erasure", "exports", "default")]
app.conf.task_routes = {
    "governance.tasks.ingestion.*": {"queue": "ingest"},
    "governance.tasks.erasure.*": {"queue": "erasure"},
    "governance.tasks.exports.*": {"queue": "exports"},
    "governance.tasks.reports.*": {"queue": "exports"},
    "governance.tasks.datasets.*": {"queue": "exports"},
}
app.autodiscover_tasks(["governance"], related_name="tasks")
# Celery's Django fixup closes a task's database connection before and after every task
# unless told to reuse it: each task then opened one of its own, which cost 10-20 ms on a
# busy machine, more than an erasure step of an empty store. Kept instead as Django keeps
# a request's (below); the fixup still closes it after this many tasks. (The fixup reads
# this one name as it stands, not as a namespaced setting.)
app.conf.CELERY_DB_REUSE_MAX = 1000
app.conf.beat_schedule = {
    "notices-apply-due": {
        "task": "governance.tasks.notices.notices_apply_due",
        "schedule": 60.0,
    },
    "consents-expire-due": {
        "task": "governance.tasks.consent.consents_expire_due",
        "schedule": 600.0,
    },
    "consents-grace-enforce": {
        "task": "governance.tasks.consent.consents_grace_enforce",
        "schedule": 600.0,
    },
    "sessions-refresh": {
        "task": "governance.tasks.ingestion.sessions_refresh",
        "schedule": 30.0,
    },
    "aggregate-counts-refresh": {
        "task": "governance.tasks.aggregates.counts_refresh",
        "schedule": 30.0,
    },
    "erasure-reconcile": {
        "task": "governance.tasks.erasure.erasure_reconcile",
        "schedule": 30.0,
    },
    "export-packages-reconcile": {
        "task": "governance.tasks.exports.export_packages_reconcile",
        "schedule": 60.0,
    },
    "datasets-reconcile": {
        "task": "governance.tasks.datasets.datasets_reconcile",
        "schedule": 60.0,
    },
    "reports-reconcile": {
        "task": "governance.tasks.reports.reports_reconcile",
        "schedule": 60.0,
    },
    "retention-enforce": {
        "task": "governance.tasks.retention.retention_enforce",
        "schedule": crontab(hour=3, minute=15),
    },
    "consent-network-data-minimise": {
        "task": "governance.tasks.privacy.consent_network_data_minimise",
        "schedule": crontab(hour=3, minute=45),
    },
    "leavers-evidence-pseudonymise": {
        "task": "governance.tasks.privacy.leavers_evidence_pseudonymise",
        "schedule": crontab(hour=4, minute=0),
    },
    "legal-holds-remind-review": {
        "task": "governance.tasks.holds.legal_holds_remind_review",
        "schedule": crontab(hour=7, minute=5),
    },
    "requests-remind": {
        "task": "governance.tasks.requests.requests_remind",
        "schedule": crontab(hour=7, minute=0),
    },
    "event-partitions-maintain": {
        "task": "governance.tasks.ingestion.event_partitions_maintain",
        "schedule": 3600.0,
    },
}


@app.on_after_configure.connect
def _audit_checkpoint_schedule(sender, **kwargs):
    # Its interval is a setting: read once Celery has loaded Django's settings, never at import.
    from django.conf import settings

    sender.add_periodic_task(
        settings.AUDIT_CHECKPOINT_MINUTES * 60.0,
        sender.signature("governance.tasks.audit.audit_checkpoint_sign"),
        name="audit-checkpoint-sign",
    )


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes the time into Redis every few seconds while the worker consumes.

    `/healthz` reports the worker as failing when the stamp grows stale, so a
    dead or wedged worker is visible without asking the broker.
    """

    requires = {"celery.worker.components:Timer"}

    def start(self, worker):
        from django.conf import settings

        from governance.services.health import worker_heartbeat_write

        self._timer_entry = worker.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_INTERVAL, worker_heartbeat_write, args=(worker.hostname,)
        )
        worker_heartbeat_write(worker.hostname)

    def stop(self, worker):
        entry = getattr(self, "_timer_entry", None)
        if entry is not None:
            entry.cancel()


app.steps["worker"].add(WorkerHeartbeat)


@signals.task_prerun.connect
@signals.task_postrun.connect
def _connections_recycle(sender=None, **kwargs):
    """As around a request: drop a connection that broke or outlived CONN_MAX_AGE, and
    check the one kept before its next use (CONN_HEALTH_CHECKS)."""
    if getattr(sender.request, "is_eager", False):
        return  # inside the caller's transaction: its connection is not ours to close
    from django.db import close_old_connections

    close_old_connections()


def wait_for_heartbeat(timeout: float = 30.0) -> bool:
    """Poll until a worker heartbeat exists (used by tests and the stack)."""
    from governance.services.health import worker_heartbeat_age

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        age = worker_heartbeat_age()
        if age is not None and age < 30:
            return True
        time.sleep(0.1)
    return False
