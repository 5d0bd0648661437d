"""Beat tasks that end consent by age and owe erasure after the grace period.

Each commits batch by batch and only takes rows still due, so a run that dies
part-way, or two runs at once, leave nothing done twice; what one run leaves (it
stops after MAX_BATCHES) the next one takes.
"""

from celery import shared_task

from governance.services.consent import (
    LAPSE_BATCH_SIZE,
    consents_expire_batch,
    consents_owe_erasure_after_grace,
)

MAX_BATCHES = 100  # per run: a worker is not held for hours by one backlog


def _in_batches(step, batch_size: int | None) -> int:
    batch_size = batch_size or LAPSE_BATCH_SIZE
    done = 0
    for _ in range(MAX_BATCHES):
        count = step(batch_size=batch_size)
        done += count
        if count < batch_size:
            break
    return done


@shared_task(name="governance.tasks.consent.consents_expire_due")
def consents_expire_due(batch_size: int | None = None) -> int:
    """Expire grants older than CONSENT_MAX_AGE_DAYS; how many."""
    return _in_batches(consents_expire_batch, batch_size)


@shared_task(name="governance.tasks.consent.consents_grace_enforce")
def consents_grace_enforce(batch_size: int | None = None) -> int:
    """Owe erasure of data kept under lapsed or expired grants past the grace period."""
    return _in_batches(consents_owe_erasure_after_grace, batch_size)
