"""Events dated outside [now - INGEST_MAX_AGE, now + INGEST_MAX_SKEW] are dropped as
`out_of_range_time`: a device clock that is wrong does not file data under year 9999.

The reason is counted in the answer, the batch row and the metrics, but not per person:
a wrong clock is the device's fault, not anyone's choice.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Max

from governance.models import ActivityDay, DropTally, IngestBatch, InteractionEvent
from tests.ingestion.helpers import batch, event, post

OUT = "out_of_range_time"


def at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat(timespec="milliseconds")


@pytest.mark.parametrize(
    "ts",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00-01:00",  # year 1 locally, 01:00 of year 1 in UTC
        "1900-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "2200-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59.999999Z",
        "9999-12-31T23:00:00+01:00",  # 22:00 of the last day in UTC
        "9999-12-31T00:00:00-12:00",  # year 9999 still, in UTC
    ],
)
def test_an_event_from_an_implausible_year_is_dropped_not_stored(
    client, token, alice_consents_all, ts
):
    response = post(client, token, batch([event(), event(ts=ts), event(type="scroll")]))

    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 2
    assert response.json()["dropped"] == {OUT: 1}
    assert InteractionEvent.objects.count() == 2
    assert IngestBatch.objects.get().dropped == {OUT: 1}
    latest = ActivityDay.objects.aggregate(latest=Max("last_recorded"))["latest"]
    assert latest < datetime.now(UTC) + timedelta(minutes=1)
    assert not DropTally.objects.exists()  # a device fault, not the person's choice


def test_the_window_is_max_age_back_and_max_skew_ahead(client, token, alice_consents_all):
    events = [
        event(ts=at(-timedelta(days=7, minutes=1))),  # dropped: older than 7 days
        event(ts=at(-timedelta(days=6, hours=23))),
        event(ts=at(timedelta(minutes=4))),
        event(ts=at(timedelta(minutes=6))),  # dropped: more than 5 minutes ahead
    ]
    result = post(client, token, batch(events)).json()

    assert (result["accepted"], result["dropped"]) == (2, {OUT: 2})
    assert InteractionEvent.objects.count() == 2


def test_the_window_follows_the_settings(client, token, alice_consents_all, settings):
    settings.INGEST_MAX_AGE = 3600
    settings.INGEST_MAX_SKEW = 0
    events = [
        event(ts=at(-timedelta(hours=2))),
        event(ts=at(-timedelta(minutes=30))),
        event(ts=at(timedelta(seconds=30))),
    ]
    result = post(client, token, batch(events)).json()

    assert (result["accepted"], result["dropped"]) == (1, {OUT: 2})


def test_a_window_wider_than_the_calendar_does_not_overflow(
    client, token, alice_consents_all, settings
):
    settings.INGEST_MAX_AGE = settings.INGEST_MAX_SKEW = 10**12  # some 30,000 years
    events = [event(ts="0001-01-01T00:00:00-01:00"), event(ts="9999-12-31T23:00:00+01:00")]
    result = post(client, token, batch(events)).json()

    assert (result["accepted"], result["dropped"]) == (2, {})
    assert sorted(e.ts.year for e in InteractionEvent.objects.all()) == [1, 9999]


def test_out_of_range_time_is_dropped_before_the_persons_other_reasons(
    client, token, alice_consents_all, bob
):
    events = [
        event(employee="nobody@example.com", ts="1970-01-01T00:00:00Z"),
        event(employee="bob@example.com", ts="2200-01-01T00:00:00Z"),
        event(employee="bob@example.com"),  # no consent: this one is bob's
    ]
    result = post(client, token, batch(events)).json()

    assert result["dropped"] == {OUT: 2, "no_consent": 1}
    assert {(t.reason, t.events) for t in DropTally.objects.all()} == {("no_consent", 1)}


def test_metrics_count_out_of_range_time(
    client, token, alice_consents_all, django_capture_on_commit_callbacks
):
    old = [event(ts="1970-01-01T00:00:00Z"), event(ts="9999-01-01T00:00:00Z")]
    with django_capture_on_commit_callbacks(execute=True):
        post(client, token, batch([event(), *old]))
    text = client.get("/metrics").content.decode()
    assert f'portal_ingest_events_total{{outcome="dropped",reason="{OUT}"}} 2.0' in text


def test_my_data_does_not_show_a_recording_from_a_wrong_clock(client, token, alice_consents_all):
    post(client, token, batch([event(), event(ts="9999-12-31T23:59:59Z")]))
    client.force_login(alice_consents_all)
    summary = client.get("/api/v1/me/data").json()

    assert summary["total_events"] == 1
    last = datetime.fromisoformat(summary["last_recorded"])
    assert last <= datetime.now(UTC)
    assert OUT not in str(summary)
