"""Redis restarted under ingestion: 503 + Retry-After while it is down, never 500,
never a batch stored without the quota and the typed-text tail that redaction needs.

Ingestion takes the device's quota and each session's typed tail from Redis
before it stores anything; without them it stores nothing and says 503, so a
match split across batches ("john.smith" | "@example.com") is still found when
the second batch comes again. The Redis restarted is this test's own.
"""

import time
import uuid

import pytest
import requests

from tests.faults.conftest import (
    CLIENTS,
    CaptureClient,
    clear_key_rows,
    load,
    reconnect,
)
from tests.faults.test_database_restart import assert_outage_answered_503, assert_stored_once
from tests.ingestion.helpers import batch, typed
from tests.servers import DEADLINE, wait_until

pytestmark = pytest.mark.worker

BATCHES = 20  # per client


def test_ingestion_across_a_redis_restart_answers_503_and_never_stores_text_unredacted(
    portal, private_redis, private_db, seed
):
    traffic = load(portal, seed, BATCHES)
    deadline = time.monotonic() + DEADLINE
    # Beside the load, one person types an address across two batches of a session:
    # the second reveals what the first began.
    user = seed.employees[0]
    typist = CaptureClient(portal, seed.token, user.email, user.employee.subject_id, batches=0)
    session, http = f"pii-{uuid.uuid4().hex[:8]}", requests.Session()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    first_body = batch(typed("john.smith", user.email, session), batch_id=first)
    second_body = batch(typed("@example.com", user.email, session, start_ms=2000), batch_id=second)
    typist.send(first, first_body, deadline, http)
    assert clear_key_rows(session) == list("john.smith"), "in clear until revealed"
    traffic.start(deadline)
    wait_until(lambda: traffic.batches_done() >= 2 * CLIENTS, "batches are stored", log=portal.log)

    private_redis.stop()  # SIGTERM: redis-server saves its data set, as in a planned restart
    wait_until(lambda: traffic.answered_503(2 * CLIENTS), "clients get 503", log=portal.log)
    refused = typist.post(http, second, second_body)
    health = portal.healthz()
    private_redis.start()
    typist.send(second, second_body, deadline, http)
    traffic.join(DEADLINE)
    reconnect()

    assert refused.status == 503 and refused.retry_after
    assert health["http"] == 503
    assert health["checks"]["redis"]["status"] == "failing"
    assert health["checks"]["database"]["status"] == "ok"
    assert_outage_answered_503(traffic)
    assert_stored_once(traffic)
    assert typist.accepted[second] == len("@example.com")
    assert clear_key_rows(session) == [], "the address is redacted in both batches"
