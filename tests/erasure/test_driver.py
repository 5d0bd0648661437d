"""The job's one driver: steps return outcomes to it, and it alone decides what runs next."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import ErasureStep, InteractionEvent
from governance.services import erasure
from governance.services.erasure import MAX_ATTEMPTS, erasure_job_advance, erasure_job_create
from governance.stores import REGISTRY
from governance.stores.events import EventsLane


class StoreDown(Exception):
    pass


@pytest.fixture
def sessions_down(monkeypatch):
    """The sessions store raises on every batch, as an unreachable store would."""

    def refuse(*args, **kwargs):
        raise StoreDown("sessions unreachable")

    monkeypatch.setattr(REGISTRY["sessions"], "erase_batch", refuse)


def test_a_step_that_raises_is_released_for_a_retry_and_the_driver_stops(
    alice_data, olivia, sessions_down
):
    employee = alice_data.employee
    job = erasure_job_create(employee=employee, cause="officer", actor=olivia)
    with pytest.raises(StoreDown):
        erasure_job_advance(job.pk)
    sessions = job.steps.get(store="sessions")
    assert sessions.state == "pending" and "sessions unreachable" in sessions.last_error
    assert sessions.attempts == 1, "the driver stopped: it did not spin on the failing step"
    assert job.steps.get(store="events").state == "verified"
    assert not InteractionEvent.objects.filter(subject=employee.subject_id).exists()
    job.refresh_from_db()
    assert job.state == "running" and job.receipt is None


def test_a_step_out_of_attempts_fails_and_the_driver_settles_the_job(
    alice_data, olivia, sessions_down
):
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)
    ErasureStep.objects.filter(job=job, store="sessions").update(attempts=MAX_ATTEMPTS - 1)
    with pytest.raises(StoreDown):
        erasure_job_advance(job.pk)
    assert job.steps.get(store="sessions").state == "failed"
    assert job.steps.exclude(store="sessions").filter(state="verified").count() == len(REGISTRY) - 1
    job.refresh_from_db()
    assert job.state == "failed" and job.receipt is None


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_batches_commit_without_a_flush_and_the_receipt_with_one(alice_data, olivia, monkeypatch):
    """A batch, a transaction of its own, skips the flush; the receipt's commit does not."""
    seen = {}
    events, receipt = EventsLane.erase_batch, erasure._receipt

    def erase_batch(*args, **kwargs):
        seen["batch"] = synchronous_commit()
        return events(*args, **kwargs)

    def signed(*args):
        seen["receipt"] = synchronous_commit()
        return receipt(*args)

    monkeypatch.setattr(EventsLane, "erase_batch", erase_batch)  # what the step's lanes run
    monkeypatch.setattr(erasure, "_receipt", signed)
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)
    erasure_job_advance(job.pk)
    job.refresh_from_db()
    assert job.state == "verified"
    assert seen == {"batch": "off", "receipt": "on"}
    assert synchronous_commit() == "on", "the connection is left as it was"


def test_a_batch_inside_a_callers_transaction_leaves_its_commit_to_the_caller(
    alice_data, olivia, monkeypatch
):
    """Only a batch that is its own transaction skips the flush: inside another, the
    commit is the caller's, whatever else it holds."""
    seen = []
    events = EventsLane.erase_batch

    def erase_batch(*args, **kwargs):
        seen.append(synchronous_commit())
        return events(*args, **kwargs)

    monkeypatch.setattr(EventsLane, "erase_batch", erase_batch)
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)
    erasure_job_advance(job.pk)  # inside this test's transaction
    job.refresh_from_db()
    assert job.state == "verified" and seen and set(seen) == {"on"}


@pytest.mark.django_db(transaction=True)
def test_a_failed_run_leaves_the_connection_flushing_its_commits(alice_data, olivia, sessions_down):
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)
    with pytest.raises(StoreDown):
        erasure_job_advance(job.pk)
    assert synchronous_commit() == "on"


def step_writes(queries: CaptureQueriesContext) -> list[str]:
    """The statements that changed steps (written out, or by the ORM, which quotes)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if "UPDATE governance_erasurestep" in q["sql"]
        or 'UPDATE "governance_erasurestep"' in q["sql"]
    ]


STAGES = len({store.stage for store in REGISTRY.values()})


def test_steps_of_stores_holding_nothing_end_on_one_question_without_a_claim_each(bob, olivia):
    """bob has nothing anywhere: each stage asks its stores in the one statement that
    starts it, which ends their steps verified with nothing found; none deletes."""
    job = erasure_job_create(employee=bob.employee, cause="officer", actor=olivia)
    with CaptureQueriesContext(connection) as queries:
        erasure_job_advance(job.pk)
    job.refresh_from_db()
    assert job.state == "verified" and job.receipt is not None and job.started_at
    for step in job.steps.all():
        assert (step.state, step.rows_before, step.rows_deleted, step.rows_after) == (
            "verified", 0, 0, 0,
        ), step.store  # fmt: skip
        assert step.attempts == 1 and step.started_at and step.finished_at
        assert step.lease_until is None
    sqls = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in sqls if sql.startswith("DELETE")]
    writes = step_writes(queries)
    assert len(writes) == STAGES, "one statement a stage, and no other write to a step"
    assert all("EXISTS" in sql for sql in writes), "asked by the statement that ends them"


def test_a_store_holding_something_runs_its_step_and_the_others_end_on_the_question(
    alice_data, olivia
):
    """The statement starting a stage claims the first store the question found something
    in and ends the others; the job starts with the first stage."""
    employee = alice_data.employee
    job = erasure_job_create(employee=employee, cause="officer", actor=olivia)
    with CaptureQueriesContext(connection) as queries:
        erasure_job_advance(job.pk)
    job.refresh_from_db()
    assert job.state == "verified" and job.started_at
    steps = list(job.steps.all())
    ran = {step.store for step in steps if step.rows_deleted}
    assert ran == {"events", "sessions", "activity"}
    assert all(step.attempts == 1 for step in steps), "each started once"
    writes = step_writes(queries)
    starts = [sql for sql in writes if "EXISTS" in sql]
    assert len(starts) == STAGES
    claims = [sql for sql in writes if "EXISTS" not in sql and "attempts = attempts + 1" in sql]
    # events in stage 0 and the first of sessions and activity in stage 1 were claimed by
    # the stage's statement: only the second of those two by a claim of its own.
    assert len(claims) == 1, claims
    assert not InteractionEvent.objects.filter(subject=employee.subject_id).exists()


def test_a_store_the_question_found_something_in_is_counted_only_after_its_deletes(
    alice_data, olivia
):
    """The stage's question has just found alice's activity days: her step deletes them
    without counting first, and its one count is the fresh count after the delete."""
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)
    with CaptureQueriesContext(connection) as queries:
        erasure_job_advance(job.pk)
    step = job.steps.get(store="activity")
    assert (step.state, step.rows_after) == ("verified", 0) and step.rows_deleted > 0
    assert step.rows_before == step.rows_deleted
    sqls = [q["sql"] for q in queries.captured_queries]
    counts = [sql for sql in sqls if sql.startswith("SELECT count(*) FROM governance_activityday")]
    deletes = [sql for sql in sqls if sql.startswith("DELETE FROM governance_activityday")]
    assert len(counts) == 1 and sqls.index(deletes[0]) < sqls.index(counts[0])


def test_an_earlier_attempts_erased_rows_stay_in_a_step_that_then_finds_nothing(bob, olivia):
    """A step released after a batch committed: its rows erased stay its figures."""
    job = erasure_job_create(employee=bob.employee, cause="officer", actor=olivia)
    ErasureStep.objects.filter(job=job, store="sessions").update(rows_deleted=7, attempts=1)
    erasure_job_advance(job.pk)
    step = job.steps.get(store="sessions")
    assert (step.state, step.rows_before, step.rows_deleted, step.rows_after) == (
        "verified", 7, 7, 0,
    )  # fmt: skip
    assert step.attempts == 2


def test_a_stages_stores_holding_something_are_claimed_one_at_a_time(
    alice_data, olivia, monkeypatch
):
    """Only the first store found holding something is claimed with the stage: the next
    is still pending (no lease running, no attempt spent) while that one runs."""
    erase = erasure._erase
    seen = []  # per stage-1 step run: the other's state and attempts then

    def erase_noting_the_other(step, **kwargs):
        if step.store in {"sessions", "activity"}:
            other = ErasureStep.objects.get(
                job_id=step.job_id, store=({"sessions", "activity"} - {step.store}).pop()
            )
            seen.append((other.state, other.attempts))
        return erase(step, **kwargs)

    monkeypatch.setattr(erasure, "_erase", erase_noting_the_other)
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)
    erasure_job_advance(job.pk)
    assert seen == [("pending", 0), ("verified", 1)]
    job.refresh_from_db()
    assert job.state == "verified"
