"""Erasing one employee across all stores, against a raw indexed DELETE, same table, same run.

Builds an events table of --rows rows (default 5M) over ten day partitions,
with --subject-rows (default 100k) rows for each of two employees and the
rest spread over a thousand others. Then, with a real Celery worker process:
  * an officer erasure of employee A runs through the real job path (tasks on
    the erasure queue, steps, batches, verification, receipt), timed from job
    creation to the signed receipt;
  * a raw `DELETE FROM events WHERE subject = B` removes employee B's rows;
  * employee C withdraws every consent, timed from the withdrawal to the last
    receipt of the jobs it causes.
"""

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import bench_database

ROOT = Path(__file__).resolve().parent.parent
DB = "portal_bench_erasure"


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--subject-rows", type=int, default=100_000)
    args, _ = parser.parse_known_args()  # `make bench` passes every benchmark the same args
    return args


def setup(subject_rows: int, total_rows: int):
    from django.db import connection

    from governance.models.ingestion import EVENT_TABLE
    from governance.services.consent import RequestContext, consent_grant
    from governance.services.devices import device_create
    from governance.services.scopes import Scope
    from governance.stores.events import event_partition_create
    from tests.factories import make_catalogue, make_user, publish_notice

    officer = make_user("officer@bench.example")
    catalogue = make_catalogue()
    publish_notice(officer, catalogue)
    people = [make_user(f"{name}@bench.example") for name in ("a", "b", "c", "w")]
    vscode = catalogue["applications"][0]
    for user in people:
        for kind in catalogue["kinds"]:
            consent_grant(
                employee=user.employee,
                scope=Scope(catalogue["purpose"], vscode, kind),
                actor=user,
                context=RequestContext(),
            )
    device, _ = device_create(name="bench", actor=officer)
    today = datetime.now(UTC).date()
    for offset in range(10):
        event_partition_create(today - timedelta(days=offset))
    kinds = [k.pk for k in catalogue["kinds"]]
    start = datetime.now(UTC) - timedelta(days=9, hours=12)
    span_seconds = 9 * 86400
    others = total_rows - 2 * subject_rows - subject_rows // 5

    def insert(subject_sql: str, count: int):
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {EVENT_TABLE} (ts, subject, purpose_id, application_id,
                        data_kind_id, event_type, consent_version, device_id, session_id,
                        batch_id, pointer_x, pointer_y)
                    SELECT %s::timestamptz + (random() * %s) * interval '1 second',
                           {subject_sql}, %s, %s, (%s::bigint[])[1 + (g %% 6)],
                           'pointer_move', 1, %s, 's' || (g / 500), gen_random_uuid(),
                           (g %% 1920), (g %% 1080)
                    FROM generate_series(1, %s) AS g""",
                [start, span_seconds, catalogue["purpose"].pk, vscode.pk, kinds, device.pk, count],
            )

    a, b, c, _ = (u.employee.subject_id for u in people)
    insert(f"'{a}'", subject_rows)
    insert(f"'{b}'", subject_rows)
    insert(f"'{c}'", subject_rows // 5)
    insert("'sub_other_' || (g %% 1000)", others)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {EVENT_TABLE}")
    return officer, people


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "PORTAL_TESTING": "0"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q",
         "ingest,erasure,exports,default", "--concurrency", "2", "-l", "WARNING",
         "--without-mingle", "--without-gossip", "-n", "bench@%h"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    from portal.celery import wait_for_heartbeat

    if not wait_for_heartbeat(60):
        worker.kill()
        raise SystemExit("the worker did not start")
    return worker


def _since(start, moment) -> float:
    return (moment - start).total_seconds()


def wait_for(predicate, timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the erasure")
        time.sleep(0.05)


def main() -> None:
    args = parse_args()
    with bench_database(DB):
        run(args)


def run(args) -> None:
    from django.db import connection

    from governance.models import ErasureJob
    from governance.models.ingestion import EVENT_TABLE
    from governance.services.consent import RequestContext, consent_withdraw_all
    from governance.services.erasure import erasure_job_create
    from governance.services.health import redis_client

    t0 = time.perf_counter()
    officer, (a, b, c, warm) = setup(args.subject_rows, args.rows)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {EVENT_TABLE}")
        total = cursor.fetchone()[0]
    print(f"erasure: table of {total:,} events (built in {time.perf_counter() - t0:.0f} s)")
    redis_client().flushdb()
    worker = start_worker()
    try:
        # A first job warms the worker's pool processes (imports, connections).
        first = erasure_job_create(employee=warm.employee, cause="officer", actor=officer)
        wait_for(lambda: ErasureJob.objects.get(pk=first.pk).state == "verified")
        started = time.perf_counter()
        job = erasure_job_create(
            employee=a.employee, cause="officer", actor=officer, reason="bench"
        )
        wait_for(lambda: ErasureJob.objects.get(pk=job.pk).state == "verified")
        job = ErasureJob.objects.get(pk=job.pk)
        # From the job's creation to its signed receipt, as the database recorded them
        # (the poll above adds up to 50 ms that is not the engine's).
        job_seconds = (job.completed_at - job.created_at).total_seconds()
        events_step = job.steps.get(store="events")
        timeline = sorted(
            [("job picked up by the worker", _since(job.created_at, job.started_at))]
            + [
                (f"{step.store} step {edge}", _since(job.created_at, moment))
                for step in job.steps.all()
                for edge, moment in (("started", step.started_at), ("finished", step.finished_at))
            ]
            + [("receipt signed", _since(job.created_at, job.completed_at))],
            key=lambda item: item[1],
        )
        step_seconds = (events_step.finished_at - events_step.started_at).total_seconds()
        erased = job.receipt["stores"]["events"]["rows_deleted"]

        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(f"DELETE FROM {EVENT_TABLE} WHERE subject = %s", [b.employee.subject_id])
            raw_seconds = time.perf_counter() - started
            raw_deleted = cursor.rowcount

        started = time.perf_counter()
        consent_withdraw_all(employee=c.employee, actor=c, context=RequestContext())
        wait_for(
            lambda: (
                ErasureJob.objects.filter(employee=c.employee).count() == 6
                and not ErasureJob.objects.filter(employee=c.employee)
                .exclude(state="verified")
                .exists()
            )
        )
        withdrawal_seconds = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    job_rate, raw_rate = erased / job_seconds, raw_deleted / raw_seconds
    print(f"  erasure job (all stores, batches, verify, receipt): {erased:,} rows "
          f"in {job_seconds:.2f} s = {job_rate:,.0f} rows/s")  # fmt: skip
    print(f"  raw indexed DELETE of another employee:             {raw_deleted:,} rows "
          f"in {raw_seconds:.2f} s = {raw_rate:,.0f} rows/s")  # fmt: skip
    print(f"  ratio job/raw: {job_rate / raw_rate:.2f}")
    print(f"  (the events step alone: {step_seconds:.2f} s = {erased / step_seconds:,.0f} rows/s, "
          f"ratio {erased / step_seconds / raw_rate:.2f})")  # fmt: skip
    print("  where the job's time went (seconds from its creation):")
    for label, moment in timeline:
        print(f"    {moment:6.3f}  {label}")
    print(f"  withdrawal of every consent -> last receipt ({args.subject_rows // 5:,} rows, "
          f"6 jobs): {withdrawal_seconds:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
