"""The audit log's filters (actor, subject, action, period) and keyset pages, page and API."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import AuditEvent
from governance.services.audit import audit_record

EVENTS = "/api/v1/audit/events"
VIEWED = "personal_data.viewed"


@pytest.fixture
def log(olivia, leo, alice, bob, catalogue):
    """Events by two officers about two people, each in its own transaction (own time)."""
    for i in range(6):
        audit_record(
            actor=olivia, action="test.erased", subject=alice.employee.subject_id, details={"i": i}
        )
        audit_record(
            actor=leo, action="test.held", subject=bob.employee.subject_id, details={"i": i}
        )
    return AuditEvent.objects.filter(action__startswith="test.").order_by("seq")


def seqs(rows) -> list[int]:
    return [row["seq"] for row in rows]


def expected(qs) -> list[int]:
    return list(qs.order_by("-seq").values_list("seq", flat=True))


def test_api_filters_by_actor_id_or_username(client_as, olivia, leo, log):
    client = client_as(olivia)
    by_id = client.get(EVENTS, {"actor": leo.pk, "action": "test."}).json()["results"]
    by_name = client.get(EVENTS, {"actor": leo.username, "action": "test."}).json()["results"]

    assert seqs(by_id) == seqs(by_name) == expected(log.filter(actor_id=str(leo.pk)))
    assert len(by_id) == 6


def test_filtering_by_an_actor_who_is_an_employee_is_a_recorded_read(client_as, olivia, leo, log):
    client_as(olivia).get(EVENTS, {"actor": leo.username})

    [event] = AuditEvent.objects.filter(action=VIEWED, subject=leo.employee.subject_id)
    assert (event.actor_id, event.details["what"]) == (str(olivia.pk), "audit events")


@pytest.mark.parametrize("named_by", ["pseudonym", "employee_number", "email"])
def test_api_filters_by_subject_named_any_way_and_records_one_read(
    client_as, olivia, bob, log, named_by
):
    value = {
        "pseudonym": bob.employee.subject_id,
        "employee_number": bob.employee.employee_number.lower(),
        "email": bob.email.upper(),
    }[named_by]

    rows = client_as(olivia).get(EVENTS, {"subject": value, "action": "test."}).json()["results"]

    assert seqs(rows) == expected(log.filter(subject=bob.employee.subject_id))
    [read] = AuditEvent.objects.filter(action=VIEWED)
    assert (read.subject, read.details) == (
        bob.employee.subject_id,
        {"what": "audit events", "named_by": named_by},
    )


def test_an_unknown_employee_number_matches_nothing(client_as, olivia, log):
    body = client_as(olivia).get(EVENTS, {"subject": "E-NOBODY"}).json()
    assert body["results"] == []
    assert not AuditEvent.objects.filter(action=VIEWED).exists()


def test_the_unfiltered_log_is_not_a_read_of_anyone(client_as, olivia, log):
    client_as(olivia).get(EVENTS)
    assert not AuditEvent.objects.filter(action=VIEWED).exists()


def test_api_filters_by_action_prefix(client_as, olivia, log):
    rows = client_as(olivia).get(EVENTS, {"action": "test.he"}).json()["results"]
    assert seqs(rows) == expected(log.filter(action="test.held"))


def test_api_filters_by_period_with_datetimes_and_dates(client_as, olivia, log):
    client = client_as(olivia)
    events = list(log)
    middle = events[5]
    until = client.get(EVENTS, {"action": "test.", "to": middle.occurred_at.isoformat()}).json()
    since = client.get(EVENTS, {"action": "test.", "from": middle.occurred_at.isoformat()}).json()
    today = timezone.now().date()
    whole_day = client.get(EVENTS, {"action": "test.", "from": str(today), "to": str(today)})
    tomorrow = client.get(EVENTS, {"action": "test.", "from": str(today + timedelta(days=1))})

    assert seqs(until["results"]) == expected(log.filter(seq__lte=middle.seq))
    assert seqs(since["results"]) == expected(log.filter(seq__gte=middle.seq))
    assert seqs(whole_day.json()["results"]) == expected(log)
    assert tomorrow.json()["results"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"from": "2026-03-02T10:00:00Z", "to": "2026-03-02T09:59:59Z"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_api_bad_filters_are_a_400_naming_the_field(client_as, olivia, catalogue, query, field):
    response = client_as(olivia).get(EVENTS, query)
    assert response.status_code == 400
    assert field in response.json()


def test_api_keyset_pages_have_no_overlap_or_gap_and_never_count(client_as, olivia, alice, log):
    client = client_as(olivia)
    seen, url = [], f"{EVENTS}?page_size=4&subject={alice.employee.employee_number}&action=test."
    with CaptureQueriesContext(connection) as queries:
        while url:
            page = client.get(url).json()
            seen += seqs(page["results"])
            url = page["next"]

    assert seen == expected(log.filter(subject=alice.employee.subject_id))
    assert len(seen) == 6
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_page_filters_by_employee_number_actor_and_period(as_user, olivia, leo, bob, log):
    client = as_user(olivia)
    today = str(timezone.now().date())
    body = client.get(
        "/audit/",
        {
            "subject": bob.employee.employee_number,
            "actor": leo.username,
            "action": "test.",
            "from": today,
            "to": today,
        },
    ).content.decode()

    shown = [int(s) for s in re.findall(r'data-seq="(\d+)"', body)]
    assert shown == expected(log.filter(subject=bob.employee.subject_id))
    assert 'data-testid="filter-audited"' in body
    # One read per person the filters name: bob as subject, leo as actor.
    reads = AuditEvent.objects.filter(action=VIEWED)
    assert sorted(reads.values_list("subject", flat=True)) == sorted(
        [bob.employee.subject_id, leo.employee.subject_id]
    )


def test_page_refuses_a_period_that_ends_before_it_starts(as_user, olivia, log):
    response = as_user(olivia).get("/audit/", {"from": "2026-03-02", "to": "2026-03-01"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "must not be before" in body
    assert 'data-seq="' not in body


def test_page_keyset_pages_keep_the_filters_without_overlap(as_user, olivia, log):
    from governance.services.audit import audit_record as record

    for i in range(55):
        record(actor=olivia, action="test.bulk", details={"i": i})
    client = as_user(olivia)
    first = client.get("/audit/", {"action": "test.bulk"}).content.decode()
    older = re.search(r'href="\?([^"]*before=\d+[^"]*)" rel="next"', first).group(1)
    second = client.get("/audit/?" + older.replace("&amp;", "&")).content.decode()

    shown = [int(s) for page in (first, second) for s in re.findall(r'data-seq="(\d+)"', page)]
    assert shown == expected(AuditEvent.objects.filter(action="test.bulk"))
