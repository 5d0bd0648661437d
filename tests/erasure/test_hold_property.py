"""Legal holds beat erasure: a property over random holds, erasures and events.

For any events of a few employees (with the activity days and session
summaries derived from them), any legal holds (custodians, window, stores;
some already released) and any erasures (everything, or some applications and
data kinds), driving the jobs leaves:

- every held row in place, in every store;
- no row in a job's scope that no hold covers;
- every row outside all jobs' scopes untouched;
- a job blocked by hold exactly when held rows remain in its scope, and
  verified (with a receipt) otherwise; never failed.

The expectation is computed here from the generated data, not by the engine.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from governance.models import ActivityDay, ErasureJob, SessionSummary
from governance.services.erasure import erasure_job_create, erasure_step_run
from governance.services.holds import legal_hold_create, legal_hold_release
from governance.stores import REGISTRY
from governance.stores.sessions import session_summary_rebuild
from tests.factories import make_user

PEOPLE = 3
DAYS = 6
MINUTES = DAYS * 24 * 60
APPS = (0, 1)  # indexes into catalogue["applications"]
KINDS = ("click", "key", "scroll")
SESSIONS = ("s0", "s1")
# A hold naming only stores no hold can keep (the typed-text tails) is refused.
STORES = tuple(sorted(name for name, s in REGISTRY.items() if getattr(s, "holdable", True)))

minute = st.integers(0, MINUTES - 1)


@dataclass(frozen=True)
class Hold:
    custodians: frozenset[int]
    starts: int | None  # minutes after the start of the period; None is open
    ends: int | None
    stores: frozenset[str] | None  # None: every store
    released: bool


@dataclass(frozen=True)
class Erasure:
    person: int
    apps: frozenset[int] | None  # None: every application
    kinds: frozenset[str] | None  # None: every data kind


@st.composite
def holds(draw):
    starts, ends = draw(st.none() | minute), draw(st.none() | minute)
    if starts is not None and ends is not None:
        starts, ends = sorted((starts, ends))
        ends = ends if ends > starts else None  # a window ends after it starts
    return Hold(
        custodians=draw(st.frozensets(st.integers(0, PEOPLE - 1), min_size=1)),
        starts=starts,
        ends=ends,
        stores=draw(st.none() | st.frozensets(st.sampled_from(STORES), min_size=1)),
        released=draw(st.booleans()),
    )


erasures = st.builds(
    Erasure,
    person=st.integers(0, PEOPLE - 1),
    apps=st.none() | st.frozensets(st.sampled_from(APPS), min_size=1),
    kinds=st.none() | st.frozensets(st.sampled_from(KINDS), min_size=1),
)
events = st.tuples(
    st.integers(0, PEOPLE - 1),
    minute,
    st.sampled_from(APPS),
    st.sampled_from(KINDS),
    st.sampled_from(SESSIONS),
)


class World:
    """The generated scenario written to the database, and the truth about it."""

    def __init__(self, people, catalogue, device, start: datetime):
        self.people, self.catalogue, self.device, self.start = people, catalogue, device, start
        self.apps = [a.pk for a in catalogue["applications"]]
        self.kinds = {k.slug: k.pk for k in catalogue["kinds"]}
        self.kind_slugs = {pk: slug for slug, pk in self.kinds.items()}
        self.holds: list[Hold] = []

    def at(self, minutes: int) -> datetime:
        return self.start + timedelta(minutes=minutes)

    # -- writing ---------------------------------------------------------------

    def write_events(self, rows) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(
                """INSERT INTO governance_interactionevent
                       (id, ts, subject, purpose_id, application_id, data_kind_id, event_type,
                        consent_version, device_id, session_id, batch_id)
                   VALUES (%s, %s, %s, %s, %s, %s, 'scroll', 1, %s, %s,
                           '00000000-0000-0000-0000-000000000000')""",
                [
                    (
                        900_000_000 + i,
                        self.at(m),
                        self.people[p].subject_id,
                        self.catalogue["purpose"].pk,
                        self.apps[a],
                        self.kinds[k],
                        self.device.pk,
                        s,
                    )
                    for i, (p, m, a, k, s) in enumerate(rows)
                ],
            )
            # What ingestion derives from them: activity per day, a summary per session.
            cursor.execute(
                """INSERT INTO governance_activityday
                       (subject, day, application_id, data_kind_id, events, redacted,
                        last_recorded)
                   SELECT subject, (ts AT TIME ZONE 'UTC')::date, application_id,
                          data_kind_id, count(*), 0, max(ts)
                   FROM governance_interactionevent WHERE id >= 900000000
                   GROUP BY 1, 2, 3, 4"""
            )
            for subject, session in {(self.people[p].subject_id, s) for p, *_, s in rows}:
                session_summary_rebuild(
                    cursor, subject=subject, device_id=self.device.pk, session_id=session
                )

    def place(self, hold: Hold, leo) -> None:
        placed = legal_hold_create(
            actor=leo,
            matter="Matter",
            reason="Preserve",
            custodians=[self.people[c] for c in sorted(hold.custodians)],
            starts=None if hold.starts is None else self.at(hold.starts),
            ends=None if hold.ends is None else self.at(hold.ends),
            stores=None if hold.stores is None else sorted(hold.stores),
        )
        if hold.released:
            legal_hold_release(hold=placed, actor=leo, reason="done")
        else:
            self.holds.append(hold)

    def erase(self, erasure: Erasure, officer) -> ErasureJob:
        apps, kinds = self.catalogue["applications"], self.catalogue["kinds"]
        return erasure_job_create(
            employee=self.people[erasure.person],
            cause="officer",
            actor=officer,
            applications=[apps[a] for a in sorted(erasure.apps or ())],
            data_kinds=[k for k in kinds if k.slug in (erasure.kinds or ())],
        )

    # -- the truth -------------------------------------------------------------

    def _covering(self, person: int, store: str):
        return [
            h
            for h in self.holds
            if person in h.custodians and (h.stores is None or store in h.stores)
        ]

    def held_at(self, person: int, store: str, ts: datetime) -> bool:
        return any(
            (h.starts is None or ts >= self.at(h.starts))
            and (h.ends is None or ts < self.at(h.ends))
            for h in self._covering(person, store)
        )

    def held_day(self, person: int, day: date) -> bool:
        """A day row is held when its day overlaps a window, counting the day the window
        ends on even when it ends at midnight (UTC dates; keeping a day too many is safe)."""
        return any(
            (h.starts is None or day >= self.at(h.starts).date())
            and (h.ends is None or day <= self.at(h.ends).date())
            for h in self._covering(person, "activity")
        )

    def in_scope(self, erasure: Erasure, app_id: int, kind_slugs) -> bool:
        return (erasure.apps is None or app_id in {self.apps[a] for a in erasure.apps}) and (
            erasure.kinds is None or bool(set(kind_slugs) & erasure.kinds)
        )


def person_of(world: World, subject: str) -> int:
    return next(i for i, e in enumerate(world.people) if e.subject_id == subject)


def event_rows() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT id, subject, ts, application_id, data_kind_id, session_id
               FROM governance_interactionevent WHERE id >= 900000000"""
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def activity_rows() -> set[tuple]:
    return set(ActivityDay.objects.values_list("subject", "day", "application_id", "data_kind_id"))


def summaries() -> dict[tuple, tuple]:
    return {
        (s.subject, s.session_id, s.application_id): (s.started_at, tuple(sorted(s.counts)))
        for s in SessionSummary.objects.all()
    }


def snapshot() -> dict:
    return {"events": event_rows(), "activity": activity_rows(), "sessions": summaries()}


def drive(job: ErasureJob) -> ErasureJob:
    """Run every step, stage by stage, as the worker would."""
    for _ in range(5):
        for step in job.steps.filter(state="pending").order_by("pk"):
            erasure_step_run(step.pk)
    return ErasureJob.objects.get(pk=job.pk)


# Each check compares one store after a job with what the holds and the job's scope
# demand, and says whether held rows of the job's scope remain there.


def check_events(world: World, erasure: Erasure, before: dict) -> bool:
    subject, after, held_in_scope = world.people[erasure.person].subject_id, event_rows(), False
    for row_id, (owner, ts, app_id, kind_id, _) in before["events"].items():
        kind = world.kind_slugs[kind_id]
        ours = owner == subject and world.in_scope(erasure, app_id, [kind])
        held = world.held_at(person_of(world, owner), "events", ts)
        held_in_scope |= ours and held
        assert (row_id in after) == (not ours or held), (
            f"event at {ts:%d %H:%M} app={app_id} kind={kind} of person "
            f"{person_of(world, owner)} {'kept' if row_id in after else 'deleted'}: "
            f"held={held}, in scope={ours}"
        )
    return held_in_scope


def check_activity(world: World, erasure: Erasure, before: dict) -> bool:
    subject, after, held_in_scope = world.people[erasure.person].subject_id, activity_rows(), False
    for key in before["activity"]:
        owner, day, app_id, kind_id = key
        ours = owner == subject and world.in_scope(erasure, app_id, [world.kind_slugs[kind_id]])
        held = world.held_day(person_of(world, owner), day)
        held_in_scope |= ours and held
        assert (key in after) == (not ours or held), (key, f"held={held}", f"in scope={ours}")
    return held_in_scope


def check_sessions(world: World, erasure: Erasure, before: dict) -> bool:
    """Summaries are rebuilt from the events left, so: none that was held went, and
    every one left that still counts data of the scope is held, itself or through
    its source events of the scope that a hold keeps (check_events saw to those)."""
    person, after, held_in_scope = erasure.person, summaries(), False
    subject = world.people[person].subject_id
    for key, (started_at, _) in before["sessions"].items():
        if key[0] == subject and world.held_at(person, "sessions", started_at):
            assert key in after, f"held session summary {key} was deleted"
    sources_left = {
        (session, app_id)
        for owner, _, app_id, kind_id, session in event_rows().values()
        if owner == subject and world.in_scope(erasure, app_id, [world.kind_slugs[kind_id]])
    }
    for key, (started_at, kinds) in after.items():
        if key[0] == subject and world.in_scope(erasure, key[2], kinds):
            assert world.held_at(person, "sessions", started_at) or key[1:] in sources_left, (
                f"summary {key} still counts {kinds} of the scope and no hold covers it"
            )
            held_in_scope = True
    return held_in_scope


@pytest.mark.django_db
def test_no_held_row_is_ever_deleted_and_nothing_unheld_in_scope_remains(
    catalogue, device, olivia, leo
):
    people = [make_user(f"person{i}@example.com").employee for i in range(PEOPLE)]
    today = timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=DAYS - 2)  # across day partitions and the default one

    @settings(max_examples=25, deadline=None, database=None)
    # Cases hypothesis has found, kept so that they always run:
    # held events (a hold on the events store only) are still counted by the session
    # summary rebuilt from them, for a scoped erasure;
    @example(
        rows=[(0, 0, 0, "click", "s0"), (1, 0, 0, "click", "s0")],
        hold_list=[Hold(frozenset({1}), None, None, frozenset({"events"}), released=False)],
        erasure_list=[Erasure(person=1, apps=None, kinds=frozenset({"click"}))],
    )
    # rebuilding a session for a scoped erasure deletes the held summary of another
    # application in the same session.
    @example(
        rows=[(0, 10, 0, "click", "s0"), (0, 100, 1, "click", "s0")],
        hold_list=[Hold(frozenset({0}), 90, 200, frozenset({"sessions"}), released=False)],
        erasure_list=[Erasure(person=0, apps=None, kinds=frozenset({"click"}))],
    )
    @given(
        rows=st.lists(events, max_size=30),
        hold_list=st.lists(holds(), max_size=3),
        erasure_list=st.lists(erasures, min_size=1, max_size=3),
    )
    def scenario(rows, hold_list, erasure_list):
        with transaction.atomic():
            world = World(people, catalogue, device[0], start)
            world.write_events(rows)
            for hold in hold_list:
                world.place(hold, leo)
            for erasure in erasure_list:
                before = snapshot()
                job = drive(world.erase(erasure, olivia))
                held_in_scope = [
                    check(world, erasure, before)
                    for check in (check_events, check_activity, check_sessions)
                ]
                assert job.state == ("blocked_by_hold" if any(held_in_scope) else "verified"), [
                    (s.store, s.state, s.rows_held, s.last_error) for s in job.steps.all()
                ]
                assert (job.receipt is not None) == (job.state == "verified")
            transaction.set_rollback(True)  # the next example starts from nothing

    scenario()
