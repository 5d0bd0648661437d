"""Download links signed for one user in their signed-in session.

A token names one object (an access package, a report) and the user, with a mark
of the user's session hash, so a password change ends every link they hold. It
is read in two steps: whose it is, then whether it has expired, so that an
expired link to one's own file can say so (410) where a foreign one says nothing
(404).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing


@dataclass(frozen=True)
class DownloadLink:
    object_id: object
    expired: bool


def download_token(*, salt: str, key: str, object_id, user) -> str:
    claims = {key: object_id, "u": user.pk, "s": _session_mark(user)}
    return signing.dumps(claims, salt=salt, compress=True)


def download_token_read(
    token: str, *, salt: str, key: str, user, max_age: timedelta
) -> DownloadLink | None:
    """What the link names and whether it has expired; None when it was tampered with,
    or is not this user's in this session."""
    try:
        claims = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    if not isinstance(claims, dict) or claims.get("u") != user.pk:
        return None
    if claims.get("s") != _session_mark(user):
        return None
    try:
        signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        return DownloadLink(claims.get(key), expired=True)
    return DownloadLink(claims.get(key), expired=False)


def _session_mark(user) -> str:
    return user.get_session_auth_hash()[:16]
