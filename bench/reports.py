"""The access report for one year, through the real task, against a raw COPY TO of the
same rows.

A bench database gets `--people` employees and `--events` audit events spread over the
last year (a third of them reads of personal data: the access report's rows), loaded in
SQL with the audit table's secondary indexes dropped and rebuilt after. Then, with a
real Celery worker (one pool process, so its memory is the build's):
  * legal asks for the access report of the last 365 days as CSV; the real task on the
    `exports` queue builds it into the exports storage, timed from the report's creation
    to its being ready, as the database recorded them;
  * a raw `COPY (<the report's own SELECT>) TO STDOUT` of the same rows, read to the end
    in this process;
  * the worker's pool process is sampled every 20 ms for its peak RSS above what it held
    before the build.
`--repeat N` (default 3) measures N times and prints the median and spread. `--full`
loads 10M audit events and 100k employees.
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable as `python bench/reports.py` too

from bench.common import bench_database  # noqa: E402
from bench.events import start_worker  # noqa: E402
from bench.export import PeakRss  # noqa: E402

DB = "portal_bench_reports"
ACCESS_SHARE = 3  # one event in ACCESS_SHARE is a read of personal data


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="10M audit events, 100k people")
    args, _ = parser.parse_known_args()  # `make bench` passes every benchmark the same args
    if args.full:
        args.events, args.people = 10_000_000, 100_000
    return args


def load_people(n: int) -> None:
    """`n` employees (and their users) in SQL: the report joins events to them."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from governance.models import Employee

    users, employees = get_user_model()._meta.db_table, Employee._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {users} (password, is_superuser, username, first_name, last_name,
                    email, is_staff, is_active, date_joined)
                SELECT '!', false, 'p' || g || '@bench.example', 'P' || g, '',
                       'p' || g || '@bench.example', false, true, now()
                FROM generate_series(1, %s) AS g""",
            [n],
        )
        cursor.execute(
            f"""INSERT INTO {employees} (user_id, employee_number, department, country, region,
                    subject_id, created_at)
                SELECT u.id, 'B' || u.id, 'Dept ' || (u.id %% 50), 'DE', '',
                       'sub_bench_' || u.id, now()
                FROM {users} u WHERE u.username LIKE %s""",
            ["p%@bench.example"],
        )


def load_events(n: int, people: int) -> float:
    """`n` audit events over the last year, by people about people; returns seconds."""
    from django.db import connection

    from governance.models import AuditEvent, Employee

    audit, employees = AuditEvent._meta.db_table, Employee._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname NOT LIKE '%%pkey'",
            [audit],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'ALTER TABLE {audit} DROP CONSTRAINT IF EXISTS "{name}"')
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute(f"SELECT min(id), max(id) FROM {employees}")
        low, high = cursor.fetchone()
        cursor.execute(f"SELECT coalesce(max(seq), 0) FROM {audit}")
        (last,) = cursor.fetchone()
        cursor.execute(
            f"""INSERT INTO {audit} (seq, occurred_at, actor_type, actor_id, actor_label, action,
                    target_type, target_id, subject, purpose, details, prev_hash, hash)
                SELECT %s + g, now() - interval '365 days' * (g::float8 / %s),
                       'user', (%s + g %% %s)::text, 'p' || (g %% %s) || '@bench.example',
                       CASE g %% %s WHEN 0 THEN 'personal_data.viewed'
                                    ELSE 'consent.granted' END,
                       'Employee', (%s + (g * 7) %% %s)::text,
                       'sub_bench_' || (%s + (g * 7) %% %s), '',
                       jsonb_build_object('what', 'consent', 'reason', 'Case ' || (g %% 997)),
                       md5((g - 1)::text) || md5((g - 1)::text), md5(g::text) || md5(g::text)
                FROM generate_series(1, %s) AS g""",
            [last, n, low, people, people, ACCESS_SHARE, low, people, low, people, n],
        )
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute(f"VACUUM (ANALYZE) {audit}")
    return time.perf_counter() - started


def setup(args):
    from governance.models import Role
    from tests.factories import make_user

    load_people(args.people)
    built = load_events(args.events, args.people)
    print(f"reports: {args.events:,} audit events, {args.people:,} people loaded in {built:.0f} s")
    return make_user("legal@bench.example", roles=(Role.LEGAL,), employee=False)


def build(legal, worker, *, first, last, timeout: float = 3600):
    from governance.models import Report
    from governance.services.reports import report_request

    rss = PeakRss(worker)
    report = report_request(actor=legal, kind="access", date_from=first, date_to=last, format="csv")
    deadline = time.monotonic() + timeout
    while Report.objects.filter(pk=report.pk, state__in=("queued", "building")).exists():
        if time.monotonic() > deadline or worker.poll() is not None:
            raise SystemExit("the report did not build")
        time.sleep(0.02)
    growth = rss.growth()
    report.refresh_from_db()
    if report.state != "ready":
        raise SystemExit(f"the report {report.state}: {report.last_error}")
    return report, growth


def raw_copy(first, last) -> tuple[int, float]:
    """The report's own SELECT, by a bare COPY TO read to the end."""
    from django.db import connection

    from governance import reports
    from governance.reports.base import Period

    sql, params = reports.kind("access").query(Period(first, last), {})
    rows = 0
    started = time.perf_counter()
    statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for _ in copy:
            rows += 1
    return rows, time.perf_counter() - started


def measure(legal, worker, first, last) -> dict:
    from governance.stores.exports import exports_storage

    report, growth = build(legal, worker, first=first, last=last)
    seconds = (report.ready_at - report.created_at).total_seconds()
    m = {"rows": report.rows_written, "seconds": seconds, "bytes": report.size_bytes}
    m["rss_growth"] = growth
    m["raw_rows"], m["raw_seconds"] = raw_copy(first, last)
    m["rate"], m["raw_rate"] = m["rows"] / seconds, m["raw_rows"] / m["raw_seconds"]
    m["ratio"] = m["rate"] / m["raw_rate"]
    exports_storage().delete(report.file_name)  # keep the data directory small
    return m


def show(m: dict) -> None:
    mb = 1024 * 1024
    print(f"  access report through the task: {m['rows']:,} rows in {m['seconds']:.2f} s = "
          f"{m['rate']:,.0f} rows/s, CSV {m['bytes'] / mb:.1f} MB")  # fmt: skip
    print(f"  raw COPY TO STDOUT:             {m['raw_rows']:,} rows in {m['raw_seconds']:.2f} s"
          f" = {m['raw_rate']:,.0f} rows/s")  # fmt: skip
    print(f"  ratio report/raw: {m['ratio']:.2f} (goal >= 0.5); worker peak RSS growth "
          f"{m['rss_growth'] / mb:.1f} MB (goal < 150 MB)")  # fmt: skip


def summary(measured: list[dict]) -> None:
    def spread(key, fmt):
        values = sorted(m[key] for m in measured)
        return f"{fmt(statistics.median(values))} ({fmt(values[0])}-{fmt(values[-1])})"

    mb = 1024 * 1024
    print(f"reports, {len(measured)} measurements, median (min-max): "
          f"ratio {spread('ratio', lambda v: f'{v:.2f}')}; "
          f"report {spread('rate', lambda v: f'{v:,.0f}')} rows/s; "
          f"raw {spread('raw_rate', lambda v: f'{v:,.0f}')} rows/s; "
          f"RSS growth {spread('rss_growth', lambda v: f'{v / mb:.1f}')} MB")  # fmt: skip


def main() -> None:
    args = parse_args()
    with bench_database(DB):
        from django.utils import timezone

        from governance.services.health import redis_client

        legal = setup(args)
        redis_client().flushdb()
        log_path = Path(tempfile.mkdtemp(prefix="bench-reports-")) / "worker.log"
        worker = start_worker(
            log_path, queues="exports,default", concurrency=1, name="bench-reports"
        )
        last = timezone.now().date()
        first = last - timedelta(days=364)
        try:
            build(legal, worker, first=last, last=last)  # warms the pool process
            measured = []
            for i in range(max(args.repeat, 1)):
                m = measure(legal, worker, first, last)
                print(f"reports, measurement {i + 1}:")
                show(m)
                measured.append(m)
            if len(measured) > 1:
                summary(measured)
        finally:
            worker.terminate()
            worker.wait(timeout=60)


if __name__ == "__main__":
    main()
