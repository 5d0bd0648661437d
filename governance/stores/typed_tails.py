"""The typed-text tails in Redis: the last characters a person typed in each session.

The ingestion gateway keeps, per capture session, up to 128 characters of what
was typed and the stored time of each, so that personal data typed across two
batches ("john.smith" in one, "@example.com" in the next) is redacted in both.
That is plaintext of what someone typed: personal data, so it is a store like
any other, counted, exported, erased with the person and expiring by itself.

Layout, one subject's keys found without reading anyone else's:

    portal:typed:{subject}:{device}:{session}      the tail (text)
    portal:typed-ts:{subject}:{device}:{session}   its stamps (JSON)
    portal:typed-sessions:{subject}                 a set of "{device}:{session}"

`subject` is the pseudonym every store keys by (never an email or an employee
number); `session` is a keyed digest of the session id the device sent, which
a client may well build from a user or host name. The set lives as long as the
newest tail it names; members whose tail expired are dropped when met.

How long: `INGEST_TYPED_TAIL_SECONDS` (default 10 minutes) after the session's
last batch. A tail only matters to the next batch of its session: a client
sends one every few seconds while someone types, and a match split across two
batches is typed seconds apart (the tests pause 20 s mid card number). Ten
minutes also covers a batch a client holds back through a short outage and
retries (a 503 says `Retry-After`); a gap longer than that loses only the
joining of a match across it, never a match inside one batch.

Legal holds do not apply here: a hold preserves records, and this is a
redaction buffer that Redis drops within minutes whatever a hold says; the
key events it was read from are in the events store, where holds keep them.
"""

import hashlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import ClassVar

import orjson
import redis
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from governance.stores.base import EVERYTHING, SubjectScope, register
from governance.stores.holds import HoldWindow

TTL = settings.INGEST_TYPED_TAIL_SECONDS
KEY_KIND = "key"  # the data kind the tails are made of
OUTAGE_WAIT = 20.0  # seconds a count, export or erasure waits for Redis to come back


def _patiently(call: Callable):
    """`call(client)`, waiting out a short Redis outage (a restart, a failover). An
    erasure cannot verify without reading Redis; failing at once would leave the step to
    the reconciler's next pass, while everything else of the job goes on without Redis.
    A longer outage raises, and the step is retried like any other."""
    deadline = time.monotonic() + OUTAGE_WAIT
    while True:
        try:
            return call(_redis())
        except (redis.ConnectionError, redis.TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _redis():
    from governance.services.health import redis_client

    return redis_client()


@cache
def _digest_key() -> bytes:
    return hashlib.sha256(b"typed-tail-session:" + settings.SECRET_KEY.encode()).digest()


def _session_digest(session_id: str) -> str:
    return hashlib.blake2b(session_id.encode(), digest_size=12, key=_digest_key()).hexdigest()


def _index_key(subject: str) -> str:
    return f"portal:typed-sessions:{subject}"


def _member_keys(subject: str, member: str) -> tuple[str, str]:
    return f"portal:typed:{subject}:{member}", f"portal:typed-ts:{subject}:{member}"


def tail_keys(device_id: int, subject: str, session_id: str) -> tuple[str, str]:
    """The keys of one session's tail and of its stamps."""
    return _member_keys(subject, f"{device_id}:{_session_digest(session_id)}")


def tail_write(
    pipe, *, device_id: int, subject: str, session_id: str, tail: str, stamps: bytes
) -> None:
    """Queue on `pipe` (a MULTI pipeline: all or nothing) the session's new tail, its
    stamps, and its name in the subject's set, each for TTL seconds."""
    member = f"{device_id}:{_session_digest(session_id)}"
    text_key, stamps_key = _member_keys(subject, member)
    pipe.set(text_key, tail, ex=TTL)
    pipe.set(stamps_key, stamps, ex=TTL)
    pipe.sadd(_index_key(subject), member)
    pipe.expire(_index_key(subject), TTL)


def _key_kind_id() -> int | None:
    from governance.models import DataKind

    return DataKind.objects.filter(slug=KEY_KIND).values_list("pk", flat=True).first()


def _in_scope(scope: SubjectScope) -> bool:
    """A tail is key data of a session that may span applications and purposes: any
    scope with the key kind takes all of the subject's tails (the safe side)."""
    return scope.data_kind_ids is None or _key_kind_id() in scope.data_kind_ids


def _members(client, subject: str) -> list[str]:
    return sorted(m.decode() for m in client.sscan_iter(_index_key(subject), count=500))


@register
class TypedTailsStore:
    name = "typed_tails"
    description = _(
        "The last characters you typed in each capture session (at most 128), kept in "
        "Redis for minutes so personal data typed across two batches is redacted in both"
    )
    models: ClassVar[tuple] = ()  # Redis keys, no table
    stage = 0
    retained: ClassVar[tuple] = ()  # Redis expires each tail by itself (TTL)
    serves = _("Redacting personal data you type, for every purpose")
    holdable = False  # a redaction buffer, not a record: a hold naming it is refused
    kept_for = (
        format_lazy(
            _("{minutes} minutes after the last batch of the session, then deleted by Redis"),
            minutes=TTL // 60,
        )
        if TTL % 60 == 0
        else format_lazy(
            _("{seconds} seconds after the last batch of the session, then deleted by Redis"),
            seconds=TTL,
        )
    )

    def count(self, subject: str, scope: SubjectScope = EVERYTHING, *, just_erased=False) -> int:
        """Tails (one per session) in scope."""
        if not _in_scope(scope):
            return 0
        return _patiently(lambda client: _count(client, subject))

    def estimate(self, subject: str, scope: SubjectScope = EVERYTHING) -> None:
        return None  # a few keys: one batch, then the exact figure

    def export(self, subject: str, scope: SubjectScope = EVERYTHING) -> Iterator[dict]:
        if not _in_scope(scope):
            return
        members, values = _patiently(lambda client: _read(client, subject))
        for index, member in enumerate(members):
            text, stamps = values[2 * index], values[2 * index + 1]
            if text is None:
                continue  # expired since the set was read
            device, session = member.split(":", 1)
            try:
                last = orjson.loads(stamps)[0] if stamps else None
            except orjson.JSONDecodeError:
                last = None
            yield {
                "device_id": int(device),
                "session": session,  # a digest of the session id, as kept
                "typed_tail": text.decode(),
                "last_typed_at": None if last is None else _micros_iso(last),
            }

    def count_held(self, subject: str, scope: SubjectScope, holds: list[HoldWindow]) -> int:
        return 0  # see the module docstring: no hold keeps a redaction buffer

    def erase_batch(
        self,
        subject: str,
        scope: SubjectScope,
        holds: list[HoldWindow],
        limit: int,
        position: object = None,
    ) -> tuple[int, object]:
        """Delete every tail of the subject in one MULTI; members are removed from the
        set by name, so a tail the gateway writes meanwhile stays findable."""
        if not _in_scope(scope):
            return 0, None
        return _patiently(lambda client: _erase(client, subject)), None

    def purge_expired(self, now: datetime, holds: dict[str, list[HoldWindow]]) -> tuple[int, int]:
        """Nothing to do: Redis deletes each tail TTL seconds after it was written."""
        return 0, 0


def _count(client, subject: str) -> int:
    members = _members(client, subject)
    if not members:
        return 0
    return client.exists(*(_member_keys(subject, m)[0] for m in members))


def _read(client, subject: str) -> tuple[list[str], list]:
    """The subject's members and, for each, its tail and stamps (None when expired)."""
    members = _members(client, subject)
    if not members:
        return [], []
    return members, client.mget([k for m in members for k in _member_keys(subject, m)])


def _erase(client, subject: str) -> int:
    """Delete every tail of the subject in one MULTI; members are removed from the set by
    name, so a tail the gateway writes meanwhile stays findable. Returns tails deleted."""
    members = _members(client, subject)
    if not members:
        return 0
    pipe = client.pipeline()
    pipe.delete(*(_member_keys(subject, m)[0] for m in members))
    pipe.delete(*(_member_keys(subject, m)[1] for m in members))
    pipe.srem(_index_key(subject), *members)
    erased, *_ = pipe.execute()
    return erased


def _micros_iso(micros: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)).isoformat()
