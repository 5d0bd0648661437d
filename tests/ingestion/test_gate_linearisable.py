"""Once a withdrawal has returned, no event of that scope is accepted: proven under load.

Real PostgreSQL, the real endpoint over HTTP (live server threads), the real
withdrawal endpoint, many concurrent ingest requests racing the withdrawal.
"""

import http.client
import threading
import time
import uuid
from urllib.parse import urlsplit

import orjson
from django.test import Client

from governance.models import IngestBatch, InteractionEvent
from tests.ingestion.helpers import batch, event, stamp

THREADS = 6
EVENTS_PER_BATCH = 40


def _poster(base_url: str, token: str, stop: threading.Event, log: list, index: int):
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    n = 0
    while not stop.is_set():
        batch_id = uuid.uuid4()
        body = batch(
            [event(ts=stamp(i), session_id=f"t{index}") for i in range(EVENTS_PER_BATCH)],
            batch_id=batch_id,
        )
        sent = time.monotonic()
        conn.request(
            "POST",
            "/api/v1/ingest/batches",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        payload = orjson.loads(response.read())
        log.append((sent, time.monotonic(), str(batch_id), response.status, payload))
        n += 1
    conn.close()


def test_no_event_is_accepted_after_the_withdrawal_returns(
    live_server, token, alice_consents_all, catalogue
):
    stop = threading.Event()
    logs: list[list] = [[] for _ in range(THREADS)]
    threads = [
        threading.Thread(target=_poster, args=(live_server.url, token, stop, logs[i], i))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while sum(len(log) for log in logs) < THREADS * 3 and time.monotonic() < deadline:
        time.sleep(0.02)

    client = Client()
    client.force_login(alice_consents_all)
    response = client.post(
        "/api/v1/me/consents/withdraw",
        data={"purpose": catalogue["purpose"].slug, "application": "vscode", "data_kind": "key"},
        content_type="application/json",
    )
    withdrawn_at = time.monotonic()
    assert response.status_code == 201, response.content

    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    requests = [entry for log in logs for entry in log]
    assert all(status == 200 for _, _, _, status, _ in requests)
    before = [r for r in requests if r[1] < withdrawn_at]
    after = [r for r in requests if r[0] > withdrawn_at]
    assert any(r[4]["accepted"] for r in before), "nothing was accepted before the withdrawal"
    assert len(after) >= THREADS, "too few requests after the withdrawal to prove anything"
    for *_, payload in after:
        assert payload["accepted"] == 0, payload
        assert payload["dropped"] == {"no_consent": EVENTS_PER_BATCH}
    late_ids = [uuid.UUID(r[2]) for r in after]
    assert not InteractionEvent.objects.filter(batch_id__in=late_ids).exists()
    # Every stored row belongs to a batch that the database recorded.
    stored = set(InteractionEvent.objects.values_list("batch_id", flat=True).distinct())
    assert stored <= set(IngestBatch.objects.values_list("batch_id", flat=True))


def _lock_waiters(cursor) -> int:
    cursor.execute(
        """SELECT count(*) FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'"""
    )
    return cursor.fetchone()[0]


def test_withdrawal_waits_for_an_ingest_that_already_passed_the_gate(
    live_server, token, alice_consents_all, catalogue
):
    """Freeze an ingest after its consent check, before commit: the withdrawal must not
    return until that ingest has committed, or its events would land after the withdrawal."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    outcome: dict = {}
    with psycopg.connect(**params, autocommit=False) as blocker:
        blocker_cursor = blocker.cursor()
        # The ingest writes its day summaries after the gate and the COPY: stall it there.
        blocker_cursor.execute("LOCK TABLE governance_activityday IN ACCESS EXCLUSIVE MODE")

        def ingest():
            parts = urlsplit(live_server.url)
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            conn.request(
                "POST",
                "/api/v1/ingest/batches",
                body=batch([event(ts=stamp(i)) for i in range(5)]),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            outcome["ingest"] = orjson.loads(conn.getresponse().read())
            outcome["ingest_done"] = time.monotonic()

        def withdraw():
            client = Client()
            client.force_login(alice_consents_all)
            client.post(
                "/api/v1/me/consents/withdraw",
                data={
                    "purpose": catalogue["purpose"].slug,
                    "application": "vscode",
                    "data_kind": "key",
                },
                content_type="application/json",
            )
            outcome["withdraw_done"] = time.monotonic()
            connection.close()  # this thread's own connection

        ingest_thread = threading.Thread(target=ingest)
        ingest_thread.start()
        with psycopg.connect(**params, autocommit=True) as watcher:
            watch = watcher.cursor()
            deadline = time.monotonic() + 20
            while _lock_waiters(watch) < 1 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert _lock_waiters(watch) == 1, "the ingest never reached the stalled step"
            withdraw_thread = threading.Thread(target=withdraw)
            withdraw_thread.start()
            while (
                _lock_waiters(watch) < 2
                and "withdraw_done" not in outcome
                and time.monotonic() < deadline
            ):
                time.sleep(0.02)
            returned_early = "withdraw_done" in outcome
        blocker.rollback()  # release the stall
    ingest_thread.join(timeout=30)
    withdraw_thread.join(timeout=30)
    assert not returned_early, "the withdrawal returned while a gated ingest was uncommitted"
    assert outcome["ingest"]["accepted"] == 5
    assert outcome["withdraw_done"] >= 0
