"""Ed25519 signatures for receipts, so anyone holding the public key can check them."""

import base64
import hashlib
from functools import lru_cache

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=1)
def signing_key() -> Ed25519PrivateKey:
    """The key from RECEIPT_SIGNING_KEY (32-byte seed, base64url), else derived from SECRET_KEY."""
    if settings.RECEIPT_SIGNING_KEY:
        seed = _unb64(settings.RECEIPT_SIGNING_KEY)
    else:
        seed = hashlib.sha256(b"portal-receipts:" + settings.SECRET_KEY.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_b64() -> str:
    raw = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return _b64(raw)


def canonical(document: dict) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def sign_document(document: dict) -> dict:
    """Return the document with a `signature` over its canonical JSON (without the signature)."""
    body = {k: v for k, v in document.items() if k != "signature"}
    signature = signing_key().sign(canonical(body))
    return {**body, "signature": {"alg": "Ed25519", "value": _b64(signature)}}


def verify_document(document: dict, public_key: str | None = None) -> bool:
    signature = document.get("signature") or {}
    if signature.get("alg") != "Ed25519" or "value" not in signature:
        return False
    body = {k: v for k, v in document.items() if k != "signature"}
    key = Ed25519PublicKey.from_public_bytes(_unb64(public_key or public_key_b64()))
    try:
        key.verify(_unb64(signature["value"]), canonical(body))
    except (InvalidSignature, ValueError):
        return False
    return True
