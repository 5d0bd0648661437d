from celery import shared_task

from governance.stores.events import event_partitions_adopt_strays, event_partitions_ensure
from governance.stores.sessions import sessions_refresh_pending


@shared_task(name="governance.tasks.ingestion.sessions_refresh")
def sessions_refresh() -> int:
    """Drain the session summary to-do list (also run by beat, in case a publish was lost)."""
    done = 0
    while True:
        batch = sessions_refresh_pending()
        done += batch
        if batch == 0:
            return done


@shared_task(name="governance.tasks.ingestion.event_partitions_maintain")
def event_partitions_maintain() -> list[str]:
    """Create day partitions ahead, and give any day stranded in DEFAULT its own."""
    return event_partitions_ensure() + event_partitions_adopt_strays()
