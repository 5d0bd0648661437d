"""Signed checkpoints of the audit chain head: idempotent, append-only, signed by the
portal's key, never vouching for a broken chain, and signed by beat's task on a worker."""

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import DatabaseError, connection, transaction

from governance.models import AuditCheckpoint, AuditEvent
from governance.services.audit import audit_record
from governance.services.audit_checkpoints import (
    AuditChainBroken,
    audit_checkpoint_sign,
    checkpoint_document,
    key_id,
    public_key_raw,
)
from governance.services.signing import _unb64, canonical, public_key_b64
from governance.tasks.audit import audit_checkpoint_sign as audit_checkpoint_sign_task
from portal.celery import app
from tests.servers import wait_until


def _record(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            audit_record(actor=None, action="test.event", details={"i": i})


def _head() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


@pytest.mark.django_db
def test_an_empty_chain_has_nothing_to_sign():
    assert audit_checkpoint_sign() is None
    assert AuditCheckpoint.objects.count() == 0


@pytest.mark.django_db
def test_the_head_is_signed_once_until_it_moves():
    _record(3)
    first = audit_checkpoint_sign()
    assert (first.seq, first.head_hash) == (_head().seq, _head().hash)
    assert audit_checkpoint_sign() == first
    assert AuditCheckpoint.objects.count() == 1

    _record(2)
    second = audit_checkpoint_sign()
    assert second.seq == first.seq + 2 and second.head_hash == _head().hash
    assert list(AuditCheckpoint.objects.order_by("seq").values_list("seq", flat=True)) == [
        first.seq,
        second.seq,
    ]


@pytest.mark.django_db
def test_signing_a_checkpoint_adds_no_audit_event():
    _record(2)
    before = AuditEvent.objects.count()
    audit_checkpoint_sign()
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_the_signature_verifies_with_the_key_receipts_publish():
    _record(1)
    checkpoint = audit_checkpoint_sign()
    assert checkpoint.key_id == key_id()
    key = Ed25519PublicKey.from_public_bytes(_unb64(public_key_b64()))
    assert public_key_raw() == _unb64(public_key_b64())
    key.verify(_unb64(checkpoint.signature), canonical(checkpoint_document(checkpoint)))

    checkpoint.head_hash = "f" * 64
    with pytest.raises(InvalidSignature):
        key.verify(_unb64(checkpoint.signature), canonical(checkpoint_document(checkpoint)))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE governance_auditcheckpoint SET head_hash = 'x'",
        "DELETE FROM governance_auditcheckpoint",
        "TRUNCATE governance_auditcheckpoint",
    ],
)
def test_checkpoints_are_append_only(statement):
    _record(1)
    audit_checkpoint_sign()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditCheckpoint.objects.count() == 1


@pytest.mark.django_db
def test_no_checkpoint_vouches_for_a_chain_altered_since_the_last_one():
    _record(2)
    audit_checkpoint_sign()
    _record(3)
    altered = _head().seq - 1
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE governance_auditevent DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE governance_auditevent SET action = 'forged' WHERE seq = %s", [altered]
        )
        cursor.execute("ALTER TABLE governance_auditevent ENABLE TRIGGER USER")
    with pytest.raises(AuditChainBroken) as broken:
        audit_checkpoint_sign()
    assert broken.value.seq == altered
    assert AuditCheckpoint.objects.count() == 1


def test_beat_schedules_the_signing_every_configured_interval(settings):
    entry = app.conf.beat_schedule["audit-checkpoint-sign"]
    assert entry["task"] == audit_checkpoint_sign_task.name
    assert entry["schedule"] == settings.AUDIT_CHECKPOINT_MINUTES * 60.0


@pytest.mark.django_db(transaction=True)
def test_the_task_signs_the_head_on_a_real_worker(celery_worker):
    _record(4)
    audit_checkpoint_sign_task.delay()
    checkpoint = wait_until(
        lambda: AuditCheckpoint.objects.first(), "the worker signed a checkpoint",
        log=celery_worker.log,
    )  # fmt: skip
    assert (checkpoint.seq, checkpoint.head_hash) == (_head().seq, _head().hash)
    audit_checkpoint_sign_task.delay()
    _record(1)
    audit_checkpoint_sign_task.delay()
    wait_until(
        lambda: AuditCheckpoint.objects.filter(seq=_head().seq).exists(),
        "the worker signed the moved head",
        log=celery_worker.log,
    )
    assert AuditCheckpoint.objects.count() == 2
