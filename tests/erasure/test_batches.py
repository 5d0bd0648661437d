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


def test_without_a_hold_a_subject_goes_in_one_plain_delete(spread, olivia):
    subject = spread.subject_id
    before = rows_of(subject)
    assert before == ROWS + 90
    with CaptureQueriesContext(connection) as queries:
        job = drive(erasure_job_create(employee=spread, cause="officer", actor=olivia))
    deletes = event_deletes(queries)
    # All of time in one lane (too few rows for two), every piece of it in one batch:
    # the statement a raw DELETE runs, its own row count the figure erased.
    assert deletes == {EVENT_TABLE: [deletes[EVENT_TABLE][0]]}, deletes
    assert "ctid" not in deletes[EVENT_TABLE][0] and " ts " not in deletes[EVENT_TABLE][0]
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
    # Only the day the hold overlaps; DEFAULT's rows before it lie in a stretch clear of
    # the hold, and go in a plain statement bounded by that stretch.
    assert hold_aware == {partition_name(yesterday)}
    # Before it (up to its start) and after it (from today on): one plain statement each.
    before_it, after_it = deletes[EVENT_TABLE]
    assert "ts < " in before_it and "ts >= " not in before_it and "ctid" not in before_it
    assert "ts >= " in after_it and "ts < " not in after_it and "ctid" not in after_it
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
    # At any hour today holds 600 to 1,440 rows: with yesterday's more than twice the batch,
    # so yesterday is not joined by today (as it would be just after midnight), and today
    # goes whole too.
    today = datetime.combine(datetime.now(UTC).date(), time(), UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {EVENT_TABLE} (ts, subject, purpose_id, application_id,
                    data_kind_id, event_type, consent_version, device_id, session_id,
                    batch_id, key_code)
                SELECT %s, subject, purpose_id, application_id, data_kind_id, event_type,
                       consent_version, device_id, session_id, gen_random_uuid(), key_code
                FROM {EVENT_TABLE} WHERE subject = %s
                LIMIT greatest(0, 600 - (SELECT count(*) FROM {EVENT_TABLE}
                                         WHERE subject = %s AND ts >= %s))""",
            [today, subject, subject, today],
        )
        cursor.execute(f"ANALYZE {EVENT_TABLE}")
    before = rows_of(subject)
    with CaptureQueriesContext(connection) as queries:
        job = drive(erasure_job_create(employee=spread, cause="officer", actor=olivia))
    deletes = event_deletes(queries)
    assert not any("ctid" in sql for statements in deletes.values() for sql in statements)
    # Yesterday's 1,440 rows, over the batch of 1,000 but whole: bounded by its day.
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    day = (f"'{yesterday:%Y-%m-%d}", f"'{yesterday + timedelta(days=1):%Y-%m-%d}")
    alone = [sql for sql in deletes[EVENT_TABLE] if all(d in sql for d in day)]
    assert len(alone) == 1, deletes
    step = job.steps.get(store="events")
    assert (job.state, step.rows_before, step.rows_deleted) == ("verified", before, before)
    assert rows_of(subject) == 0


@pytest.mark.parametrize("limit", [500, 1000])
def test_statistics_that_are_off_change_a_batchs_size_never_its_figure(spread, monkeypatch, limit):
    """The planner's estimates only plan which days go together; nothing counts before a
    DELETE. Statistics that say alice has nothing let her days go in one statement past
    the batch's size: the figure erased is still that statement's own, exact."""
    planned = events_store._rows_expected
    monkeypatch.setattr(
        events_store, "_rows_expected", lambda *args: dict.fromkeys(planned(*args), 1.0)
    )
    subject = spread.subject_id
    before = rows_of(subject)
    assert REGISTRY["events"].erase_batch(subject, EVERYTHING, [], limit) == (before, None)
    assert rows_of(subject) == 0


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


@pytest.fixture
def two_lanes(monkeypatch):
    """Lanes of a thousand rows: alice's 3,090 go in two."""
    monkeypatch.setattr(events_store, "LANE_LEAST", 1000)


def test_lanes_cut_time_into_stretches_that_hold_every_row_once(spread, two_lanes):
    subject = spread.subject_id
    first, second = REGISTRY["events"].lanes(subject, EVERYTHING, 2)
    # All of time between them, cut at a day's start: every row is in exactly one.
    assert first.lo is None and second.hi is None and first.hi == second.lo
    assert (first.hi.hour, first.hi.minute, first.hi.second) == (0, 0, 0)
    assert first.count(subject) > 0 and second.count(subject) > 0
    assert first.count(subject) + second.count(subject) == rows_of(subject)
    assert first.expected + second.expected == pytest.approx(rows_of(subject), rel=0.2)
    assert len(REGISTRY["events"].lanes(subject, EVERYTHING, 1)) == 1, "never more than asked"


def test_few_rows_go_in_one_lane(spread):
    assert len(REGISTRY["events"].lanes(spread.subject_id, EVERYTHING, 2)) == 1


def test_a_step_in_lanes_verifies_each_and_ends_once_all_have(spread, olivia, two_lanes):
    """Inside a transaction (this test's) the lanes run one after the other here."""
    subject = spread.subject_id
    before = rows_of(subject)
    with CaptureQueriesContext(connection) as queries:
        job = drive(erasure_job_create(employee=spread, cause="officer", actor=olivia))
    below, above = event_deletes(queries)[EVENT_TABLE]
    assert "ts < " in below and "ts >= " not in below
    assert "ts >= " in above and "ts < " not in above
    assert below.rsplit("ts < ", 1)[1] == above.rsplit("ts >= ", 1)[1], "cut at one instant"
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT count(*)")]
    assert sum(f"FROM {EVENT_TABLE} WHERE" in sql for sql in counts) == 2, "a fresh count each"
    step = job.steps.get(store="events")
    assert job.state == "verified"
    assert (step.rows_before, step.rows_deleted, step.rows_after) == (before, before, 0)
    assert rows_of(subject) == 0


@pytest.mark.django_db(transaction=True)
def test_lanes_run_at_once_each_on_a_connection_of_its_own(spread, olivia, two_lanes, monkeypatch):
    subject = spread.subject_id
    before = rows_of(subject)
    backends: dict[tuple, int] = {}
    erase_batch = events_store.EventsLane.erase_batch

    def recorded(lane, *args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), current_setting('synchronous_commit')")
            backend, flushing = cursor.fetchone()
        backends[(lane.lo, lane.hi)] = backend
        assert flushing == "off", "a lane's batches commit without waiting for a flush"
        return erase_batch(lane, *args, **kwargs)

    monkeypatch.setattr(events_store.EventsLane, "erase_batch", recorded)
    job = erasure_job_create(employee=spread, cause="officer", actor=olivia)
    erasure.erasure_job_advance(job.pk)
    assert len(backends) == 2 and len(set(backends.values())) == 2, backends
    job.refresh_from_db()
    step = job.steps.get(store="events")
    assert job.state == "verified"
    assert (step.rows_before, step.rows_deleted, step.rows_after) == (before, before, 0)
    assert rows_of(subject) == 0


@pytest.mark.django_db(transaction=True)
def test_a_lane_that_fails_leaves_the_others_progress_and_the_step_for_a_retry(
    spread, olivia, two_lanes, monkeypatch
):
    """The later lane (on the lane thread) fails; the earlier one's batch has committed with
    its progress. The step is released for a retry only once both lanes have ended, and
    the retry erases the rest: every row counted once."""
    subject = spread.subject_id
    before = rows_of(subject)
    erase_batch = events_store.EventsLane.erase_batch

    def failing_later(lane, *args, **kwargs):
        if lane.lo is not None:
            raise RuntimeError("connection lost")
        return erase_batch(lane, *args, **kwargs)

    monkeypatch.setattr(events_store.EventsLane, "erase_batch", failing_later)
    job = erasure_job_create(employee=spread, cause="officer", actor=olivia)
    with pytest.raises(RuntimeError, match="connection lost"):
        erasure.erasure_job_advance(job.pk)
    step = job.steps.get(store="events")
    assert (step.state, step.attempts) == ("pending", 1)
    assert "connection lost" in step.last_error
    assert 0 < step.rows_deleted < before, "the earlier lane's batch committed"
    assert rows_of(subject) == before - step.rows_deleted

    monkeypatch.setattr(events_store.EventsLane, "erase_batch", erase_batch)
    erasure.erasure_job_advance(job.pk)
    job.refresh_from_db()
    step.refresh_from_db()
    assert job.state == "verified"
    assert (step.rows_before, step.rows_deleted, step.rows_after) == (before, before, 0)
    assert rows_of(subject) == 0
