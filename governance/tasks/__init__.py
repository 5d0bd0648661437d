from governance.tasks.ingestion import event_partitions_maintain, sessions_refresh
from governance.tasks.notices import notices_apply_due

__all__ = ["event_partitions_maintain", "notices_apply_due", "sessions_refresh"]
