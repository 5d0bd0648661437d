"""The summary is read from the summaries alone, scoped to one person."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models.ingestion import EVENT_TABLE
from governance.selectors.my_data import my_data_summary


def event_table_queries(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries if EVENT_TABLE in q["sql"]]


def test_the_summary_never_reads_the_events_table(alice, recorded):
    with CaptureQueriesContext(connection) as queries:
        summary = my_data_summary(employee=alice.employee, days=365)

    assert summary.total_events == recorded["accepted"]  # it did read something real
    assert len(queries.captured_queries) <= 6
    assert event_table_queries(queries) == []


def test_the_api_and_the_page_never_read_the_events_table(client_as, browser_as, alice, recorded):
    api, page = client_as(alice), browser_as(alice)
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/me/data").status_code == 200
        assert page.get("/my-data/").status_code == 200

    assert len(queries.captured_queries) > 6
    assert event_table_queries(queries) == []


def test_the_summary_counts_only_the_persons_own_rows(alice, bob, recorded):
    summary = my_data_summary(employee=bob.employee)

    assert summary.total_events == 0 and summary.sessions == []
    assert not hasattr(summary, "dropped")
    assert [day.by_application for day in summary.days] == [[]] * 30


@pytest.mark.parametrize("days", [0, 366])
def test_a_period_outside_one_to_365_days_is_refused(alice, days):
    with pytest.raises(ValueError):
        my_data_summary(employee=alice.employee, days=days)
