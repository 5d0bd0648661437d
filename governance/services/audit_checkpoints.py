"""Signed checkpoints of the audit chain.

Every `AUDIT_CHECKPOINT_MINUTES` a beat task signs the chain head (sequence number
and hash) with the portal's Ed25519 key, the one that signs receipts. Hash links
alone prove only that a chain is self-consistent: whoever can write the table can
rewrite a suffix and recompute every hash after it. A signed head pins the history
up to it: changing anything before a checkpoint would need a signature only the
portal's key can make, and an exported bundle can be checked against it offline.

A checkpoint is deliberately not an audit event. Recording it on the chain would
move the head it has just signed, so the newest checkpoint would never match the
head and every run would find "new" events to sign (its own). Checkpoints are
evidence about the chain, kept beside it in their own append-only table.
"""

import hashlib
import logging
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from governance.models import AuditCheckpoint, AuditEvent
from governance.services.audit import GENESIS_HASH, audit_hash
from governance.services.signing import sign_document, signing_key

logger = logging.getLogger(__name__)

CHECKPOINT_TYPE = "audit-checkpoint"


class AuditChainBroken(Exception):
    """The events since the last checkpoint do not hash as stored: nothing is signed."""

    def __init__(self, seq: int, reason: str):
        super().__init__(f"audit chain broken at seq {seq}: {reason}")
        self.seq = seq
        self.reason = reason


def public_key_raw() -> bytes:
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def public_key_pem() -> bytes:
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def key_id() -> str:
    """Names the signing key: the SHA-256 of its raw public bytes (what a bundle checks)."""
    return hashlib.sha256(public_key_raw()).hexdigest()


def checkpoint_document(checkpoint: AuditCheckpoint) -> dict:
    """What the signature covers (canonical JSON, sorted keys, as for receipts)."""
    return {
        "type": CHECKPOINT_TYPE,
        "seq": checkpoint.seq,
        "hash": checkpoint.head_hash,
        "signed_at": checkpoint.signed_at.astimezone(UTC).isoformat(),
        "key_id": checkpoint.key_id,
    }


def audit_checkpoint_sign() -> AuditCheckpoint | None:
    """Sign the current chain head and store it; None while the chain is empty.

    Idempotent: while the head has not moved, the newest checkpoint is returned and
    nothing is written. Before signing, the events since the previous checkpoint are
    recomputed, so a checkpoint never vouches for a chain that is already broken.

    No lock is needed: the chain's lock is held until commit, so the committed events
    are always a gap-free prefix and the head read here is a real head. Two signers
    racing for the same head insert the same primary key; the second insert is
    ignored and both return the stored row.
    """
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None:
        return None
    head_seq, head_hash = head
    last = AuditCheckpoint.objects.order_by("-seq").first()
    if last is not None and last.seq >= head_seq:
        return last
    _verify_since(last, head_seq)
    checkpoint = AuditCheckpoint(
        seq=head_seq,
        head_hash=head_hash,
        signed_at=_now_to_the_microsecond(),
        key_id=key_id(),
    )
    checkpoint.signature = sign_document(checkpoint_document(checkpoint))["signature"]["value"]
    AuditCheckpoint.objects.bulk_create([checkpoint], ignore_conflicts=True)
    return AuditCheckpoint.objects.get(seq=head_seq)


def _now_to_the_microsecond() -> datetime:
    # PostgreSQL keeps microseconds: the signed text and the stored time must agree.
    return timezone.now().astimezone(UTC)


def _verify_since(last: AuditCheckpoint | None, head_seq: int, chunk_size: int = 5000) -> None:
    expected_seq = last.seq + 1 if last else 1
    expected_prev = last.head_hash if last else GENESIS_HASH
    events = AuditEvent.objects.filter(seq__gte=expected_seq, seq__lte=head_seq).order_by("seq")
    for event in events.iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            _broken(expected_seq, f"sequence gap: found {event.seq}")
        if event.prev_hash != expected_prev:
            _broken(event.seq, "prev_hash does not match the previous hash")
        if audit_hash(event) != event.hash:
            _broken(event.seq, "hash does not match contents")
        expected_prev = event.hash
        expected_seq += 1
    if expected_seq != head_seq + 1:
        _broken(expected_seq, "missing before the head")


def _broken(seq: int, reason: str) -> None:
    logger.error("not signing an audit checkpoint: chain broken at seq %s: %s", seq, reason)
    raise AuditChainBroken(seq, reason)
