"""Counts over everyone (the consent aggregates, holders per application) are read from
a snapshot at most CONSENT_AGGREGATES_MAX_AGE old, counted again once it is older, and
the stored aggregates hold no figure that suppression hides."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from governance import tasks
from governance.models import AggregateCount, Purpose
from governance.selectors.counts import (
    consent_aggregates_counted,
    counts_refresh,
    holders_counted,
)
from governance.services.consent import RequestContext, consent_grant
from tests.factories import make_user

pytest_plugins = ["tests.worker"]

CTX = RequestContext()


def company(scope, *, department="Sales", people=12, granting=5):
    users = [
        make_user(f"{department.lower()}{i}@example.com", department=department)
        for i in range(people)
    ]
    for user in users[:granting]:
        consent_grant(employee=user.employee, scope=scope, actor=user, context=CTX)
    return users


def granted_in(counted, group):
    return next(row.granted for row in counted.rows if row.group == group)


def age(seconds):
    AggregateCount.objects.update(counted_at=timezone.now() - timedelta(seconds=seconds))


def test_a_young_count_is_shown_and_an_old_one_is_taken_again(scope, settings):
    settings.CONSENT_AGGREGATES_MAX_AGE = 60
    users = company(scope)
    first = consent_aggregates_counted(group_by="department")
    assert granted_in(first, "Sales") == 5
    consent_grant(employee=users[5].employee, scope=scope, actor=users[5], context=CTX)

    age(30)
    assert granted_in(consent_aggregates_counted(group_by="department"), "Sales") == 5
    age(61)
    again = consent_aggregates_counted(group_by="department")
    assert granted_in(again, "Sales") == 6
    assert again.counted_at > timezone.now() - timedelta(seconds=5)


def test_the_page_and_the_api_say_when_they_counted(as_user, client_as, olivia, scope):
    company(scope)
    body = as_user(olivia).get("/officer/aggregates/").content.decode()
    counted = AggregateCount.objects.get(key="consent:department:any")
    assert f"Counted at {counted.counted_at:%Y-%m-%d %H:%M:%S} UTC" in body
    api = client_as(olivia).get("/api/v1/reports/consent-aggregates").json()
    assert api["counted_at"].startswith(f"{counted.counted_at:%Y-%m-%dT%H:%M:%S}")


def test_the_snapshot_holds_no_figure_the_page_hides(scope, settings):
    settings.MIN_GROUP_SIZE = 5
    company(scope, department="Legal", people=6, granting=5)  # one refusal would show
    consent_aggregates_counted(group_by="department")
    stored = {group: granted for group, _, granted in AggregateCount.objects.get().groups}
    assert stored["Legal"] is None


def test_a_new_group_size_counts_again_at_once(scope, settings):
    settings.MIN_GROUP_SIZE = 5
    company(scope, department="Legal", people=6, granting=5)
    assert granted_in(consent_aggregates_counted(group_by="department"), "Legal") is None
    settings.MIN_GROUP_SIZE = 1
    assert granted_in(consent_aggregates_counted(group_by="department"), "Legal") == 5


def test_refresh_recounts_what_pages_asked_for_before_it_grows_old(scope, settings):
    settings.CONSENT_AGGREGATES_MAX_AGE = 60
    users = company(scope)
    purpose = scope.purpose
    consent_aggregates_counted(group_by="country", purpose=purpose)
    assert counts_refresh() == 2  # the two default groupings, never counted
    assert counts_refresh() == 0  # all young

    consent_grant(employee=users[5].employee, scope=scope, actor=users[5], context=CTX)
    age(31)  # past half the age: due before beat runs again
    assert counts_refresh() == 3
    by_purpose = AggregateCount.objects.get(key=f"consent:country:{purpose.pk}")
    assert by_purpose.counted_at > timezone.now() - timedelta(seconds=5)
    assert granted_in(consent_aggregates_counted(group_by="department"), "Sales") == 6


def test_a_deleted_purpose_takes_its_counts_with_it(scope):
    purpose = Purpose.objects.create(slug="ux-research", name="UX research")
    consent_aggregates_counted(group_by="department", purpose=purpose)
    key = f"consent:department:{purpose.pk}"
    assert AggregateCount.objects.filter(key=key).exists()
    purpose.delete()
    age(61)
    assert counts_refresh() == 2  # the defaults; the purpose's count is dropped, not taken
    assert not AggregateCount.objects.filter(key=key).exists()


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_recounts_on_a_real_worker(celery_worker, scope):
    company(scope)
    tasks.counts_refresh.delay()
    deadline = time.monotonic() + 30
    while AggregateCount.objects.count() < 2:
        assert time.monotonic() < deadline, f"not recounted in time:\n{celery_worker.log()}"
        time.sleep(0.2)
    counted = AggregateCount.objects.get(key="consent:department:any")
    assert ["Sales", 12, 5] in counted.groups


def test_holders_per_application_are_counted_once_a_minute_too(scope, settings):
    settings.CONSENT_AGGREGATES_MAX_AGE = 60
    users = company(scope, granting=5)
    application = scope.application.pk
    assert holders_counted("application_id")[0][application] == 5
    consent_grant(employee=users[5].employee, scope=scope, actor=users[5], context=CTX)
    assert holders_counted("application_id")[0][application] == 5
    age(61)
    assert holders_counted("application_id")[0][application] == 6
