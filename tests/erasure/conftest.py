import pytest

from tests.ingestion.helpers import batch, event, post, stamp


@pytest.fixture
def alice_data(client, token, alice_consents_all):
    """Events of alice in every kind, days apart, plus summaries."""
    from datetime import UTC, datetime, timedelta

    from governance.stores.sessions import sessions_refresh_pending

    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    events = []
    for day in range(3):
        start = base + timedelta(days=day)
        events += [event(ts=stamp(i * 500, start), session_id=f"d{day}") for i in range(20)]
        events += [event(type="scroll", ts=stamp(i * 700, start), session_id=f"d{day}")
                   for i in range(10)]  # fmt: skip
    assert post(client, token, batch(events)).json()["accepted"] == 90
    sessions_refresh_pending()
    return alice_consents_all


@pytest.fixture(autouse=True)
def _lane_connections_closed():
    """A step's lanes keep their connections between steps; the test database must be
    free of them when it is dropped."""
    yield
    from governance.services.erasure import erasure_lanes_close

    erasure_lanes_close()
