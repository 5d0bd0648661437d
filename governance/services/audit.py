"""The hash-chained audit log: append inside the caller's transaction, verify by recomputing."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from django.db import transaction
from django.utils import timezone

from governance.models import AuditEvent
from governance.services.locks import lock_audit_chain

GENESIS_HASH = "0" * 64


def _actor_fields(actor) -> tuple[str, str, str]:
    """(actor_type, actor_id, actor_label) for a user, a capture device or the system."""
    from governance.models import CaptureDevice, TrainingPipeline

    if actor is None:
        return AuditEvent.ActorType.SYSTEM, "", "system"
    if isinstance(actor, str):
        return AuditEvent.ActorType.SERVICE, actor, actor
    if isinstance(actor, CaptureDevice):
        return AuditEvent.ActorType.SERVICE, f"device:{actor.pk}", f"device {actor.name}"
    if isinstance(actor, TrainingPipeline):
        return AuditEvent.ActorType.SERVICE, f"pipeline:{actor.pk}", f"pipeline {actor.name}"
    return AuditEvent.ActorType.USER, str(actor.pk), actor.get_username()


def _canonical(fields: dict) -> bytes:
    return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)


def _event_fields(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "subject": event.subject,
        "purpose": event.purpose,
        "details": event.details,
    }


def audit_hash(event: AuditEvent) -> str:
    return hashlib.sha256(event.prev_hash.encode() + _canonical(_event_fields(event))).hexdigest()


def audit_record(
    *,
    actor,
    action: str,
    target=None,
    subject: str = "",
    purpose: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain in the current transaction.

    Call it inside the transaction of the change it records, so the change and
    its audit row commit or roll back together. Inside `audits_last()` the row
    is written when that block ends; the event returned is complete from then on.
    """
    actor_type, actor_id, actor_label = _actor_fields(actor)
    event = AuditEvent(
        actor_type=actor_type,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        target_type=target.__class__.__name__ if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        subject=subject,
        purpose=purpose,
        # Stored JSON must hash the same after a round trip through jsonb.
        details=orjson.loads(orjson.dumps(details or {}, default=str)),
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(event)
    else:
        _chain_append([event])
    return event


_pending: ContextVar[list[AuditEvent] | None] = ContextVar("audit_pending", default=None)


@contextmanager
def audits_last() -> Iterator[None]:
    """Write the audit rows recorded inside this block when it ends, in order.

    Every audited change takes the one chain lock and keeps it until commit. A
    transaction that audits and then waits for another lock (the next person's
    consent lock, a row a foreign key must share) can deadlock with one that
    holds that lock and waits for the chain. Changes that lock as they go wrap
    their body in this, inside their transaction, so the chain lock comes last.

    Inside the block an event has no `seq` yet. The block writes what was recorded
    in it whatever happened to inner savepoints: keep it around whole changes, not
    around a nested `atomic()` whose failure is caught.
    """
    if _pending.get() is not None:
        yield  # an enclosing block writes them
        return
    pending: list[AuditEvent] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if pending:
        _chain_append(pending)


def _chain_append(events: list[AuditEvent]) -> None:
    # No savepoint: the audit rows live or die with the caller's transaction.
    with transaction.atomic(savepoint=False):
        # One lock orders the whole chain: read the head, insert, commit.
        lock_audit_chain()
        head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
        now = timezone.now()
        for event in events:
            event.seq, event.prev_hash, event.occurred_at = seq, prev_hash, now
            event.hash = prev_hash = audit_hash(event)
            seq += 1
        # One INSERT for the lot: a batch of changes holds the chain lock briefly.
        AuditEvent.objects.bulk_create(events)


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    count: int
    first_bad_seq: int | None = None
    reason: str = ""
    head_seq: int | None = None
    head_hash: str | None = None
    verified_at: datetime | None = None


def audit_verify(*, chunk_size: int = 5000) -> ChainVerification:
    """Recompute every hash from the genesis; report the first link that does not hold.

    The table's triggers stop the application from changing rows, but a
    superuser can disable them, so the stored hashes are never trusted.
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    last_hash = None
    rows = AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size)
    for event in rows:
        if event.seq != expected_seq:
            return ChainVerification(
                False,
                count,
                expected_seq,
                f"sequence gap: expected {expected_seq}, found {event.seq}",
            )
        if event.prev_hash != expected_prev:
            return ChainVerification(False, count, event.seq, "prev_hash does not match")
        if audit_hash(event) != event.hash:
            return ChainVerification(False, count, event.seq, "hash does not match contents")
        expected_prev = event.hash
        expected_seq += 1
        count += 1
        last_hash = event.hash
    return ChainVerification(
        True,
        count,
        head_seq=expected_seq - 1 if count else None,
        head_hash=last_hash,
        verified_at=timezone.now(),
    )
