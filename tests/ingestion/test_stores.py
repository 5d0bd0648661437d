"""The store registry: every store of subject data is registered and can count and export."""

import time

import pytest
from django.apps import apps

from governance.models import (
    AuditEvent,
    ErasureJob,
    InteractionEvent,
    SentEmail,
    SessionSummary,
)
from governance.stores import EVERYTHING, SubjectScope, stores
from tests.ingestion.helpers import batch, event, post, stamp, typed

# Evidence, not interaction data: the audit log and the erasure jobs that prove deletion.
EVIDENCE = {AuditEvent, ErasureJob}
# A `subject` field that is not a data subject: an email's subject line.
NOT_A_DATA_SUBJECT = {SentEmail}


def test_every_model_holding_subject_data_is_in_a_registered_store():
    holding = {
        model
        for model in apps.get_app_config("governance").get_models()
        if any(field.name == "subject" for field in model._meta.fields)
    }
    registered = {model for s in stores() for model in s.models}
    assert holding - EVIDENCE - NOT_A_DATA_SUBJECT - registered == set()
    assert InteractionEvent in registered and SessionSummary in registered


def test_stores_count_and_export_one_subject_within_a_scope(
    client, token, alice_consents_all, catalogue
):
    from governance.stores import store
    from governance.stores.sessions import sessions_refresh_pending

    post(client, token, batch([event(ts=stamp(i)) for i in range(4)] + [event(type="scroll")]))
    sessions_refresh_pending()
    subject = alice_consents_all.employee.subject_id
    key_kind = next(k for k in catalogue["kinds"] if k.slug == "key")
    keys_only = SubjectScope(data_kind_ids=frozenset({key_kind.pk}))
    events = store("events")
    assert events.count(subject) == 5
    assert events.count(subject, keys_only) == 4
    assert events.count("sub_nobody") == 0
    exported = list(events.export(subject, keys_only))
    assert len(exported) == 4 and {r["event_type"] for r in exported} == {"key_down"}
    assert all("subject" not in r for r in exported)
    assert store("sessions").count(subject) == 1
    assert list(store("sessions").export(subject))[0]["events"] == 5
    assert store("activity").count(subject, EVERYTHING) == 2  # key and scroll days


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_keeps_session_summaries_current(
    celery_worker, client, token, alice_consents_all
):
    post(client, token, batch([event(ts=stamp(i * 1000), session_id="w-1") for i in range(3)]))
    deadline = time.monotonic() + 30
    while not SessionSummary.objects.filter(session_id="w-1").exists():
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.05)
    summary = SessionSummary.objects.get(session_id="w-1")
    assert summary.events == 3 and summary.counts == {"key": 3}
    assert summary.active_seconds == 2
    post(client, token, batch([event(ts=stamp(3000), session_id="w-1")]))
    while SessionSummary.objects.get(session_id="w-1").events != 4:
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.05)


def _redis_values(client) -> dict[str, str]:
    """Every key in the portal's Redis and what it holds, as text."""
    values = {}
    for raw in client.scan_iter(count=1000):
        key = raw.decode()
        kind = client.type(raw).decode()
        if kind == "string":
            held = [client.get(raw)]
        elif kind == "set":
            held = client.smembers(raw)
        elif kind == "hash":
            held = [b"%s=%s" % pair for pair in client.hgetall(raw).items()]
        elif kind == "list":
            held = client.lrange(raw, 0, -1)
        else:
            held = []
        values[key] = " ".join(v.decode(errors="replace") for v in held if v is not None)
    return values


def test_every_redis_key_holding_subject_data_is_in_a_registered_store(
    client, token, alice_consents_all, redaction_rules, redis_clean
):
    """Stores outside the database count too: after every registered store has erased
    her, no key in Redis names alice's pseudonym or holds what she typed, and no key ever
    names her login, her employee number or the session id her device sent."""
    employee = alice_consents_all.employee
    session = "alice-laptop-session-7"
    post(client, token, batch(typed("hello world", session_id=session)))
    before = _redis_values(redis_clean)
    assert any("hello world" in value for value in before.values())
    assert any(employee.subject_id in key for key in before)
    for key, value in before.items():
        for clear in ("alice@example.com", employee.employee_number, session):
            assert clear not in key, key
        assert session not in value, key
    assert sum(s.count(employee.subject_id) for s in stores() if not s.models) == 1

    for registered in stores():
        position = "start"
        while position is not None:
            _, position = registered.erase_batch(employee.subject_id, EVERYTHING, [], 10_000)

    after = _redis_values(redis_clean)
    leftover = {
        key: value
        for key, value in after.items()
        if employee.subject_id in key + value or "hello" in value
    }
    assert leftover == {}
    assert all(s.count(employee.subject_id) == 0 for s in stores())
