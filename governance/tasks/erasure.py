"""Erasure tasks take ids, keep all state in PostgreSQL, and are safe to run twice."""

from celery import shared_task

from governance.services import erasure


@shared_task(name="governance.tasks.erasure.erasure_job_advance")
def erasure_job_advance(job_id: int) -> None:
    erasure.erasure_job_advance(job_id)


@shared_task(name="governance.tasks.erasure.erasure_step_run")
def erasure_step_run(step_id: int) -> str | None:
    outcome = erasure.erasure_step_run(step_id)
    return outcome.state if outcome else None


@shared_task(name="governance.tasks.erasure.owed_erasures_schedule")
def owed_erasures_schedule() -> int:
    return erasure.owed_erasures_schedule()


@shared_task(name="governance.tasks.erasure.erasure_deferred_resume")
def erasure_deferred_resume() -> int:
    return erasure.erasure_deferred_resume()


@shared_task(name="governance.tasks.erasure.erasure_reconcile")
def erasure_reconcile() -> dict:
    return erasure.erasure_reconcile()
