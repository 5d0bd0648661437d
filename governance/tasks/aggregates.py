from celery import shared_task

from governance.services import aggregates


@shared_task(name="governance.tasks.aggregates.consent_aggregates_refresh")
def consent_aggregates_refresh() -> int:
    """Recount the consent aggregates pages read before they grow too old."""
    return aggregates.consent_aggregates_refresh()
