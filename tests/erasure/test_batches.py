"""How the events step deletes: batches sized by time and capped in rows, one plain DELETE
per day partition where no hold applies, a hold-aware DELETE by ctid where one does, and
the rows erased taken from the deletes' own counts (checked here against a count first)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from governance.models import InteractionEvent
from governance.models.ingestion import EVENT_TABLE
from governance.selectors.erasure import step_percent
from governance.services import erasure
from governance.services.erasure import BatchSizer, erasure_job_create
from governance.services.holds import legal_hold_create
from governance.stores import EVERYTHING, REGISTRY
from governance.stores import events as events_store
from governance.stores.events import DEFAULT_PARTITION, partition_name
from tests.erasure.test_engine import drive

pytestmark = pytest.mark.django_db

ROWS = 3000  # one a minute back from now: today, yesterday and DEFAULT (older days)


@pytest.fixture
def spread(alice_data, catalogue, device):
    """alice's events over several partitions, with statistics as autovacuum leaves them."""
    employee = alice_data.employee
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {EVENT_TABLE} (ts, subject, purpose_id, application_id,
                    data_kind_id, event_type, consent_version, device_id, session_id,
                    batch_id, key_code)
                SELECT now() - make_interval(mins => g), %s, %s, %s, %s, 'key_down', 1, %s,
                       'spread', gen_random_uuid(), 'KeyA'
                FROM generate_series(0, %s - 1) AS g""",
            [
                employee.subject_id,
                catalogue["purpose"].pk,
                catalogue["applications"][0].pk,
                next(k for k in catalogue["kinds"] if k.slug == "key").pk,
                device[0].pk,
                ROWS,
            ],
        )
        cursor.execute(f"ANALYZE {EVENT_TABLE}")
    return employee


def event_deletes(queries: CaptureQueriesContext) -> dict[str, list[str]]:
    """The DELETE statements run on the events table, by the table they name (the
    partitioned parent for a run of days, or one partition)."""
    found: dict[str, list[str]] = {}
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.startswith(f"DELETE FROM {EVENT_TABLE}"):
            found.setdefault(sql.split()[2], []).append(sql)
    return found


def rows_of(subject: str) -> int:
    return InteractionEvent.objects.filter(subject=subject).count()


def test_batches_are_sized_by_the_time_they_take_within_their_bounds():
    sizer = BatchSizer(seconds=0.5, most=1_000_000)
    assert sizer.rows == 100_000
    sizer.record(100_000, 0.1)  # 1M rows/s would fill 0.5 s with 500k: four times at most
    assert sizer.rows == 400_000
    sizer.record(400_000, 0.5)  # 800k rows/s
    assert sizer.rows == 400_000
    sizer.record(400_000, 4.0)  # slower now: 100k rows/s
    assert sizer.rows == 50_000
    sizer.record(0, 1.0)  # nothing to measure by
    assert sizer.rows == 50_000
    sizer.record(10, 10.0)
    assert sizer.rows == 1000, "never fewer than a thousand rows"
    capped = BatchSizer(seconds=0.5, most=300)
    assert capped.rows == 300
    capped.record(300, 0.0001)
    assert capped.rows == 300, "never more than ERASURE_BATCH_SIZE"


def test_without_a_hold_each_partition_goes_in_one_plain_delete(spread, olivia):
    subject = spread.subject_id
    before = rows_of(subject)
    assert before == ROWS + 90
    with CaptureQueriesContext(connection) as queries:
        job = drive(erasure_job_create(employee=spread, cause="officer", actor=olivia))
    deletes = event_deletes(queries)
    # Every day partition in one statement through the parent, bounded by their days
    # (they are consecutive), and DEFAULT (rows of older days) in one of its own.
    assert set(deletes) == {EVENT_TABLE, DEFAULT_PARTITION}
    assert all(len(statements) == 1 for statements in deletes.values()), deletes
    assert "ts >= " in deletes[EVENT_TABLE][0] and "ts < " in deletes[EVENT_TABLE][0]
    assert not any("ctid" in sql for statements in deletes.values() for sql in statements)
    assert job.state == "verified"
    step = job.steps.get(store="events")
    assert (step.rows_before, step.rows_deleted, step.rows_after) == (before, before, 0)
    assert job.receipt["stores"]["events"]["rows_deleted"] == before
    assert rows_of(subject) == 0


def test_a_hold_makes_only_the_partitions_it_overlaps_hold_aware(spread, olivia, leo):
    subject = spread.subject_id
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    starts = datetime.combine(yesterday, time(6), tzinfo=UTC)
    ends = starts + timedelta(hours=2)
    legal_hold_create(
        actor=leo,
        matter="Case 12",
        reason="litigation",
        custodians=[spread],
        starts=starts,
        ends=ends,
        stores=["events"],
    )
    before = rows_of(subject)
    held = InteractionEvent.objects.filter(subject=subject, ts__gte=starts, ts__lt=ends).count()
    assert held >= 120
    with CaptureQueriesContext(connection) as queries:
        job = drive(erasure_job_create(employee=spread, cause="officer", actor=olivia))
    deletes = event_deletes(queries)
    hold_aware = {table for table, sql in deletes.items() if any("ctid" in s for s in sql)}
    # DEFAULT holds rows of any day: a hold applies there as well.
    assert hold_aware == {partition_name(yesterday), DEFAULT_PARTITION}
    # The days after it, consecutive and clear of the hold: one plain statement.
    assert deletes[EVENT_TABLE] == [
        sql for sql in deletes[EVENT_TABLE] if "ctid" not in sql and "ts >= " in sql
    ]
    assert len(deletes[EVENT_TABLE]) == 1
    assert all("AND NOT ((ts >= " in deletes[t][0] for t in hold_aware)
    assert job.state == "blocked_by_hold"
    step = job.steps.get(store="events")
    assert (step.rows_held, step.rows_after) == (held, held)
    assert step.rows_deleted == before - held
    assert step.rows_before == before
    assert InteractionEvent.objects.filter(subject=subject).count() == held
    assert (
        not InteractionEvent.objects.filter(subject=subject)
        .exclude(ts__gte=starts, ts__lt=ends)
        .exists()
    )


def test_a_partition_larger_than_a_batch_goes_by_ctid_and_the_counts_stay_exact(
    spread, olivia, monkeypatch
):
    monkeypatch.setattr(erasure, "BATCH_MOST", 500)
    subject = spread.subject_id
    before = rows_of(subject)
    with CaptureQueriesContext(connection) as queries:
        job = drive(erasure_job_create(employee=spread, cause="officer", actor=olivia))
    yesterday = partition_name(datetime.now(UTC).date() - timedelta(days=1))
    statements = event_deletes(queries)[yesterday]  # 1440 rows: three batches of 500
    assert len(statements) == 3 and all("ctid" in sql for sql in statements)
    progress = [
        q
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "governance_erasurestep" SET "rows_deleted"')
    ]
    assert len(progress) >= before // 500
    step = job.steps.get(store="events")
    assert job.state == "verified"
    assert (step.rows_before, step.rows_deleted, step.rows_after) == (before, before, 0)
    assert rows_of(subject) == 0


def test_a_running_step_measures_its_progress_against_the_estimate_taken_at_its_start(
    spread, olivia
):
    """No count runs before the deletes, so until the fresh count is exact the bar is
    measured against the planner's estimate, recorded once when the step starts."""
    before = rows_of(spread.subject_id)
    job = drive(erasure_job_create(employee=spread, cause="officer", actor=olivia))
    events, sessions = job.steps.get(store="events"), job.steps.get(store="sessions")
    # ANALYZE has run: the estimate is close, though never evidence.
    assert events.rows_expected == pytest.approx(before, rel=0.2)
    assert sessions.rows_expected == sessions.rows_before  # small stores count exactly

    events.state, events.rows_before, events.rows_deleted = "running", None, before // 2
    events.rows_expected = before
    assert step_percent(events) == 50
    events.rows_deleted = before * 2  # the estimate was low: still not done until verified
    assert step_percent(events) == 99
    events.rows_expected = None
    assert step_percent(events) == 0


def test_a_partition_alone_in_its_batch_may_run_over_by_the_estimates_error(
    spread, olivia, monkeypatch
):
    """Up to twice the batch, a day goes whole in one plain DELETE: going by ctid would
    cost more than the batch running over."""
    monkeypatch.setattr(erasure, "BATCH_MOST", 1000)
    subject = spread.subject_id
    before = rows_of(subject)
    with CaptureQueriesContext(connection) as queries:
        job = drive(erasure_job_create(employee=spread, cause="officer", actor=olivia))
    yesterday = partition_name(datetime.now(UTC).date() - timedelta(days=1))
    deletes = event_deletes(queries)
    assert not any("ctid" in sql for statements in deletes.values() for sql in statements)
    assert len(deletes[yesterday]) == 1, "1,440 rows, over the batch of 1,000 but whole"
    step = job.steps.get(store="events")
    assert (job.state, step.rows_before, step.rows_deleted) == ("verified", before, before)
    assert rows_of(subject) == 0


@pytest.mark.parametrize("limit", [500, 1000])  # yesterday by ctid; yesterday whole, alone
def test_stale_statistics_never_let_one_plain_delete_outgrow_its_batch(spread, monkeypatch, limit):
    """The planner's estimates only plan which days go together: an exact count, capped
    just past the room, checks each plain DELETE before it runs. Statistics that say
    alice has nothing must not let one statement take her days whole (1,440 rows
    yesterday, today's besides), holding the holds lock far past the batch's time."""
    planned = events_store._rows_expected
    monkeypatch.setattr(
        events_store, "_rows_expected", lambda *args: dict.fromkeys(planned(*args), 1.0)
    )
    subject = spread.subject_id
    before = rows_of(subject)
    target = REGISTRY["events"]
    erased, position = target.erase_batch(subject, EVERYTHING, [], limit)
    assert 0 < erased <= 2 * limit and position is not None
    assert rows_of(subject) == before - erased
    while position is not None:
        n, position = target.erase_batch(subject, EVERYTHING, [], limit, position)
        assert n <= 2 * limit
        erased += n
    assert erased == before and rows_of(subject) == 0


def test_the_count_right_after_the_deletes_finds_what_they_left_and_plans_as_before(spread):
    """The fresh count in the deleting transaction goes by a bitmap scan; it counts the
    same rows, and the rest of the transaction plans as it would have."""
    subject = spread.subject_id
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {EVENT_TABLE} WHERE subject = %s AND ts >= now() - interval '5 hours'",
            [subject],
        )
        left = rows_of(subject)
        assert 0 < left < ROWS
        assert REGISTRY["events"].count(subject, just_erased=True) == left
        cursor.execute(
            "SELECT current_setting('enable_indexscan'), current_setting('enable_indexonlyscan')"
        )
        assert cursor.fetchone() == ("on", "on")


def test_a_batch_that_can_finish_the_step_may_run_to_twice_its_size(spread):
    """3,090 rows against batches of 2,000: the last batch would hold a thousand, so the
    first takes everything (still checked, and never past twice the batch)."""
    subject = spread.subject_id
    before = rows_of(subject)
    assert 2000 < before <= 4000
    assert REGISTRY["events"].erase_batch(subject, EVERYTHING, [], 2000) == (before, None)
    assert rows_of(subject) == 0


def test_the_plan_batches_are_sized_by_names_every_attached_partition(spread):
    """Batches take their partitions from the plan of a subject's rows: nothing in it may
    prune one, or its rows would never be erased."""
    where, params = events_store.scope_sql(EVERYTHING)
    with connection.cursor() as cursor:
        planned = events_store._rows_expected(cursor, spread.subject_id, where, params)
    assert set(planned) == {*events_store.event_partitions(), DEFAULT_PARTITION}


def test_a_small_store_with_nothing_in_scope_ends_on_its_count_alone(bob, olivia):
    """bob has no data: each small store's first count finds nothing, and that count is
    its fresh count; no deleting transaction runs for it."""
    with CaptureQueriesContext(connection) as queries:
        job = drive(erasure_job_create(employee=bob.employee, cause="officer", actor=olivia))
    assert job.state == "verified" and job.receipt is not None
    for name in ("sessions", "activity"):
        step = job.steps.get(store=name)
        assert (step.state, step.rows_before, step.rows_after, step.rows_expected) == (
            "verified", 0, 0, 0,
        )  # fmt: skip
    small_tables = ("sessionsummary", "sessionrefresh", "activityday", "droptally")
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert not [sql for sql in deletes if any(t in sql for t in small_tables)]
