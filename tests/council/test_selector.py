"""The council's figures: the k rule at its boundaries, and each figure against the rows."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from governance.models import DataRequest, Employee, ErasureJob, RetentionPolicy, SafeguardRule
from governance.models.ingestion import EVENT_TABLE
from governance.selectors.council import council_summary, month_starts
from governance.services.consent import RequestContext, consent_grant
from governance.services.scopes import Scope
from governance.stores.events import partition_name
from tests.factories import make_user
from tests.retention.helpers import fill_day

TODAY = date(2026, 6, 15)


def grant(user, scope):
    consent_grant(employee=user.employee, scope=scope, actor=user, context=RequestContext())


def people(n, department="Plant", prefix="p"):
    return [make_user(f"{prefix}{i}@example.com", department=department) for i in range(n)]


def row(rows, key):
    return next(r for r in rows if r.key == key)


def test_months_are_the_last_twelve_oldest_first():
    months = month_starts(date(2026, 3, 31), 12)

    assert months[0] == date(2025, 4, 1) and months[-1] == date(2026, 3, 1)
    assert len(set(months)) == 12


def test_an_application_rate_shows_from_k_holders_on(catalogue, scope):
    crowd = people(9)  # ten employees with olivia
    for user in crowd[:4]:
        grant(user, scope)

    below = row(council_summary(today=TODAY).by_application, "vscode")
    grant(crowd[4], scope)
    at = row(council_summary(today=TODAY).by_application, "vscode")

    assert (below.suppressed, below.granted, below.rate) == (True, None, None)
    assert (at.suppressed, at.people, at.granted, at.rate) == (False, 10, 5, 50)


def test_an_application_rate_hides_when_fewer_than_k_did_not_grant(catalogue, scope):
    crowd = people(9)
    for user in crowd[:6]:  # six of ten granted: four did not
        grant(user, scope)

    vscode = row(council_summary(today=TODAY).by_application, "vscode")

    assert vscode.suppressed and vscode.granted is None and vscode.rate is None


def test_a_data_kind_counts_a_person_once_across_applications(catalogue, scope, other_scope):
    crowd = people(9)
    kind = scope.data_kind
    for user in crowd[:5]:
        grant(user, scope)
        grant(user, Scope(scope.purpose, other_scope.application, kind))

    summary = council_summary(today=TODAY)

    assert row(summary.by_data_kind, kind.slug).granted == 5
    assert row(summary.by_data_kind, other_scope.data_kind.slug).suppressed  # nobody


def test_a_group_of_k_minus_one_people_shows_no_count(catalogue, scope):
    people(4, department="Four")
    people(5, department="Five", prefix="f")

    rows = council_summary(today=TODAY).by_department

    assert row(rows, "Four").people is None and row(rows, "Four").suppressed
    assert row(rows, "Five").people == 5
    assert row(rows, "Five").suppressed  # five people cannot have five who did and did not


@pytest.mark.parametrize("granted", [True, False])
def test_a_department_of_one_never_shows_a_rate(catalogue, scope, granted):
    (loner,) = people(1, department="Lighthouse")
    if granted:
        grant(loner, scope)

    lighthouse = row(council_summary(today=TODAY).by_department, "Lighthouse")

    assert lighthouse.suppressed
    assert (lighthouse.people, lighthouse.granted, lighthouse.rate) == (None, None, None)


def test_total_people_and_holders_are_counts_of_at_least_k(catalogue, scope):
    crowd = people(4)
    for user in crowd[:4]:
        grant(user, scope)
    few = council_summary(today=TODAY)
    grant(make_user("fifth@example.com"), scope)
    enough = council_summary(today=TODAY)

    assert (few.people, few.holders) == (5, None)
    assert (enough.people, enough.holders) == (6, 5)


def analyze(day):
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {partition_name(day)}")


def test_volumes_come_from_partition_statistics_per_month(catalogue, scope, other_scope):
    crowd = people(9)
    for user in crowd[:5]:
        grant(user, scope)  # vscode and the first kind: five holders
    grant(crowd[5], other_scope)  # calc and the second kind: one holder
    vscode, calc = scope.application, other_scope.application
    today = datetime.now(UTC).date()
    first = today.replace(day=1)
    earlier = first - timedelta(days=1)
    fill_day(first, 300, "sub_a", vscode, scope.data_kind)
    fill_day(first, 100, "sub_b", calc, other_scope.data_kind)
    fill_day(earlier, 50, "sub_a", vscode, scope.data_kind)
    # Every day's statistics, not only these two: a statistic is not rolled back with the
    # test that took it, and the month's other days (today, after the 1st) hold none here.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {EVENT_TABLE}")

    volumes = {v.month: v for v in council_summary().volumes}

    this, last = volumes[first], volumes[earlier.replace(day=1)]
    assert this.events == 400 and last.events == 50
    assert this.by_application[vscode.slug] == 300 and last.by_application[vscode.slug] == 50
    assert this.by_data_kind[scope.data_kind.slug] == 300
    # One person's recording is not shown as a volume of its own.
    assert this.by_application[calc.slug] is None
    assert this.by_data_kind[other_scope.data_kind.slug] is None


def test_volumes_are_suppressed_while_fewer_than_k_hold_any_grant(catalogue, scope):
    (only,) = people(1)
    grant(only, scope)
    today = datetime.now(UTC).date()
    fill_day(today, 20, only.employee.subject_id, scope.application, scope.data_kind)
    analyze(today)

    volumes = council_summary().volumes

    assert all(v.events is None for v in volumes)
    assert all(n is None for v in volumes for n in v.by_application.values())
    with connection.cursor() as cursor:  # the events are there: it is the figure that hides
        cursor.execute(f"SELECT count(*) FROM {EVENT_TABLE}")
        assert cursor.fetchone()[0] == 20


def erasure_jobs(n, completed_at, state=ErasureJob.State.VERIFIED):
    employee = Employee.objects.first()
    for _ in range(n):
        ErasureJob.objects.create(
            employee=employee,
            subject=employee.subject_id,
            cause="officer",
            state=state,
            created_at=completed_at - timedelta(hours=1),
            completed_at=completed_at,
        )


def test_erasures_done_per_month_below_k_are_fewer_than_k(catalogue):
    june = datetime(2026, 6, 3, tzinfo=UTC)
    may = datetime(2026, 5, 31, 23, tzinfo=UTC)
    erasure_jobs(5, june)
    erasure_jobs(4, may)
    erasure_jobs(3, june, state=ErasureJob.State.FAILED)

    months = {e.month: e.verified for e in council_summary(today=TODAY).erasures}

    assert months[date(2026, 6, 1)] == 5
    assert months[date(2026, 5, 1)] is None
    assert months[date(2026, 4, 1)] is None  # none at all is fewer than k too


def completed_requests(n, closed_on: date, due_on: date, state=DataRequest.State.COMPLETED):
    employee = Employee.objects.select_related("user").first()
    for _ in range(n):
        DataRequest.objects.create(
            employee=employee,
            kind="access",
            state=state,
            filed_by=employee.user,
            jurisdiction="DE",
            clock="gdpr",
            received_at=datetime(2026, 4, 1, tzinfo=UTC),
            due_on=due_on,
            closed_at=datetime.combine(closed_on, datetime.min.time(), tzinfo=UTC)
            + timedelta(hours=23),
        )


def test_requests_on_time_count_completions_on_or_before_the_deadline(catalogue):
    completed_requests(5, date(2026, 6, 10), due_on=date(2026, 6, 10))  # on the day: on time
    completed_requests(5, date(2026, 6, 11), due_on=date(2026, 6, 10))  # a day late
    completed_requests(4, date(2026, 5, 2), due_on=date(2026, 5, 20))
    completed_requests(6, date(2026, 5, 2), due_on=date(2026, 5, 20), state="rejected")

    months = {r.month: r for r in council_summary(today=TODAY).requests}

    june, may = months[date(2026, 6, 1)], months[date(2026, 5, 1)]
    assert (june.completed, june.on_time, june.on_time_rate) == (10, 5, 50)
    assert (may.completed, may.on_time, may.on_time_rate) == (None, None, None)


def test_policies_and_safeguards_in_force_leave_out_disabled_ones_and_patterns(catalogue):
    RetentionPolicy.objects.create(name="Keys: 30 days", store="events", keep_days=30)
    RetentionPolicy.objects.create(name="Old", store="events", keep_days=5, enabled=False)
    SafeguardRule.objects.create(
        kind="window_title_pattern", name="Banking windows", pattern=r"(?i)online banking"
    )
    SafeguardRule.objects.create(kind="redaction_detector", name="IBAN", detector="iban")
    SafeguardRule.objects.create(kind="excluded_application", name="Off", enabled=False)

    summary = council_summary(today=TODAY)

    assert [(p.name, p.keep_days, p.applications) for p in summary.retention_policies] == [
        ("Keys: 30 days", 30, [])
    ]
    assert [(s.name, s.detector) for s in summary.safeguards] == [
        ("IBAN", "IBANs"),
        ("Banking windows", None),
    ]
    assert "banking" not in repr(summary.safeguards).replace("Banking windows", "")
