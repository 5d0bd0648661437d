"""Interaction data for retention tests, written straight into the stores' tables."""

import itertools
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.utils import timezone

from governance.models import ActivityDay, DropTally, SessionSummary
from governance.models.ingestion import EVENT_TABLE
from governance.stores.events import event_partition_create, partition_name

_ids = itertools.count(10**12)  # clear of the identity sequence


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def days_ago(n: int, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(UTC).date() - timedelta(days=n)


def partition_exists(day: date) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partition_name(day)])
        return cursor.fetchone()[0]


def attached_partition(day: date) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s))",
            [partition_name(day)],
        )
        return cursor.fetchone()[0]


def add_events(rows: list[tuple]) -> list[int]:
    """Rows of (ts, subject, application, data_kind); returns the ids given to them."""
    ids = [next(_ids) for _ in rows]
    if not rows:
        return ids
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {EVENT_TABLE} (id, ts, subject, application_id, data_kind_id,
                    purpose_id, event_type, consent_version, device_id, session_id, batch_id)
                SELECT i, t, s, a, k, 1, 'key_down', 1, 1, 's-1', gen_random_uuid()
                FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::bigint[],
                            %s::bigint[]) AS r(i, t, s, a, k)""",
            [
                ids,
                [r[0] for r in rows],
                [r[1] for r in rows],
                [r[2].pk for r in rows],
                [r[3].pk for r in rows],
            ],
        )
    return ids


def fill_day(day: date, count: int, subject: str, application, data_kind) -> None:
    """`count` events spread over one day, inserted in SQL."""
    event_partition_create(day)
    start = midnight(day)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {EVENT_TABLE} (ts, subject, application_id, data_kind_id,
                    purpose_id, event_type, consent_version, device_id, session_id, batch_id)
                SELECT %s + g * (interval '1 day' / %s), %s, %s, %s, 1, 'key_down', 1, 1, 's-1',
                       gen_random_uuid()
                FROM generate_series(0, %s - 1) AS g""",
            [start, count, subject, application.pk, data_kind.pk, count],
        )


def event_ids() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {EVENT_TABLE}")
        return {row[0] for row in cursor.fetchall()}


def count_events(**where) -> int:
    clauses = " AND ".join(f"{column} = %s" for column in where) or "TRUE"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {EVENT_TABLE} WHERE {clauses}", list(where.values()))
        return cursor.fetchone()[0]


def add_summary(device, subject: str, application, started_at: datetime, counts: dict):
    return SessionSummary.objects.create(
        subject=subject,
        device=device,
        session_id=f"s{next(_ids)}",
        application=application,
        started_at=started_at,
        ended_at=started_at + timedelta(minutes=30),
        events=sum(counts.values()),
        counts=counts,
        active_seconds=600,
        refreshed_at=started_at,
    )


def add_activity(subject: str, day: date, application, data_kind, events: int = 10):
    return ActivityDay.objects.create(
        subject=subject,
        day=day,
        application=application,
        data_kind=data_kind,
        events=events,
        last_recorded=midnight(day),
    )


def add_tally(day: date, reason: str = "no_consent", events: int = 3, device=None):
    """Refused events of a day: tallied per device, naming no one."""
    return DropTally.objects.create(device=device, day=day, reason=reason, events=events)
