"""Counts over everyone, read from a snapshot at most CONSENT_AGGREGATES_MAX_AGE old.

Some figures officers and the works council read count every person: holders per
department, country, application or data kind (a join of all people to their
holdings, or a DISTINCT over every grant: 100 ms to a second at 100,000 people, and
growing with them). They are statistics, not anyone's record, so a page shows the
count as last taken when it is young enough, says when it was taken, and counts
there and then only when it is not. Beat recounts the counts in use before they
reach that age, so a page finds one fresh.

The snapshot is a cache of a read, kept here beside the reads it caches: nothing
acts on it but the pages that show it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from django.conf import settings
from django.db import connection
from django.utils import timezone

from governance.models import AggregateCount, ConsentState, Purpose
from governance.selectors.consent import AggregateRow, consent_aggregates

GROUPINGS = ("department", "country")
HOLDER_COLUMNS = ("application_id", "data_kind_id")


@dataclass(frozen=True)
class Counted:
    groups: list
    counted_at: datetime
    min_group_size: int


@dataclass(frozen=True)
class CountedAggregates:
    rows: list[AggregateRow]
    counted_at: datetime
    min_group_size: int


def consent_aggregates_counted(
    *, group_by: str = "department", purpose: Purpose | None = None
) -> CountedAggregates:
    """`consent_aggregates`, from a count young enough or taken now."""
    if group_by not in GROUPINGS:
        raise ValueError("group_by must be department or country")
    counted = _counted(_consent_key(group_by, purpose), _consent_counter(group_by, purpose))
    rows = [
        AggregateRow(group=group, people=people, granted=granted, suppressed=granted is None)
        for group, people, granted in counted.groups
    ]
    return CountedAggregates(rows, counted.counted_at, counted.min_group_size)


def holders_counted(column: str) -> tuple[dict[int, int], datetime]:
    """People holding at least one granted scope, per application or per data kind (as
    counted, unsuppressed: the caller suppresses against everyone), and when counted."""
    counted = _counted(f"holders:{column}", _holders_counter(column))
    return {pk: n for pk, n in counted.groups}, counted.counted_at


def counts_refresh() -> int:
    """Recount the counts pages read that would grow too old before beat runs again:
    every one a page has asked for, and the aggregates' default groupings. Returns
    how many were counted."""
    due = timezone.now() - timedelta(seconds=settings.CONSENT_AGGREGATES_MAX_AGE / 2)
    wanted = {_consent_key(group_by, None) for group_by in GROUPINGS}
    wanted |= set(AggregateCount.objects.values_list("key", flat=True))
    fresh = set(AggregateCount.objects.filter(counted_at__gt=due).values_list("key", flat=True))
    recounted = 0
    for key in sorted(wanted - fresh):
        counter = _counter_for(key)
        if counter is None:  # a purpose deleted since: nobody can ask for it again
            AggregateCount.objects.filter(key=key).delete()
            continue
        _recount(key, counter)
        recounted += 1
    return recounted


def _counted(key: str, counter: Callable[[], list]) -> Counted:
    snapshot = AggregateCount.objects.filter(key=key).first()
    youngest = timezone.now() - timedelta(seconds=settings.CONSENT_AGGREGATES_MAX_AGE)
    if (
        snapshot is not None
        and snapshot.counted_at >= youngest
        and snapshot.min_group_size == settings.MIN_GROUP_SIZE
    ):
        return Counted(snapshot.groups, snapshot.counted_at, snapshot.min_group_size)
    return _recount(key, counter)


def _recount(key: str, counter: Callable[[], list]) -> Counted:
    """Count now and keep the count, unless a later one was kept meanwhile."""
    # Taken before counting: the count sees at least every change made until then.
    counted_at = timezone.now()
    k = settings.MIN_GROUP_SIZE
    groups = counter()
    table = AggregateCount._meta.db_table
    with connection.cursor() as cursor:
        # Two pages counting at once both store; the later count wins.
        cursor.execute(
            f"""
            INSERT INTO {table} (key, min_group_size, counted_at, groups)
            VALUES (%s, %s, %s, %s::jsonb)
            ON CONFLICT (key) DO UPDATE
               SET min_group_size = EXCLUDED.min_group_size,
                   counted_at = EXCLUDED.counted_at,
                   groups = EXCLUDED.groups
             WHERE {table}.counted_at <= EXCLUDED.counted_at
            """,
            [key, k, counted_at, orjson.dumps(groups).decode()],
        )
    return Counted(groups, counted_at, k)


def _consent_key(group_by: str, purpose: Purpose | None) -> str:
    return f"consent:{group_by}:{purpose.pk if purpose else 'any'}"


def _consent_counter(group_by: str, purpose: Purpose | None) -> Callable[[], list]:
    def count() -> list:
        rows = consent_aggregates(group_by=group_by, purpose=purpose)
        return [[row.group, row.people, row.granted] for row in rows]  # suppressed: None

    return count


def _holders_counter(column: str) -> Callable[[], list]:
    if column not in HOLDER_COLUMNS:
        raise ValueError(f"holders are counted by {' or '.join(HOLDER_COLUMNS)}")

    def count() -> list:
        with connection.cursor() as cursor:
            # Grouped along the column's index, each group's people counted in memory:
            # cheaper than hashing every (column, person) pair, which spills to disk at
            # 100k people.
            cursor.execute(
                f"""SELECT {column}, count(DISTINCT employee_id)
                    FROM {ConsentState._meta.db_table} WHERE state = %s GROUP BY 1""",
                [ConsentState.State.GRANTED],
            )
            return [list(row) for row in cursor.fetchall()]

    return count


def _counter_for(key: str) -> Callable[[], list] | None:
    """The counter a stored key was counted by; None for one that can no longer be."""
    kind, _, rest = key.partition(":")
    if kind == "holders" and rest in HOLDER_COLUMNS:
        return _holders_counter(rest)
    group_by, _, purpose_id = rest.partition(":")
    if kind != "consent" or group_by not in GROUPINGS:
        return None
    if purpose_id == "any":
        return _consent_counter(group_by, None)
    purpose = Purpose.objects.filter(pk=int(purpose_id)).first() if purpose_id.isdigit() else None
    return _consent_counter(group_by, purpose) if purpose is not None else None
