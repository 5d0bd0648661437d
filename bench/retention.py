"""Retention of one expired day: the engine's partition drop against a plain DELETE.

For each table size, on a throwaway database: the events table gets `rows`
rows over `--days` day partitions, the oldest day (expired under a policy
keeping 30 days of everything) holding `--expired-share` of them (or
`--expired-rows`). An identical table (same columns, indexes, partitions and
rows) is built beside it. Then `retention_enforce()` runs the real engine,
which counts the day's rows for its evidence and detaches and drops the
partition, and `DELETE FROM copy WHERE ts < cut-off` removes the same day from
the copy. Both times are printed per size, with how each grew with the table.

    make bench
    python -m portal.stack exec -- .venv/bin/python -m bench.retention --rows 1000000,10000000
"""

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import psycopg

from bench.common import bench_database

DB = "portal_bench_retention"
COPY = "bench_events_copy"
KEEP_DAYS = 30
FIRST_DAY = date(2020, 1, 1)  # the expired day: the data lies in the past, `now` is chosen

COLUMNS = (
    "id, ts, subject, purpose_id, application_id, data_kind_id, event_type, consent_version, "
    "device_id, session_id, batch_id, key_code, key_char, pointer_x, pointer_y"
)
# Rows spread evenly over the day, 1000 people, two applications, six kinds, the
# columns a keystroke or pointer event fills.
GENERATE = f"""
INSERT INTO {{table}} ({COLUMNS})
SELECT %(first_id)s + g, %(start)s::timestamptz + g * (interval '1 day' / %(n)s),
       'sub_' || lpad((g %% 1000)::text, 24, '0'), 1, 1 + g %% 2, 1 + g %% 6,
       CASE WHEN g %% 2 = 0 THEN 'key_down' ELSE 'pointer_move' END, 1, 1,
       's-' || (g / 5000), '00000000-0000-0000-0000-000000000000'::uuid,
       CASE WHEN g %% 2 = 0 THEN 'KeyA' END, CASE WHEN g %% 2 = 0 THEN 'a' END,
       CASE WHEN g %% 2 = 1 THEN g %% 1920 END, CASE WHEN g %% 2 = 1 THEN g %% 1080 END
FROM generate_series(0, %(n)s - 1) AS g
"""


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="1000000,10000000", help="table sizes, comma-separated")
    parser.add_argument("--days", type=int, default=10, help="day partitions holding the rows")
    parser.add_argument("--expired-share", type=float, default=None, help="default: 1/days")
    parser.add_argument("--expired-rows", type=int, default=None, help="a fixed-size day instead")
    # `make bench` passes the same arguments to every benchmark: ignore the others'.
    args, _ = parser.parse_known_args()
    args.sizes = [int(s) for s in args.rows.split(",") if s]
    args.expired_share = args.expired_share or 1 / args.days
    return args


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def days(args) -> list[date]:
    return [FIRST_DAY + timedelta(days=i) for i in range(args.days)]


def copy_partition(day: date) -> str:
    return f"{COPY}_p{day:%Y%m%d}"


def reset(cursor) -> None:
    """An empty events table without day partitions, and an identical empty copy."""
    from governance.models.ingestion import EVENT_TABLE
    from governance.stores.events import event_partitions

    for name in event_partitions():
        cursor.execute(f"DROP TABLE {name}")
    cursor.execute(f"TRUNCATE {EVENT_TABLE}")
    cursor.execute(f"DROP TABLE IF EXISTS {COPY}")
    cursor.execute(
        f"CREATE TABLE {COPY} (LIKE {EVENT_TABLE} INCLUDING ALL) PARTITION BY RANGE (ts)"
    )
    cursor.execute(f"CREATE TABLE {COPY}_default PARTITION OF {COPY} DEFAULT")


def load_table(url: str, parent: str, name_of, args, per_day: list[int]) -> None:
    """Load one table a day at a time: each day goes into a plain table that is then
    attached, so its indexes are built in one sort rather than row by row."""
    # Client-side binding: DDL takes no server-side parameters.
    with psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        first_id = 1
        for day, n in zip(days(args), per_day, strict=True):
            name, start = name_of(day), midnight(day)
            conn.execute(
                f"CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
            )
            conn.execute(
                GENERATE.format(table=name), {"first_id": first_id, "start": start, "n": n}
            )
            conn.execute(
                f"ALTER TABLE {parent} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
                [start, start + timedelta(days=1)],
            )
            first_id += n
        # The expired day of both tables alike: hint bits, visibility map, statistics.
        conn.execute(f"VACUUM (ANALYZE) {name_of(FIRST_DAY)}")


def fill(args, rows: int) -> int:
    """Load the events table and its copy alike, side by side; returns the expired rows."""
    from governance.models.ingestion import EVENT_TABLE
    from governance.stores.events import partition_name

    expired = args.expired_rows or int(rows * args.expired_share)
    rest, others = rows - expired, args.days - 1
    per_day = [expired] + [rest // others + (i < rest % others) for i in range(others)]
    url = os.environ["DATABASE_URL"]
    with ThreadPoolExecutor(2) as pool:
        loads = [
            pool.submit(load_table, url, parent, name_of, args, per_day)
            for parent, name_of in ((EVENT_TABLE, partition_name), (COPY, copy_partition))
        ]
        for load in loads:
            load.result()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")  # the load's dirty pages are not written during a timing
    return expired


def warm_up() -> None:
    """One enforcement that finds nothing: imports, connections and plans are ready."""
    from governance.models import RetentionRun
    from governance.services.retention import retention_enforce

    retention_enforce(now=midnight(FIRST_DAY) + timedelta(days=KEEP_DAYS))
    RetentionRun.objects.all().delete()


def enforce_timed(now: datetime) -> tuple[list, float, float]:
    """Run the engine; returns its runs, its time and the part spent counting rows of
    dropped days for the evidence."""
    from django.db import connection

    from governance.services.retention import retention_enforce

    counting = [0.0]

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if sql.startswith("SELECT count(*) FROM"):
                counting[0] += time.perf_counter() - started

    started = time.perf_counter()
    with connection.execute_wrapper(timer):
        runs = retention_enforce(now=now)
    return runs, time.perf_counter() - started, counting[0]


def measure(args, rows: int) -> dict:
    from django.db import connection

    from governance.models.ingestion import EVENT_TABLE
    from governance.stores.events import event_partitions, partition_name

    with connection.cursor() as cursor:  # autocommit: one statement per transaction
        reset(cursor)
    warm_up()
    started = time.perf_counter()
    expired = fill(args, rows)
    load_seconds = time.perf_counter() - started

    cutoff = midnight(FIRST_DAY + timedelta(days=1))
    runs, retention_seconds, count_seconds = enforce_timed(cutoff + timedelta(days=KEEP_DAYS))
    [run] = [r for r in runs if r.store == "events"]
    assert run.rows_removed == expired, (run.rows_removed, expired)
    assert run.partitions_dropped == [partition_name(FIRST_DAY)]
    assert partition_name(FIRST_DAY) not in event_partitions()

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(f"DELETE FROM {COPY} WHERE ts < %s", [cutoff])
        delete_seconds = time.perf_counter() - started
        assert cursor.rowcount == expired, (cursor.rowcount, expired)
        cursor.execute(f"SELECT count(*) FROM {EVENT_TABLE}")
        assert cursor.fetchone()[0] == rows - expired
    return {
        "rows": rows,
        "expired": expired,
        "load": load_seconds,
        "retention": retention_seconds,
        "counting": count_seconds,
        "delete": delete_seconds,
    }


def main() -> None:
    args = parse_args()
    with bench_database(DB):
        run(args)


def run(args) -> None:
    from governance.services.retention import retention_policy_create

    retention_policy_create(
        actor=None, name="Everything, 30 days", store="events", keep_days=KEEP_DAYS
    )
    results = []
    for rows in args.sizes:
        results.append(measure(args, rows))
        print(f"  ({rows:,} rows measured)", flush=True)
    report(args, results)


def report(args, results: list[dict]) -> None:
    day = f"{args.expired_rows:,} rows" if args.expired_rows else f"{args.expired_share:.0%}"
    print(
        f"retention: one expired day ({day}) of {args.days} day partitions, "
        f"one policy keeping {KEEP_DAYS} days of everything"
    )
    print(f"  {'table rows':>12} {'day rows':>10} {'retention':>10} {'(counting)':>11} "
          f"{'plain DELETE':>13} {'DELETE/retention':>17} {'(load)':>7}")  # fmt: skip
    for r in results:
        print(f"  {r['rows']:>12,} {r['expired']:>10,} {r['retention']:>9.3f}s "
              f"{r['counting']:>10.3f}s {r['delete']:>12.3f}s "
              f"{r['delete'] / r['retention']:>16.1f}x {r['load']:>6.0f}s")  # fmt: skip
    if len(results) < 2:
        return
    small, large = results[0], results[-1]
    grew = large["rows"] / small["rows"]
    day_grew = large["expired"] / small["expired"]
    retention_grew = large["retention"] / small["retention"]
    rest_grew = (large["retention"] - large["counting"]) / (small["retention"] - small["counting"])
    delete_grew = large["delete"] / small["delete"]
    print(
        f"  table {grew:.0f}x larger (expired day {day_grew:.0f}x): retention took "
        f"{retention_grew:.1f}x as long ({rest_grew:.1f}x without the evidence count), "
        f"plain DELETE {delete_grew:.1f}x"
    )
    if retention_grew < 1.5:
        print("  retention time stays flat as the table grows (goal: flat)")
    else:
        print(
            "  retention time does NOT stay flat as the table grows (goal: flat); it grew "
            f"{delete_grew / retention_grew:.1f}x less than the plain DELETE's"
        )


if __name__ == "__main__":
    main()
