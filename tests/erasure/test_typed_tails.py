"""The typed-text tails in Redis are a store: erased with the person, exported, short-lived."""

import pytest
from django.conf import settings

from governance.models import ErasureCause
from governance.services.consent import RequestContext, consent_withdraw
from governance.services.erasure import erasure_job_create
from governance.services.holds import legal_hold_create
from governance.services.scopes import Scope
from governance.stores import store
from governance.stores.typed_tails import tail_keys
from tests.erasure.helpers import drive, erase_owed
from tests.ingestion.helpers import batch, post, typed

SESSIONS = ("laptop-s1", "laptop-s2")


@pytest.fixture
def alice_typing(client, token, alice_consents_all, redaction_rules, redis_clean):
    """alice typed in two sessions of one device: two tails in Redis."""
    for session in SESSIONS:
        response = post(client, token, batch(typed("see you at noon", session_id=session)))
        assert response.status_code == 200
    assert store("typed_tails").count(alice_consents_all.employee.subject_id) == 2
    return alice_consents_all


def tails_left(redis, subject: str) -> list[str]:
    return [k.decode() for k in redis.scan_iter(f"portal:typed*{subject}*")]


def test_a_withdrawal_of_key_data_erases_the_typed_tails_with_its_receipt(
    alice_typing, catalogue, redis_clean
):
    employee = alice_typing.employee
    key = next(k for k in catalogue["kinds"] if k.slug == "key")
    scope = Scope(catalogue["purpose"], catalogue["applications"][0], key)
    consent_withdraw(employee=employee, scope=scope, actor=alice_typing, context=RequestContext())

    [job] = erase_owed()

    assert job.state == "verified"
    step = job.steps.get(store="typed_tails")
    assert (step.rows_before, step.rows_deleted, step.rows_after) == (2, 2, 0)
    assert job.receipt["stores"]["typed_tails"]["rows_deleted"] == 2
    assert tails_left(redis_clean, employee.subject_id) == []
    assert store("typed_tails").count(employee.subject_id) == 0


def test_an_erasure_of_other_kinds_keeps_the_typed_tails(alice_typing, catalogue, olivia):
    employee = alice_typing.employee
    scroll = next(k for k in catalogue["kinds"] if k.slug == "scroll")
    job = erasure_job_create(
        employee=employee, cause=ErasureCause.OFFICER, actor=olivia, data_kinds=[scroll]
    )

    job = drive(job)

    assert job.state == "verified"
    assert job.steps.get(store="typed_tails").rows_before == 0
    assert store("typed_tails").count(employee.subject_id) == 2


def test_a_legal_hold_does_not_keep_the_typed_tails(alice_typing, olivia, leo, redis_clean):
    employee = alice_typing.employee
    legal_hold_create(actor=leo, matter="M-1", reason="claim", custodians=[employee])
    job = erasure_job_create(employee=employee, cause=ErasureCause.OFFICER, actor=olivia)

    job = drive(job)

    assert job.state == "blocked_by_hold"  # the events are held
    assert job.steps.get(store="typed_tails").state == "verified"
    assert tails_left(redis_clean, employee.subject_id) == []


def test_a_typed_tail_is_exported_by_pseudonym_and_session_digest(alice_typing, device):
    employee = alice_typing.employee
    rows = list(store("typed_tails").export(employee.subject_id))

    assert [r["typed_tail"] for r in rows] == ["see you at noon"] * 2
    assert {r["device_id"] for r in rows} == {device[0].pk}
    assert not {r["session"] for r in rows} & set(SESSIONS)
    assert all(r["last_typed_at"] for r in rows)


def test_a_typed_tail_expires_within_the_configured_time(alice_typing, device, redis_clean):
    assert settings.INGEST_TYPED_TAIL_SECONDS == 600
    subject = alice_typing.employee.subject_id
    for key in [*tail_keys(device[0].pk, subject, SESSIONS[0]), f"portal:typed-sessions:{subject}"]:
        assert 0 < redis_clean.ttl(key) <= 600, key
