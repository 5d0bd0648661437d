"""Retention enforcement (daily by beat, and after a hold is released)."""

from celery import shared_task


@shared_task(name="governance.tasks.retention.retention_enforce")
def retention_enforce() -> list[int]:
    from governance.services.retention import retention_enforce as enforce

    return [run.pk for run in enforce()]
