"""The audit evidence bundle: a period of the audit chain that anyone can verify offline.

A zip holding
- `events.jsonl`: the events of the period, in sequence, one canonical JSON object a
  line with every field its hash covers, its `prev_hash` and its `hash`. When the period
  ends before the newest checkpoint, the events up to the first checkpoint after it
  follow, so the period's last event is under a signature too. The head is signed before
  the snapshot is opened; an event of the period committed in between is signed by a
  second signing (bounded: a period written to faster ends at the last signed head);
- `checkpoints.jsonl`: the signed checkpoints among those events (those in the period
  and the first after it);
- `manifest.json`: the period and the sequence numbers the bundle holds, signed, so a
  bundle cut short is noticed;
- `public_key.pem`, `verify_bundle.py` (Python and `cryptography` only) and `README.txt`.

Events are read through a server-side cursor inside one REPEATABLE READ snapshot and
compressed as they come: memory does not grow with the period.
"""

import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import BinaryIO

import orjson
from django.db.models import Max, Min
from django.utils import timezone

from governance.models import AuditCheckpoint, AuditEvent
from governance.services.audit import _event_fields
from governance.services.audit_checkpoints import (
    AuditChainBroken,
    audit_checkpoint_sign,
    checkpoint_document,
    key_id,
    public_key_pem,
)
from governance.services.exports import _snapshot
from governance.services.signing import sign_document

MANIFEST_TYPE = "audit-evidence-bundle"
VERIFIER = Path(__file__).with_name("verify_bundle.py")
CHUNK = 5000
# How often the head is signed before a period still being written to ends at the last
# signed head.
SIGN_ATTEMPTS = 3

Progress = Callable[[int, int], None]  # (events written, events to write)


def audit_bundle_write(
    out: BinaryIO, *, date_from: date, date_to: date, progress: Progress | None = None
) -> dict:
    """Write the bundle of the audit events of `date_from`..`date_to` (whole UTC days,
    both included) as a zip into `out`; returns the signed manifest."""
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    start = datetime.combine(date_from, time.min, tzinfo=UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=UTC)
    for attempt in range(1, SIGN_ATTEMPTS + 1):
        # A checkpoint of the head now, so the period's last event is under a signature.
        # The bundle of a broken chain is evidence too (its verifier names the link): no
        # signing then.
        try:
            audit_checkpoint_sign()
        except AuditChainBroken:
            broken = True
        else:
            broken = False
        with _snapshot():
            first, period_last = _period_seqs(start, end)
            checkpoints = _covering_checkpoints(first, period_last)
            if not (_signed_to(checkpoints, period_last) or broken):
                if attempt < SIGN_ATTEMPTS:
                    # An event came between the signing and the snapshot: sign again.
                    continue
                # Events keep coming in the period: it ends at the head as last signed,
                # the moment the bundle was made.
                first, period_last = _cut_at_newest_checkpoint(first)
                checkpoints = _covering_checkpoints(first, period_last)
            return _bundle_write(out, date_from, date_to, first, period_last, checkpoints, progress)
    raise AssertionError("unreachable")  # pragma: no cover


def _signed_to(checkpoints: list[AuditCheckpoint], period_last: int | None) -> bool:
    """Whether the period's last event is under one of `checkpoints` (or there is none)."""
    return period_last is None or bool(checkpoints and checkpoints[-1].seq >= period_last)


def _cut_at_newest_checkpoint(first: int) -> tuple[int | None, int | None]:
    newest = AuditCheckpoint.objects.order_by("-seq").values_list("seq", flat=True).first()
    if newest is None or newest < first:
        return None, None
    return first, newest


def _bundle_write(out, date_from, date_to, first, period_last, checkpoints, progress) -> dict:
    """Write the zip of the events `first`..(the last of `checkpoints`), read in the
    snapshot the caller holds, and return its signed manifest."""
    last = max([period_last, *(c.seq for c in checkpoints)]) if first else None
    manifest = sign_document(
        {
            "type": MANIFEST_TYPE,
            "version": 1,
            "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
            "events": {"first_seq": first, "last_seq": last, "period_last_seq": period_last},
            "checkpoints": len(checkpoints),
            "key_id": key_id(),
            "built_at": timezone.now().isoformat(),
        }
    )
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(manifest))
        archive.writestr("manifest.json", orjson.dumps(manifest, option=_JSON_OPTIONS))
        archive.writestr("public_key.pem", public_key_pem())
        archive.write(VERIFIER, "verify_bundle.py")
        with archive.open("checkpoints.jsonl", "w") as member:
            for checkpoint in checkpoints:
                member.write(_line(_signed_checkpoint(checkpoint)))
        with archive.open("events.jsonl", "w", force_zip64=True) as member:
            _write_events(member, first, last, progress)
    return manifest


_JSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2


def _period_seqs(start: datetime, end: datetime) -> tuple[int | None, int | None]:
    """The first and last sequence numbers of the period. Times follow the sequence (both
    are taken under the chain lock; one transaction's events share a time), so the index
    on the time finds each end, and the sequence breaks the tie at that one time."""
    events = AuditEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    first_at = events.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    if first_at is None:
        return None, None
    last_at = events.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    at_first = AuditEvent.objects.filter(occurred_at=first_at)
    at_last = AuditEvent.objects.filter(occurred_at=last_at)
    return at_first.aggregate(seq=Min("seq"))["seq"], at_last.aggregate(seq=Max("seq"))["seq"]


def _covering_checkpoints(first: int | None, last: int | None) -> list[AuditCheckpoint]:
    if first is None:
        return []
    within = list(AuditCheckpoint.objects.filter(seq__gte=first, seq__lte=last).order_by("seq"))
    after = AuditCheckpoint.objects.filter(seq__gt=last).order_by("seq").first()
    return within + ([after] if after else [])


def _signed_checkpoint(checkpoint: AuditCheckpoint) -> dict:
    return {
        **checkpoint_document(checkpoint),
        "signature": {"alg": "Ed25519", "value": checkpoint.signature},
    }


def _write_events(member, first: int | None, last: int | None, progress: Progress | None):
    if first is None:
        return
    total = last - first + 1
    events = AuditEvent.objects.filter(seq__gte=first, seq__lte=last).order_by("seq")
    written = 0
    for event in events.iterator(chunk_size=CHUNK):
        member.write(_line({**_event_fields(event), "prev_hash": event.prev_hash,
                            "hash": event.hash}))  # fmt: skip
        written += 1
        if progress is not None and written % CHUNK == 0:
            progress(written, total)
    if progress is not None:
        progress(written, total)


def _line(document: dict) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


def _readme(manifest: dict) -> str:
    period, events = manifest["period"], manifest["events"]
    held = (
        f"the events {events['first_seq']}..{events['last_seq']}"
        if events["first_seq"]
        else "no events (none was recorded in the period)"
    )
    return f"""Audit evidence bundle: {period["from"]} to {period["to"]} (UTC days, both included)

This bundle holds {held} of the portal's hash-chained audit log.

Verify it (Python 3.9 or newer and the `cryptography` package, nothing else):

    python -m pip install cryptography
    python verify_bundle.py this-bundle.zip      (or the folder you extracted it to)

It prints "OK: events <first>..<last>, N checkpoints" when everything holds, or names
the first sequence number that does not and exits non-zero.

What it checks, and what that proves:
- events.jsonl: every event's hash is recomputed from its fields (sha256 of the
  previous event's hash followed by the event's canonical JSON: keys sorted, no
  spaces, UTF-8), and each event names the previous one's hash. An altered, missing,
  added or reordered line breaks a link.
- checkpoints.jsonl: the portal signs the head of the chain at regular intervals
  with its Ed25519 key. Every signature is checked, and every signed hash must equal
  the hash of the event with that sequence number. Events up to a checkpoint cannot
  have been rewritten since it was signed, even by someone able to recompute hashes.
- manifest.json: signed too; it names the period and the events the bundle holds, so
  a bundle cut short is noticed.
- public_key.pem: the key all signatures are checked with (key id
  {manifest["key_id"]}: the SHA-256 of its raw bytes). Compare it with the key the
  portal publishes (for example the `publicKey` of any consent or erasure receipt) before
  trusting the result: a bundle signed with some other key proves nothing.
"""
