"""The ingestion gateway: consent-gated, safeguarded storage of one event batch.

One transaction per batch: claim the batch id, read the employees and their
granted ConsentState rows FOR SHARE (a concurrent withdrawal holds them FOR
UPDATE, so it either commits first and we see it, or waits for our commit and
then owes erasure of what we stored), COPY the accepted rows, and record the
summaries. Nothing of a rejected batch is written.

Typed personal data split across batches: the gateway keeps each session's typed
tail in Redis (the ``typed_tails`` store, at most 128 characters, by subject
pseudonym and a digest of the session id) and, beside it, the stored ``ts`` of the
key_down that typed each of those characters. When a later batch reveals that a
match began in that tail ("john.smith" in one batch, "@example.com" in the
next), the key events of the earlier batches that were stored in clear are
redacted in the transaction that stores the later batch: the session's key_down
and key_up rows from the match's first character to the end of the earlier
batches (the events between two characters of a match), and up to 16 key_downs
right before it that left nothing in the text (Shift, a typo deleted at once),
as within a batch. Rows are found by subject, device, session and ``ts`` as
stored, i.e. after coarsening: key events that share the first character's
coarsened ``ts`` are redacted with it, even one typed just before it (the
conservative side of a tie).
"""

import time
from collections import Counter, defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from psycopg.types.json import Jsonb

from governance.models import CaptureDevice, IngestBatch, Purpose
from governance.models.ingestion import EVENT_TYPE_KIND
from governance.redaction import (
    LEAD_EVENTS,
    Detector,
    carry_over_owners,
    marker,
    redact_keystrokes_across,
)
from governance.services.health import redis_client
from governance.services.ingestion.gate import employees_find, grants_live
from governance.services.ingestion.safeguards import (
    SafeguardPolicy,
    safeguard_policy_load,
    title_hash,
)
from governance.services.ingestion.schema import Batch, Event
from governance.stores import store, typed_tails

KEY_TYPES = ("key_down", "key_up")
CONTEXT_LIMIT = 128  # characters of it


class DropReason:
    """Why an event was not stored. The refusals are tallied per device, application, day
    and reason (DropTally), never per person: who said no, was restricted or used an
    excluded application leaves no trace of it."""

    UNKNOWN_EMPLOYEE = "unknown_employee"
    UNKNOWN_APP = "unknown_app"
    EXCLUDED_APP = "excluded_app"
    EXCLUDED_WINDOW = "excluded_window"
    RESTRICTED = "restricted"
    NO_CONSENT = "no_consent"
    # Dated outside the window the settings allow: the device's clock is wrong. Only in
    # the batch's answer and the metrics: the tallies are for what the gate refused.
    OUT_OF_RANGE_TIME = "out_of_range_time"


@dataclass
class IngestResult:
    batch_id: str
    accepted: int
    dropped: dict[str, int]
    redacted: int
    replayed: bool = False
    sessions: set = field(default_factory=set, repr=False)

    def as_json(self) -> dict:
        return {
            "batch_id": self.batch_id,
            "accepted": self.accepted,
            "dropped": self.dropped,
            "redacted": self.redacted,
        }


class PurposeInvalid(Exception):
    pass


class QuotaExceeded(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"quota exceeded, retry after {retry_after}s")
        self.retry_after = retry_after


class BatchIdTaken(Exception):
    """The batch id was used by another device."""


def _previous_result(batch: Batch, device: CaptureDevice) -> IngestResult | None:
    row = IngestBatch.objects.filter(batch_id=batch.batch_id).first()
    if row is None:
        return None
    if row.device_id != device.pk:
        raise BatchIdTaken(str(batch.batch_id))
    return IngestResult(str(row.batch_id), row.accepted, row.dropped, row.redacted, replayed=True)


def quota_take(device: CaptureDevice, events: int) -> str:
    """Count events against the device's per-minute quota atomically in Redis; the key."""
    limit = settings.INGEST_QUOTA_EVENTS_PER_MINUTE
    window = int(time.time() // 60)
    key = f"portal:quota:{device.pk}:{window}"
    pipe = redis_client().pipeline()
    pipe.incrby(key, events)
    pipe.expire(key, 120)
    used, _ = pipe.execute()
    if used > limit:
        redis_client().decrby(key, events)  # a refused batch does not use the quota
        raise QuotaExceeded(retry_after=max(1, 60 - int(time.time() % 60)))
    return key


def quota_return(key: str, events: int) -> None:
    """Give back what a batch took that turned out to be a copy of one already stored."""
    pipe = redis_client().pipeline()
    pipe.decrby(key, events)
    pipe.expire(key, 120)
    pipe.execute()


def _purpose(batch: Batch) -> Purpose:
    slug = batch.purpose or settings.INGEST_DEFAULT_PURPOSE
    purpose = Purpose.objects.filter(slug=slug).first()
    if purpose is None or not purpose.consentable:
        raise PurposeInvalid(f"purpose {slug!r} is unknown, disabled or prohibited")
    return purpose


def ingest_batch(*, device: CaptureDevice, batch: Batch) -> IngestResult:
    """Store what consent and the safeguards allow of one batch; the same batch id again
    returns the first result and stores nothing."""
    previous = _previous_result(batch, device)
    if previous is not None:
        return previous
    purpose = _purpose(batch)
    quota_key = quota_take(device, len(batch.events))
    policy = safeguard_policy_load()
    try:
        with transaction.atomic():
            claimed = _claim(batch, device)
            if claimed:
                result = _store(device=device, batch=batch, purpose=purpose, policy=policy)
                IngestBatch.objects.filter(batch_id=batch.batch_id).update(
                    accepted=result.accepted, redacted=result.redacted, dropped=result.dropped
                )
                # Robust: the batch is stored once this runs, so a Redis or broker outage
                # here is logged, not answered as a failure the device would retry for nothing.
                transaction.on_commit(lambda: _after_commit(device, result), robust=True)
    except Exception:
        # Nothing was stored (an outage, most likely): the device's retry must not pay twice.
        with suppress(Exception):
            quota_return(quota_key, len(batch.events))
        raise
    if claimed:
        return result
    # A concurrent request with the same id committed first (the claim waited for its
    # commit and wrote nothing): answer as it did, or 409 if another device sent it. The
    # answer is read outside the block, so no query runs in a transaction marked for
    # rollback.
    quota_return(quota_key, len(batch.events))
    previous = _previous_result(batch, device)
    if previous is None:
        # The claim lost to a committed row with this id, and batch rows are never deleted.
        raise RuntimeError(f"batch {batch.batch_id} was claimed but has no row")
    return previous


def _claim(batch: Batch, device: CaptureDevice) -> bool:
    """Insert the batch row first: a second request with the same id waits here for the
    first to commit, then finds the conflict."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO governance_ingestbatch
                   (batch_id, device_id, received_at, events, accepted, redacted, dropped)
               VALUES (%s, %s, %s, %s, 0, 0, '{}')
               ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id""",
            [batch.batch_id, device.pk, timezone.now(), len(batch.events)],
        )
        return cursor.fetchone() is not None


def _granted(employee_ids: list[int], purpose: Purpose) -> dict[tuple[int, int, int], int]:
    """(employee, application, data kind) → consent version, for live grants, FOR SHARE."""
    rows = grants_live(employee_ids, purpose_id=purpose.pk, lock=True)
    return {(e, a, k): v for e, _, a, k, v in rows}


def _kind_ids() -> dict[str, int]:
    from governance.models import DataKind

    return dict(DataKind.objects.filter(enabled=True).values_list("slug", "pk"))


def time_window(now: datetime) -> tuple[datetime, datetime]:
    """The earliest and latest event time accepted now, clamped to what datetime holds
    (a window set wider than the calendar must not overflow)."""
    try:
        earliest = now - timedelta(seconds=settings.INGEST_MAX_AGE)
    except OverflowError:
        earliest = datetime.min.replace(tzinfo=UTC)
    try:
        latest = now + timedelta(seconds=settings.INGEST_MAX_SKEW)
    except OverflowError:
        latest = datetime.max.replace(tzinfo=UTC)
    return earliest, latest


def _store(
    *, device: CaptureDevice, batch: Batch, purpose: Purpose, policy: SafeguardPolicy
) -> IngestResult:
    events = batch.events
    people = employees_find({e.employee for e in events}, lock=True)
    granted = _granted(sorted({p[0] for p in people.values() if p}), purpose)
    kinds = _kind_ids()
    dropped: Counter = Counter()
    refusals: Counter = Counter()  # (application or None, day, reason) → events
    kept: list[tuple[int, Event, str, int, int, int]] = []  # index, event, subject, app, kind, v
    earliest, latest = time_window(timezone.now())
    for index, event in enumerate(events):
        if not earliest <= event.ts <= latest:
            dropped[DropReason.OUT_OF_RANGE_TIME] += 1
            continue
        person = people[event.employee]
        if person is None:
            dropped[DropReason.UNKNOWN_EMPLOYEE] += 1
            continue
        employee_id, subject, restricted = person
        reason = None
        app = policy.apps.get(event.app)
        kind_id = kinds.get(EVENT_TYPE_KIND[event.type])
        if app is None or not app.enabled:
            reason = DropReason.UNKNOWN_APP
        elif app.excluded:
            reason = DropReason.EXCLUDED_APP
        elif restricted:
            reason = DropReason.RESTRICTED
        elif policy.title_patterns and policy.title_excluded(event.window_title):
            reason = DropReason.EXCLUDED_WINDOW
        else:
            version = granted.get((employee_id, app.pk, kind_id)) if kind_id else None
            if version is None:
                reason = DropReason.NO_CONSENT
        if reason is not None:
            dropped[reason] += 1
            refusals[(app.pk if app else None, event.ts.astimezone(UTC).date(), reason)] += 1
            continue
        kept.append((index, event, subject, app.pk, kind_id, version))
    redactions, earlier = _redact(device, kept, policy)
    rows = _rows(device, batch, purpose, kept, redactions, policy)
    store("events").copy(rows)
    # Matches that began in an earlier batch: redact what that batch stored in clear.
    redacted_earlier = _redact_stored(device, batch, earlier) if earlier else Counter()
    _summaries(kept, redactions, refusals, device, redacted_earlier)
    sessions = {(subject, device.pk, event.session_id) for _, event, subject, *_ in kept}
    return IngestResult(
        batch_id=str(batch.batch_id),
        accepted=len(kept),
        dropped=dict(dropped),
        redacted=sum(1 for r in redactions.values() if r is not None and r is not UNPAIRED)
        + sum(redacted_earlier.values()),
        sessions=sessions,
    )


UNPAIRED = object()  # a key_up whose key_down is not in this batch: its key stays unknown


@dataclass(frozen=True)
class EarlierMatch:
    """A match that began in characters stored with an earlier batch of the session."""

    subject: str
    session_id: str
    detector: Detector
    first: datetime  # stored ts of its first character in the earlier batches
    before: datetime | None  # stored ts of the character before that one, if known
    end: datetime  # the latest stored ts of the session's key events before this batch


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def stored_micros(ts: datetime, resolution_ms: int = 0) -> int:
    """Microseconds since the epoch of ``ts`` as a key event's row stores it: what
    ``SafeguardPolicy.coarsen`` does (milliseconds, floored to the resolution within
    the minute), in integers, as it runs for every character of the typed tail."""
    micros = (ts - _EPOCH) // _MICROSECOND
    if resolution_ms <= 1:
        return micros
    minute = micros - micros % 60_000_000
    millis = (micros - minute) // 1000
    return minute + (millis - millis % resolution_ms) * 1000


def _from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def stamps_encode(end: int | None, stamps: list[int | None]) -> bytes:
    """``end`` and one stamp per tail character (microseconds since the epoch, or
    None) as a JSON array: ``[end, stamp, ...]``."""
    return orjson.dumps([end, *stamps])


def stamps_decode(raw: bytes | str | None, length: int) -> tuple[int | None, list[int | None]]:
    """The inverse of ``stamps_encode``; all unknown unless it has ``length`` stamps."""
    try:
        values = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        values = None
    if not isinstance(values, list) or len(values) != length + 1:
        return None, [None] * length
    return values[0], values[1:]


def _earlier_match(subject, session_id, hits, stamps, end) -> EarlierMatch | None:
    """Where a match revealed by this batch began in the stored tail, if that is known."""
    if end is None:
        return None
    known = [offset for offset, _ in hits if stamps[-offset] is not None]
    if not known:
        return None
    top = max(known)
    before = stamps[-top - 1] if top < len(stamps) else None
    return EarlierMatch(
        subject,
        session_id,
        hits[0][1],
        _from_micros(stamps[-top]),
        None if before is None else _from_micros(before),
        _from_micros(end),
    )


def _redact(device, kept, policy: SafeguardPolicy) -> tuple[dict[int, object], list]:
    """Per kept key event index: the detector whose match covers it, UNPAIRED, or None;
    and the matches that began in characters stored with earlier batches.

    Typed text is reassembled from key_down events per session, in time order.
    A key_up inherits its key_down's verdict; one whose key_down came in an
    earlier batch keeps neither code nor char, since that verdict is unknown here.
    """
    if not policy.detectors:
        return {}, []
    by_session: dict[tuple, list] = defaultdict(list)
    for index, event, subject, *_ in kept:
        if event.type in KEY_TYPES and not event.secure_input and event.key is not None:
            by_session[(subject, event.session_id)].append((event.ts, index, event))
    if not by_session:
        return {}, []
    redis = redis_client()
    pairs = [typed_tails.tail_keys(device.pk, s, sid) for s, sid in by_session]
    keys, stamp_keys = [k for k, _ in pairs], [k for _, k in pairs]
    stored = redis.mget(keys + stamp_keys)
    contexts, stamp_values = stored[: len(keys)], stored[len(keys) :]
    resolution = policy.key_resolution_ms
    result: dict[int, object] = {}
    earlier: list[EarlierMatch] = []
    pipe = redis.pipeline()
    for (subject, session_id), context, raw_stamps, session_keys in zip(
        by_session, contexts, stamp_values, by_session.values(), strict=True
    ):
        session_keys.sort(key=lambda item: (item[0], item[1]))
        downs = [(i, e) for _, i, e in session_keys if e.type == "key_down"]
        strokes = [(e.key.code, e.key.char) for _, e in downs]
        context_text = context.decode() if context else ""
        verdicts, hits = redact_keystrokes_across(strokes, policy.detectors, context=context_text)
        end, stamps = stamps_decode(raw_stamps, len(context_text))
        if hits:
            match = _earlier_match(subject, session_id, hits, stamps, end)
            if match is not None:
                earlier.append(match)
        pressed: dict[str | None, object] = {}
        verdict_of = dict(zip((i for i, _ in downs), verdicts, strict=True))
        for _, index, event in session_keys:
            if event.type == "key_down":
                result[index] = pressed[event.key.code] = verdict_of[index]
            else:
                result[index] = pressed.pop(event.key.code, UNPAIRED)
        tail, sources = carry_over_owners(strokes, context_text, CONTEXT_LIMIT)
        tail_stamps: list[int | None] = []
        for source in sources:
            if source is None:
                tail_stamps.append(None)
            elif source < 0:
                tail_stamps.append(stamps[source])
            else:
                tail_stamps.append(stored_micros(downs[source][1].ts, resolution))
        # Coarsening floors: the latest stays the latest.
        last_micros = stored_micros(session_keys[-1][0], resolution)
        end = last_micros if end is None else max(end, last_micros)
        typed_tails.tail_write(
            pipe,
            device_id=device.pk,
            subject=subject,
            session_id=session_id,
            tail=tail,
            stamps=stamps_encode(end, tail_stamps),
        )
    pipe.execute()
    return result, earlier


def _redact_stored(device, batch, earlier: list[EarlierMatch]) -> Counter:
    """Redact the key events that earlier batches of the session stored in clear for
    matches that began there; per (subject, day, application, data kind), how many."""
    redacted: Counter = Counter()
    for match in earlier:
        rows = store("events").redact_keys(
            device_id=device.pk,
            session_id=match.session_id,
            subject=match.subject,
            first=match.first,
            before=match.before,
            end=match.end,
            batch_id=batch.batch_id,
            lead_events=LEAD_EVENTS,
            char=marker(match.detector),
            redaction=str(match.detector),
        )
        for ts, app_id, kind_id in rows:
            redacted[(match.subject, ts.astimezone(UTC).date(), app_id, kind_id)] += 1
    return redacted


def _rows(device, batch, purpose, kept, redactions, policy: SafeguardPolicy):
    titles: dict[str | None, str | None] = {}
    coarsen = policy.coarsen if policy.key_resolution_ms > 1 else None
    device_id, batch_id, purpose_id = device.pk, batch.batch_id, purpose.pk
    for index, e, subject, app_id, kind_id, version in kept:
        title = e.window_title
        if title not in titles:
            titles[title] = title_hash(title)
        ts = e.ts
        code = char = redaction = None
        if e.type in KEY_TYPES:
            if coarsen is not None:
                ts = coarsen(ts)
            if e.key is not None and not e.secure_input:
                found = redactions.get(index)
                if found is None:
                    code, char = e.key.code, e.key.char
                elif found is not UNPAIRED:
                    # The code (Digit4, KeyJ) would reveal the character too.
                    char, redaction = marker(found), str(found)
        pointer, scroll = e.pointer, e.scroll
        yield (
            ts, subject, purpose_id, app_id, kind_id, e.type, version,
            device_id, e.session_id, batch_id, code, char, redaction,
            pointer.x if pointer else None, pointer.y if pointer else None,
            pointer.button if pointer else None,
            scroll.dx if scroll else None, scroll.dy if scroll else None,
            Jsonb(e.menu.path) if e.menu else None, titles[title],
        )  # fmt: skip


def _summaries(kept, redactions, refusals, device, redacted_earlier: Counter | None = None) -> None:
    """Keep the per-day summaries in step with the rows, in the same transaction.

    ``redacted_earlier``: rows of earlier batches redacted now, per (subject, day,
    application, data kind); they count as redacted, not as new events.
    """
    now = timezone.now()
    activity: dict[tuple, list] = {}
    for index, event, subject, app_id, kind_id, _ in kept:
        key = (subject, event.ts.astimezone(UTC).date(), app_id, kind_id)
        entry = activity.setdefault(key, [0, 0, event.ts])
        entry[0] += 1
        entry[1] += redactions.get(index) not in (None, UNPAIRED)
        entry[2] = max(entry[2], event.ts)
    for key, n in (redacted_earlier or {}).items():
        day: date = key[1]
        # Recorded before, so the day's last_recorded is already later than this.
        entry = activity.setdefault(key, [0, 0, datetime.combine(day, datetime.min.time(), UTC)])
        entry[1] += n
    store("activity").record(
        [(*key, n, r, last) for key, (n, r, last) in sorted(activity.items())],
        # Sorted so that concurrent batches of a device take the tally rows' locks in order.
        [(device.pk, *key, n) for key, n in sorted(refusals.items(), key=_refusal_order)],
    )
    sessions = sorted({(subject, event.session_id) for _, event, subject, *_ in kept})
    if sessions:
        store("sessions").refresh_request(
            [(subject, device.pk, sid, now) for subject, sid in sessions]
        )


def _refusal_order(item) -> tuple:
    (application, day, reason), _ = item
    return (application or 0, day, reason)


LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def _after_commit(device: CaptureDevice, result: IngestResult) -> None:
    """Counters, the device's last-seen time and a nudge to refresh session summaries:
    none is owed to the batch (the summaries' refresh rows are durable and beat re-drives
    them), so a failure here never fails the request."""
    from governance.services.metrics import ingest_counters_add

    ingest_counters_add(result)
    # Outside the batch's transaction, and at most once a minute: updating the device row
    # inside it would serialise every concurrent batch of the device on that row's lock.
    now = timezone.now()
    CaptureDevice.objects.filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - LAST_SEEN_RESOLUTION), pk=device.pk
    ).update(last_seen_at=now)
    if result.sessions:
        from governance.tasks.ingestion import sessions_refresh

        sessions_refresh.delay()
