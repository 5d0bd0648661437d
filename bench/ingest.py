"""Ingestion through HTTP with the consent gate and safeguards, against raw COPY.

Starts the production web server (gunicorn) as a separate process on a
throwaway database, posts batches through the real endpoint from client
threads, then COPYs the same rows straight into the same table in batches of
the same size. Prints events/s of both, their ratio and the web processes'
peak RSS. `--profile` also profiles the gateway in-process for a few batches.

    make bench            # all benchmarks
    python -m portal.stack exec -- .venv/bin/python -m bench.ingest --events 200000
"""

import argparse
import cProfile
import http.client
import io
import os
import pstats
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import psutil

from bench.common import bench_database

ROOT = Path(__file__).resolve().parent.parent
DB = "portal_bench_ingest"
TEXT = (
    "the quarterly report is due on friday please send the numbers to finance "
    "def compute_total(rows): return sum(r.amount for r in rows) "
    "meeting moved to 3pm call me at +44 20 7946 0958 card 4111 1111 1111 1111 "
)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--employees", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    args, _ = parser.parse_known_args()  # `make bench` passes every benchmark the same args
    return args


def setup(employees: int):
    from governance.models import SafeguardRule
    from governance.services.consent import RequestContext, consent_grant
    from governance.services.devices import device_create
    from governance.services.scopes import Scope
    from tests.factories import make_catalogue, make_user, publish_notice, retention_baseline

    officer = make_user("officer@bench.example")
    catalogue = make_catalogue()
    retention_baseline()  # a notice is published only over data some policy bounds
    publish_notice(officer, catalogue)
    vscode = catalogue["applications"][0]
    for value, _ in SafeguardRule.Detector.choices:
        SafeguardRule.objects.create(kind="redaction_detector", name=value, detector=value)
    SafeguardRule.objects.create(kind="keystroke_timing", name="coarse", resolution_ms=20)
    people = []
    for i in range(employees):
        user = make_user(f"person{i}@bench.example")
        for kind in catalogue["kinds"]:
            consent_grant(
                employee=user.employee,
                scope=Scope(catalogue["purpose"], vscode, kind),
                actor=user,
                context=RequestContext(),
            )
        people.append(user.email)
    _, token = device_create(name="bench", actor=officer)
    return people, token


def make_events(people: list[str], count: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(hours=1)
    events = []
    for i in range(count):
        who = people[(i // 500) % len(people)]
        ts = (start + timedelta(milliseconds=i * 7)).isoformat(timespec="milliseconds")
        base = {"employee": who, "ts": ts, "app": "code", "session_id": f"s{i // 5000}",
                "window_title": f"file{(i // 300) % 40}.py - project"}  # fmt: skip
        roll = rng.random()
        if roll < 0.45:
            ch = TEXT[i % len(TEXT)]
            events.append({**base, "type": "key_down", "key": {"code": "Key", "char": ch}})
        elif roll < 0.75:
            pointer = {"x": rng.randint(0, 1920), "y": rng.randint(0, 1080), "button": None}
            events.append({**base, "type": "pointer_move", "pointer": pointer})
        elif roll < 0.85:
            pointer = {"x": 10, "y": 10, "button": "left"}
            events.append({**base, "type": "pointer_down", "pointer": pointer})
        elif roll < 0.95:
            events.append({**base, "type": "scroll", "scroll": {"dx": 0, "dy": -3}})
        else:
            events.append({**base, "type": "menu_select", "menu": {"path": ["File", "Save"]}})
    return events


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_web(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "PORTAL_TESTING": "0",
    }
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--threads", "1", "--worker-class", "sync",
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return web
        except OSError:
            time.sleep(0.1)
    web.kill()
    raise SystemExit("the web server did not start")


class RssSampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.running = True

    def run(self):
        while self.running:
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(0.05)


def post_all(port: int, token: str, bodies: list[bytes], clients: int) -> tuple[float, int]:
    queue = list(reversed(bodies))
    lock = threading.Lock()
    accepted = [0]
    failures: list[str] = []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            conn.request("POST", "/api/v1/ingest/batches", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            if response.status != 200:
                failures.append(f"ingest failed: {response.status} {payload[:300]!r}")
                return
            with lock:
                accepted[0] += orjson.loads(payload)["accepted"]
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(failures[0])
    return time.perf_counter() - start, accepted[0]


def raw_copy(rows_batches) -> float:
    from django.db import connection

    from governance.models.ingestion import EVENT_TABLE
    from governance.stores.events import COPY_COLUMNS, COPY_TYPES

    connection.ensure_connection()
    raw = connection.connection  # psycopg connection, autocommit managed by us
    start = time.perf_counter()
    for rows in rows_batches:
        with (
            raw.transaction(),
            raw.cursor() as cursor,
            cursor.copy(f"COPY {EVENT_TABLE} ({COPY_COLUMNS}) FROM STDIN (FORMAT BINARY)") as cp,
        ):
            cp.set_types(COPY_TYPES)
            for row in rows:
                cp.write_row(row)
    return time.perf_counter() - start


def stored_rows_as_tuples(batch_ids: list[uuid.UUID]) -> list[list[tuple]]:
    """The rows the gateway stored, re-read to COPY again: the same rows, the same table."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    from governance.models.ingestion import EVENT_TABLE
    from governance.stores.events import COPY_COLUMNS

    batches = []
    with connection.cursor() as cursor:
        for batch_id in batch_ids:
            cursor.execute(
                f"SELECT {COPY_COLUMNS} FROM {EVENT_TABLE} WHERE batch_id = %s", [batch_id]
            )
            batches.append(
                [
                    (*r[:18], Jsonb(r[18]) if r[18] is not None else None, r[19])
                    for r in cursor.fetchall()
                ]
            )
    return batches


def profile_gateway(token_device, bodies: list[bytes]) -> str:
    from governance.services.ingestion import batch_decode, ingest_batch

    profiler = cProfile.Profile()
    profiler.enable()
    for body in bodies:
        ingest_batch(device=token_device, batch=batch_decode(body))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return out.getvalue()


def main() -> None:
    args = parse_args()
    with bench_database(DB):
        run(args)


def run(args) -> None:
    from django.db import connections

    people, token = setup(args.employees)
    events = make_events(people, args.events)
    batch_ids = [uuid.uuid4() for _ in range(0, len(events), args.batch)]
    bodies = [
        orjson.dumps(
            {"batch_id": str(bid), "device_id": "bench", "events": events[i : i + args.batch]}
        )
        for bid, i in zip(batch_ids, range(0, len(events), args.batch), strict=True)
    ]
    connections.close_all()
    port = free_port()
    web = start_web(port, args.workers)
    sampler = RssSampler(web.pid)
    sampler.start()
    try:
        post_all(port, token, bodies[:2], 1)  # warm the workers (imports, connections)
        http_seconds, accepted = post_all(port, token, bodies[2:], args.clients)
    finally:
        sampler.running = False
        web.terminate()
        web.wait(timeout=30)
    http_events = sum(len(orjson.loads(b)["events"]) for b in bodies[2:])
    rows = stored_rows_as_tuples(batch_ids[2:])
    copied = sum(len(r) for r in rows)
    copy_seconds = raw_copy(rows)
    http_rate = http_events / http_seconds
    copy_rate = copied / copy_seconds
    print(f"ingest: {http_events} events in batches of {args.batch}, {args.clients} clients, "
          f"{args.workers} gunicorn workers, {args.employees} employees")  # fmt: skip
    print(f"  HTTP + gate + safeguards: {http_rate:10.0f} events/s ({accepted} accepted)")
    print(f"  raw COPY, same rows:      {copy_rate:10.0f} rows/s ({copied} rows)")
    print(f"  ratio HTTP/raw COPY: {http_rate / copy_rate:.2f}")
    print(f"  web peak RSS (all gunicorn processes): {sampler.peak / 2**20:.0f} MiB")
    if args.profile:
        from governance.models import CaptureDevice

        device = CaptureDevice.objects.get(name="bench")
        again = [
            orjson.dumps({**orjson.loads(b), "batch_id": str(uuid.uuid4())}) for b in bodies[2:7]
        ]
        print(profile_gateway(device, again))


if __name__ == "__main__":
    main()
