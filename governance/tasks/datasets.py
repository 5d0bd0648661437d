"""Dataset snapshot tasks take ids, keep all state in PostgreSQL, and are safe to run twice."""

from celery import shared_task

from governance.services import datasets


@shared_task(name="governance.tasks.datasets.dataset_build")
def dataset_build(dataset_id: int) -> str | None:
    return datasets.dataset_build(dataset_id)


@shared_task(name="governance.tasks.datasets.datasets_reconcile")
def datasets_reconcile() -> int:
    stale = datasets.datasets_reconcile()
    for dataset_id in stale:
        dataset_build.delay(dataset_id)
    return len(stale)
