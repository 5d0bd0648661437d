"""Serializers that build their JSON directly write times exactly as DRF's field does."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from governance.api.serializers.base import drf_datetime

offsets = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))])
times = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=offsets
)


@given(value=times)
def test_a_time_is_written_as_drf_writes_it(value):
    assert drf_datetime(value) == serializers.DateTimeField().to_representation(value)


def test_utc_ends_in_z_and_none_stays_none():
    assert drf_datetime(datetime(2026, 12, 1, 12, 0, 0, 5, tzinfo=UTC)) == (
        "2026-12-01T12:00:00.000005Z"
    )
    assert drf_datetime(None) is None
