from celery import shared_task

from governance.selectors import counts


@shared_task(name="governance.tasks.aggregates.counts_refresh")
def counts_refresh() -> int:
    """Recount the counts over everyone that pages read, before they grow too old."""
    return counts.counts_refresh()
