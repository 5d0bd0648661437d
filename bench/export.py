"""The access package of one employee with 1M events, against a raw COPY TO of the same rows.

With a real Celery worker (one pool process, so its memory is the build's):
  * the employee files an access request and an officer verifies it; the package is
    built by the real task on the `exports` queue (every store, consent receipts,
    requests, audit, summary, signed manifest, zip saved into the exports storage),
    timed from the package's creation to its being ready, as the database recorded them;
  * a raw `COPY (SELECT <the events' columns> ... WHERE subject = ... ORDER BY ts, id)
    TO STDOUT` of the same rows, read to the end in this process;
  * the worker's pool process is sampled every 20 ms for its peak RSS above what it
    held before the build.
`--repeat N` measures N times (each a new request) and prints median and spread.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable as `python bench/export.py` too

from bench.common import bench_database  # noqa: E402
from bench.events import load, setup_people, start_worker  # noqa: E402

DB = "portal_bench_export"
FIDES_ROWS_PER_S = (4000, 4700)  # peer figure, same machine kind (shared/NOTES.md)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subject-rows", type=int, default=1_000_000)
    parser.add_argument("--other-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args, _ = parser.parse_known_args()  # `make bench` passes every benchmark the same args
    return args


def setup(subject_rows: int, other_rows: int):
    """The person whose package is measured, one to warm the worker with, and others."""
    from governance.models import Role

    officer, people, catalogue, device = setup_people(
        ["a", "w"], officer_roles=(Role.EMPLOYEE, Role.PRIVACY_OFFICER)
    )
    person, warm = people["a"], people["w"]
    rows = {
        f"'{person.employee.subject_id}'": subject_rows,
        f"'{warm.employee.subject_id}'": 1000,
        "'sub_other_' || (g %% 1000)": other_rows,
    }
    built = load(catalogue, device, rows)
    print(f"export: {sum(rows.values()):,} events loaded in {built:.0f} s")
    return officer, person, warm


class PeakRss:
    """Samples the worker's pool process every 20 ms; growth = peak - RSS at the start."""

    def __init__(self, worker: subprocess.Popen):
        import psutil

        children = psutil.Process(worker.pid).children()
        self.proc = children[0] if children else psutil.Process(worker.pid)
        self.base = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def growth(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak - self.base


def build(person, officer, worker, timeout: float = 1800):
    from governance.models import ExportPackage
    from governance.services.requests import request_file, request_verify

    rss = PeakRss(worker)
    request, _ = request_file(employee=person.employee, kind="access", actor=person)
    request_verify(request=request, actor=officer, identity_check="bench")
    package = ExportPackage.objects.get(request=request)
    deadline = time.monotonic() + timeout
    while ExportPackage.objects.filter(pk=package.pk, state="building").exists():
        if time.monotonic() > deadline or worker.poll() is not None:
            raise SystemExit("the package did not build")
        time.sleep(0.02)
    growth = rss.growth()
    package.refresh_from_db()
    if package.state != "ready":
        raise SystemExit(f"the package {package.state}: {package.last_error}")
    return package, growth


def raw_copy(subject: str) -> tuple[int, float]:
    """The same rows as the package's events, by a bare COPY TO read to the end."""
    from django.db import connection

    from governance.models.ingestion import EVENT_TABLE
    from governance.stores.events import EXPORT_COLUMNS

    rows = 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        statement = (
            f"COPY (SELECT {EXPORT_COLUMNS} FROM {EVENT_TABLE} WHERE subject = %s "
            "ORDER BY ts, id) TO STDOUT"
        )
        with cursor.cursor.copy(statement, [subject]) as copy:
            for _ in copy:
                rows += 1
    return rows, time.perf_counter() - started


PHASES = re.compile(r"package (\d+): \d+ rows, (.*)$")


def phases(log_path: Path, package_id: int) -> str:
    """Where the build's time went, as the worker logged it (its log may lag a little)."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            match = PHASES.search(line)
            if match and int(match.group(1)) == package_id:
                return match.group(2)
        time.sleep(0.05)
    return "(not logged)"


def measure(person, officer, worker, log_path: Path) -> dict:
    from governance.stores.exports import exports_storage

    package, growth = build(person, officer, worker)
    files = package.manifest["files"]
    seconds = (package.ready_at - package.created_at).total_seconds()
    m = {
        "rows": sum(f.get("rows", 0) for f in files.values()),
        "events": files["data/events.csv"]["rows"],
        "seconds": seconds,
        "bytes": package.size_bytes,
        "rss_growth": growth,
        "phases": phases(log_path, package.pk),
    }
    m["raw_rows"], m["raw_seconds"] = raw_copy(person.employee.subject_id)
    m["rate"], m["raw_rate"] = m["rows"] / seconds, m["raw_rows"] / m["raw_seconds"]
    m["ratio"] = m["rate"] / m["raw_rate"]
    exports_storage().delete(package.file_name)  # keep the data directory small
    return m


def report(m: dict) -> None:
    mb = 1024 * 1024
    print(
        f"  package through the task: {m['rows']:,} rows ({m['events']:,} events) in "
        f"{m['seconds']:.2f} s = {m['rate']:,.0f} rows/s, zip {m['bytes'] / mb:.1f} MB"
    )
    print(
        f"  raw COPY TO STDOUT:       {m['raw_rows']:,} rows in {m['raw_seconds']:.2f} s "
        f"= {m['raw_rate']:,.0f} rows/s"
    )
    print(f"  ratio package/raw: {m['ratio']:.2f} (goal >= 0.5); worker peak RSS growth "
          f"{m['rss_growth'] / mb:.1f} MB (goal < 150 MB); Fides {FIDES_ROWS_PER_S[0]:,}-"
          f"{FIDES_ROWS_PER_S[1]:,} rows/s: {m['rate'] / FIDES_ROWS_PER_S[1]:.0f}x")  # fmt: skip
    print(f"  in the worker: {m['phases']}; the rest is the task's pickup and claim")


def summary(measured: list[dict]) -> None:
    def spread(key, fmt):
        values = sorted(m[key] for m in measured)
        median = statistics.median(values)
        return f"{fmt(median)} ({fmt(values[0])}-{fmt(values[-1])})"

    mb = 1024 * 1024
    print(f"export, {len(measured)} measurements, median (min-max): "
          f"ratio {spread('ratio', lambda v: f'{v:.2f}')}; "
          f"package {spread('rate', lambda v: f'{v:,.0f}')} rows/s; "
          f"raw {spread('raw_rate', lambda v: f'{v:,.0f}')} rows/s; "
          f"RSS growth {spread('rss_growth', lambda v: f'{v / mb:.1f}')} MB")  # fmt: skip


def main() -> None:
    args = parse_args()
    # Emails (request received, completed) are recorded, not printed over the figures.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    with bench_database(DB):
        from governance.services.health import redis_client

        officer, person, warm = setup(args.subject_rows, args.other_rows)
        redis_client().flushdb()
        log_path = Path(tempfile.mkdtemp(prefix="bench-export-")) / "worker.log"
        worker = start_worker(
            log_path, queues="exports,default", concurrency=1, name="bench-export"
        )
        try:
            build(warm, officer, worker)  # warms the pool process (imports, connection)
            measured = []
            for i in range(max(args.repeat, 1)):
                m = measure(person, officer, worker, log_path)
                print(f"export, measurement {i + 1}:")
                report(m)
                measured.append(m)
            if len(measured) > 1:
                summary(measured)
        finally:
            worker.terminate()
            worker.wait(timeout=60)


if __name__ == "__main__":
    main()
