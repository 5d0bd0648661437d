"""A real Celery worker process for tests whose behaviour depends on one.

    pytest_plugins = ["tests.worker"]

    @pytest.mark.django_db(transaction=True)
    def test_something(celery_worker): ...

The worker is another process on its own database connection: it sees only
committed rows, hence `transaction=True`. It uses the test database and the
same Redis as the test, and is stopped (its whole process group) at teardown.

`celery_worker_factory(**env)` starts one with a changed environment, e.g. a
private Redis (`REDIS_URL=...`, with `publishing_to(url)` so that this process
sends its tasks there too) or smaller erasure batches.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import kombu.pools
import psutil
import pytest
import redis
from django.conf import settings
from django.db import connection

from portal.celery import app as celery_app
from portal.stack import postgres_url, spawn, stop_process

STARTUP_TIMEOUT = 60.0
QUEUES = ("ingest", "erasure", "exports", "default")
NODE_NAME = "test@%h"


def worker_database_url() -> str:
    """DATABASE_URL for the database pytest-django created for this run."""
    db = connection.settings_dict
    host = db["HOST"] or db["OPTIONS"].get("host", "")
    return postgres_url(host, db["PORT"], db["NAME"], db["USER"] or "", db["PASSWORD"] or "")


@dataclass
class CeleryWorker:
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None
    argv: list[str] = field(
        default_factory=lambda: [
            *(sys.executable, "-m", "celery", "-A", "portal", "worker"),
            *("-Q", ",".join(QUEUES), "--concurrency", "1"),
            *("--pool", "prefork", "-n", NODE_NAME, "-l", "INFO"),
            # Neither waits for nor talks to other workers that share the broker.
            *("--without-mingle", "--without-gossip"),
        ]
    )

    @cached_property
    def redis(self) -> redis.Redis:
        """The Redis this worker uses (its broker, and where it writes its heartbeat)."""
        return redis.Redis.from_url(
            self.env["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2
        )

    def start(self) -> None:
        """Start the worker and return once it has written its own heartbeat."""
        self.redis.delete(settings.WORKER_HEARTBEAT_KEY)
        with self.log_path.open("ab") as log:
            self.proc = spawn(self.argv, self.env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_for_own_heartbeat()

    def _wait_for_own_heartbeat(self) -> None:
        # Wait for this worker's name, not any heartbeat: a worker elsewhere on
        # the same Redis (a running `make run`) writes the same key.
        hostname = NODE_NAME.replace("%h", socket.gethostname()).encode()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"celery worker exited with {self.proc.returncode}:\n{self.log()}")
            value = self.redis.get(settings.WORKER_HEARTBEAT_KEY) or b""
            if value.partition(b" ")[2] == hostname:
                return
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"no heartbeat from the celery worker in {STARTUP_TIMEOUT:.0f}s:\n{self.log()}")

    def pool_pids(self) -> list[int]:
        """The prefork pool processes that run the tasks (once the pool has started)."""
        return [child.pid for child in psutil.Process(self.proc.pid).children()]

    def processes(self) -> list[psutil.Process]:
        """Live processes of the worker's process group: the main process and its pool."""
        group = []
        for proc in psutil.process_iter(["status"]):
            with suppress(psutil.Error, OSError):
                if os.getpgid(proc.pid) == self.proc.pid and proc.info["status"] != "zombie":
                    group.append(proc)
        return group

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 30.0) -> int:
        """Send sig to the worker's main process and wait for it to exit.

        After SIGKILL nothing is left, as on a machine that died: the pool
        processes are killed too, and this returns once they are gone.
        Returns the main process's exit code.
        """
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        if sig == signal.SIGKILL:
            stop_process("celery worker", self.proc)
            deadline = time.monotonic() + timeout
            while self.processes() and time.monotonic() < deadline:
                time.sleep(0.05)
        return code

    def stop(self) -> None:
        if self.proc is not None:
            stop_process("celery worker", self.proc)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]


@contextmanager
def publishing_to(redis_url: str) -> Iterator[None]:
    """Send this process's tasks to another Redis (a worker's private broker) for a while.

    Celery keeps its producer connections in pools (its own and kombu's global
    ones) built from the broker URL on first use; they are closed and forgotten
    on the way in and out, so the next task sent builds a pool for the URL in force.
    """

    def drop_pools() -> None:
        kombu.pools.reset()
        celery_app.amqp._producer_pool = celery_app._pool = None

    before = celery_app.conf.get("broker_write_url")
    drop_pools()
    celery_app.conf.broker_write_url = redis_url.replace("unix://", "redis+socket://", 1)
    try:
        yield
    finally:
        drop_pools()
        celery_app.conf.broker_write_url = before


@pytest.fixture
def celery_worker_factory(django_db_setup, tmp_path):
    """Start real workers whose environment differs by `env`; all stop at teardown.

    Tasks an earlier test left in the broker (its workers stopped before running
    them) are dropped first: they name rows that test's teardown removed, and
    this test's workers would spend its time working through them.
    """
    workers: list[CeleryWorker] = []
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete(*QUEUES, "unacked", "unacked_index")
    broker.close()

    def start(*, concurrency: int = 1, **env: str) -> CeleryWorker:
        worker = CeleryWorker(
            env={
                **os.environ,
                "DATABASE_URL": worker_database_url(),
                "REDIS_URL": settings.REDIS_URL,
                "PORTAL_DATA_DIR": str(settings.DATA_DIR),
                "PORTAL_TESTING": "1",
                **env,
            },
            log_path=tmp_path / f"celery-worker{f'-{len(workers)}' if workers else ''}.log",
        )
        worker.argv[worker.argv.index("--concurrency") + 1] = str(concurrency)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in reversed(workers):
        worker.stop()


@pytest.fixture
def celery_worker(celery_worker_factory):
    return celery_worker_factory()
