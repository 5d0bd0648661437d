"""Concurrent API requests for one person's consent serialise: the state is the fold of events.

These tests commit (each thread has its own connection), so they take the
`transactional_db` fixture, whose teardown may truncate the append-only tables.
"""

import threading

from django.db import connection
from rest_framework.test import APIClient

from governance.models import ConsentAction, ConsentEvent, ConsentState


def _post_concurrently(user, requests: list[tuple[str, dict]]) -> list[int]:
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def run(i: int, path: str, body: dict) -> None:
        client = APIClient()
        client.force_login(user)
        try:
            barrier.wait(timeout=10)
            statuses[i] = client.post(path, body, format="json").status_code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, path, body))
        for i, (path, body) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_simultaneous_repeated_grants_record_exactly_one_event(transactional_db, alice, scope):
    statuses = _post_concurrently(alice, [("/api/v1/me/consents/grant", scope.as_slugs())] * 6)

    assert sorted(statuses) == [200] * 5 + [201]
    assert ConsentEvent.objects.filter(employee=alice.employee).count() == 1


def test_interleaved_grants_and_withdrawals_leave_the_state_equal_to_the_fold(
    transactional_db, alice, scope
):
    paths = ["/api/v1/me/consents/grant", "/api/v1/me/consents/withdraw"] * 4
    statuses = _post_concurrently(alice, [(path, scope.as_slugs()) for path in paths])

    assert set(statuses) <= {200, 201}

    events = list(ConsentEvent.objects.filter(employee=alice.employee).order_by("state_version"))
    state = ConsentState.objects.get(employee=alice.employee)
    assert [e.state_version for e in events] == list(range(1, len(events) + 1))
    # Each event must change the state: no grant follows a grant, no withdrawal a withdrawal.
    actions = [e.action for e in events]
    assert all(a != b for a, b in zip(actions, actions[1:], strict=False))
    assert actions[0] == ConsentAction.GRANTED
    assert state.version == events[-1].state_version
    assert state.state == events[-1].action
    assert state.last_event_id == events[-1].pk
