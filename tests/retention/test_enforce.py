"""Enforcing retention: partitions dropped whole, the rest in batches, holds respected."""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import (
    ActivityDay,
    AuditEvent,
    DropTally,
    Purpose,
    RetentionPolicy,
    RetentionRun,
    SessionSummary,
)
from governance.models.ingestion import EVENT_TABLE
from governance.services import retention
from governance.services.holds import legal_hold_create
from governance.services.locks import RETENTION_RUN
from governance.services.retention import (
    RETAINED,
    PoliciesChanged,
    StoreEnforcement,
    effective_keep,
    retention_dry_run,
    retention_enforce,
    retention_policy_create,
    retention_policy_update,
)
from governance.stores import REGISTRY
from governance.stores.events import event_partition_create, partition_name
from tests.retention.helpers import (
    add_activity,
    add_events,
    add_summary,
    add_tally,
    attached_partition,
    count_events,
    days_ago,
    event_ids,
    fill_day,
    midnight,
    partition_exists,
)
from tests.worker import worker_database_url


@pytest.fixture
def people(alice, bob):
    return alice.employee.subject_id, bob.employee.subject_id


def policy(actor, store="events", keep_days=30, **fields):
    return retention_policy_create(
        actor=actor, name=f"{store} {keep_days}", store=store, keep_days=keep_days, **fields
    )


def runs_by(store: str) -> dict[int, RetentionRun]:
    return {r.policy_id: r for r in RetentionRun.objects.filter(store=store)}


def test_every_registered_store_has_retention_rules():
    assert set(RETAINED) == set(REGISTRY)
    for name, tables in RETAINED.items():
        store_tables = {m._meta.db_table for m in REGISTRY[name].models}
        assert {t.table for t in tables} <= store_tables
        # A store with no table to purge by policy must expire its data by itself.
        assert tables or callable(getattr(REGISTRY[name], "purge_expired", None)), name


def test_a_wholly_expired_day_partition_is_dropped_and_other_days_are_untouched(
    olivia, vscode, kind, people, now
):
    alice, bob = people
    old, older, recent = days_ago(40, now), days_ago(41, now), days_ago(10, now)
    fill_day(old, 500, alice, vscode, kind["key"])
    fill_day(older, 200, bob, vscode, kind["pointer"])
    fill_day(recent, 300, alice, vscode, kind["key"])
    everything = policy(olivia, keep_days=30)

    [run] = retention_enforce(now=now)

    assert not partition_exists(old) and not partition_exists(older)
    assert attached_partition(recent)
    assert count_events() == 300
    assert run.policy == everything and run.store == "events"
    assert run.rows_removed == 700 and run.rows_held == 0
    assert sorted(run.partitions_dropped) == sorted([partition_name(old), partition_name(older)])
    assert run.cutoff == now - timedelta(days=30)


def test_shortest_keep_wins_when_enforcing_unless_a_legal_minimum_is_longer(
    olivia, vscode, calc, kind, people, now
):
    alice, _ = people
    day = days_ago(40, now)
    event_partition_create(day)
    at = midnight(day) + timedelta(hours=9)
    key, pointer = kind["key"], kind["pointer"]
    kept = add_events([(at, alice, vscode, key)] * 4)
    by_shorter = add_events([(at, alice, vscode, pointer)] * 3)
    by_everything = add_events([(at, alice, calc, key)] * 2)
    everything = policy(olivia, keep_days=30)
    code_keys = policy(
        olivia, keep_days=90, applications=[vscode], data_kinds=[key], legal_minimum=True
    )
    longer = policy(olivia, keep_days=365, applications=[calc])
    shorter = policy(olivia, keep_days=7, applications=[vscode])

    retention_enforce(now=now)

    assert event_ids() == set(kept)
    assert attached_partition(day), "a day with unexpired rows is not dropped"
    runs = runs_by("events")
    assert runs[everything.pk].rows_removed == len(by_everything)  # shorter than 365 days
    assert runs[shorter.pk].rows_removed == len(by_shorter)
    assert runs[code_keys.pk].rows_removed == 0  # the floor keeps its rows 90 days
    assert runs[longer.pk].rows_removed == 0


def test_a_purpose_scoped_policy_purges_only_its_purposes_events(
    olivia, catalogue, vscode, kind, people, now
):
    alice, _ = people
    day = days_ago(40, now)
    event_partition_create(day)
    at = midnight(day) + timedelta(hours=9)
    train = catalogue["purpose"]
    ids = add_events([(at, alice, vscode, kind["key"])] * 3)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {EVENT_TABLE} SET purpose_id = %s", [train.pk])
    other = Purpose.objects.create(slug="other", name="Other", description="Another purpose")
    policy(olivia, keep_days=30, purposes=[other])
    retention_enforce(now=now)
    assert event_ids() == set(ids)
    policy(olivia, keep_days=30, purposes=[train])
    retention_enforce(now=now)
    assert event_ids() == set()


def test_rows_no_policy_covers_stay(olivia, device, vscode, calc, kind, people, now):
    alice, _ = people
    day = days_ago(400, now)
    event_partition_create(day)
    at = midnight(day) + timedelta(hours=1)
    stays = add_events([(at, alice, vscode, kind["key"])] * 3)
    goes = add_events([(at, alice, calc, kind["key"])] * 2)
    summary = add_summary(device[0], alice, vscode, at, {"key": 3})
    activity = add_activity(alice, day, vscode, kind["key"])
    policy(olivia, keep_days=30, applications=[calc])

    retention_enforce(now=now)

    assert event_ids() == set(stays) and not set(goes) & event_ids()
    assert attached_partition(day)
    assert SessionSummary.objects.filter(pk=summary.pk).exists()
    assert ActivityDay.objects.filter(pk=activity.pk).exists()


def test_a_partition_holding_a_held_row_is_kept_with_the_held_rows_and_the_rest_goes(
    olivia, leo, alice, vscode, kind, people, now
):
    subject, bob = people
    day = days_ago(40, now)
    event_partition_create(day)
    start = midnight(day)
    inside = add_events([(start + timedelta(hours=10), subject, vscode, kind["key"])] * 4)
    outside = add_events([(start + timedelta(hours=20), subject, vscode, kind["key"])] * 3)
    others = add_events([(start + timedelta(hours=10), bob, vscode, kind["key"])] * 5)
    legal_hold_create(
        actor=leo,
        matter="Case 12",
        reason="litigation",
        custodians=[alice.employee],
        starts=start + timedelta(hours=9),
        ends=start + timedelta(hours=12),
        stores=["events"],
    )
    everything = policy(olivia, keep_days=30)

    [run] = retention_enforce(now=now)

    assert attached_partition(day)
    assert event_ids() == set(inside)
    assert not (set(outside) | set(others)) & event_ids()
    assert run.policy == everything
    assert (run.rows_removed, run.rows_held, run.partitions_dropped) == (8, 4, [])


def test_a_hold_on_another_store_does_not_keep_events(olivia, leo, alice, vscode, kind, now):
    day = days_ago(40, now)
    fill_day(day, 50, alice.employee.subject_id, vscode, kind["key"])
    legal_hold_create(
        actor=leo, matter="M", reason="r", custodians=[alice.employee], stores=["sessions"]
    )
    policy(olivia, keep_days=30)
    [run] = retention_enforce(now=now)
    assert not partition_exists(day) and run.rows_removed == 50


def test_sessions_and_activity_follow_their_own_policies(
    olivia, device, vscode, calc, kind, people, now
):
    alice, bob = people
    old_day, young_day = days_ago(40, now), days_ago(3, now)
    old, young = midnight(old_day), midnight(young_day)
    dev = device[0]
    gone_summaries = [
        add_summary(dev, alice, vscode, old, {"key": 5}),
        add_summary(dev, bob, vscode, old, {"key": 1, "pointer": 2}),
    ]
    kept_summaries = [
        add_summary(dev, alice, vscode, young, {"key": 5}),  # young
        add_summary(dev, alice, calc, old, {"key": 5}),  # no sessions policy for calc
        # scroll is kept at least 365 days by law
        add_summary(dev, alice, vscode, old, {"key": 1, "scroll": 9}),
    ]
    policy(olivia, "sessions", 30, applications=[vscode])
    policy(
        olivia,
        "sessions",
        365,
        applications=[vscode],
        data_kinds=[kind["scroll"]],
        legal_minimum=True,
    )
    gone_activity = [
        add_activity(alice, old_day, vscode, kind["key"]),
        add_activity(bob, old_day, calc, kind["menu"]),
        add_tally(old_day),
    ]
    kept_activity = [add_activity(alice, young_day, vscode, kind["key"]), add_tally(young_day)]
    policy(olivia, "activity", 30)

    runs = retention_enforce(now=now)

    assert {r.store for r in runs} == {"sessions", "activity"}
    remaining = set(SessionSummary.objects.values_list("pk", flat=True))
    assert remaining == {s.pk for s in kept_summaries}
    assert set(ActivityDay.objects.values_list("pk", flat=True)) == {kept_activity[0].pk}
    assert set(DropTally.objects.values_list("pk", flat=True)) == {kept_activity[1].pk}
    assert sum(r.rows_removed for r in runs if r.store == "sessions") == len(gone_summaries)
    assert sum(r.rows_removed for r in runs if r.store == "activity") == len(gone_activity)


def test_drop_tallies_need_a_policy_for_every_application_and_kind(
    olivia, vscode, kind, people, now
):
    alice, _ = people
    day = days_ago(40, now)
    tally = add_tally(day)
    activity = add_activity(alice, day, vscode, kind["key"])
    policy(olivia, "activity", 30, applications=[vscode])
    retention_enforce(now=now)
    assert DropTally.objects.filter(pk=tally.pk).exists()
    assert not ActivityDay.objects.filter(pk=activity.pk).exists()


def test_held_summaries_and_activity_survive_but_not_refusal_tallies(
    olivia, leo, alice, device, vscode, kind, now
):
    subject = alice.employee.subject_id
    day = days_ago(40, now)
    summary = add_summary(device[0], subject, vscode, midnight(day), {"key": 2})
    activity = add_activity(subject, day, vscode, kind["key"])
    tally = add_tally(day, device=device[0])
    legal_hold_create(actor=leo, matter="M", reason="r", custodians=[alice.employee])
    policy(olivia, "sessions", 30)
    policy(olivia, "activity", 30)
    runs = retention_enforce(now=now)
    assert SessionSummary.objects.filter(pk=summary.pk).exists()
    assert ActivityDay.objects.filter(pk=activity.pk).exists()
    # The device's tally names no one: a hold on alice's data cannot cover it.
    assert not DropTally.objects.filter(pk=tally.pk).exists()
    assert {(r.store, r.rows_removed, r.rows_held) for r in runs} == {
        ("sessions", 0, 1),
        ("activity", 1, 1),
    }


@pytest.fixture
def mixed_data(olivia, leo, alice, device, vscode, calc, kind, people, now):
    """Several policies, partitions whole and partial, a default-partition stray, holds."""
    subject, bob = people
    for n in (50, 45, 35, 5):
        fill_day(days_ago(n, now), 120, bob, vscode, kind["pointer"])
    fill_day(days_ago(45, now), 30, subject, vscode, kind["key"])
    fill_day(days_ago(35, now), 40, subject, calc, kind["scroll"])
    stray = midnight(days_ago(700, now))  # no partition: lands in DEFAULT
    add_events([(stray, bob, calc, kind["key"])] * 6)
    legal_hold_create(
        actor=leo,
        matter="Case 3",
        reason="r",
        custodians=[alice.employee],
        starts=midnight(days_ago(46, now)),
        ends=midnight(days_ago(44, now)),
    )
    for n in (50, 20):
        add_summary(device[0], subject, vscode, midnight(days_ago(n, now)), {"key": 1})
        add_activity(bob, days_ago(n, now), calc, kind["click"])
        add_tally(days_ago(n, now), device=device[0])
    policy(olivia, "events", 30, applications=[vscode], data_kinds=[kind["pointer"]])
    policy(olivia, "events", 40)
    policy(olivia, "events", 60, applications=[calc], data_kinds=[kind["scroll"]])
    policy(olivia, "sessions", 10)
    policy(olivia, "activity", 15)


def test_dry_run_numbers_equal_what_enforce_then_removes(mixed_data, now):
    preview = {(p.policy.pk, p.store): (p.rows, p.rows_held) for p in retention_dry_run(now=now)}
    before = count_events()
    assert sum(rows for rows, _ in preview.values()) > 0
    assert sum(held for _, held in preview.values()) > 0

    runs = retention_enforce(now=now)

    assert {(r.policy_id, r.store): (r.rows_removed, r.rows_held) for r in runs} == preview
    removed = sum(r.rows_removed for r in runs if r.store == "events")
    assert count_events() == before - removed
    assert all(p.rows == 0 for p in retention_dry_run(now=now))


def test_dry_run_reads_policies_and_holds_once_then_counts_each_table_once(mixed_data, now):
    stores = {p.store for p in RetentionPolicy.objects.filter(enabled=True)}
    tables = sum(len(RETAINED[store]) for store in stores if store in RETAINED)

    with CaptureQueriesContext(connection) as queries:
        retention_dry_run(now=now)

    # Policies with their purposes, applications and kinds, holds with their custodians,
    # the people preserving their data for a legal claim, then a count per table grouped
    # by the policy that decides each row: not a query per policy.
    assert len(queries) == 7 + tables


def test_small_batches_remove_the_same_rows(mixed_data, now):
    preview = {(p.policy.pk, p.store): p.rows for p in retention_dry_run(now=now)}
    runs = retention_enforce(now=now, batch_size=7)
    assert {(r.policy_id, r.store): r.rows_removed for r in runs} == preview


def test_enforcing_twice_removes_nothing_the_second_time(mixed_data, now):
    first = retention_enforce(now=now)
    assert sum(r.rows_removed for r in first) > 0
    ids = event_ids()
    second = retention_enforce(now=now)
    assert len(second) == len(first)
    assert [r.rows_removed for r in second] == [0] * len(second)
    assert [r.partitions_dropped for r in second] == [[]] * len(second)
    assert event_ids() == ids


def test_each_run_is_evidence_with_an_audit_event(mixed_data, now):
    runs = retention_enforce(now=now)
    assert len(runs) == 5
    for run in runs:
        run.refresh_from_db()
        assert run.finished_at and run.duration_ms is not None and run.error == ""
        assert run.cutoff == now - timedelta(days=run.policy.keep_days)
        event = AuditEvent.objects.get(action="retention.enforced", target_id=str(run.pk))
        assert event.actor_type == "system"
        assert event.details["rows_removed"] == run.rows_removed
        assert event.details["rows_held"] == run.rows_held
        assert event.details["partitions_dropped"] == run.partitions_dropped
    dropped = {p for r in runs for p in r.partitions_dropped}
    assert dropped == {partition_name(days_ago(50, now))}


def test_the_task_returns_the_run_ids(mixed_data):
    from governance.tasks.retention import retention_enforce as task

    ids = task()
    assert ids and sorted(ids) == sorted(RetentionRun.objects.values_list("pk", flat=True))


def test_a_second_enforcement_while_one_runs_does_nothing(olivia, vscode, kind, people, now):
    fill_day(days_ago(40, now), 10, people[0], vscode, kind["key"])
    policy(olivia, keep_days=30)
    with psycopg.connect(worker_database_url(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [RETENTION_RUN])
        assert retention_enforce(now=now) == []
        assert count_events() == 10
        other.execute("SELECT pg_advisory_unlock(%s)", [RETENTION_RUN])
    assert len(retention_enforce(now=now)) == 1
    assert count_events() == 0


def test_a_policy_lengthened_during_a_run_stops_its_deleting(olivia, vscode, kind, people, now):
    fill_day(days_ago(40, now), 10, people[0], vscode, kind["key"])
    everything = policy(olivia, keep_days=30)
    enforcement = StoreEnforcement("events", effective_keep("events").rules, now, 1000)
    retention_policy_update(policy=everything, actor=olivia, keep_days=60)
    with pytest.raises(PoliciesChanged):
        enforcement.execute()
    assert count_events() == 10
    [run] = retention_enforce(now=now)
    assert run.cutoff == now - timedelta(days=60) and run.rows_removed == 0


def test_an_interrupted_run_is_marked_at_the_next_one(olivia, now):
    policy(olivia, keep_days=30)
    RetentionRun.objects.create(store="events", cutoff=now, started_at=now)
    retention_enforce(now=now)
    assert RetentionRun.objects.filter(error__startswith="interrupted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_busy_table_makes_the_day_go_in_batches(olivia, vscode, kind, monkeypatch, now):
    day = days_ago(40, now)
    subject = "sub_busy"
    fill_day(day, 20, subject, vscode, kind["key"])
    policy(olivia, keep_days=30)
    monkeypatch.setattr(retention, "DROP_LOCK_TIMEOUT", "100ms")
    try:
        with psycopg.connect(worker_database_url()) as reader:
            reader.execute(f"SELECT count(*) FROM {EVENT_TABLE}")  # a long read holds its lock
            [run] = retention_enforce(now=now)
            reader.rollback()
        assert run.rows_removed == 20 and run.partitions_dropped == []
        assert attached_partition(day) and count_events() == 0
        [again] = retention_enforce(now=now)
        assert again.partitions_dropped == [partition_name(day)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {partition_name(day)}")
