"""Building a report survives lost messages, dead workers and failures: the reconciler
finds what no one builds, a dead builder's lease runs out, a failing build gives up after
three attempts and says so."""

from datetime import timedelta

from django.utils import timezone

from governance.models import AuditEvent, Report
from governance.services.reports import report_build, reports_reconcile
from tests.reports.helpers import asked, report_files_removed  # noqa: F401


def test_the_reconciler_finds_reports_no_one_took_and_builds_whose_worker_died(leo):
    fresh = asked(leo, "holds")
    lost = asked(leo, "holds")
    dead = asked(leo, "holds")
    alive = asked(leo, "holds")
    now = timezone.now()
    Report.objects.filter(pk=lost.pk).update(created_at=now - timedelta(minutes=5))
    Report.objects.filter(pk=dead.pk).update(
        state="building", attempts=1, lease_until=now - timedelta(seconds=1)
    )
    Report.objects.filter(pk=alive.pk).update(
        state="building", attempts=1, lease_until=now + timedelta(minutes=10)
    )

    assert sorted(reports_reconcile()) == sorted([lost.pk, dead.pk])
    assert report_build(alive.pk).state == "building"  # its builder still holds the lease
    assert report_build(dead.pk).state == "ready"
    dead.refresh_from_db()
    assert dead.attempts == 2
    assert report_build(fresh.pk).state == "ready"


def test_a_build_that_keeps_failing_gives_up_after_three_attempts_and_is_audited(leo):
    # A kind no longer registered (a report asked for before a kind was taken out).
    report = Report.objects.create(
        kind="retired", format="csv", params={"from": "2026-01-01", "to": "2026-01-31"},
        requester=leo, created_at=timezone.now(),
    )  # fmt: skip

    outcomes = [report_build(report.pk) for _ in range(3)]

    assert [(o.state, o.retry) for o in outcomes] == [
        ("queued", True), ("queued", True), ("failed", False),
    ]  # fmt: skip
    report.refresh_from_db()
    assert report.state == "failed" and report.attempts == 3 and report.last_error
    assert report_build(report.pk).state == "failed"  # nothing more to claim
    failed = AuditEvent.objects.get(action="report.failed")
    assert failed.target_id == str(report.pk) and failed.details["attempts"] == 3
