"""Access package tasks take ids, keep all state in PostgreSQL, and are safe to run twice."""

from celery import shared_task

from governance.services import exports

RETRY_SECONDS = 15


@shared_task(bind=True, name="governance.tasks.exports.export_package_build")
def export_package_build(self, package_id: int) -> str | None:
    outcome = exports.export_package_build(package_id)
    if outcome.retry:
        # The package stays "building" with its error; the reconciler re-drives it too.
        raise self.retry(countdown=RETRY_SECONDS * outcome.attempts, max_retries=None)
    return outcome.state


@shared_task(name="governance.tasks.exports.export_packages_reconcile")
def export_packages_reconcile() -> int:
    stale = exports.export_packages_reconcile()
    for package_id in stale:
        export_package_build.delay(package_id)
    return len(stale)
