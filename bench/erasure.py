"""Erasing one employee across all stores, against a raw indexed DELETE, same table, same run.

Two sizes in one run (flags override them): --subject-rows 100k of one employee in a
table of --rows 5M, then --large-subject-rows 1M in --large-rows 20M (the same table,
grown). The rows lie over ten day partitions. At each size, with a real Celery worker:
  * an officer erasure of employee A runs through the real job path (tasks on the
    erasure queue, steps, batches, verification, receipt), timed from job creation to
    the signed receipt;
  * a raw `DELETE FROM events WHERE subject = B` removes employee B's as many rows;
  * the engine's own phase timings (what it logged) show where the job's time went.
Each timing starts from the same state: a CHECKPOINT and a sync have written out what
came before (the load, the other side's deletes), so neither pays for the other's dirty
pages, and each writes a full-page image of every event page it first changes, as an
erasure of rows last changed long ago does; then an erasure of a person with nothing
left writes the product's own tables (jobs, steps, audit), as steady use keeps them
written since the last checkpoint. The job goes first in even measurements, the raw
DELETE in odd ones.
At the smaller size, employee C also withdraws every consent, timed from the
withdrawal to the last receipt of the jobs it causes.
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable as `python bench/erasure.py` too

from bench.common import bench_database  # noqa: E402
from bench.events import load, setup_people, start_worker  # noqa: E402

DB = "portal_bench_erasure"


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--subject-rows", type=int, default=100_000)
    parser.add_argument("--large-rows", type=int, default=20_000_000)
    parser.add_argument("--large-subject-rows", type=int, default=1_000_000)
    parser.add_argument("--no-large", action="store_true", help="only the smaller size")
    parser.add_argument(
        "--repeat", type=int, default=1, help="measurements per size, each on other employees"
    )
    parser.add_argument("--database", default=DB, help="the throwaway database to build")
    args, _ = parser.parse_known_args()  # `make bench` passes every benchmark the same args
    return args


def wait_for(predicate, timeout: float = 1800.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the erasure")
        time.sleep(0.02)


PHASE = re.compile(r"erasure job (\d+) step (\w+): (.*)$")


def phases(log_path: Path, job_id: int) -> list[str]:
    """The engine's phase timings for one job, as the worker logged them."""
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        match = PHASE.search(line)
        if match and int(match.group(1)) == job_id:
            found.append(f"{match.group(2)}: {match.group(3)}")
    return found


def erase(officer, person, **fields):
    """An officer's erasure of `person` through the real job path, once verified."""
    from governance.models import ErasureJob
    from governance.services.erasure import erasure_job_create

    job = erasure_job_create(employee=person.employee, cause="officer", actor=officer, **fields)
    wait_for(lambda: ErasureJob.objects.get(pk=job.pk).state == "verified")
    return ErasureJob.objects.get(pk=job.pk)


def settle(officer, idle) -> None:
    """Write out what came before a timing: dirty buffers (CHECKPOINT) and the files'
    dirty pages in the kernel (sync), so that the timing does not pay for them. Then
    erase `idle`, who has nothing left: the product's tables are written again, as in
    steady use, and the worker has just run a job."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    os.sync()
    erase(officer, idle)


def raw_delete(b) -> tuple[float, int]:
    from django.db import connection

    from governance.models.ingestion import EVENT_TABLE

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(f"DELETE FROM {EVENT_TABLE} WHERE subject = %s", [b.employee.subject_id])
        return time.perf_counter() - started, cursor.rowcount


def measure(officer, a, b, idle, log_path: Path, *, raw_first: bool = False) -> dict:
    """Erase A through the job path and B with a raw DELETE, in either order; both timed,
    each from a settled state (`idle`: the person with nothing left, see settle)."""
    if raw_first:
        settle(officer, idle)
        raw_seconds, raw_deleted = raw_delete(b)
    settle(officer, idle)
    job = erase(officer, a, reason="bench")
    if not raw_first:
        settle(officer, idle)
        raw_seconds, raw_deleted = raw_delete(b)
    steps = {s.store: s for s in job.steps.all()}
    last_step = max(s.finished_at for s in steps.values())
    return {
        # From the job's creation to its signed receipt, as the database recorded them
        # (the poll above adds up to 20 ms that is not the engine's).
        "job_seconds": (job.completed_at - job.created_at).total_seconds(),
        "erased": job.receipt["stores"]["events"]["rows_deleted"],
        "raw_seconds": raw_seconds,
        "raw_deleted": raw_deleted,
        "pickup": (job.started_at - job.created_at).total_seconds(),
        "steps": {
            name: (s.finished_at - s.started_at).total_seconds() for name, s in steps.items()
        },
        "receipt": (job.completed_at - last_step).total_seconds(),
        "phases": phases(log_path, job.pk),
        "raw_first": raw_first,
    }


def report(label: str, total: int, built: float, m: dict) -> None:
    job_rate, raw_rate = m["erased"] / m["job_seconds"], m["raw_deleted"] / m["raw_seconds"]
    first = "the raw DELETE" if m["raw_first"] else "the job"
    print(f"erasure, {label}: table of {total:,} events (built in {built:.0f} s); {first} first")
    print(f"  erasure job (all stores, batches, verify, receipt): {m['erased']:,} rows "
          f"in {m['job_seconds']:.3f} s = {job_rate:,.0f} rows/s")  # fmt: skip
    print(f"  raw indexed DELETE of another employee:             {m['raw_deleted']:,} rows "
          f"in {m['raw_seconds']:.3f} s = {raw_rate:,.0f} rows/s")  # fmt: skip
    print(f"  ratio raw/service (job rows/s over raw rows/s): {job_rate / raw_rate:.2f}")
    print("  where the job's time went (seconds):")
    print(f"    {m['pickup']:7.3f}  job created -> picked up by the worker")
    for name, seconds in sorted(m["steps"].items(), key=lambda item: -item[1]):
        print(f"    {seconds:7.3f}  {name} step (claim to verified)")
    print(f"    {m['receipt']:7.3f}  last step verified -> receipt signed")
    for line in m["phases"]:
        print(f"             {line}")


def main() -> None:
    args = parse_args()
    with bench_database(args.database):
        run(args)


def summary(label: str, measured: list[dict]) -> None:
    ratios = sorted(
        (m["erased"] / m["job_seconds"]) / (m["raw_deleted"] / m["raw_seconds"]) for m in measured
    )
    jobs = sorted(m["job_seconds"] for m in measured)
    raws = sorted(m["raw_seconds"] for m in measured)
    print(f"erasure, {label}, {len(measured)} measurements: ratio raw/service median "
          f"{statistics.median(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f}); "
          f"job {statistics.median(jobs):.3f} s ({jobs[0]:.3f}-{jobs[-1]:.3f}), "
          f"raw {statistics.median(raws):.3f} s ({raws[0]:.3f}-{raws[-1]:.3f})")  # fmt: skip


def run(args) -> None:
    from django.db import connection

    from governance.models import ErasureJob
    from governance.models.ingestion import EVENT_TABLE
    from governance.services.consent import RequestContext, consent_withdraw_all
    from governance.services.health import redis_client

    pairs = range(max(args.repeat, 1))
    small_names = [f"{who}{i}" for i in pairs for who in ("a", "b")]
    large_names = [f"big_{who}{i}" for i in pairs for who in ("a", "b")]
    officer, people, catalogue, device = setup_people([*small_names, *large_names, "c", "w"])

    def subject(name: str) -> str:
        return f"'{people[name].employee.subject_id}'"

    def measured(prefix: str) -> list[dict]:
        """Each pair a{i}, b{i} (after `prefix`), the job first in even pairs."""
        return [
            measure(officer, people[f"{prefix}a{i}"], people[f"{prefix}b{i}"], people["w"],
                    log_path, raw_first=bool(i % 2))
            for i in pairs
        ]  # fmt: skip

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {EVENT_TABLE}")
            return cursor.fetchone()[0]

    n = args.subject_rows
    rows = {subject(name): n for name in small_names}
    rows |= {subject("c"): n // 5, subject("w"): 1000}
    rows["'sub_other_' || (g %% 1000)"] = args.rows - sum(rows.values())
    built = load(catalogue, device, rows)
    small_total = count()
    redis_client().flushdb()
    log_path = Path(tempfile.mkdtemp(prefix="bench-erasure-")) / "worker.log"
    worker = start_worker(
        log_path, queues="ingest,erasure,exports,default", concurrency=2, name="bench"
    )
    try:
        # A first job warms the worker's pool processes (imports, connections).
        erase(officer, people["w"])
        small = measured("")

        started = time.perf_counter()
        c = people["c"]
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
        for m in small:
            report(f"{n:,} rows of one employee", small_total, built, m)
        print(f"  withdrawal of every consent -> last receipt ({n // 5:,} rows, "
              f"6 jobs): {withdrawal_seconds:.2f} s")  # fmt: skip
        if len(small) > 1:
            summary(f"{n:,} of {small_total:,}", small)
        if args.no_large:
            return
        # Grow the same table to the larger size.
        big = args.large_subject_rows
        rows = {subject(name): big for name in large_names}
        rows["'sub_other_' || (g %% 1000)"] = args.large_rows - count() - sum(rows.values())
        built = load(catalogue, device, rows)
        large_total = count()
        large = measured("big_")
        for m in large:
            report(f"{big:,} rows of one employee", large_total, built, m)
        if len(large) > 1:
            summary(f"{n:,} of {small_total:,}", small)
            summary(f"{big:,} of {large_total:,}", large)
    finally:
        worker.terminate()
        worker.wait(timeout=60)


if __name__ == "__main__":
    main()
