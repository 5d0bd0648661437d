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
from tests.ingestion.helpers import batch, event, post, stamp

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
