"""Erasure under faults, against a real Celery worker process (never eager mode).

A worker killed in the middle of a step, the same job run twice at once, and
Redis restarted under a running job: each time the job ends verified, with one
receipt, every row deleted exactly once and nothing left in any store.

"In the middle" is made deterministic with a brake: this test locks a few of
the subject's rows (FOR UPDATE SKIP LOCKED), so the worker's next batch DELETE
blocks on one of them with part of its batch deleted but not committed. The
fault strikes while PostgreSQL shows the worker's backend blocked by ours.
"""

import re
import signal
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial

import psutil
import psycopg
import pytest
from django.db import connection, connections

from governance.models import AuditEvent, ErasureJob, ErasureStep, InteractionEvent
from governance.services.audit import audit_verify
from governance.services.erasure import (
    erasure_job_advance,
    erasure_job_create,
    erasure_job_finish,
    erasure_reconcile,
    erasure_step_run,
)
from governance.services.signing import verify_document
from governance.stores import stores
from governance.tasks import erasure as tasks
from tests import servers
from tests.servers import PrivateRedis
from tests.worker import CeleryWorker, publishing_to, worker_database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Small batches and a short lease, so a step takes many commits and a dead
# worker's claim runs out within the test.
WORKER_ENV = {"ERASURE_BATCH_SIZE": "1000", "ERASURE_LEASE_SECONDS": "2"}
DEADLINE = 30.0
ROWS = 20_000


@pytest.fixture
def erasure_worker(celery_worker_factory):
    """Starts real workers with WORKER_ENV (and more env); kills them at the end.

    Killed rather than stopped: a warm shutdown takes seconds, and whatever these
    workers might still be doing is re-driven work the test no longer looks at.
    """
    started: list[CeleryWorker] = []

    def start(**env) -> CeleryWorker:
        worker = celery_worker_factory(**{**WORKER_ENV, **env})
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.proc.poll() is None:
            worker.kill()


# --- data --------------------------------------------------------------------


def feed_events(employee, catalogue, device, count: int) -> None:
    """`count` key events of one employee, 2 s apart back from now (so across several day
    partitions and the default one), written straight into the table as ingestion would."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO governance_interactionevent
                   (ts, subject, purpose_id, application_id, data_kind_id, event_type,
                    consent_version, device_id, session_id, batch_id, key_code, key_char)
               SELECT now() - make_interval(secs => g * 2), %s, %s, %s, %s, 'key_down',
                      1, %s, 'bulk', %s, 'KeyA', 'a'
               FROM generate_series(1, %s) AS g""",
            [
                employee.subject_id,
                catalogue["purpose"].pk,
                catalogue["applications"][0].pk,
                next(k for k in catalogue["kinds"] if k.slug == "key").pk,
                device.pk,
                uuid.uuid4(),
                count,
            ],
        )
        # Statistics as autovacuum would leave them: the store sizes its statements by
        # the planner's estimates (and with them keeps a batch within ERASURE_BATCH_SIZE).
        cursor.execute("ANALYZE governance_interactionevent")


def residue(subject: str) -> dict[str, int]:
    return {store.name: store.count(subject) for store in stores()}


# --- waiting -----------------------------------------------------------------


def wait_until(condition: Callable, what: str, worker: CeleryWorker, timeout: float = DEADLINE):
    return servers.wait_until(condition, what, timeout, log=worker.log)


def events_step(job: ErasureJob) -> ErasureStep:
    return ErasureStep.objects.get(job=job, store="events")


def deleting(job: ErasureJob):
    """The events step has committed some batches and is still running."""
    step = events_step(job)
    return step if step.state == "running" and step.rows_deleted > 0 else None


def settle(job: ErasureJob, worker: CeleryWorker, timeout: float = DEADLINE) -> ErasureJob:
    """Wait for the job to end, playing the beat reconciler meanwhile (more often than
    beat's 30 s, so that a step whose lease has run out is re-driven at once)."""
    last_reconcile = 0.0

    def ended():
        nonlocal last_reconcile
        if time.monotonic() - last_reconcile > 0.3:
            erasure_reconcile()
            last_reconcile = time.monotonic()
        job.refresh_from_db()
        return job.state in ("verified", "blocked_by_hold", "failed")

    wait_until(ended, f"erasure job {job.pk} ends", worker, timeout)
    return job


def task_log(worker: CeleryWorker) -> tuple[list[str], set[str]]:
    """Ids of the tasks the worker received (in order, repeats included) and ended."""
    log = worker.log_path.read_text(errors="replace")
    received = re.findall(r"\[([0-9a-f-]{36})\] received", log)
    ended = set(re.findall(r"\[([0-9a-f-]{36})\] (?:succeeded|raised)", log))
    return received, ended


def wait_for_tasks(worker: CeleryWorker, task_ids: list[str]) -> None:
    """Until the worker has logged the end of every one of these tasks."""
    wait_until(
        lambda: set(task_ids) <= task_log(worker)[1],
        f"the worker has run {len(task_ids)} tasks",
        worker,
    )


def in_flight(worker: CeleryWorker) -> set[str]:
    received, ended = task_log(worker)
    return set(received) - ended


class Brake:
    """Row locks that stop the worker's next DELETE batch half way, in its transaction."""

    def __init__(self, subject: str):
        self.conn = psycopg.connect(worker_database_url())
        self.pid = self.conn.info.backend_pid
        # SKIP LOCKED: never wait for the worker's batch in flight (that could deadlock).
        self.locked = self.conn.execute(
            """SELECT id FROM governance_interactionevent WHERE subject = %s AND id %% 97 = 0
               FOR UPDATE SKIP LOCKED""",
            [subject],
        ).rowcount

    def blocked(self) -> list[int]:
        """Backends (the worker's) that wait for a lock we hold."""
        with psycopg.connect(worker_database_url(), autocommit=True) as other:
            rows = other.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [self.pid],
            ).fetchall()
        return [pid for (pid,) in rows]

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def brake_mid_step(job: ErasureJob, worker: CeleryWorker) -> tuple[Brake, ErasureStep]:
    """Let the events step commit a few batches, then hold it inside its next one."""
    wait_until(lambda: deleting(job), "the events step has deleted a first batch", worker)
    brake = Brake(job.subject)
    wait_until(brake.blocked, "the worker's DELETE waits for a braked row", worker)
    step = events_step(job)
    assert step.state == "running"
    assert step.rows_deleted > 0, "the fault must strike mid-step"
    assert InteractionEvent.objects.filter(subject=job.subject).exists(), "... not after it"
    return brake, step


# --- outcomes ----------------------------------------------------------------


def assert_erased_exactly_once(job: ErasureJob, others: dict[str, int]) -> None:
    job.refresh_from_db()
    assert job.state == "verified", [(s.store, s.state, s.last_error) for s in job.steps.all()]
    for step in job.steps.all():
        assert step.state == "verified"
        assert step.rows_deleted == step.rows_before, (step.store, step.rows_deleted)
        assert step.rows_after == 0
    left = residue(job.subject)
    assert left == dict.fromkeys(left, 0)
    for subject, count in others.items():  # nobody else's rows went
        assert InteractionEvent.objects.filter(subject=subject).count() == count
    receipt = job.receipt
    assert verify_document(receipt, receipt["publicKey"])
    assert receipt["stores"]["events"]["rows_deleted"] == events_step(job).rows_before
    completed = AuditEvent.objects.filter(
        action="erasure.completed", target_type="ErasureJob", target_id=str(job.pk)
    )
    assert completed.count() == 1
    assert receipt["audit"]["seq"] == completed.get().seq
    assert audit_verify().ok


# --- 1. a worker killed in the middle of a step ------------------------------


@pytest.mark.parametrize("victim", ["pool process", "whole worker"])
def test_a_worker_killed_mid_step_leaves_one_receipt_and_zero_residue(
    victim, erasure_worker, alice_data, bob, catalogue, device, olivia
):
    employee = alice_data.employee
    feed_events(employee, catalogue, device[0], ROWS)
    feed_events(bob.employee, catalogue, device[0], 500)
    worker = erasure_worker()
    pool_pid = wait_until(worker.pool_pids, "the worker's pool has started", worker)[0]

    job = erasure_job_create(employee=employee, cause="officer", actor=olivia, reason="faults")
    brake, _ = brake_mid_step(job, worker)
    (task_id,) = in_flight(worker)  # the task running the step
    if victim == "pool process":
        psutil.Process(pool_pid).send_signal(signal.SIGKILL)
        # The main process sees its child die and, with acks_late and
        # reject_on_worker_lost, puts the task back on the queue; a new pool
        # process receives it again.
        wait_until(
            lambda: task_log(worker)[0].count(task_id) == 2, "the task is redelivered", worker
        )
        assert pool_pid not in worker.pool_pids()
    else:
        # Nothing is left of the worker. The broker keeps the unacknowledged
        # message (it comes back after the visibility timeout); the reconciler
        # re-drives the step as soon as the dead worker's lease has run out.
        worker.kill(signal.SIGKILL)
        assert worker.processes() == []
        assert any(task_id.encode() in message for message in worker.redis.hvals("unacked"))
    brake.release()  # the dead worker's half batch rolls back with its connection
    if victim == "whole worker":
        worker.restart()

    job = settle(job, worker)

    assert_erased_exactly_once(job, {bob.employee.subject_id: 500})
    step = events_step(job)
    assert step.rows_before == ROWS + 90
    assert step.attempts >= 2, "a second claim took the step over"


# --- 2. the same job run twice at once ---------------------------------------


def test_running_the_same_job_twice_deletes_and_receipts_once(
    erasure_worker, alice_data, bob, catalogue, device, olivia
):
    employee = alice_data.employee
    feed_events(employee, catalogue, device[0], ROWS)
    feed_events(bob.employee, catalogue, device[0], 500)
    worker = erasure_worker(concurrency=2)

    def run_twice(job_id: int, in_process: list[Callable]) -> None:
        """Every task of the job sent twice to a worker with two pool processes, while this
        process runs the same service calls itself in threads that start together."""
        steps = list(ErasureStep.objects.filter(job_id=job_id).values_list("pk", flat=True))
        sent = [tasks.erasure_job_advance.delay(job_id).id for _ in range(2)]
        sent += [tasks.erasure_step_run.delay(pk).id for pk in steps for _ in range(2)]
        run_together(in_process)
        wait_for_tasks(worker, sent)

    job = erasure_job_create(employee=employee, cause="officer", actor=olivia, reason="twice")
    wait_until(lambda: events_step(job).rows_deleted, "the worker is deleting", worker)
    steps = [partial(erasure_step_run, pk) for pk in job.steps.values_list("pk", flat=True)]
    run_twice(job.pk, [*steps, partial(erasure_job_advance, job.pk)] * 2)
    job = settle(job, worker)
    assert_erased_exactly_once(job, {bob.employee.subject_id: 500})
    receipt, counts = job.receipt, list(job.steps.values_list("rows_before", "rows_deleted"))
    assert events_step(job).attempts == 1, "only one runner ever claimed the events step"

    # And once more after it has finished: nothing changes, no second receipt.
    run_twice(job.pk, [*steps, partial(erasure_job_finish, job.pk)] * 2)
    job.refresh_from_db()
    assert job.receipt == receipt
    assert list(job.steps.values_list("rows_before", "rows_deleted")) == counts
    assert_erased_exactly_once(job, {bob.employee.subject_id: 500})


def run_together(calls: list[Callable]) -> None:
    """Run each call in its own thread (and database connection), all released at once."""
    start = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable) -> None:
        try:
            start.wait()
            call()
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE)
    assert not errors, errors


# --- 3. Redis restarted under a running job ----------------------------------


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def test_a_job_completes_across_a_redis_restart(
    private_redis, erasure_worker, alice_data, bob, catalogue, device, olivia
):
    employee = alice_data.employee
    feed_events(employee, catalogue, device[0], ROWS)
    feed_events(bob.employee, catalogue, device[0], 500)
    worker = erasure_worker(REDIS_URL=private_redis.url)
    worker_pid, redis_pid = worker.proc.pid, private_redis.proc.pid

    with publishing_to(private_redis.url):
        job = erasure_job_create(employee=employee, cause="officer", actor=olivia, reason="redis")
        brake, _ = brake_mid_step(job, worker)
        private_redis.kill()  # SIGKILL: queues and unacknowledged messages are gone
        brake.release()
        # Erasing needs only PostgreSQL: the step goes on while the broker is away.
        wait_until(lambda: events_step(job).state == "verified", "the events step verifies", worker)

        private_redis.start()  # on the same socket, empty
        assert private_redis.proc.pid != redis_pid
        job = settle(job, worker)
        assert_erased_exactly_once(job, {bob.employee.subject_id: 500})

        # The same worker process reconnected: it takes new work from the new server.
        later = erasure_job_create(employee=bob.employee, cause="officer", actor=olivia)
        wait_until(
            lambda: ErasureJob.objects.get(pk=later.pk).state == "verified",
            "a job sent after the restart is done",
            worker,
        )
    assert worker.proc.poll() is None and worker.proc.pid == worker_pid
    assert_erased_exactly_once(later, {})
