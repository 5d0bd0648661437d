"""Consent aggregates as last counted: pages read a snapshot, counted again when it is old.

Counting reads every person (a join of all people to their holdings: 100–200 ms at
100,000 people, and growing with them), so a page that counted on each load would
cost that every time. The aggregates are a statistic, not anyone's record: pages show
a count at most CONSENT_AGGREGATES_MAX_AGE seconds old and say when it was counted.
Beat recounts the snapshots in use before they reach that age, so a page finds one
fresh; a page that finds none (no beat running, a purpose nobody asked for yet)
counts there and then. Counts are stored already suppressed (`consent_aggregates`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from django.conf import settings
from django.db import connection
from django.utils import timezone

from governance.models import ConsentCount, Purpose
from governance.selectors.consent import AggregateRow, consent_aggregates

GROUPINGS = ("department", "country")


@dataclass(frozen=True)
class CountedAggregates:
    rows: list[AggregateRow]
    counted_at: datetime
    min_group_size: int


def consent_aggregates_counted(
    *, group_by: str = "department", purpose: Purpose | None = None
) -> CountedAggregates:
    """The aggregates for `group_by` (and `purpose`), from a snapshot young enough, or
    counted now."""
    snapshot = ConsentCount.objects.filter(group_by=group_by, purpose=purpose).first()
    youngest = timezone.now() - timedelta(seconds=settings.CONSENT_AGGREGATES_MAX_AGE)
    if (
        snapshot is not None
        and snapshot.counted_at >= youngest
        and snapshot.min_group_size == settings.MIN_GROUP_SIZE
    ):
        rows = [
            AggregateRow(group=group, people=people, granted=granted, suppressed=granted is None)
            for group, people, granted in snapshot.groups
        ]
        return CountedAggregates(rows, snapshot.counted_at, snapshot.min_group_size)
    return consent_aggregates_recount(group_by=group_by, purpose=purpose)


def consent_aggregates_recount(
    *, group_by: str = "department", purpose: Purpose | None = None
) -> CountedAggregates:
    """Count now and keep the count, unless a later one was kept meanwhile."""
    # Taken before counting: the count sees at least every change made until then.
    counted_at = timezone.now()
    k = settings.MIN_GROUP_SIZE
    rows = consent_aggregates(group_by=group_by, purpose=purpose)
    groups = [[row.group, row.people, row.granted] for row in rows]
    table = ConsentCount._meta.db_table
    with connection.cursor() as cursor:
        # Two pages counting at once both store; the later count wins.
        cursor.execute(
            f"""
            INSERT INTO {table} (group_by, purpose_id, min_group_size, counted_at, groups)
            VALUES (%s, %s, %s, %s, %s::jsonb)
            ON CONFLICT (group_by, purpose_id) DO UPDATE
               SET min_group_size = EXCLUDED.min_group_size,
                   counted_at = EXCLUDED.counted_at,
                   groups = EXCLUDED.groups
             WHERE {table}.counted_at <= EXCLUDED.counted_at
            """,
            [
                group_by,
                purpose.pk if purpose else None,
                k,
                counted_at,
                orjson.dumps(groups).decode(),
            ],
        )
    return CountedAggregates(rows, counted_at, k)


def consent_aggregates_refresh() -> int:
    """Recount the snapshots that would grow too old before beat runs again (every one a
    page has asked for, and the default groupings over any purpose); returns how many."""
    due = timezone.now() - timedelta(seconds=settings.CONSENT_AGGREGATES_MAX_AGE / 2)
    wanted = {(group_by, None) for group_by in GROUPINGS}
    wanted |= set(ConsentCount.objects.values_list("group_by", "purpose_id"))
    fresh = set(
        ConsentCount.objects.filter(counted_at__gt=due).values_list("group_by", "purpose_id")
    )
    purposes = Purpose.objects.in_bulk({pk for _, pk in wanted if pk is not None})
    recounted = 0
    for group_by, purpose_id in sorted(wanted - fresh, key=lambda w: (w[0], w[1] or 0)):
        if purpose_id is not None and purpose_id not in purposes:
            continue  # the purpose was deleted meanwhile, and its snapshots with it
        consent_aggregates_recount(group_by=group_by, purpose=purposes.get(purpose_id))
        recounted += 1
    return recounted
