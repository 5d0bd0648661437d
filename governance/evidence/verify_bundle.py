#!/usr/bin/env python3
"""Verify an audit evidence bundle of the interaction data governance portal.

    python verify_bundle.py bundle.zip        (or the folder it was extracted to)

Needs only Python 3.9+ and the `cryptography` package. It checks, without trusting
anything in the bundle but the public key you compare with the portal's:

- the manifest is signed by that key and names the events the bundle must hold;
- every event's hash is recomputed from its fields exactly as the portal computes it
  (sha256 of the previous hash and the event's canonical JSON), and every event links
  to the one before it, in sequence, none missing;
- every checkpoint is signed by that key, and the hash it signed is the hash of the
  event with its sequence number.

It prints `OK: events <first>..<last>, N checkpoints` and exits 0, or names the first
sequence number that does not hold and exits 1 (2 when the bundle cannot be read).
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import zipfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "subject",
    "purpose",
    "details",
)
CHECKPOINT_TYPE = "audit-checkpoint"
MANIFEST_TYPE = "audit-evidence-bundle"


class Broken(Exception):
    """The first thing in the bundle that does not hold; `seq` names the event."""

    def __init__(self, seq, reason):
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


class Unreadable(Exception):
    pass


# --- canonical JSON, byte for byte what the portal hashes and signs -------------------
# The portal serialises with orjson (sorted keys, no spaces, UTF-8 unescaped). The
# standard library agrees on everything but small floats: orjson writes 1e-7 where
# Python writes 1e-07, and 0.000015 where Python writes 1.5e-05.


def canonical(value) -> bytes:
    return _encode(value).encode("utf-8")


def _encode(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(f"{_encode(str(k))}:{_encode(v)}" for k, v in items) + "}"
    raise TypeError(f"cannot hash a {type(value).__name__}")


def _float(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return "null"
    text = repr(value)
    if "e-" not in text:
        return text
    mantissa, exponent = text.split("e-")
    if int(exponent) == 5:
        sign = "-" if mantissa.startswith("-") else ""
        return sign + "0.0000" + mantissa.lstrip("-").replace(".", "")
    return f"{mantissa}e-{int(exponent)}"


def event_hash(event: dict) -> str:
    """The hash of one event line: sha256(prev_hash || canonical JSON of its fields)."""
    fields = {name: event[name] for name in HASHED_FIELDS}
    return hashlib.sha256(event["prev_hash"].encode() + canonical(fields)).hexdigest()


# --- reading a bundle ----------------------------------------------------------------


class Bundle:
    """A bundle zip or the folder it was extracted to."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = None
        if path.is_file():
            try:
                self.zip = zipfile.ZipFile(path)
            except zipfile.BadZipFile as exc:
                raise Unreadable(f"{path} is not a zip file: {exc}") from exc
        elif not path.is_dir():
            raise Unreadable(f"{path} does not exist")

    def open(self, name: str):
        try:
            if self.zip is not None:
                return self.zip.open(name)
            return (self.path / name).open("rb")
        except (KeyError, FileNotFoundError) as exc:
            raise Unreadable(f"the bundle has no {name}") from exc

    def read(self, name: str) -> bytes:
        with self.open(name) as handle:
            return handle.read()

    def lines(self, name: str):
        """(line number, parsed object) for each non-empty line, streamed."""
        with self.open(name) as handle:
            for number, raw in enumerate(handle, start=1):
                if raw.strip():
                    yield number, raw


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_key(bundle: Bundle):
    try:
        key = serialization.load_pem_public_key(bundle.read("public_key.pem"))
    except ValueError as exc:
        raise Unreadable(f"public_key.pem is not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise Unreadable("public_key.pem is not an Ed25519 key")
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key, hashlib.sha256(raw).hexdigest()


def key_text(key) -> str:
    """The key as the portal prints it in receipts (`publicKey`: raw bytes, base64url)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed_ok(document: dict, key) -> bool:
    signature = document.get("signature") or {}
    if not isinstance(signature, dict) or signature.get("alg") != "Ed25519":
        return False
    body = {k: v for k, v in document.items() if k != "signature"}
    try:
        key.verify(_b64(str(signature.get("value", ""))), canonical(body))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def load_manifest(bundle: Bundle, key, key_id: str) -> dict:
    try:
        manifest = json.loads(bundle.read("manifest.json"))
    except ValueError as exc:
        raise Unreadable(f"manifest.json is not JSON: {exc}") from exc
    if manifest.get("type") != MANIFEST_TYPE or manifest.get("key_id") != key_id:
        raise Broken(None, "manifest.json is not a bundle manifest signed with public_key.pem")
    if not signed_ok(manifest, key):
        raise Broken(None, "manifest.json: signature does not verify (altered or forged)")
    return manifest


def load_checkpoints(bundle: Bundle, key, key_id: str) -> dict:
    """seq -> signed hash, every signature checked."""
    signed = {}
    previous = None
    for number, raw in bundle.lines("checkpoints.jsonl"):
        try:
            checkpoint = json.loads(raw)
            seq = checkpoint["seq"]
        except (ValueError, KeyError, TypeError) as exc:
            raise Broken(None, f"checkpoints.jsonl line {number} is not a checkpoint") from exc
        if checkpoint.get("type") != CHECKPOINT_TYPE:
            raise Broken(seq, f"checkpoints.jsonl line {number} is not a checkpoint")
        if checkpoint.get("key_id") != key_id:
            raise Broken(seq, f"checkpoint at seq {seq} names a key other than public_key.pem")
        if not signed_ok(checkpoint, key):
            raise Broken(seq, f"checkpoint at seq {seq}: signature does not verify")
        if previous is not None and seq <= previous:
            raise Broken(seq, f"checkpoint at seq {seq} is out of order")
        signed[seq] = checkpoint["hash"]
        previous = seq
    return signed


def check_events(bundle: Bundle, first: int | None, last: int | None, signed: dict):
    """Stream events.jsonl; returns (first seq, last seq, events read)."""
    expected_seq, expected_prev, count = first, None, 0
    for number, raw in bundle.lines("events.jsonl"):
        try:
            event = json.loads(raw)
            seq = event["seq"]
            stated = event["hash"]
            recomputed = event_hash(event)
        except (ValueError, KeyError, TypeError) as exc:
            raise Broken(expected_seq, f"events.jsonl line {number} is not a whole event") from exc
        if expected_seq is None:
            raise Broken(seq, f"seq {seq}: the manifest lists no events for this bundle")
        if seq != expected_seq:
            raise Broken(
                expected_seq,
                f"seq {expected_seq} is missing or out of order "
                f"(events.jsonl line {number} holds seq {seq})",
            )
        if seq == 1 and event["prev_hash"] != GENESIS_HASH:
            raise Broken(seq, "seq 1 does not start from the genesis hash")
        if expected_prev is not None and event["prev_hash"] != expected_prev:
            raise Broken(seq, f"seq {seq} does not link to seq {seq - 1} (prev_hash differs)")
        if recomputed != stated:
            raise Broken(seq, f"seq {seq}: its contents do not match its hash (altered)")
        if seq in signed and signed[seq] != stated:
            raise Broken(seq, f"seq {seq}: its hash differs from the signed checkpoint")
        expected_prev, expected_seq, count = stated, seq + 1, count + 1
    found_last = expected_seq - 1 if count else None
    if last is not None and (found_last is None or found_last < last):
        missing = expected_seq if expected_seq is not None else first
        raise Broken(missing, f"seq {missing} is missing: the manifest lists events to {last}")
    if last is not None and found_last > last:
        raise Broken(last + 1, f"seq {last + 1}: more events than the manifest lists")
    return first, found_last, count


def verify(path: Path) -> str:
    bundle = Bundle(path)
    key, key_id = load_key(bundle)
    manifest = load_manifest(bundle, key, key_id)
    first, last = manifest["events"]["first_seq"], manifest["events"]["last_seq"]
    signed = load_checkpoints(bundle, key, key_id)
    first, last, count = check_events(bundle, first, last, signed)
    if count == 0:
        if signed:
            raise Broken(min(signed), "checkpoints but no events")
        return "OK: no events in this period, 0 checkpoints"
    for seq in sorted(signed):
        if not first <= seq <= last:
            raise Broken(seq, f"checkpoint at seq {seq} is outside the events {first}..{last}")
    count = len(signed)
    message = f"OK: events {first}..{last}, {count} checkpoint{'' if count == 1 else 's'}"
    anchored = max(signed) if signed else None
    if anchored != last:
        after = f"after seq {anchored}" if anchored else "in this bundle"
        message += f"\nnote: the events {after} are linked but not yet under a signed checkpoint"
    return message + f"\nsigned with public key {key_text(key)} (compare it with the portal's)"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python verify_bundle.py BUNDLE.zip|FOLDER", file=sys.stderr)
        return 2
    try:
        print(verify(Path(argv[1])))
    except Unreadable as exc:
        print(f"CANNOT VERIFY: {exc}", file=sys.stderr)
        return 2
    except Broken as exc:
        where = f"seq {exc.seq}" if exc.seq is not None else "the bundle"
        print(f"FAILED at {where}: {exc.reason}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
