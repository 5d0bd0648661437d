"""Property: whatever the holds, policies and rows, enforcement deletes exactly the expired,
unheld rows (and the dry run said so beforehand)."""

from datetime import UTC, timedelta

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.models import (
    ActivityDay,
    DropTally,
    Employee,
    LegalHold,
    RetentionPolicy,
    RetentionRun,
    SessionSummary,
)
from governance.models.ingestion import EVENT_TABLE
from governance.services.holds import legal_hold_create, legal_hold_release
from governance.services.restriction import employee_processing_restrict
from governance.services.retention import (
    retention_dry_run,
    retention_enforce,
    retention_policy_create,
)
from governance.stores.events import event_partition_create
from tests.factories import make_user
from tests.retention.helpers import add_activity, add_events, add_summary, add_tally, event_ids

DAYS = 12
HOURS = DAYS * 24
STORES = ["events", "sessions", "activity"]
people = st.integers(0, 2)
hours_ago = st.integers(0, HOURS)
days = st.integers(0, DAYS)
apps = st.integers(0, 1)
kinds = st.integers(0, 5)

holds = st.lists(
    st.fixed_dictionaries(
        {
            "custodians": st.sets(people, min_size=1),
            "starts": st.none() | hours_ago,
            "span": st.none() | st.integers(1, 96),
            "stores": st.sets(st.sampled_from(STORES)),
            "released": st.booleans(),
        }
    ),
    max_size=3,
)
policies = st.lists(
    st.fixed_dictionaries(
        {
            "store": st.sampled_from(STORES),
            "apps": st.sets(apps),
            "kinds": st.sets(kinds, max_size=3),
            "keep": st.integers(1, DAYS - 2),
            "legal_minimum": st.booleans(),
            "enabled": st.booleans(),
        }
    ),
    max_size=5,
)
scenario = st.fixed_dictionaries(
    {
        "holds": holds,
        # People who restricted processing to preserve their data for a legal claim.
        "preserving": st.sets(people, max_size=2),
        "policies": policies,
        "partitioned": st.sets(days),
        "events": st.lists(st.tuples(people, hours_ago, apps, kinds), max_size=40),
        "summaries": st.lists(
            st.tuples(people, hours_ago, apps, st.sets(kinds, max_size=3)), max_size=10
        ),
        "activity": st.lists(
            st.tuples(people, days, apps, kinds), max_size=10, unique_by=lambda r: r
        ),
        "tallies": st.lists(
            st.tuples(people, days, st.sampled_from(["no_consent", "restricted"])),
            max_size=6,
            unique_by=lambda r: r,
        ),
    }
)


@pytest.fixture
def world(olivia, leo, alice, bob, catalogue, device):
    carol = make_user("carol@example.com")
    return {
        "olivia": olivia,
        "leo": leo,
        "employees": [alice.employee, bob.employee, carol.employee],
        "apps": catalogue["applications"],
        "kinds": catalogue["kinds"],
        "device": device[0],
    }


def clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {EVENT_TABLE}")
    for model in (SessionSummary, ActivityDay, DropTally, RetentionRun, RetentionPolicy, LegalHold):
        model.objects.all().delete()
    Employee.objects.update(processing_restricted_at=None, restriction_preserves=False)


def decided_keep(rules) -> int | None:
    """The shortest ordinary keep, raised to the longest legal minimum."""
    rules = list(rules)
    ordinary = [r["keep"] for r in rules if not r["legal_minimum"]]
    floors = [r["keep"] for r in rules if r["legal_minimum"]]
    keeps = [min(ordinary)] if ordinary else []
    return max(keeps + floors, default=None)


class Oracle:
    """The documented rules, in plain Python, for one store."""

    def __init__(self, rules, now):
        self.rules = rules
        self.now = now

    def _apps(self, app):
        return [r for r in self.rules if not r["apps"] or app in r["apps"]]

    def keep_cell(self, app, kind):
        return decided_keep(r for r in self._apps(app) if not r["kinds"] or kind in r["kinds"])

    def keep_summary(self, app, kinds):
        """Covered when each kind it counts is; kept as the rules covering any of them say."""
        rules = self._apps(app)
        if kinds:
            if any(self.keep_cell(app, k) is None for k in kinds):
                return None
            return decided_keep(r for r in rules if not r["kinds"] or r["kinds"] & kinds)
        if not any(not r["kinds"] for r in rules):
            return None
        return decided_keep(rules)

    def keep_anything(self):
        if not any(not r["apps"] and not r["kinds"] for r in self.rules):
            return None
        return decided_keep(self.rules)

    def expired_at(self, when, keep):
        return keep is not None and when < self.now - timedelta(days=keep)

    def expired_day(self, day, keep):
        return keep is not None and day < (self.now - timedelta(days=keep)).astimezone(UTC).date()


def held(active_holds, store, person, when=None, day=None):
    for hold in active_holds:
        if person not in hold["custodians"] or (hold["stores"] and store not in hold["stores"]):
            continue
        starts, ends = hold["window"]
        if when is not None:
            inside = (starts is None or when >= starts) and (ends is None or when < ends)
        else:
            inside = (starts is None or day >= starts.astimezone(UTC).date()) and (
                ends is None or day <= ends.astimezone(UTC).date()
            )
        if inside:
            return True
    return False


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=scenario)
def test_no_held_row_is_deleted_and_every_expired_unheld_row_is(world, now, case):
    clear()
    employees, apps, kinds = world["employees"], world["apps"], world["kinds"]
    subject = [e.subject_id for e in employees]
    start_of_today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for n in case["partitioned"]:
        event_partition_create((start_of_today - timedelta(days=n)).date())

    active = []
    for spec in case["holds"]:
        starts = now - timedelta(hours=spec["starts"]) if spec["starts"] is not None else None
        ends = None
        if spec["span"] is not None:
            ends = (starts or now - timedelta(hours=HOURS)) + timedelta(hours=spec["span"])
        hold = legal_hold_create(
            actor=world["leo"],
            matter="M",
            reason="r",
            custodians=[employees[i] for i in spec["custodians"]],
            starts=starts,
            ends=ends,
            stores=sorted(spec["stores"]),
        )
        if spec["released"]:
            legal_hold_release(hold=hold, actor=world["leo"], reason="Matter closed")
        else:
            active.append({**spec, "window": (starts, ends)})

    for i in case["preserving"]:
        employee_processing_restrict(
            employee=employees[i],
            restricted=True,
            reason="Legal claim",
            actor=world["olivia"],
            preserve_for_legal_claim=True,
        )
        # Held like a hold over every store and all time, until lifted.
        active.append({"custodians": {i}, "stores": set(), "window": (None, None)})

    for spec in case["policies"]:
        retention_policy_create(
            actor=world["olivia"],
            name="p",
            store=spec["store"],
            keep_days=spec["keep"],
            legal_minimum=spec["legal_minimum"],
            applications=[apps[i] for i in spec["apps"]],
            data_kinds=[kinds[i] for i in spec["kinds"]],
            enabled=spec["enabled"],
        )
    oracle = {
        store: Oracle([p for p in case["policies"] if p["store"] == store and p["enabled"]], now)
        for store in STORES
    }

    event_rows = [(now - timedelta(hours=h), p, a, k) for p, h, a, k in case["events"]]
    ids = add_events([(ts, subject[p], apps[a], kinds[k]) for ts, p, a, k in event_rows])
    summaries = [
        (add_summary(world["device"], subject[p], apps[a], now - timedelta(hours=h),
                     {kinds[k].slug: 1 for k in ks}), p, h, a, ks)
        for p, h, a, ks in case["summaries"]
    ]  # fmt: skip

    def day_of(n: int):
        return (start_of_today - timedelta(days=n)).date()

    activity = [
        (add_activity(subject[p], day_of(d), apps[a], kinds[k]), p, d, a, k)
        for p, d, a, k in case["activity"]
    ]
    # Tallies name no one: one per day and reason, whoever's events were refused.
    cells = {(d, reason) for _, d, reason in case["tallies"]}
    tallies = {(d, reason): add_tally(day_of(d), reason) for d, reason in sorted(cells)}

    preview = {(v.policy.pk, v.store): (v.rows, v.rows_held) for v in retention_dry_run(now=now)}
    runs = retention_enforce(now=now, batch_size=5)
    assert {(r.policy_id, r.store): (r.rows_removed, r.rows_held) for r in runs} == preview
    assert all(r.error == "" for r in runs)

    left = event_ids()
    for row_id, (ts, p, a, k) in zip(ids, event_rows, strict=True):
        keep = oracle["events"].keep_cell(a, k)
        if held(active, "events", p, when=ts):
            assert row_id in left, "a held event was deleted"
        else:
            assert (row_id in left) != oracle["events"].expired_at(ts, keep)
    left = set(SessionSummary.objects.values_list("pk", flat=True))
    for summary, p, h, a, ks in summaries:
        started = now - timedelta(hours=h)
        if held(active, "sessions", p, when=started):
            assert summary.pk in left, "a held summary was deleted"
        else:
            keep = oracle["sessions"].keep_summary(a, ks)
            assert (summary.pk in left) != oracle["sessions"].expired_at(started, keep)
    left = set(ActivityDay.objects.values_list("pk", flat=True))
    for row, p, d, a, k in activity:
        if held(active, "activity", p, day=day_of(d)):
            assert row.pk in left, "a held activity day was deleted"
        else:
            keep = oracle["activity"].keep_cell(a, k)
            assert (row.pk in left) != oracle["activity"].expired_day(day_of(d), keep)
    left = set(DropTally.objects.values_list("pk", flat=True))
    for (d, _), row in tallies.items():  # no custodian's hold covers them
        keep = oracle["activity"].keep_anything()
        assert (row.pk in left) != oracle["activity"].expired_day(day_of(d), keep)
