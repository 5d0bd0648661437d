"""Ingestion counters shared by every web process: one Redis hash, incremented after commit."""

from governance.services.health import redis_client

INGEST_COUNTERS = "portal:metrics:ingest"


def ingest_counters_add(result) -> None:
    pipe = redis_client().pipeline()
    pipe.hincrby(INGEST_COUNTERS, "batches", 1)
    pipe.hincrby(INGEST_COUNTERS, "accepted", result.accepted)
    pipe.hincrby(INGEST_COUNTERS, "redacted", result.redacted)
    for reason, count in result.dropped.items():
        pipe.hincrby(INGEST_COUNTERS, f"dropped:{reason}", count)
    pipe.execute()


def ingest_counters() -> dict[str, int]:
    raw = redis_client().hgetall(INGEST_COUNTERS)
    return {key.decode(): int(value) for key, value in raw.items()}
