"""The Celery worker's process around tasks, on a real worker (never eager mode)."""

import time

import pytest
from django.db import connection

from governance.models import ErasureJob
from governance.services.erasure import erasure_job_create

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DEADLINE = 30.0


def _verified(job: ErasureJob) -> None:
    deadline = time.monotonic() + DEADLINE
    while ErasureJob.objects.get(pk=job.pk).state != ErasureJob.State.VERIFIED:
        assert time.monotonic() < deadline, "the job did not end verified"
        time.sleep(0.05)


def _worker_backends() -> set[int]:
    """The server processes of the other connections to the test database: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT pid FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid()"""
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_a_worker_keeps_its_database_connection_from_one_task_to_the_next(
    celery_worker, alice, bob, olivia
):
    """Opening a connection per task cost more than an erasure of an empty store."""
    first = erasure_job_create(employee=alice.employee, cause="officer", actor=olivia)
    _verified(first)
    kept = _worker_backends()
    assert kept, "the worker closed its connection after the task"
    second = erasure_job_create(employee=bob.employee, cause="officer", actor=olivia)
    _verified(second)
    assert kept & _worker_backends(), "the next task opened a connection of its own"
