"""Dataset snapshots: a build and an erasure through the real task and job on a real worker,
each against raw PostgreSQL and pyarrow doing the same rows, same run.

A bench database gets --rows 5M events of --people 50 consenting employees, interleaved so
every person has rows in every shard, and a real Celery worker (one pool process, so its
memory is the build's and the erasure's) with DATASET_SHARD_ROWS = rows / --shards 50:
  * an officer asks for a snapshot of the whole scope (`dataset_request`); the real
    `dataset_build` task on the `exports` queue builds it (consent checked per person,
    pseudonyms, lineage, zstd shards), timed from the snapshot's creation to its being
    ready, as the database recorded them;
  * a raw `COPY (<the build's own SELECT>) TO STDOUT` read to the end into a file, read by
    pyarrow and written as as many zstd Parquet shards: no consent, pseudonyms or lineage;
  * an officer erasure of employee A runs through the real job path (every store: A's
    events, then A's rows in all 50 shards, each rewritten and read back), timed from the
    job's creation to its signed receipt, with the datasets step apart;
  * a raw pyarrow filter-and-rewrite of the same 50 shards without employee B's rows;
  * the worker's pool process is sampled every 20 ms for its peak RSS above what it held
    before the build and the erasure.
`--repeat N` builds N times (each snapshot removed before the next, so an erasure touches
one), then erases N other employees from the last one, and prints the median and spread.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable as `python bench/datasets.py` too

from bench.common import bench_database  # noqa: E402
from bench.erasure import phases  # noqa: E402
from bench.events import DAYS, load, setup_people, start_worker  # noqa: E402
from bench.export import PeakRss  # noqa: E402

DB = "portal_bench_datasets"


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--shards", type=int, default=50)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=1)
    args, _ = parser.parse_known_args()  # `make bench` passes every benchmark the same args
    args.people = max(args.people, 2 * max(args.repeat, 1))  # an A and a B per measurement
    return args


def wait_for(predicate, worker, what: str, timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline or worker.poll() is not None:
            raise SystemExit(f"{what} did not finish")
        time.sleep(0.02)


def build(officer, catalogue, worker, *, hours: int = 24 * (DAYS + 2), kinds=None):
    """A snapshot of the last `hours` of events (by default every event loaded), through the
    real task; returns it and the worker's RSS growth."""
    from governance.models import DatasetSnapshot
    from governance.services.datasets import dataset_request

    now = datetime.now(UTC)
    rss = PeakRss(worker)
    dataset = dataset_request(
        actor=officer,
        purpose=catalogue["purpose"].slug,
        applications=[catalogue["applications"][0].slug],
        data_kinds=[k.slug for k in kinds or catalogue["kinds"]],
        starts_at=now - timedelta(hours=hours),
        ends_at=now + timedelta(hours=1),
    )
    building = DatasetSnapshot.objects.filter(pk=dataset.pk, state="building")
    wait_for(lambda: not building.exists(), worker, "the snapshot")
    growth = rss.growth()
    dataset.refresh_from_db()
    if dataset.state != "ready":
        raise SystemExit(f"the snapshot is {dataset.state}: {dataset.error}")
    return dataset, growth


def raw_build(dataset, folder: Path, shard_rows: int, ordered=True) -> tuple[int, float]:
    """The build's own SELECT by a bare COPY TO into a file, read by pyarrow and written as
    shards of as many rows (zstd, like the product's). Not `ordered`: without its ORDER BY
    (what sorting the rows by time costs PostgreSQL, shown apart)."""
    import pyarrow.csv as pv
    import pyarrow.parquet as pq
    from django.db import connection

    from governance.stores import datasets as store

    # The build's SELECT of the scope (`scope_select`), without the join that keeps out
    # people who did not consent (everyone in the bench did) or their pseudonyms.
    sql, params = store.scope_select(dataset)
    if not ordered:
        sql = sql.rsplit("ORDER BY", 1)[0]
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "rows.csv"
    started = time.perf_counter()
    statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    with (
        connection.cursor() as cursor,
        csv_path.open("wb") as out,
        cursor.cursor.copy(statement, params) as copy,
    ):
        for block in copy:
            out.write(block)
    names = store.SCHEMA.names
    table = pv.read_csv(csv_path, read_options=pv.ReadOptions(column_names=names))
    for index, offset in enumerate(range(0, table.num_rows, shard_rows)):
        part = table.slice(offset, shard_rows)
        pq.write_table(part, folder / f"raw-{index:05d}.parquet", compression="zstd")
    seconds = time.perf_counter() - started
    csv_path.unlink()
    return table.num_rows, seconds


def erase(officer, person, worker):
    """An officer erasure of `person` through the real job path; returns the job and RSS."""
    from governance.models import ErasureJob
    from governance.services.erasure import erasure_job_create

    rss = PeakRss(worker)
    job = erasure_job_create(employee=person.employee, cause="officer", actor=officer, reason="b")
    wait_for(
        lambda: ErasureJob.objects.get(pk=job.pk).state in ("verified", "failed"),
        worker,
        "the erasure",
    )
    growth = rss.growth()
    job.refresh_from_db()
    if job.state != "verified":
        raise SystemExit(f"the erasure job is {job.state}")
    return job, growth


def raw_erase(dataset, subject: str, folder: Path) -> tuple[int, int, float]:
    """Every shard of the snapshot read, filtered without `subject`'s rows and written again
    by pyarrow alone: no scope, holds, read-back, manifest or lineage."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from governance.stores.datasets import dataset_fs, pseudonym

    fs, root = dataset_fs(dataset.location)
    who = pseudonym(dataset.pseudonym_key, subject)
    shards = [entry["name"] for entry in dataset.manifest["shards"]]
    removed = 0
    started = time.perf_counter()
    for name in shards:
        table = pq.read_table(f"{root}/{name}")
        kept = table.filter(pc.not_equal(table["subject"], who))
        removed += table.num_rows - kept.num_rows
        pq.write_table(kept, folder / name, compression="zstd")
    return len(shards), removed, time.perf_counter() - started


def discard(dataset) -> None:
    """Out of the way of the next measurement: an erasure rewrites every live snapshot."""
    from governance.models import DatasetSnapshot
    from governance.stores.datasets import dataset_files_remove

    dataset_files_remove(dataset.location)
    DatasetSnapshot.objects.filter(pk=dataset.pk).update(state="expired")


def measure_build(officer, catalogue, worker, shard_rows: int) -> tuple[object, dict]:
    dataset, rss = build(officer, catalogue, worker)
    m = {"rows": dataset.rows_written, "shards": len(dataset.manifest["shards"]), "rss": rss}
    m["seconds"] = (dataset.ready_at - dataset.created_at).total_seconds()
    with tempfile.TemporaryDirectory(prefix="bench-datasets-") as folder:
        m["raw_rows"], m["raw_seconds"] = raw_build(dataset, Path(folder), shard_rows)
    with tempfile.TemporaryDirectory(prefix="bench-datasets-") as folder:
        _, m["unordered_seconds"] = raw_build(dataset, Path(folder), shard_rows, ordered=False)
    m["ratio"] = (m["rows"] / m["seconds"]) / (m["raw_rows"] / m["raw_seconds"])
    return dataset, m


def measure_erasure(officer, dataset, worker, a, b, log_path: Path) -> dict:
    job, rss = erase(officer, a, worker)
    dataset.refresh_from_db()
    steps = {s.store: s for s in job.steps.all()}
    m = {"rss": rss, "rows": dataset.rows_written, "shards": len(dataset.manifest["shards"])}
    m["erased"] = job.receipt["stores"]["datasets"]["rows_deleted"]
    m["seconds"] = (job.completed_at - job.created_at).total_seconds()
    m["steps"] = {name: (s.finished_at - s.started_at).total_seconds() for name, s in steps.items()}
    m["phases"] = [line for line in phases(log_path, job.pk) if line.startswith("datasets")]
    with tempfile.TemporaryDirectory(prefix="bench-datasets-") as folder:
        m["raw_shards"], m["raw_erased"], m["raw_seconds"] = raw_erase(
            dataset, b.employee.subject_id, Path(folder)
        )
    m["ratio"] = m["raw_seconds"] / m["seconds"]
    m["step_ratio"] = m["raw_seconds"] / m["steps"]["datasets"]
    return m


MB = 1024 * 1024


def show_build(m: dict) -> None:
    print(f"  build through the task: {m['rows']:,} rows, {m['shards']} shards in "
          f"{m['seconds']:.2f} s = {m['rows'] / m['seconds']:,.0f} rows/s")  # fmt: skip
    print(f"  raw COPY TO + pyarrow Parquet: {m['raw_rows']:,} rows in {m['raw_seconds']:.2f} s"
          f" = {m['raw_rows'] / m['raw_seconds']:,.0f} rows/s")  # fmt: skip
    print(f"  the raw COPY without its ORDER BY: {m['unordered_seconds']:.2f} s (the time "
          f"order costs {m['raw_seconds'] - m['unordered_seconds']:.2f} s)")  # fmt: skip
    print(f"  ratio build/raw: {m['ratio']:.2f} (goal >= 0.5); worker peak RSS growth "
          f"{m['rss'] / MB:.1f} MB (goal < 300 MB)")  # fmt: skip


def show_erasure(m: dict) -> None:
    steps = ", ".join(f"{name} {s:.2f} s" for name, s in sorted(m["steps"].items()))
    print(f"  erasure job (every store, creation to receipt): {m['erased']:,} rows out of "
          f"{m['shards']} shards ({m['rows']:,} rows left) in {m['seconds']:.2f} s")  # fmt: skip
    print(f"    its steps (claim to verified): {steps}")
    for line in m["phases"]:
        print(f"    {line}")
    print(f"  raw pyarrow filter-and-rewrite: {m['raw_erased']:,} rows out of "
          f"{m['raw_shards']} shards in {m['raw_seconds']:.2f} s")  # fmt: skip
    print(f"  ratio raw/job: {m['ratio']:.2f} (goal >= 0.8); raw/datasets step "
          f"{m['step_ratio']:.2f}; worker peak RSS growth {m['rss'] / MB:.1f} MB")  # fmt: skip


def spread(measured: list[dict], key: str, fmt) -> str:
    values = sorted(m[key] for m in measured)
    return f"{fmt(statistics.median(values))} ({fmt(values[0])}-{fmt(values[-1])})"


def summary(builds: list[dict], erasures: list[dict]) -> None:
    secs = lambda v: f"{v:.2f}"  # noqa: E731
    mbs = lambda v: f"{v / MB:.1f}"  # noqa: E731
    print(f"datasets, {len(builds)} builds, median (min-max): "
          f"build {spread(builds, 'seconds', secs)} s, raw {spread(builds, 'raw_seconds', secs)} s, "
          f"ratio {spread(builds, 'ratio', secs)}, RSS growth {spread(builds, 'rss', mbs)} MB; "
          f"raw without ORDER BY {spread(builds, 'unordered_seconds', secs)} s")  # fmt: skip
    print(f"datasets, {len(erasures)} erasures, median (min-max): "
          f"job {spread(erasures, 'seconds', secs)} s, "
          f"raw {spread(erasures, 'raw_seconds', secs)} s, "
          f"ratio {spread(erasures, 'ratio', secs)} (datasets step "
          f"{spread(erasures, 'step_ratio', secs)}), RSS growth {spread(erasures, 'rss', mbs)} MB")  # fmt: skip


def main() -> None:
    args = parse_args()
    shard_rows = max(args.rows // max(args.shards, 1), 1)
    # Read by the worker's settings (it inherits this environment): the shard size, and
    # shards in a throwaway folder rather than the data directory.
    files = tempfile.mkdtemp(prefix="bench-datasets-files-")
    os.environ["DATASET_SHARD_ROWS"] = str(shard_rows)
    os.environ["DATASETS_URL"] = Path(files).as_uri()
    with bench_database(DB):
        from governance.services.consent import RequestContext, consent_grant
        from governance.services.health import redis_client
        from governance.services.scopes import Scope
        from tests.factories import make_user

        names = [f"p{i}" for i in range(args.people)]
        officer, people, catalogue, device = setup_people(names)
        subjects = ", ".join(f"'{people[n].employee.subject_id}'" for n in names)
        warm = make_user("w@bench.example")
        for kind in catalogue["kinds"]:
            scope = Scope(catalogue["purpose"], catalogue["applications"][0], kind)
            consent_grant(employee=warm.employee, scope=scope, actor=warm, context=RequestContext())
        rows = {  # person by person in turn: everyone has rows in every shard
            f"(ARRAY[{subjects}])[1 + (g %% {len(names)})]": args.rows - 1000,
            f"'{warm.employee.subject_id}'": 1000,  # a first erasure warms the worker
        }
        built = load(catalogue, device, rows)
        print(f"datasets: {args.rows:,} events of {len(names)} people loaded in {built:.0f} s; "
              f"{args.shards} shards of {shard_rows:,} rows")  # fmt: skip
        redis_client().flushdb()
        log_path = Path(tempfile.mkdtemp(prefix="bench-datasets-")) / "worker.log"
        worker = start_worker(
            log_path, queues="exports,erasure,default", concurrency=1, name="bench-datasets"
        )
        try:
            # A small snapshot first warms the pool process (imports, connections).
            first, _ = build(officer, catalogue, worker, hours=2, kinds=catalogue["kinds"][:1])
            discard(first)
            # Every build of the same 5M rows; the last snapshot is the one erased from, by
            # other people each time (an erasure takes their events out of the table too).
            builds, erasures = [], []
            dataset = None
            for i in range(max(args.repeat, 1)):
                if dataset is not None:
                    discard(dataset)
                dataset, m = measure_build(officer, catalogue, worker, shard_rows)
                print(f"datasets, build {i + 1}:")
                show_build(m)
                builds.append(m)
            erase(officer, warm, worker)
            for i in range(max(args.repeat, 1)):
                a, b = people[names[2 * i]], people[names[2 * i + 1]]
                m = measure_erasure(officer, dataset, worker, a, b, log_path)
                print(f"datasets, erasure {i + 1}:")
                show_erasure(m)
                erasures.append(m)
            if len(builds) > 1:
                summary(builds, erasures)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            shutil.rmtree(files, ignore_errors=True)


if __name__ == "__main__":
    main()
