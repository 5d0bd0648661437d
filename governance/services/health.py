"""Liveness of the parts the portal depends on: database, Redis and a Celery worker."""

import time
from functools import lru_cache

import redis
from django.conf import settings
from django.db import connection
from redis.backoff import NoBackoff
from redis.retry import Retry


@lru_cache(maxsize=1)
def redis_client() -> redis.Redis:
    # One quick retry covers a pooled connection that a restarted server dropped; more
    # (redis-py's default is ten, with backoff) would hold a request for seconds
    # before it can answer 503 while Redis is down.
    return redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=2,
        socket_connect_timeout=2,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 1),
    )


def worker_heartbeat_write(hostname: str) -> None:
    ttl = settings.WORKER_HEARTBEAT_MAX_AGE * 4
    redis_client().set(settings.WORKER_HEARTBEAT_KEY, f"{time.time():.3f} {hostname}", ex=ttl)


def worker_heartbeat_age() -> float | None:
    """Seconds since any worker last wrote its heartbeat, or None if none has."""
    value = redis_client().get(settings.WORKER_HEARTBEAT_KEY)
    if value is None:
        return None
    stamp = float(value.split(b" ", 1)[0])
    return max(0.0, time.time() - stamp)


def health_check() -> dict[str, dict]:
    report: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = {"status": "ok"}
    except Exception as exc:  # any failure means not healthy; say which
        report["database"] = {"status": "failing", "error": exc.__class__.__name__}
    try:
        redis_client().ping()
        report["redis"] = {"status": "ok"}
    except Exception as exc:
        report["redis"] = {"status": "failing", "error": exc.__class__.__name__}
    try:
        age = worker_heartbeat_age()
    except Exception as exc:
        report["worker"] = {"status": "failing", "error": exc.__class__.__name__}
    else:
        if age is None:
            report["worker"] = {"status": "failing", "error": "no heartbeat"}
        elif age > settings.WORKER_HEARTBEAT_MAX_AGE:
            report["worker"] = {"status": "failing", "error": f"heartbeat {age:.0f}s old"}
        else:
            report["worker"] = {"status": "ok", "heartbeat_age_seconds": round(age, 1)}
    return report
