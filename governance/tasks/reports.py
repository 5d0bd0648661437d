"""Report tasks take ids, keep all state in PostgreSQL, and are safe to run twice."""

from celery import shared_task

from governance.services import reports

RETRY_SECONDS = 15


@shared_task(bind=True, name="governance.tasks.reports.report_build")
def report_build(self, report_id: int) -> str:
    outcome = reports.report_build(report_id)
    if outcome.retry:
        # Queued again with its error; the reconciler re-drives it too.
        raise self.retry(countdown=RETRY_SECONDS * outcome.attempts, max_retries=None)
    return outcome.state


@shared_task(name="governance.tasks.reports.reports_reconcile")
def reports_reconcile() -> int:
    stale = reports.reports_reconcile()
    for report_id in stale:
        report_build.delay(report_id)
    return len(stale)
