"""Copies of one batch posted at the same moment: one is stored, every copy gets its answer.

A capture client retries a batch whose answer it did not get, possibly while the
first attempt is still being stored. Each thread here has its own database
connection and the requests commit, so the test takes `transactional_db`.
"""

import threading
import uuid

import orjson
from django.db import connection
from django.test import Client

from governance.models import IngestBatch, InteractionEvent
from tests.ingestion.helpers import batch, device_with_token, event, stamp

COPIES = 6


def _post_at_once(posts: list[tuple[str, bytes]]) -> list[tuple[int, dict]]:
    """Post each (token, body) from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(posts))
    answers: list[tuple[int, dict]] = [(0, {})] * len(posts)

    def run(i: int, token: str, body: bytes) -> None:
        try:
            barrier.wait(timeout=10)
            response = Client(raise_request_exception=False).post(
                "/api/v1/ingest/batches",
                data=body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            is_json = response["Content-Type"].startswith("application/json")
            answer = orjson.loads(response.content) if is_json else {"body": response.content}
            answers[i] = (response.status_code, answer)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, token, body)) for i, (token, body) in enumerate(posts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _events(n: int = 40) -> list[dict]:
    return [event(ts=stamp(i * 10), session_id="retry") for i in range(n)]


def test_parallel_copies_from_one_device_all_get_the_first_answer_and_store_once(
    transactional_db, token, alice_consents_all, redis_clean
):
    batch_id = uuid.uuid4()
    body = batch([*_events(), event(app="no-such-app")], batch_id=batch_id)

    answers = _post_at_once([(token, body)] * COPIES)

    assert [status for status, _ in answers] == [200] * COPIES, answers
    first = answers[0][1]
    assert first["accepted"] == 40 and first["dropped"] == {"unknown_app": 1}
    assert all(answer == first for _, answer in answers)
    assert InteractionEvent.objects.count() == 40
    assert IngestBatch.objects.get().batch_id == batch_id
    # The copies gave back the quota they took: the device used one batch's worth.
    quota = [int(redis_clean.get(key)) for key in redis_clean.scan_iter("portal:quota:*")]
    assert sum(quota) == 41


def test_one_batch_id_from_two_devices_at_once_is_stored_for_one_and_refused_to_the_other(
    transactional_db, token, olivia, alice_consents_all
):
    _, other = device_with_token(olivia, name="other laptop")
    batch_id = uuid.uuid4()
    body = batch(_events(), batch_id=batch_id)

    answers = _post_at_once([(token, body), (other, body)] * (COPIES // 2))

    stored = IngestBatch.objects.get(batch_id=batch_id)
    winner = token if stored.device.name != "other laptop" else other
    for (status, answer), (sender, _) in zip(
        answers, [(token, body), (other, body)] * (COPIES // 2), strict=True
    ):
        if sender == winner:
            assert (status, answer["accepted"]) == (200, 40), answer
        else:
            assert status == 409, answer
            assert answer["problems"][0]["field"] == "batch_id"
    assert InteractionEvent.objects.count() == 40
    assert set(InteractionEvent.objects.values_list("device_id", flat=True)) == {stored.device_id}
